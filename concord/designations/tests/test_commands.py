"""The designations commands: import_list, harmonise, export_list, screen and score_pairs."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from concord.core.models import AuditEvent, Role
from concord.core.tests.cli import clean_env, run_concord
from concord.core.tests.factories import UserFactory
from concord.designations import services
from concord.designations.matching.bulk import RESULT_COLUMNS
from concord.designations.models import Entry, ListVersion
from concord.designations.queries import organisation_id
from concord.designations.tests.factories import KZ_BASIS, csv_bytes, isil_group

pytestmark = pytest.mark.django_db

GOOD_CSV = csv_bytes(
    [
        ["KZ-1", "Исламское государство", "ИГИЛ@ru", "ru", "2015-10-15", KZ_BASIS, "listed"],
        ["KZ-2", "Талибан", "", "ru", "2015-10-15", KZ_BASIS, "listed"],
    ]
)
BAD_CSV = csv_bytes(
    [
        ["KZ-1", "Исламское государство", "", "ru", "2015-10-15", KZ_BASIS, "listed"],
        ["KZ-2", "", "", "ru", "2015-10-15", KZ_BASIS, "listed"],
        ["KZ-3", "Талибан", "", "xx", "2015-10-15", KZ_BASIS, "listed"],
    ]
)


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def kz_file(tmp_path):
    path = tmp_path / "kz.csv"
    path.write_bytes(GOOD_CSV)
    return path


# --- import_list ---------------------------------------------------------------------------------


def test_import_list_applies_a_version(lists, kz_file):
    out, err = run("import_list", "--state", "kz", "--format", "csv", str(kz_file))

    assert out == "KZ: version 1 imported, 2 entries; added 2\n"
    assert err == ""
    version = ListVersion.objects.get()
    assert (version.filename, version.created_by, version.entry_count) == ("kz.csv", None, 2)
    assert AuditEvent.objects.get(action="designations.import").actor_username == ""


def test_import_list_as_of_and_as_user(lists, kz_file, kz_coordinator):
    run("import_list", "--state", "KZ", "--format", "csv", "--as-of", "2026-01-31", "--as",
        "kz-coordinator", str(kz_file))  # fmt: skip

    version = ListVersion.objects.get()
    assert (version.as_of, version.created_by) == (date(2026, 1, 31), kz_coordinator)


def test_identical_reimport_says_so(lists, kz_file):
    run("import_list", "--state", "KZ", "--format", "csv", str(kz_file))

    out, _ = run("import_list", "--state", "KZ", "--format", "csv", str(kz_file))

    assert out == "KZ: identical to the current version; nothing imported\n"
    assert ListVersion.objects.count() == 1


def test_dry_run_prints_the_diff_and_applies_nothing(lists, kz_file, tmp_path):
    run("import_list", "--state", "KZ", "--format", "csv", str(kz_file))
    changed = tmp_path / "kz-2.csv"
    changed.write_bytes(
        csv_bytes(
            [
                ["KZ-2", "Движение Талибан", "", "ru", "2015-10-15", KZ_BASIS, "listed"],
                ["KZ-3", "Джабхат ан-Нусра", "", "ru", "", "", "listed"],
            ]
        )
    )

    out, _ = run("import_list", "--state", "KZ", "--format", "csv", "--dry-run", str(changed))

    assert out.splitlines() == [
        "KZ: dry run, 2 entries; added 1, removed 1, renamed 1",
        "  added          KZ-3",
        "  removed        KZ-1",
        "  renamed        KZ-2",
    ]
    assert ListVersion.objects.count() == 1
    assert sorted(Entry.objects.present().values_list("entry_id", flat=True)) == ["KZ-1", "KZ-2"]


def test_refused_file_exits_1_naming_every_problem(lists, tmp_path):
    bad = tmp_path / "kz.csv"
    bad.write_bytes(BAD_CSV)
    err = io.StringIO()

    with pytest.raises(
        CommandError, match=r"kz.csv: refused, 2 problem\(s\); nothing was applied"
    ) as caught:
        call_command("import_list", "--state", "KZ", "--format", "csv", str(bad), stderr=err)

    assert caught.value.returncode == 1
    assert err.getvalue().splitlines() == [
        "kz.csv:3 [name]: empty name",
        "kz.csv:4 [language]: unknown language 'xx'",
    ]
    assert ListVersion.objects.count() == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--state", "XX"], r"unknown list XX \(known: KZ, RU, UN\)"),
        (
            ["--state", "RU", "--as", "kz-coordinator"],
            "only a coordinator of RU may change the RU list",
        ),
        (["--state", "KZ", "--as", "ghost"], "no active user 'ghost'"),
    ],
    ids=["unknown-state", "other-states-list", "unknown-user"],
)
def test_bad_arguments_exit_2(lists, kz_file, kz_coordinator, args, message):
    with pytest.raises(CommandError, match=message) as caught:
        run("import_list", "--format", "csv", *args, str(kz_file))

    assert caught.value.returncode == 2
    assert ListVersion.objects.count() == 0


def test_missing_file_exits_2(lists, tmp_path):
    with pytest.raises(CommandError, match="no such file") as caught:
        run("import_list", "--state", "KZ", "--format", "csv", str(tmp_path / "none.csv"))

    assert caught.value.returncode == 2


def test_import_list_in_a_real_process(tmp_path):
    """The exit codes as a shell sees them, against a fresh database."""
    env = clean_env(CONCORD_VAR_DIR=str(tmp_path))
    bad = tmp_path / "un.csv"
    bad.write_bytes(BAD_CSV)
    assert run_concord("migrate", "--verbosity", "0", env=env).returncode == 0

    refused = run_concord("import_list", "--state", "UN", "--format", "csv", str(bad), env=env)
    unknown = run_concord("import_list", "--state", "XX", "--format", "csv", str(bad), env=env)

    assert refused.returncode == 1
    assert refused.stderr.splitlines() == [
        "un.csv:3 [name]: empty name",
        "un.csv:4 [language]: unknown language 'xx'",
        "CommandError: un.csv: refused, 2 problem(s); nothing was applied",
    ]
    assert (unknown.returncode, unknown.stderr) == (
        2,
        "CommandError: unknown list XX (known: UN)\n",
    )


# --- harmonise -----------------------------------------------------------------------------------


def test_harmonise_prints_its_report(unharmonised):
    out, _ = run("harmonise")

    assert re.fullmatch(
        r"6 entries, 3 candidate pairs scored: 1 merged automatically, 2 queued for review, "
        r"0 blocked by a negative judgement \(\d+\.\d+ s\)\n",
        out,
    ), out


def test_harmonise_as_a_viewer_is_refused(unharmonised, agency_kz):
    UserFactory(username="kz-viewer", agency=agency_kz, role=Role.VIEWER)

    with pytest.raises(PermissionDenied, match="only analysts, coordinators and the Secretariat"):
        run("harmonise", "--as", "kz-viewer")


# --- export_list ---------------------------------------------------------------------------------


@pytest.fixture
def published(unharmonised, secretariat_user):
    services.harmonise(acting_user=None)
    return services.publish(acting_user=secretariat_user)


@pytest.mark.parametrize(
    ("fmt", "start"),
    [("json", b"{"), ("csv", b"\xef\xbb\xbf"), ("xlsx", b"PK"), ("ftm", b"{"), ("pdf", b"%PDF")],
)
def test_export_list_writes_every_format(published, tmp_path, fmt, start):
    target = tmp_path / f"single.{fmt}"

    out, _ = run("export_list", "--format", fmt, str(target))

    content = target.read_bytes()
    assert out == f"version 1 written to {target} ({len(content)} bytes)\n"
    assert content.startswith(start)


def test_export_list_json_has_clusters_with_entries_and_recognition(published, tmp_path):
    target = tmp_path / "single.json"

    run("export_list", "--format", "json", "--version", "1", str(target))

    snapshot = json.loads(target.read_text(encoding="utf-8"))
    isil = next(o for o in snapshot["organisations"] if o["id"] == organisation_id(["kz:KZ-1"]))
    assert (snapshot["version"], snapshot["states"], len(snapshot["organisations"])) == (
        1,
        ["KZ", "RU"],
        5,
    )
    assert isil["entries"] == [
        {
            "list": "KZ",
            "entry_id": "KZ-1",
            "uid": "kz:KZ-1",
            "name": "Исламское государство",
            "status": "listed",
        },
        {
            "list": "RU",
            "entry_id": "RU-1",
            "uid": "ru:RU-1",
            "name": "Исламского государства",
            "status": "listed",
        },
    ]
    assert isil["recognition"]["KZ"] == {
        "listed": True,
        "entry_id": "KZ-1",
        "listed_on": "2015-10-15",
        "legal_basis": KZ_BASIS,
        "status": "listed",
        "delisted_on": None,
    }
    assert (isil["name_ru"], isil["name_en"], isil["in_single_list"]) == (
        "Исламское государство",
        "Islamic State",
        True,
    )


def test_export_list_without_a_publication_exits_2(unharmonised, tmp_path):
    with pytest.raises(CommandError, match=r"has not been published \(any version\)") as caught:
        run("export_list", "--format", "csv", str(tmp_path / "x.csv"))

    assert caught.value.returncode == 2


# --- screen --------------------------------------------------------------------------------------


@pytest.fixture
def harmonised(unharmonised):
    services.harmonise(acting_user=None)


def test_screen_names_prints_json_lines(harmonised, capsys, kz_analyst):
    call_command("screen", "ISIL", "Acme Trading", "--as", "kz-analyst")

    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rows == [
        {
            "name": "ISIL",
            "match": True,
            "score": 0.95,
            "organisation_id": organisation_id(["kz:KZ-1"]),
            "canonical_name_ru": "Исламское государство",
            "canonical_name_en": "Islamic State",
            "matched_name": "Исламское государство",
            "listed_by": "KZ RU",
            "un_reference": "",
            "in_single_list": True,
        },
        {
            "name": "Acme Trading",
            "match": False,
            "score": 0.0,
            "organisation_id": "",
            "canonical_name_ru": "",
            "canonical_name_en": "",
            "matched_name": "",
            "listed_by": "",
            "un_reference": "",
            "in_single_list": False,
        },
    ]
    event = AuditEvent.objects.get(action="designations.screen")
    assert json.loads(event.summary) == {"channel": "cli", "queries": 2, "matched": 1}


def test_screen_names_writes_to_the_commands_stdout(harmonised):
    out, _ = run("screen", "ISIL")

    assert json.loads(out)["organisation_id"] == organisation_id(["kz:KZ-1"])


def test_screen_file_to_csv_with_one_worker(harmonised, tmp_path):
    source = tmp_path / "names.csv"
    source.write_text("id,name\n1,ISIL\n2,Acme Trading\n3,Taliban\n", encoding="utf-8")
    target = tmp_path / "out.csv"

    _, err = run("screen", "--file", str(source), "--out", str(target), "--workers", "1")

    with target.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
    assert tuple(reader.fieldnames) == RESULT_COLUMNS
    assert [(r["name"], r["match"], r["score"], r["listed_by"]) for r in rows] == [
        ("ISIL", "True", "0.95", "KZ RU"),
        ("Acme Trading", "False", "0.0", ""),
        ("Taliban", "True", "1.0", "KZ"),
    ]
    written = re.escape(str(target))
    assert re.fullmatch(
        rf"3 names screened in \d+\.\d s \(\d+/s\), 2 matched; written to {written}\n", err
    ), err


def test_screen_file_to_json_lines(harmonised, tmp_path):
    source = tmp_path / "names.txt"
    source.write_text("ISIL\n\nTaleban\n", encoding="utf-8")
    target = tmp_path / "out.jsonl"

    run("screen", "--file", str(source), "--out", str(target), "--workers", "1")

    rows = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [(r["name"], r["match"]) for r in rows] == [("ISIL", True), ("Taleban", True)]


def test_screen_xlsx_without_a_header_keeps_names_as_written(harmonised, tmp_path):
    workbook = Workbook()
    for name in ("ISIL", "Taliban"):
        workbook.active.append([name])
    source = tmp_path / "names.xlsx"
    workbook.save(source)
    target = tmp_path / "out.csv"

    run("screen", "--file", str(source), "--out", str(target), "--workers", "1")

    with target.open(encoding="utf-8", newline="") as handle:
        assert [r["name"] for r in csv.DictReader(handle)] == ["ISIL", "Taliban"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], r"give NAME\.\.\. or --file IN --out OUT"),
        (["ISIL", "--threshold", "1.5"], r"--threshold must be in \(0, 1\]"),
        (["--file", "names.csv"], "--file needs --out"),
    ],
    ids=["nothing", "threshold", "no-out"],
)
def test_screen_bad_arguments_exit_2(harmonised, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "names.csv").write_text("name\nISIL\n", encoding="utf-8")

    with pytest.raises(CommandError, match=message) as caught:
        run("screen", *args)

    assert caught.value.returncode == 2


# --- score_pairs ---------------------------------------------------------------------------------


def test_score_pairs_adds_score_and_match_columns(db, tmp_path):
    isil_group()
    source = tmp_path / "pairs.csv"
    source.write_text(
        "name1,name2,expected\n"
        "ISIL,Исламское государство,1\n"
        "ISIL – Caucasus Province,ISIL – Yemen Province,0\n"
        "Al-Qaida,Al Qaida,1\n",
        encoding="utf-8",
    )
    target = tmp_path / "scored.csv"

    out, _ = run("score_pairs", "--pairs", str(source), "--out", str(target))

    assert out == f"3 pairs scored into {target}\n"
    assert target.read_text(encoding="utf-8").splitlines() == [
        "name1,name2,expected,score,match",
        "ISIL,Исламское государство,1,0.9500,1",
        "ISIL – Caucasus Province,ISIL – Yemen Province,0,0.5000,0",
        "Al-Qaida,Al Qaida,1,1.0000,1",
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("a,b\nx,y\n", "needs columns name1,name2"),
        ("name1,name2\nx,\n", r"pairs.csv:2: empty name"),
    ],
    ids=["columns", "empty-name"],
)
def test_score_pairs_refusals_exit_2(db, tmp_path, content, message):
    source = tmp_path / "pairs.csv"
    source.write_text(content, encoding="utf-8")

    with pytest.raises(CommandError, match=message) as caught:
        run("score_pairs", "--pairs", str(source), "--out", str(tmp_path / "out.csv"))

    assert caught.value.returncode == 2
