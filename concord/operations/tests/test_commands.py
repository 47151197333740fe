"""`concord import_results`: a file of results for one participant and stage, from the shell."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from concord.operations.models import ResultLine
from concord.operations.tests.factories import csv_bytes

pytestmark = pytest.mark.django_db

ROWS = [("drug_seizure", "героин", "1,5", "кг", ""), ("weapons", "", "2", "шт", "")]


@pytest.fixture
def results_file(tmp_path):
    path = tmp_path / "kz-2017-1.csv"
    path.write_bytes(csv_bytes(ROWS))
    return path


def _run(path, *extra: str, user="kz-drug-analyst", country="KZ", stage="1"):
    call_command(
        "import_results",
        str(path),
        "--operation",
        "channel",
        "--stage",
        stage,
        "--country",
        country,
        "--as",
        user,
        *extra,
    )


def test_import_results_command(results_file, stage1, kz_drug_analyst, capsys):
    _run(results_file)
    assert capsys.readouterr().out == "kz-2017-1.csv: imported: 2 lines for KZ, channel stage 1\n"
    figures = list(ResultLine.objects.values_list("kind", "substance", "quantity", "unit"))
    assert figures == [
        ("drug_seizure", "heroin", Decimal("1.500"), "kg"),
        ("weapons", "", Decimal("2.000"), "items"),
    ]


def test_dry_run_writes_nothing(results_file, stage1, kz_drug_analyst, capsys):
    _run(results_file, "--dry-run")
    assert capsys.readouterr().out == (
        "kz-2017-1.csv: checked (dry run): 2 lines for KZ, channel stage 1\n"
    )
    assert ResultLine.objects.count() == 0


def test_a_refused_file_exits_1_naming_the_rows(tmp_path, stage1, kz_drug_analyst, capsys):
    path = tmp_path / "bad.csv"
    path.write_bytes(
        csv_bytes([*ROWS, ("weapons", "", "-1", "шт", ""), ("weapons", "", "1", "kg", "")])
    )
    with pytest.raises(
        CommandError, match=r"bad\.csv: refused, 2 problem\(s\); nothing was imported"
    ) as caught:
        _run(path)
    assert caught.value.returncode == 1
    assert capsys.readouterr().err.splitlines() == [
        "bad.csv: row 4: quantity: the quantity -1 is negative",
        "bad.csv: row 5: unit: weapons is not counted in kg (use items)",
    ]
    assert ResultLine.objects.count() == 0


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"user": "nobody"}, "no active user 'nobody'"),
        ({"country": "CN"}, "CN does not take part in channel"),
        ({"stage": "7"}, "channel has no stage 7"),
        ({"country": "RU"}, "you may not report figures for Country RU"),
        ({"stage": "2"}, "stage 2 is closed: it takes no new lines"),
    ],
    ids=["unknown-user", "unknown-country", "unknown-stage", "other-state", "closed-stage"],
)
def test_bad_arguments_exit_2(results_file, stage1, stage2, kz_drug_analyst, arguments, message):
    with pytest.raises(CommandError, match=message) as caught:
        _run(results_file, **arguments)
    assert caught.value.returncode == 2
    assert ResultLine.objects.count() == 0


def test_a_missing_file_exits_2(tmp_path, stage1, kz_drug_analyst):
    with pytest.raises(CommandError, match="no such file") as caught:
        _run(tmp_path / "missing.csv")
    assert caught.value.returncode == 2
