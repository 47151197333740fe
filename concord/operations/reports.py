"""Exports of an operation's statistics (CSV, XLSX) and its PDF report per year or stage, in
Russian or English.

- CSV: one row per stage, participant, kind, substance and measure (the finest figure, see
  `figures.DetailRow`), with machine-readable column names and codes; UTF-8 with a BOM (so that
  spreadsheets read Cyrillic), CRLF line ends, amounts as plain decimals ("1.5", "104").
- XLSX: the same rows on a "Detail" sheet, and the totals, stages, participants, substances and
  years on their own sheets, headed in the active language; amounts are numbers.
- PDF: headings, the totals tables, the charts (the same SVG as the page), the note on
  illustrative splits when the data carries it, and an asterisk on every figure that includes a
  corrected line. Laid out by WeasyPrint from a self-contained template; it fetches nothing.

Text a spreadsheet could read as a formula (names come from the database) is made inert.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from concord.core.pdf import html_to_pdf

from . import charts
from .figures import DetailRow, Statistics, Totals, kind_label, measure_label
from .models import Operation
from .queries import detail, headline, statistics

LANGUAGES = ("ru", "en")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
PDF_TEMPLATE = "operations/report_pdf.html"
CSV_COLUMNS = (
    "operation",
    "year",
    "stage",
    "participant",
    "kind",
    "substance",
    "measure",
    "amount",
    "lines",
    "revised",
)
# Characters that make a spreadsheet read a cell as a formula (OWASP, "CSV Injection").
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
REVISED_MARK = "*"


def _inert(value: object) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_TRIGGERS) else text


def plain(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros: 104, 1.5, 0.25."""
    return format(value.normalize(), "f")


def _places(value: Decimal) -> int:
    exponent = value.quantize(Decimal("0.001")).normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def figure(value: Decimal) -> str:
    """An amount for people, in the active language: 122,750.25 / 122 750,25."""
    return number_format(value, _places(value), use_l10n=True, force_grouping=True)


def percent(value: Decimal | None) -> str:
    if value is None:
        return "—"
    sign = "+" if value > 0 else ""
    return f"{sign}{number_format(value, 1, use_l10n=True)} %"


# CSV and XLSX ------------------------------------------------------------------------------


def _detail_rows(slug: str, rows: list[DetailRow]) -> list[list[Any]]:
    return [
        [
            slug,
            row.year,
            row.stage,
            row.participant,
            row.kind,
            row.substance,
            row.measure,
            row.amount,
            row.lines,
            row.revised,
        ]
        for row in rows
    ]


def render_csv(operation: Operation, *, year: int | None = None, stage: int | None = None) -> bytes:
    """The finest figures of all years, a year or a stage (see the module's docstring)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in _detail_rows(operation.slug, detail(operation, year=year, stage=stage)):
        amount, revised = row[7], row[9]
        cells = [*row[:7], plain(amount), row[8], "yes" if revised else "no"]
        writer.writerow([_inert(cell) for cell in cells])
    return out.getvalue().encode("utf-8-sig")


def _sheet(book: Any, title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    sheet = book.create_sheet(title[:31])
    sheet.append([str(cell) for cell in header])
    for row in rows:
        sheet.append([_inert(cell) if isinstance(cell, str) else cell for cell in row])


def _totals_rows(prefix: list[Any], totals: Totals) -> list[list[Any]]:
    return [[*prefix, f.kind_label, f.measure_label, f.amount] for f in totals.figures]


def render_xlsx(
    operation: Operation, *, year: int | None = None, stage: int | None = None
) -> bytes:
    """A workbook in the active language: Totals, Stages, Participants, Substances, Years and
    Detail (the CSV's rows)."""
    from openpyxl import Workbook

    stats = statistics(operation, year=year, stage=stage)
    rows = _detail_rows(operation.slug, detail(operation, year=year, stage=stage))
    book = Workbook(write_only=True)
    figure_header = [_("Result"), _("Unit"), _("Amount")]
    _sheet(book, _("Totals"), figure_header, _totals_rows([], stats.totals))
    _sheet(
        book,
        _("Stages"),
        [_("Stage"), _("Year"), _("Starts"), _("Ends"), *figure_header, _("Revised")],
        (
            [
                s.number,
                s.year,
                s.starts_on,
                s.ends_on,
                f.kind_label,
                f.measure_label,
                f.amount,
                f.kind in s.revised_kinds,
            ]
            for s in stats.by_stage
            for f in s.totals.figures
        ),
    )
    _sheet(
        book,
        _("Participants"),
        [_("Code"), _("Participant"), *figure_header, _("Revised")],
        (
            [p.code, p.name, f.kind_label, f.measure_label, f.amount, f.kind in p.revised_kinds]
            for p in stats.by_country
            for f in p.totals.figures
        ),
    )
    _sheet(
        book,
        _("Substances"),
        [_("Substance"), _("Unit"), _("Amount")],
        (
            [row.label, measure_label(measure), amount]
            for row in stats.by_substance
            for measure, amount in [("kg", row.mass_kg), *row.other.items()]
            if amount or measure == "kg"
        ),
    )
    _sheet(
        book,
        _("Years"),
        [_("Year"), *figure_header, _("Change, %")],
        (
            [
                y.year,
                f.kind_label,
                f.measure_label,
                f.amount,
                y.change.get(f.kind, {}).get(f.measure),
            ]
            for y in stats.by_year
            for f in y.totals.figures
        ),
    )
    _sheet(book, _("Detail"), CSV_COLUMNS, rows)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# PDF ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    kind: str
    measure: str

    @property
    def label(self) -> str:
        return f"{capfirst(kind_label(self.kind))}, {measure_label(self.measure)}"


@dataclass(frozen=True)
class TableRow:
    label: str
    cells: list[str]  # formatted amounts, "*" appended where a corrected line is included


def _columns(totals: Totals) -> list[Column]:
    return [Column(f.kind, f.measure) for f in totals.figures]


def _cells(columns: list[Column], totals: Totals, revised_kinds: frozenset[str]) -> list[str]:
    cells = []
    for column in columns:
        amount = totals.amounts.get(column.kind, {}).get(column.measure)
        text = "—" if amount is None else figure(amount)
        if amount is not None and column.kind in revised_kinds:
            text += REVISED_MARK
        cells.append(text)
    return cells


def _scope_title(stats: Statistics) -> str:
    if stats.stage is not None:
        return _("stage No. %(number)s (%(year)s)") % {"number": stats.stage, "year": stats.year}
    if stats.year is not None:
        return str(stats.year)
    return _("all years")


def report_context(stats: Statistics) -> dict[str, Any]:
    """What the PDF template shows, formatted in the active language."""
    columns = _columns(stats.totals)
    revised_kinds = frozenset(r.kind for r in stats.revised)
    lead = headline(stats.operation.kind, stats.totals)
    lead_column = Column(*lead)
    return {
        "stats": stats,
        "scope": _scope_title(stats),
        "generated_at": timezone.now().strftime("%Y-%m-%d %H:%M UTC"),
        "columns": columns,
        "totals": [
            TableRow(
                f"{capfirst(f.kind_label)}, {f.measure_label}",
                _cells([Column(f.kind, f.measure)], stats.totals, revised_kinds),
            )
            for f in stats.totals.figures
        ],
        "by_stage": [
            TableRow(
                _("No. %(number)s, %(starts)s – %(ends)s")
                % {
                    "number": s.number,
                    "starts": s.starts_on.strftime("%d.%m.%Y"),
                    "ends": s.ends_on.strftime("%d.%m.%Y"),
                },
                _cells(columns, s.totals, s.revised_kinds),
            )
            for s in stats.by_stage
        ],
        "by_country": [
            TableRow(p.name, _cells(columns, p.totals, p.revised_kinds)) for p in stats.by_country
        ],
        "by_substance": [
            TableRow(
                row.label,
                [figure(row.mass_kg)]
                + [f"{figure(a)} {measure_label(m)}" for m, a in row.other.items()],
            )
            for row in stats.by_substance
        ],
        "lead": lead_column,
        "by_year": [
            TableRow(
                str(y.year),
                [figure(y.totals.amount(*lead)), percent(y.change.get(lead[0], {}).get(lead[1]))],
            )
            for y in stats.by_year
        ],
        "cumulative": [
            TableRow(str(c.year), [figure(c.totals.amount(*lead))]) for c in stats.cumulative
        ],
        "revised": [
            _("stage No. %(stage)s, %(participant)s: %(kind)s")
            % {"stage": r.stage, "participant": r.participant, "kind": r.kind_label}
            for r in stats.revised
        ],
        "charts": charts.charts(stats),
    }


def pdf_html(stats: Statistics, *, language: str) -> str:
    with translation.override(language):
        context = report_context(stats)
        return render_to_string(PDF_TEMPLATE, {**context, "language": language})


def render_pdf(
    operation: Operation,
    *,
    year: int | None = None,
    stage: int | None = None,
    language: str = "ru",
) -> bytes:
    """The A4 report of one year, one stage (by number) or all years, in Russian or English."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; expected ru or en")
    with translation.override(language):
        stats = statistics(operation, year=year, stage=stage)
        return html_to_pdf(pdf_html(stats, language=language))


def filename(
    operation: Operation,
    fmt: str,
    *,
    year: int | None = None,
    stage: int | None = None,
    language: str | None = None,
) -> str:
    """`channel-2017.csv`, `channel-stage-12.xlsx`, `channel-all-years-en.pdf`."""
    if stage is not None:
        scope = f"stage-{stage}"
    elif year is not None:
        scope = str(year)
    else:
        scope = "all-years"
    suffix = f"-{language}" if language else ""
    return f"{operation.slug}-{scope}{suffix}.{fmt}"
