"""Importing files of results: the parser (CSV/XLSX, headers in Russian and English, row
errors) and the all-or-nothing service."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import Workbook, load_workbook

from concord.core.models import AuditEvent
from concord.operations import results_import, services
from concord.operations.models import ResultLine
from concord.operations.results_import import ResultRow, ResultsImportRejected, RowError, parse
from concord.operations.tests.factories import csv_bytes, report

pytestmark = pytest.mark.django_db

ROWS = [
    ("drug_seizure", "heroin", "12,5", "kg", "border post"),
    ("drug_seizure", "гашиш", "1 200", "г", ""),
    ("weapons", "", "3", "шт", ""),
]


def _xlsx(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _import(user, stage, data, *, participant="KZ", filename="kz.csv", dry_run=False):
    return services.import_results(
        acting_user=user,
        stage=stage,
        participant=stage.operation.participants.get(code=participant) if participant else None,
        data=data,
        filename=filename,
        dry_run=dry_run,
    )


def _rejected(user, stage, data, **kwargs) -> list[tuple[int, str, str]]:
    with pytest.raises(ResultsImportRejected) as caught:
        _import(user, stage, data, **kwargs)
    return [(e.row, e.column, e.message) for e in caught.value.errors]


# --- the parser ---------------------------------------------------------------------------------


def test_parse_csv_rows():
    parsed = parse(csv_bytes(ROWS), filename="kz.csv")
    assert (parsed.format, parsed.encoding, parsed.errors) == ("csv", "utf-8", ())
    assert parsed.rows == (
        ResultRow(2, "drug_seizure", "heroin", Decimal("12.500"), "kg", Decimal("12.500000"),
                  "border post"),
        ResultRow(3, "drug_seizure", "hashish", Decimal("1200.000"), "g", Decimal("1.200000")),
        ResultRow(4, "weapons", "", Decimal("3.000"), "items", None),
    )  # fmt: skip


def test_parse_russian_headers_cp1251_and_semicolons():
    data = csv_bytes(
        [("наркотики", "марихуана", "2,5", "т", "")],
        header=("Вид", "Вещество", "Количество", "Ед. изм.", "Примечание"),
        delimiter=";",
        encoding="cp1251",
    )
    parsed = parse(data, filename="kz.csv")
    assert (parsed.encoding, parsed.errors) == ("cp1251", ())
    assert parsed.rows == (
        ResultRow(2, "drug_seizure", "cannabis", Decimal("2.500"), "t", Decimal("2500.000000")),
    )


def test_parse_utf8_with_bom():
    parsed = parse(b"\xef\xbb\xbf" + csv_bytes(ROWS[2:]), filename="kz.csv")
    assert (parsed.encoding, len(parsed.rows), parsed.errors) == ("utf-8-sig", 1, ())


def test_parse_xlsx_numbers_and_text():
    data = _xlsx(
        [
            ["quantity", "unit", "kind", "substance"],
            [12.5, "kg", "drug_seizure", "heroin"],
            ["1 000", "rounds", "ammunition", None],
            [7, "persons", "wanted_found", ""],
        ]
    )
    parsed = parse(data, filename="kz.xlsx")
    assert (parsed.format, parsed.errors) == ("xlsx", ())
    assert [(r.row, r.kind, r.quantity, r.unit) for r in parsed.rows] == [
        (2, "drug_seizure", Decimal("12.500"), "kg"),
        (3, "ammunition", Decimal("1000.000"), "rounds"),
        (4, "wanted_found", Decimal("7.000"), "persons"),
    ]


def test_parse_names_every_bad_row():
    data = csv_bytes(
        [
            ("weapons", "", "2", "kg", ""),
            ("drug_seizure", "heroin", "-5", "kg", ""),
            ("drug_seizure", "tea", "5", "kg", ""),
            ("drug_seizure", "heroin", "five", "kg", ""),
            ("", "", "", "", ""),
            ("drug_seizure", "heroin", "1", "kg", ""),
            ("drug_seizure", "героин", "2", "кг", ""),
            ("detentions", "", "", "persons", ""),
        ]
    )
    parsed = parse(data, filename="bad.csv")
    assert [(r.row, r.kind) for r in parsed.rows] == [(7, "drug_seizure")]
    assert parsed.errors == (
        RowError(2, "unit", "weapons is not counted in kg (use items)"),
        RowError(3, "quantity", "the quantity -5 is negative"),
        RowError(4, "substance", "unknown substance 'tea' (use one of heroin, opium, hashish, "
                 "cannabis, cocaine, methamphetamine, mephedrone, other_synthetic, psychotropic, "
                 "precursors, other)"),
        RowError(5, "quantity", "'five' is not a number"),
        RowError(8, "kind", "the same figure as row 7"),
        RowError(9, "quantity", "required, but empty"),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"kind,quantity\nweapons,1\n", "row 1: missing required columns: unit"),
        (b"kind,quantity,unit,weight\nweapons,1,items,2\n", "row 1: unknown columns: weight"),
        (b"kind,quantity,unit,unit\n", "row 1: columns appear more than once: unit"),
        (b"kind,quantity,unit\n", "file: the file has no rows"),
        (b"kind,quantity,unit\nweapons,1,items,extra\n", "row 2: 4 cells, the header has 3"),
        (b"\xff\xfek\x00", "file: the file is not CSV text (it holds binary data, or is UTF-16)"),
        (b"kind\x98", "file: cannot detect the encoding: use UTF-8 or CP1251"),
        (b"PK\x03\x04broken", "file: the file is not an XLSX workbook"),
    ],
    ids=[
        "missing",
        "unknown",
        "twice",
        "empty",
        "extra-cells",
        "utf16",
        "unknown-encoding",
        "broken-zip",
    ],
)
def test_parse_refuses_a_bad_file(data, message):
    parsed = parse(data, filename="x.csv")
    assert parsed.rows == ()
    assert str(parsed.errors[0]).startswith(message)


def test_parse_refuses_a_zip_bomb(monkeypatch):
    data = results_import.template("xlsx", "en")
    monkeypatch.setattr(results_import, "MAX_UNPACKED_XLSX", 2 * 1024 * 1024 // 1024)
    parsed = parse(data, filename="bomb.xlsx")
    assert [str(e) for e in parsed.errors] == ["file: the workbook unpacks to more than 0 MB"]


def test_parse_refuses_a_zip_without_a_workbook():
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "hi")
    parsed = parse(out.getvalue(), filename="x.xlsx")
    assert [str(e) for e in parsed.errors] == [
        "file: the file is a zip archive without a workbook, not XLSX"
    ]


# --- the template -------------------------------------------------------------------------------


def test_csv_templates_import_as_they_are():
    english = results_import.template("csv", "en")
    russian = results_import.template("csv", "ru")
    assert english.startswith(b"\xef\xbb\xbfkind,substance,quantity,unit,note\r\n")
    assert russian.decode("utf-8-sig").splitlines()[:2] == [
        "вид;вещество;количество;единица;примечание",
        "изъято наркотиков;героин;12,5;кг;",
    ]
    for data in (english, russian):
        parsed = parse(data, filename="template.csv")
        assert parsed.errors == ()
        assert [row.kind for row in parsed.rows] == [
            "drug_seizure", "weapons", "ammunition", "explosives", "criminal_cases",
            "detentions", "wanted_found", "illegal_migrants", "resources_identified",
            "resources_blocked",
        ]  # fmt: skip


def test_xlsx_template(tmp_path):
    data = results_import.template("xlsx", "ru")
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    assert [cell.value for cell in sheet[1]] == [
        "вид", "вещество", "количество", "единица", "примечание"
    ]  # fmt: skip
    assert [cell.value for cell in sheet[2]][:4] == ["изъято наркотиков", "героин", 12.5, "кг"]
    parsed = parse(data, filename="template.xlsx")
    assert (len(parsed.rows), parsed.errors) == (10, ())


def test_template_refuses_an_unknown_format():
    with pytest.raises(ValueError, match="no template pdf/en"):
        results_import.template("pdf", "en")


# --- the service --------------------------------------------------------------------------------


def test_import_results_writes_every_row(stage1, kz_drug_analyst, kz_drug_agency):
    data = csv_bytes(ROWS)
    result = _import(kz_drug_analyst, stage1, data)
    assert result.summary() == {
        "file": "kz.csv",
        "sha256": parse(data, filename="kz.csv").sha256,
        "format": "csv",
        "rows": 3,
        "created": 3,
        "participants": ["KZ"],
        "dry_run": False,
    }
    lines = ResultLine.objects.order_by("pk")
    figures = [(x.participant.code, x.kind, x.substance, x.quantity, x.unit, x.note) for x in lines]
    assert figures == [
        ("KZ", "drug_seizure", "heroin", Decimal("12.500"), "kg", "border post"),
        ("KZ", "drug_seizure", "hashish", Decimal("1200.000"), "g", ""),
        ("KZ", "weapons", "", Decimal("3.000"), "items", ""),
    ]  # fmt: skip
    assert {x.owner_agency_id for x in lines} == {kz_drug_agency.pk}
    assert {tuple(x.shared_bodies.values_list("code", flat=True)) for x in lines} == {("SEC",)}
    (event,) = AuditEvent.objects.filter(action="operations.result.import")
    summary = json.loads(event.summary)
    assert (summary["created"], summary["rows"], summary["stage"], summary["sha256"]) == (
        3, 3, 1, result.sha256
    )  # fmt: skip


def test_import_dry_run_writes_nothing(stage1, kz_drug_analyst):
    result = _import(kz_drug_analyst, stage1, csv_bytes(ROWS), dry_run=True)
    assert (result.rows, result.created, result.dry_run) == (3, 0, True)
    assert ResultLine.objects.count() == 0
    assert not AuditEvent.objects.filter(action="operations.result.import").exists()


def test_import_is_all_or_nothing(stage1, kz_drug_analyst):
    rows = [*ROWS, ("ammunition", "", "-1", "rounds", "")]
    assert _rejected(kz_drug_analyst, stage1, csv_bytes(rows)) == [
        (5, "quantity", "the quantity -1 is negative")
    ]
    assert ResultLine.objects.count() == 0


def test_import_refuses_lines_already_reported(stage1, kz_drug_analyst):
    line = report(kz_drug_analyst, stage1, "KZ", "weapons", 1, "items")
    assert _rejected(kz_drug_analyst, stage1, csv_bytes(ROWS)) == [
        (4, "kind", f"already reported (line {line.pk}): correct that line instead")
    ]
    assert ResultLine.objects.count() == 1


def test_import_with_a_country_column(stage1, stage2, secretariat_user):
    header = ("country", "kind", "quantity", "unit")
    rows = [
        ("AF", "weapons", "1", "items"),
        ("INTERPOL", "wanted_found", "4", "persons"),
        ("KZ", "weapons", "1", "items"),
        ("CN", "weapons", "1", "items"),
        ("", "weapons", "2", "items"),
    ]
    refused = _rejected(secretariat_user, stage1, csv_bytes(rows, header=header), participant=None)
    assert refused == [
        (4, "country", "you may not report figures for KZ"),
        (5, "country", "CN does not take part in this operation"),
        (6, "country", "name the country (the file has no country for this row)"),
    ]  # fmt: skip
    result = _import(secretariat_user, stage1, csv_bytes(rows[:2], header=header), participant=None)
    assert (result.created, result.participants) == (2, ["AF", "INTERPOL"])


def test_import_refuses_a_row_for_a_country_not_in_the_stage(stage2, secretariat_user, ru_analyst):
    stage2.status = "open"
    stage2.save()
    header = ("country", "kind", "quantity", "unit")
    rows = [("RU", "weapons", "1", "items"), ("AF", "weapons", "1", "items")]
    refused = _rejected(
        secretariat_user, stage2, csv_bytes(rows[1:], header=header), participant=None
    )
    assert refused == [(2, "country", "AF did not take part in stage 2")]
    assert _rejected(ru_analyst, stage2, csv_bytes(rows, header=header), participant="RU") == [
        (3, "country", "the file is for RU, this row is for AF")
    ]


def test_import_refuses_who_may_not_report_and_closed_stages(
    stage1, stage2, ru_analyst, kz_drug_analyst, secretariat_user
):
    with pytest.raises(PermissionDenied, match="you may not report figures for"):
        _import(ru_analyst, stage1, csv_bytes(ROWS))
    with pytest.raises(ValidationError, match="stage 2 is closed: it takes no new lines"):
        _import(kz_drug_analyst, stage2, csv_bytes(ROWS))
    stage2.status = "open"
    stage2.save()
    with pytest.raises(ValidationError, match="AF did not take part in stage 2"):
        _import(secretariat_user, stage2, csv_bytes(ROWS), participant="AF")
    assert ResultLine.objects.count() == 0


def test_import_large_file(stage1, kz_drug_analyst):
    """One line per (substance, unit) pair of drugs plus every other kind: the whole vocabulary
    goes through one file."""
    from concord.operations.models import UNITS_BY_KIND, Substance

    rows = [
        (kind, substance, "1", unit, "")
        for kind, units in UNITS_BY_KIND.items()
        for substance in (Substance.values if kind == "drug_seizure" else [""])
        for unit in units
    ]
    result = _import(kz_drug_analyst, stage1, csv_bytes(rows))
    assert (result.rows, result.created, ResultLine.objects.count()) == (78, 78, 78)
