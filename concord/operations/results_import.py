"""Read a file of operation results (CSV or XLSX): bytes in, typed rows and row errors out.

`parse` is pure (no database): it decodes the file, reads the header and checks every cell
against the vocabulary (`units.py`), returning the good rows and an error for each bad one.
The service (`services.import_results`) checks the rest against the database (participants of
the stage, lines already reported) and writes all rows in one transaction, or none.

The file
--------
- CSV: UTF-8, UTF-8 with a byte-order mark, or CP1251; `,` or `;` between cells. XLSX: the
  first worksheet. Row numbers are those a spreadsheet shows: the header is row 1.
- Columns (headers in English or Russian, in any order):

| column    | Russian header           | required | meaning                                       |
|-----------|--------------------------|----------|-----------------------------------------------|
| kind      | вид / показатель         | yes      | `drug_seizure`, `weapons`, … or its name       |
| substance | вещество                 | drugs    | `heroin`, `героин`, `марихуана`, …             |
| quantity  | количество               | yes      | `1 234,5` or `1,234.5`; never negative         |
| unit      | единица / ед. изм.       | yes      | `kg`, `кг`, `г`, `т`, `л`, `таблетки`, `шт`, … |
| note      | примечание               | no       | free text (no personal data)                   |
| country   | страна / участник        | no       | participant code (KZ, AF, INTERPOL): for files |
|           |                          |          | with rows of several participants              |

- The same figure (country, kind, substance, unit) appears once in a file.
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from concord.core.textfiles import csv_delimiter, decode_text

from .models import ResultKind, Substance
from .units import KIND_WORDS, SUBSTANCE_WORDS, UNIT_WORDS, UnitError, normalise, parse_quantity

MAX_BYTES = 20 * 1024 * 1024
MAX_UNPACKED_XLSX = 200 * 1024 * 1024
MAX_ROWS = 200_000
MAX_ERRORS = 1000
MAX_NOTE = 500
FORMATS = ("csv", "xlsx")

COLUMNS = ("kind", "substance", "quantity", "unit", "note", "country")
REQUIRED = ("kind", "quantity", "unit")
HEADERS: dict[str, tuple[str, ...]] = {
    "kind": ("вид", "вид результата", "показатель", "result"),
    "substance": ("вещество", "наркотик"),
    "quantity": ("количество", "кол-во", "amount"),
    "unit": ("единица", "ед. изм.", "ед.изм.", "единица измерения", "ед"),
    "note": ("примечание", "комментарий", "comment"),
    "country": ("страна", "участник", "participant"),
}
_HEADER_INDEX = {
    " ".join(word.casefold().split()): column
    for column, words in HEADERS.items()
    for word in (column, *words)
}
# The downloadable template's headers (country is left out: a file is for one participant).
TEMPLATE_HEADERS = {
    "en": ("kind", "substance", "quantity", "unit", "note"),
    "ru": ("вид", "вещество", "количество", "единица", "примечание"),
}
_EXAMPLES: dict[str, tuple[str, str, str]] = {
    ResultKind.DRUG_SEIZURE: (Substance.HEROIN, "12.5", "kg"),
    ResultKind.WEAPONS: ("", "3", "items"),
    ResultKind.AMMUNITION: ("", "120", "rounds"),
    ResultKind.EXPLOSIVES: ("", "2.4", "kg"),
    ResultKind.CRIMINAL_CASES: ("", "15", "cases"),
    ResultKind.DETENTIONS: ("", "9", "persons"),
    ResultKind.WANTED_FOUND: ("", "2", "persons"),
    ResultKind.ILLEGAL_MIGRANTS: ("", "40", "persons"),
    ResultKind.RESOURCES_IDENTIFIED: ("", "30", "items"),
    ResultKind.RESOURCES_BLOCKED: ("", "25", "items"),
}

Cell = Any  # a CSV string or an XLSX value (str, int, float, datetime, None)


@dataclass(frozen=True)
class RowError:
    row: int  # 0: the file as a whole
    column: str
    message: str

    def __str__(self) -> str:
        where = _("row %(row)s") % {"row": self.row} if self.row else _("file")
        return (
            f"{where}: {self.column}: {self.message}" if self.column else f"{where}: {self.message}"
        )


class ResultsImportRejected(ValueError):  # noqa: N818 - a refusal of input, not a program fault
    """The file was refused; `errors` names every row that made it so. Nothing was written."""

    def __init__(self, filename: str, errors: list[RowError]) -> None:
        self.filename = filename
        self.errors = errors
        super().__init__(f"{filename}: " + "; ".join(str(e) for e in errors[:20]))


@dataclass(frozen=True)
class ResultRow:
    row: int
    kind: str
    substance: str
    quantity: Decimal
    unit: str
    mass_kg: Decimal | None
    note: str = ""
    country: str = ""  # a participant code, when the file has a country column


@dataclass(frozen=True)
class ParsedResults:
    filename: str
    format: str
    encoding: str
    sha256: str
    rows: tuple[ResultRow, ...]
    errors: tuple[RowError, ...]


class _Errors(list[RowError]):
    def add(self, row: int, column: str, message: str) -> None:
        if len(self) < MAX_ERRORS:
            self.append(RowError(row, column, message))


def file_format(data: bytes, filename: str) -> str:
    """ "xlsx" for a zip container or a `.xlsx` name, else "csv"."""
    if data.startswith(b"PK\x03\x04") or filename.lower().endswith(".xlsx"):
        return "xlsx"
    return "csv"


def parse(data: bytes, *, filename: str) -> ParsedResults:
    """The rows of a results file and the errors of the rows (and of the file) that are wrong."""
    errors = _Errors()
    fmt = file_format(data, filename)
    digest = hashlib.sha256(data).hexdigest()
    encoding = ""
    table: Iterable[tuple[int, list[Cell]]] = ()
    if len(data) > MAX_BYTES:
        errors.add(0, "", _("the file is larger than %(n)s MB") % {"n": MAX_BYTES // 2**20})
    elif fmt == "xlsx":
        problem = _xlsx_problem(data)
        if problem:
            errors.add(0, "", problem)
        else:
            table, encoding = _xlsx_rows(data, errors), "xlsx"
    elif b"\x00" in data:
        errors.add(0, "", _("the file is not CSV text (it holds binary data, or is UTF-16)"))
    else:
        text, encoding = decode_text(data)
        if text is None:
            errors.add(0, "", _("cannot detect the encoding: use UTF-8 or CP1251"))
        else:
            table = _csv_rows(text, errors)
    rows = _read_table(table, errors)
    if not errors and not rows:
        errors.add(0, "", _("the file has no rows"))
    return ParsedResults(filename, fmt, encoding, digest, tuple(rows), tuple(errors))


# --- reading cells ---------------------------------------------------------------------------


def _xlsx_problem(data: bytes) -> str:
    """Why `data` cannot be read as a workbook ("" when it can): not a zip, no workbook, or a
    zip that unpacks to more than the limit (a zip bomb)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        return _("the file is not an XLSX workbook")
    if "xl/workbook.xml" not in {info.filename for info in infos}:
        return _("the file is a zip archive without a workbook, not XLSX")
    if sum(info.file_size for info in infos) > MAX_UNPACKED_XLSX:
        return _("the workbook unpacks to more than %(n)s MB") % {"n": MAX_UNPACKED_XLSX // 2**20}
    return ""


def _csv_rows(text: str, errors: _Errors) -> Iterator[tuple[int, list[Cell]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=csv_delimiter(text))
    start = 1
    try:
        for cells in reader:
            yield start, list(cells)
            start = reader.line_num + 1
    except csv.Error as error:
        errors.add(start, "", _("cannot read the CSV: %(error)s") % {"error": error})


def _xlsx_rows(data: bytes, errors: _Errors) -> Iterator[tuple[int, list[Cell]]]:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises anything on a broken file
        errors.add(0, "", _("cannot read the XLSX file: %(error)s") % {"error": error})
        return
    line = 0
    try:
        sheet = workbook.worksheets[0]
        for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield line, list(values)
    except Exception as error:  # a damaged sheet
        errors.add(line + 1, "", _("cannot read the XLSX file: %(error)s") % {"error": error})
    finally:
        workbook.close()


def _text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def _quantity(cell: Cell) -> Decimal:
    if isinstance(cell, bool):
        raise UnitError("not_a_number", _("'%(value)s' is not a number") % {"value": cell})
    if isinstance(cell, int | float | Decimal):
        return Decimal(str(cell))
    return parse_quantity(_text(cell))


# --- the table -------------------------------------------------------------------------------


def _read_table(table: Iterable[tuple[int, list[Cell]]], errors: _Errors) -> list[ResultRow]:
    columns: list[str] | None = None
    rows: list[ResultRow] = []
    seen: dict[tuple[str, str, str, str], int] = {}
    for line, cells in table:
        if all(_text(cell) == "" for cell in cells):
            continue
        if columns is None:
            columns = _header(cells, line, errors)
            if columns is None:
                return []
            continue
        if len(rows) >= MAX_ROWS:
            errors.add(line, "", _("more than %(n)s rows in one file") % {"n": MAX_ROWS})
            break
        row = _row(columns, cells, line, errors)
        if row is None:
            continue
        key = (row.country, row.kind, row.substance, row.unit)
        if key in seen:
            errors.add(line, "kind", _("the same figure as row %(row)s") % {"row": seen[key]})
            continue
        seen[key] = line
        rows.append(row)
    return rows


def _header(cells: list[Cell], line: int, errors: _Errors) -> list[str] | None:
    names = [" ".join(_text(cell).casefold().split()) for cell in cells]
    columns = [_HEADER_INDEX.get(name, "") for name in names]
    unknown = [
        _text(cell)
        for cell, column in zip(cells, columns, strict=True)
        if _text(cell) and not column
    ]
    missing = [column for column in REQUIRED if column not in columns]
    twice = sorted({c for c in columns if c and columns.count(c) > 1})
    if unknown:
        errors.add(line, "", _("unknown columns: %(c)s") % {"c": ", ".join(unknown)})
    if missing:
        errors.add(line, "", _("missing required columns: %(c)s") % {"c": ", ".join(missing)})
    if twice:
        errors.add(line, "", _("columns appear more than once: %(c)s") % {"c": ", ".join(twice)})
    return None if unknown or missing or twice else columns


def _row(columns: list[str], cells: list[Cell], line: int, errors: _Errors) -> ResultRow | None:
    extra = cells[len(columns) :]
    if any(_text(cell) for cell in extra):
        errors.add(
            line,
            "",
            _("%(n)s cells, the header has %(m)s columns") % {"n": len(cells), "m": len(columns)},
        )
        return None
    values: dict[str, Cell] = {
        c: cells[i] if i < len(cells) else None for i, c in enumerate(columns) if c
    }
    missing = [column for column in REQUIRED if _text(values.get(column)) == ""]
    for column in missing:
        errors.add(line, column, _("required, but empty"))
    if missing:
        return None
    try:
        quantity = _quantity(values["quantity"])
    except UnitError as error:
        errors.add(line, "quantity", error.message)
        return None
    note = _text(values.get("note"))
    if len(note) > MAX_NOTE:
        errors.add(line, "note", _("longer than %(n)s characters") % {"n": MAX_NOTE})
        return None
    try:
        figure = normalise(
            _text(values["kind"]), _text(values.get("substance")), quantity, _text(values["unit"])
        )
    except UnitError as error:
        errors.add(line, _COLUMN_OF_PROBLEM.get(error.code, "quantity"), error.message)
        return None
    return ResultRow(
        row=line,
        kind=figure.kind,
        substance=figure.substance,
        quantity=figure.quantity,
        unit=figure.unit,
        mass_kg=figure.mass_kg,
        note=note,
        country=_text(values.get("country")).upper(),
    )


# Which column a vocabulary problem belongs to.
_COLUMN_OF_PROBLEM = {
    "unknown_kind": "kind",
    "unknown_substance": "substance",
    "substance_required": "substance",
    "substance_not_allowed": "substance",
    "unknown_unit": "unit",
    "unit_not_allowed": "unit",
}


# --- the template ----------------------------------------------------------------------------


def _example_rows(language: str) -> list[list[str]]:
    rows = []
    for kind, (substance, quantity, unit) in _EXAMPLES.items():
        if language == "ru":
            rows.append(
                [
                    KIND_WORDS[kind][0],
                    SUBSTANCE_WORDS[substance][0] if substance else "",
                    quantity.replace(".", ","),
                    UNIT_WORDS[unit][0],
                    "",
                ]
            )
        else:
            rows.append([str(kind), str(substance), quantity, unit, ""])
    return rows


def template(fmt: str, language: str) -> bytes:
    """The downloadable import template: the headers and one example row per kind of result.
    CSV in Russian uses `;` (what a Russian-locale spreadsheet writes); both carry a BOM so a
    spreadsheet opens them as UTF-8."""
    if fmt not in FORMATS or language not in TEMPLATE_HEADERS:
        raise ValueError(f"no template {fmt}/{language}")
    header = list(TEMPLATE_HEADERS[language])
    rows = _example_rows(language)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(
            buffer, delimiter=";" if language == "ru" else ",", lineterminator="\r\n"
        )
        writer.writerow(header)
        writer.writerows(rows)
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # noqa: S101 - a new workbook has one sheet
    sheet.title = "results" if language == "en" else "результаты"
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([*row[:2], _quantity(row[2]), *row[3:]])
    for letter, width in zip("ABCDE", (34, 24, 14, 12, 30), strict=True):
        sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
