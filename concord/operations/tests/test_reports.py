"""Exports of the statistics (CSV, XLSX) and the PDF report per year and per stage in both
languages, checked against the hand-computed figures of `stats_fixture` (see test_queries)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from pypdf import PdfReader

from concord.operations import queries, reports
from concord.operations.models import ResultKind, Unit
from concord.operations.tests import stats_fixture
from concord.operations.tests.stats_fixture import OpsFixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops(state_kz, state_ru, kz_analyst, ru_analyst, secretariat_user) -> OpsFixture:
    return stats_fixture.build(
        state_kz=state_kz,
        state_ru=state_ru,
        kz_user=kz_analyst,
        ru_user=ru_analyst,
        secretariat=secretariat_user,
    )


def pdf_lines(content: bytes) -> list[str]:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return [" ".join(line.replace("\xa0", " ").split()) for line in text.splitlines()]


def drugs_kg_label() -> str:
    return f"{capfirst(str(ResultKind.DRUG_SEIZURE.label))}, {Unit.KILOGRAM.label}"


def test_csv_rows(ops: OpsFixture):
    content = reports.render_csv(ops.operation, year=2017)

    assert content.startswith("\ufeff".encode())
    assert b"\r\n" in content
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows == [
        list(reports.CSV_COLUMNS),
        ["channel", "2017", "2", "KZ", "drug_seizure", "heroin", "kg", "2.5", "1", "no"],
        ["channel", "2017", "2", "KZ", "detentions", "", "persons", "7", "1", "no"],
        ["channel", "2017", "2", "RU", "drug_seizure", "heroin", "kg", "4", "1", "yes"],
        ["channel", "2017", "2", "UZ", "drug_seizure", "opium", "kg", "10", "1", "no"],
        ["channel", "2017", "2", "UZ", "drug_seizure", "psychotropic", "tablets", "500", "1", "no"],
        ["channel", "2017", "3", "KZ", "drug_seizure", "heroin", "kg", "2", "1", "no"],
        ["channel", "2017", "3", "KZ", "weapons", "", "items", "3", "1", "no"],
        ["channel", "2017", "3", "RU", "drug_seizure", "cocaine", "kg", "0.25", "1", "no"],
        ["channel", "2017", "3", "RU", "drug_seizure", "psychotropic", "l", "1.5", "1", "no"],
        ["channel", "2017", "3", "UZ", "criminal_cases", "", "cases", "4", "1", "no"],
    ]


def test_csv_sums_lines_of_one_figure_in_different_mass_units(ops: OpsFixture):
    # Given a second heroin line of Kazakhstan in stage 3, in grams
    ops.line(3, "KZ", "drug_seizure", "750", "g", "heroin")

    content = reports.render_csv(ops.operation, stage=3)

    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[1] == [
        "channel",
        "2017",
        "3",
        "KZ",
        "drug_seizure",
        "heroin",
        "kg",
        "2.75",
        "2",
        "no",
    ]


def test_xlsx_sheets(ops: OpsFixture):
    content = reports.render_xlsx(ops.operation)

    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["Totals", "Stages", "Participants", "Substances", "Years", "Detail"]
    assert list(book["Totals"].values) == [
        ("Result", "Unit", "Amount"),
        ("drugs seized", "kg", 122.75),
        ("drugs seized", "l", 1.5),
        ("drugs seized", "tablets", 500),
        ("firearms seized", "items", 3),
        ("criminal cases initiated", "cases", 4),
        ("persons detained", "persons", 19),
    ]
    stages = list(book["Stages"].values)
    assert stages[0] == ("Stage", "Year", "Starts", "Ends", "Result", "Unit", "Amount", "Revised")
    assert [row[:2] + row[4:] for row in stages[3:5]] == [
        (2, 2017, "drugs seized", "kg", 16.5, True),
        (2, 2017, "drugs seized", "tablets", 500, True),
    ]
    assert list(book["Years"].values)[1:3] == [
        (2016, "drugs seized", "kg", 104, None),
        (2016, "persons detained", "persons", 12, None),
    ]
    assert ("2017", "drugs seized", "kg", 18.75, -82) in {
        (str(row[0]), *row[1:]) for row in book["Years"].values
    }
    assert list(book["Substances"].values)[-3:] == [
        ("psychotropic substances", "kg", 0),
        ("psychotropic substances", "l", 1.5),
        ("psychotropic substances", "tablets", 500),
    ]
    detail = list(book["Detail"].values)
    assert detail[0] == reports.CSV_COLUMNS
    assert len(detail) == 1 + len(queries.detail(ops.operation)) == 15


def test_formula_like_names_are_inert(ops: OpsFixture):
    participant = ops.participants["INTERPOL"]
    participant.name_en = "=HYPERLINK(1)"
    participant.save()

    content = reports.render_xlsx(ops.operation)

    names = [row[1] for row in load_workbook(io.BytesIO(content))["Participants"].values]
    assert "=HYPERLINK(1)" not in names


def test_pdf_in_english(ops: OpsFixture):
    content = reports.render_pdf(ops.operation, language="en")

    assert content.startswith(b"%PDF")
    lines = pdf_lines(content)
    assert lines[0] == "Channel: statistics, all years"
    assert (
        "Stages: 3. Participating countries: 3. "
        "Participants, international organisations included: 4." in lines
    )
    assert (
        "The totals are documented; the splits by country and substance are illustrative." in lines
    )
    for heading in (
        "Totals",
        "By year",
        "Cumulative since the start",
        "By stage",
        "By participant",
        "Drugs seized by substance",
        "Revised figures",
        "Charts",
    ):
        assert heading in lines
    assert "Drugs seized, kg 122.75*" in lines  # includes the corrected line
    assert "Persons detained, persons 19" in lines
    assert "2017 18.75 -82.0 %" in lines
    assert "Russia 104.25* 1.5* — — — 12" in lines
    assert "heroin 110" in lines
    assert "psychotropic substances 0 1.5 l; 500 tablets" in lines
    assert any(line.startswith("stage No. 2, RU: drugs seized") for line in lines)
    assert "Drugs seized (kg) by participant" in lines  # the chart, drawn as text in the PDF


def test_pdf_in_russian(ops: OpsFixture):
    content = reports.render_pdf(ops.operation, year=2017, language="ru")

    with translation.override("ru"):
        heading = f"Канал: {_('statistics')}, 2017"
        totals, kg_label = _("Totals"), drugs_kg_label()
        by_participant = _("By participant")
    lines = pdf_lines(content)
    assert lines[0] == heading
    assert totals in lines
    assert by_participant in lines
    assert f"{kg_label} 18,75*" in lines  # a decimal comma
    assert "Россия 4,25* 1,5* — — — —" in lines
    assert "Узбекистан 10 — 500 — 4 —" in lines
    assert "2017 18,75 -82,0 %" in lines


def test_pdf_of_one_stage(ops: OpsFixture):
    content = reports.render_pdf(ops.operation, stage=1, language="en")

    lines = pdf_lines(content)
    assert lines[0] == "Channel: statistics, stage No. 1 (2016)"
    assert "Drugs seized, kg 104" in lines
    assert "Revised figures" not in lines
    assert "By year" not in lines


def test_pdf_without_illustrative_splits_has_no_note(ops: OpsFixture):
    ops.operation.illustrative_splits = False
    ops.operation.save()

    lines = pdf_lines(reports.render_pdf(ops.operation, year=2016, language="en"))

    assert not any("illustrative" in line for line in lines)


def test_pdf_language_is_checked(ops: OpsFixture):
    with pytest.raises(ValueError, match="unknown language 'de'; expected ru or en"):
        reports.render_pdf(ops.operation, language="de")


@pytest.mark.parametrize(
    ("scope", "fmt", "language", "expected"),
    [
        ({}, "csv", None, "channel-all-years.csv"),
        ({"year": 2017}, "xlsx", None, "channel-2017.xlsx"),
        ({"stage": 2}, "pdf", "en", "channel-stage-2-en.pdf"),
        ({"year": 2016}, "pdf", "ru", "channel-2016-ru.pdf"),
    ],
    ids=["all-years", "year", "stage", "year-pdf"],
)
def test_filename(ops: OpsFixture, scope, fmt, language, expected):
    assert reports.filename(ops.operation, fmt, language=language, **scope) == expected


def test_figures_are_formatted_for_the_language():
    with translation.override("ru"):
        assert reports.figure(Decimal("122750.250000")) == "122\xa0750,25"
        assert reports.percent(Decimal("12.5")) == "+12,5 %"
    with translation.override("en"):
        assert reports.figure(Decimal("122750.250000")) == "122,750.25"
        assert reports.figure(Decimal("0.001")) == "0.001"
        assert reports.percent(None) == "—"
