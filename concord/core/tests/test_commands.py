"""The `concord` CLI: demo, createuser, token, worker, and production settings checks."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from concord.core import audit
from concord.core.models import Agency, ApiToken, Body, Chairmanship, MemberState, User, hash_token
from concord.core.tests.cli import clean_env, run_concord

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]
ACCOUNT_LINE = re.compile(r"^  (\S+)\s+(\S+)\s+(\S+)\s+(.+)$")


@pytest.fixture(autouse=True)
def _static_root(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"


def _accounts(output: str) -> dict[str, tuple[str, str, str]]:
    rows = [ACCOUNT_LINE.match(line) for line in output.splitlines()[2:]]
    return {m.group(1): (m.group(2), m.group(3), m.group(4)) for m in rows if m}


def test_demo_loads_the_organisation_and_prints_each_password_once(capsys):
    call_command("demo", "--no-serve")
    first = _accounts(capsys.readouterr().out)

    assert sorted(MemberState.objects.values_list("code", flat=True)) == [
        "AM",
        "BY",
        "KG",
        "KZ",
        "RU",
        "TJ",
    ]
    assert Body.objects.get(code="CRC").established_year == 2016
    chair = Chairmanship.objects.get()
    assert (chair.year, chair.state.code, chair.priorities.count()) == (2018, "KZ", 5)
    # 15 of core, 7 CERT analysts of the cyber module, the crisis module's second Centre officer
    assert len(first) == 23
    assert first["kz-analyst"][:2] == ("analyst", "KZ-KNB")
    assert first["tj-coordinator"][:2] == ("coordinator", "TJ-GKNB")
    assert first["crc-analyst"][:2] == ("analyst", "CRC")
    assert (first["admin"][0], first["secretariat"][0]) == ("admin", "secretariat")
    assert User.objects.get(username="ru-analyst").check_password(first["ru-analyst"][2])
    assert first["kg-cert"][:2] == ("analyst", "KG-CERT")
    assert first["crc-duty"][:2] == ("coordinator", "CRC")
    assert len({row[2] for row in first.values()}) == 23  # generated per account


def test_second_demo_run_keeps_everything(capsys):
    call_command("demo", "--no-serve")
    capsys.readouterr()
    counts = (User.objects.count(), Agency.objects.count(), Body.objects.count())
    password_hash = User.objects.get(username="kz-analyst").password

    call_command("demo", "--no-serve")
    second = _accounts(capsys.readouterr().out)

    assert (User.objects.count(), Agency.objects.count(), Body.objects.count()) == counts
    assert User.objects.get(username="kz-analyst").password == password_hash
    assert second["kz-analyst"][2].startswith("(unchanged")
    assert audit.verify().ok is True


def test_demo_password_option_for_scripts(capsys):
    call_command("demo", "--no-serve", "--password", "scripted-pass-123")

    assert User.objects.get(username="admin").check_password("scripted-pass-123")


def test_createuser_prints_a_generated_password(capsys, agency_kz):
    call_command("createuser", "kz-viewer", "--agency", "KZ-KNB", "--role", "viewer")

    out = capsys.readouterr().out.splitlines()
    assert out[0] == "created kz-viewer (viewer, KZ-KNB)"
    password = out[1].removeprefix("password: ")
    assert User.objects.get(username="kz-viewer").check_password(password)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["x", "--agency", "NOPE", "--role", "viewer"], "no agency with code 'NOPE'"),
        (["kz-analyst", "--agency", "KZ-KNB", "--role", "viewer"], "already exists"),
    ],
    ids=["unknown-agency", "duplicate"],
)
def test_createuser_refusals(args, message, kz_analyst):
    with pytest.raises(CommandError, match=message):
        call_command("createuser", *args)


def test_token_create_prints_the_token_once(capsys, kz_analyst):
    call_command("token", "create", "kz-analyst", "--label", "siem")

    raw = capsys.readouterr().out.strip()
    token = ApiToken.objects.get()
    assert (token.label, token.token_hash) == ("siem", hash_token(raw))


def test_token_create_for_unknown_user_fails():
    with pytest.raises(CommandError, match="no active user 'ghost'"):
        call_command("token", "create", "ghost")


def test_production_settings_pass_the_deploy_check(tmp_path):
    env = clean_env(
        DJANGO_SETTINGS_MODULE="config.settings.prod",
        CONCORD_SECRET_KEY="k" * 20 + "-production-secret-key-" + "x" * 30,
        CONCORD_ALLOWED_HOSTS="concord.example.org",
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
    )
    result = run_concord("check", "--deploy", "--fail-level", "WARNING", env=env)

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("missing", ["CONCORD_SECRET_KEY", "CONCORD_ALLOWED_HOSTS", "DATABASE_URL"])
def test_production_refuses_to_start_without_its_settings(missing, tmp_path):
    values = {
        "CONCORD_SECRET_KEY": "s" * 60,
        "CONCORD_ALLOWED_HOSTS": "concord.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
    }
    del values[missing]
    result = run_concord(
        "check", env=clean_env(DJANGO_SETTINGS_MODULE="config.settings.prod", **values)
    )

    assert result.returncode == 1
    assert f"{missing} (or {missing}_FILE) must be set in production" in result.stderr


def test_secret_key_can_come_from_a_file(tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text("f" * 60 + "\n")
    env = clean_env(
        DJANGO_SETTINGS_MODULE="config.settings.prod",
        CONCORD_SECRET_KEY_FILE=str(key_file),
        CONCORD_ALLOWED_HOSTS="concord.example.org",
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
    )
    assert run_concord("check", env=env).returncode == 0


def test_worker_runs_queued_tasks_and_exits_in_batch_mode(tmp_path):
    env = clean_env(CONCORD_VAR_DIR=str(tmp_path))

    assert run_concord("migrate", "--verbosity", "0", env=env).returncode == 0
    worker = run_concord("worker", "--batch", env=env)
    verify = run_concord("audit", "verify", env=env)

    assert worker.returncode == 0, worker.stderr
    assert (verify.returncode, verify.stdout) == (
        0,
        f"audit chain ok: 0 events; head 0:{'0' * 64}\n",
    )
    with sqlite3.connect(tmp_path / "concord.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
