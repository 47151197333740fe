"""Read designation lists from files: CSV, XLSX, the UN consolidated XML and FtM JSON lines.

`parse_file` either returns the whole list as plain records (`ParsedList`) or raises
`ImportRejected` naming every problem found, so that nothing is ever half-imported. Names keep
their text exactly as written; invisible characters and mixed-script words are flagged on the
name and reported as warnings, which never reject a file.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePath
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml import ElementTree as SafeElementTree
from followthemoney import model
from followthemoney.exc import FollowTheMoneyException
from followthemoney.proxy import EntityProxy
from openpyxl import load_workbook

from concord.core.textfiles import csv_delimiter, decode_text
from concord.designations.matching.text import (
    clean,
    invisible_characters,
    main_script,
    mixed_script_words,
    word_scripts,
)
from concord.designations.records import (
    CATEGORIES,
    LANGUAGES,
    ImportProblem,
    ImportRejected,
    NameKind,
    ParsedEntry,
    ParsedList,
    ParsedName,
)

FORMATS = ("csv", "xlsx", "un-xml", "ftm")
MAX_PROBLEMS = 1000
MAX_UNPACKED_XLSX = 200 * 1024 * 1024

COLUMNS = (
    "entry_id", "name", "aliases", "language", "category", "listed_on", "legal_basis",
    "reasons", "status", "source_url", "notes",
)  # fmt: skip
REQUIRED_COLUMNS = ("entry_id", "name")

UN_SOURCE_URL = "https://main.un.org/securitycouncil/en/content/un-sc-consolidated-list"
UN_REASONS_LIMIT = 2000

_EXTENSIONS = {
    ".csv": "csv", ".xlsx": "xlsx", ".xml": "un-xml",
    ".json": "ftm", ".jsonl": "ftm", ".ftm": "ftm",
}  # fmt: skip
_SCRIPT_LANGUAGES = {
    "Cyrillic": "ru", "Latin": "en", "Armenian": "hy", "Arabic": "ar", "Georgian": "ka",
    "Han": "zh",
}  # fmt: skip
_CATEGORY_WORDS = {
    "terrorist": "terrorist", "террористическая": "terrorist",
    "террористическая организация": "terrorist",
    "extremist": "extremist", "экстремистская": "extremist",
    "экстремистская организация": "extremist",
}  # fmt: skip
_DATE_HINT = "use YYYY-MM-DD or DD.MM.YYYY"
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_DOTTED_DATE = re.compile(r"(\d{2})\.(\d{2})\.(\d{4})")
_DELISTED = re.compile(r"delisted(?:\s*:\s*|\s+)(\S+)", re.IGNORECASE)
_DELISTED_NOTE = re.compile(r"delisted[\s:]+(\d{4}-\d{2}-\d{2}|\d{2}\.\d{2}\.\d{4})", re.I)
_LANG_SUFFIX = re.compile(r"[A-Za-z]{2,3}")
_CONTROL_STARTS = {"\t": "a tab", "\r": "a carriage return"}

Cell = str | int | float | date | datetime | None


def format_from_filename(name: str) -> str | None:
    """The format a file name suggests ("report.XLSX" -> "xlsx"), or None."""
    return _EXTENSIONS.get(PurePath(name).suffix.lower())


@dataclass
class _Report:
    """Collects problems (which reject the file) and warnings (which do not)."""

    file: str
    problems: list[ImportProblem] = field(default_factory=list)
    warnings: list[ImportProblem] = field(default_factory=list)

    def problem(self, line: int, reason: str, column: str = "") -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(ImportProblem(self.file, line, reason, column))

    def warn(self, line: int, reason: str, column: str = "") -> None:
        self.warnings.append(ImportProblem(self.file, line, reason, column))


def parse_file(
    data: bytes,
    *,
    filename: str,
    fmt: str,
    default_language: str = "",
    max_bytes: int = 20 * 1024 * 1024,
) -> ParsedList:
    """Parse a whole designation list, or raise `ImportRejected` naming every problem."""
    report = _Report(filename)
    entries, encoding = _parse(data, fmt, default_language, max_bytes, report)
    if not report.problems and not entries:
        report.problem(0, "file has no entries")
    if report.problems:
        raise ImportRejected(report.problems)
    return ParsedList(filename, fmt, encoding, tuple(entries), tuple(report.warnings))


def _parse(
    data: bytes, fmt: str, language: str, max_bytes: int, report: _Report
) -> tuple[list[ParsedEntry], str]:
    if fmt not in FORMATS:
        report.problem(0, f"unknown format '{fmt}' (use {', '.join(FORMATS)})")
        return [], ""
    if len(data) > max_bytes:
        report.problem(0, f"file is {_size(len(data))}, the limit is {_size(max_bytes)}")
        return [], ""
    if language and language not in LANGUAGES:
        report.problem(0, f"unknown default language '{language}'")
        return [], ""
    if not data.strip():
        report.problem(0, "file is empty")
        return [], ""
    mismatch = _format_mismatch(data, fmt)
    if mismatch:
        report.problem(0, mismatch)
        return [], ""
    if fmt == "xlsx":
        return _parse_table(_xlsx_rows(data, report), language, report), "xlsx"
    if fmt == "un-xml":
        return _parse_un_xml(data, report), "xml"
    text, encoding = decode_text(data)
    if text is None:
        report.problem(0, "cannot detect the encoding: not UTF-8 or CP1251")
        return [], ""
    if fmt == "csv":
        return _parse_table(_csv_rows(text, report), language, report), encoding
    return _parse_ftm(text, language, report), encoding


def _size(n: int) -> str:
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if n >= scale:
            return f"{n / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{n} bytes"


# --- What the bytes really are ---------------------------------------------------------------


def _looks_like(data: bytes) -> str:
    """A short description of what `data` appears to be, judged by its first bytes."""
    head = data.removeprefix(b"\xef\xbb\xbf").lstrip()
    checks = (
        (data.startswith(b"PK\x03\x04"), "an XLSX/zip file"),
        (data.startswith(b"\xd0\xcf\x11\xe0"), "an old Excel .xls file"),
        (data.startswith(b"%PDF"), "a PDF file"),
        (data.startswith((b"\xff\xfe", b"\xfe\xff")), "a UTF-16 text file"),
        (b"\x00" in data, "a binary file"),
        (head.startswith(b"<"), "an XML file"),
        (head.startswith((b"{", b"[")), "a JSON file"),
    )
    return next((what for hit, what in checks if hit), "a text file")


def _format_mismatch(data: bytes, fmt: str) -> str:
    """Why `data` is not a file of format `fmt` ("" when it plausibly is)."""
    what = _looks_like(data)
    expected = {
        "csv": ("CSV", {"a text file"}),
        "xlsx": ("XLSX", {"an XLSX/zip file"}),
        "un-xml": ("XML", {"an XML file"}),
        "ftm": ("FtM JSON lines", {"a JSON file"}),
    }
    label, fits = expected[fmt]
    if what not in fits:
        return f"file is not {label}: it looks like {what}"
    if fmt == "xlsx":
        return _xlsx_mismatch(data)
    return ""


def _xlsx_mismatch(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        return "file is not XLSX: it is a damaged zip file"
    if "xl/workbook.xml" not in {info.filename for info in infos}:
        return "file is not XLSX: it is a zip file without a workbook"
    unpacked = sum(info.file_size for info in infos)
    if unpacked > MAX_UNPACKED_XLSX:
        return f"XLSX unpacks to {_size(unpacked)}, the limit is {_size(MAX_UNPACKED_XLSX)}"
    return ""


# --- CSV and XLSX ----------------------------------------------------------------------------


def _csv_rows(text: str, report: _Report) -> Iterator[tuple[int, list[Cell]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=csv_delimiter(text))
    start = 1
    try:
        for cells in reader:
            yield start, list(cells)
            start = reader.line_num + 1
    except csv.Error as error:
        report.problem(start, f"cannot read the CSV: {error}")


def _xlsx_rows(data: bytes, report: _Report) -> Iterator[tuple[int, list[Cell]]]:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises anything on a broken file
        report.problem(0, f"cannot read the XLSX file: {error}")
        return
    line = 0
    try:
        sheet = workbook.worksheets[0]
        for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield line, list(values)
    except Exception as error:  # a damaged sheet
        report.problem(line + 1, f"cannot read the XLSX file: {error}")
    finally:
        workbook.close()


def _is_blank(cells: Iterable[Cell]) -> bool:
    return all(_cell_text(cell).strip() == "" for cell in cells)


def _parse_table(
    rows: Iterable[tuple[int, list[Cell]]], language: str, report: _Report
) -> list[ParsedEntry]:
    """Rows of a CSV or a worksheet: the first non-blank row is the header."""
    columns: list[str] | None = None
    entries: list[ParsedEntry] = []
    seen: dict[str, int] = {}
    for line, cells in rows:
        if _is_blank(cells):
            continue
        if columns is None:
            columns = _read_header(cells, line, report)
            if columns is None:
                return []
            continue
        row = _row_values(columns, cells, line, report)
        entry = _table_entry(row, line, language, report)
        _check_duplicate(entry.entry_id, line, seen, report, "entry_id")
        entries.append(entry)
    return entries


def _check_duplicate(
    entry_id: str, line: int, seen: dict[str, int], report: _Report, label: str
) -> None:
    if not entry_id:
        return
    if entry_id in seen:
        where = "line" if label == "entry_id" else "entity"
        report.problem(
            line, f"duplicate {label} '{entry_id}' (first on {where} {seen[entry_id]})", label
        )
    else:
        seen[entry_id] = line


def _read_header(cells: list[Cell], line: int, report: _Report) -> list[str] | None:
    columns = [_cell_text(cell).strip().lower() for cell in cells]
    named = [column for column in columns if column]
    unknown = [column for column in named if column not in COLUMNS]
    missing = [column for column in REQUIRED_COLUMNS if column not in named]
    twice = sorted({column for column in named if named.count(column) > 1})
    if missing:
        report.problem(line, f"missing required columns: {', '.join(missing)}")
    if unknown:
        report.problem(line, f"unknown columns: {', '.join(unknown)}")
    if twice:
        report.problem(line, f"columns appear more than once: {', '.join(twice)}")
    return None if missing or unknown or twice else columns


def _row_values(
    columns: list[str], cells: list[Cell], line: int, report: _Report
) -> dict[str, Cell]:
    row: dict[str, Cell] = dict.fromkeys(COLUMNS, "")
    for index, cell in enumerate(cells):
        column = columns[index] if index < len(columns) else ""
        if column:
            row[column] = cell
        elif _cell_text(cell).strip():
            report.problem(line, f"value in column {index + 1}, which has no header")
    return row


def _cell_text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime):
        return cell.date().isoformat()
    return cell.isoformat() if isinstance(cell, date) else str(cell)


def _formula_start(value: str) -> str:
    """What makes `value` look like a spreadsheet formula ("" if nothing does)."""
    if not value:
        return ""
    first, second = value[0], value[1:2]
    if first in _CONTROL_STARTS:
        return _CONTROL_STARTS[first]
    if first in "=@" or (first in "+-" and second and not second.isdigit() and second != " "):
        return f"'{first}'"
    return ""


def _warn_formulas(row: dict[str, Cell], line: int, report: _Report) -> None:
    for column in COLUMNS:
        value = row[column]
        start = _formula_start(value) if isinstance(value, str) else ""
        if start:
            report.warn(line, f"value starts with {start} and will be exported as text", column)


def _table_entry(
    row: dict[str, Cell], line: int, default_language: str, report: _Report
) -> ParsedEntry:
    _warn_formulas(row, line, report)
    text = {column: _cell_text(row[column]).strip() for column in COLUMNS}
    entry_id = text["entry_id"]
    if not entry_id:
        report.problem(line, "empty entry_id", "entry_id")
    language = _row_language(text["language"], text["name"], default_language, line, report)
    status, delisted_on = _status(text["status"], text["notes"], line, report)
    return ParsedEntry(
        entry_id=entry_id,
        names=_row_names(text["name"], text["aliases"], language, line, report),
        line=line,
        category=_category(text["category"], line, report),
        listed_on=_date(row["listed_on"], "listed_on", line, report),
        legal_basis=text["legal_basis"],
        reasons=text["reasons"],
        status=status,
        delisted_on=delisted_on,
        source_url=_url(text["source_url"], line, report),
        notes=text["notes"],
    )


def _row_language(value: str, name: str, default: str, line: int, report: _Report) -> str:
    language = value.lower()
    if language:
        if language not in LANGUAGES:
            report.problem(line, f"unknown language '{value}'", "language")
        return language
    language = default or guess_language(name)
    if not language and clean(name):
        report.problem(line, f"cannot guess the language of '{name}'; fill in language", "name")
    return language


def _category(value: str, line: int, report: _Report) -> str:
    if not value:
        return CATEGORIES[0]
    category = _CATEGORY_WORDS.get(" ".join(value.casefold().split()))
    if category is None:
        report.problem(line, f"unknown category '{value}'", "category")
        return CATEGORIES[0]
    return category


def _date(value: Cell, column: str, line: int, report: _Report) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _cell_text(value).strip()
    if not text:
        return None
    parsed = parse_date(text)
    if parsed is None:
        report.problem(line, f"bad date '{text}' in {column} ({_DATE_HINT})", column)
    return parsed


def parse_date(text: str) -> date | None:
    """`YYYY-MM-DD` or `DD.MM.YYYY` as a date; None when it is neither or not a real day."""
    iso, dotted = _ISO_DATE.fullmatch(text), _DOTTED_DATE.fullmatch(text)
    try:
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        if dotted:
            return date(int(dotted[3]), int(dotted[2]), int(dotted[1]))
    except ValueError:
        return None
    return None


def _status(value: str, notes: str, line: int, report: _Report) -> tuple[str, date | None]:
    """The status and, for a delisted entry, the date (from the status or the notes)."""
    status = value.lower()
    if status in {"", "listed"}:
        return "listed", None
    dated = _DELISTED.fullmatch(status)
    if dated:
        return "delisted", _date(dated[1], "status", line, report)
    if status != "delisted":
        report.problem(line, f"unknown status '{value}' (use listed or delisted)", "status")
        return "listed", None
    note = _DELISTED_NOTE.match(notes)
    return "delisted", parse_date(note[1]) if note else None


def _url(value: str, line: int, report: _Report) -> str:
    if value:
        parts = urlsplit(value)
        if parts.scheme.lower() not in {"http", "https"} or not parts.netloc or " " in value:
            report.problem(
                line, f"bad URL '{value}' in source_url (use http or https)", "source_url"
            )
    return value


# --- Names -----------------------------------------------------------------------------------


def guess_language(text: str) -> str:
    """The language a name's script suggests (Cyrillic -> ru, Latin -> en, ...), or ""."""
    return _SCRIPT_LANGUAGES.get(main_script(clean(text)), "")


def _companion_language(text: str, primary: str, primary_language: str) -> str:
    """An alias takes the name's language when written in the same script, else its own."""
    script = main_script(clean(text))
    if script and script == main_script(clean(primary)) and primary_language:
        return primary_language
    return _SCRIPT_LANGUAGES.get(script, "") or primary_language


def alias_kind(text: str) -> str:
    """`weak_alias` for ≤ 3 letters, `abbreviation` for a short word in capitals, else alias."""
    cleaned = clean(text)
    letters = sum(ch.isalpha() for ch in cleaned)
    if letters <= 3:
        return NameKind.WEAK_ALIAS
    if " " not in cleaned and len(cleaned) <= 6 and cleaned == cleaned.upper():
        return NameKind.ABBREVIATION
    return NameKind.ALIAS


def _name_flags(text: str, line: int, column: str, report: _Report) -> tuple[str, ...]:
    """Flags for mixed-script words and invisible characters, each also a warning."""
    flags: list[str] = []
    for word in mixed_script_words(clean(text)):
        counts = word_scripts(word)
        main = max(counts, key=lambda script: counts[script])
        others = ", ".join(script for script in counts if script != main)
        flags.append(f"mixed_script:{word}")
        report.warn(line, f"mixed scripts in '{word}' ({others} letters in a {main} word)", column)
    invisible = list(dict.fromkeys(invisible_characters(text)))
    if invisible:
        flags.extend(f"invisible:{name}" for name in invisible)
        reason = f"invisible characters removed for matching: {', '.join(invisible)}"
        report.warn(line, reason, column)
    return tuple(flags)


def _name(
    text: str, kind: str, lang: str, *, line: int, column: str, report: _Report
) -> ParsedName:
    return ParsedName(text, kind, lang, _name_flags(text, line, column, report))


def _unique(names: Iterable[ParsedName]) -> tuple[ParsedName, ...]:
    """Names without repeats of the same text (as matched) in the same language."""
    kept: dict[tuple[str, str], ParsedName] = {}
    for name in names:
        kept.setdefault((clean(name.text), name.lang), name)
    return tuple(kept.values())


def _split_alias(piece: str, line: int, report: _Report) -> tuple[str, str]:
    """`ИГИЛ@ru` -> ("ИГИЛ", "ru"); the suffix counts only when it is 2-3 letters."""
    text, at, suffix = piece.rpartition("@")
    suffix = suffix.strip()
    if not at or not _LANG_SUFFIX.fullmatch(suffix):
        return piece.strip(), ""
    language = suffix.lower()
    if language not in LANGUAGES:
        report.problem(line, f"unknown language '{suffix}' in alias '{piece.strip()}'", "aliases")
    return text.strip(), language


def _row_names(
    name: str, aliases: str, language: str, line: int, report: _Report
) -> tuple[ParsedName, ...]:
    if not clean(name):
        report.problem(line, "empty name", "name")
    names = [_name(name, NameKind.NAME, language, line=line, column="name", report=report)]
    pieces = aliases.split(";") if aliases.strip() else []
    if pieces and not clean(pieces[-1]):
        pieces.pop()  # a trailing separator
    for number, piece in enumerate(pieces, start=1):
        text, alias_language = _split_alias(piece, line, report)
        if not clean(text):
            report.problem(line, f"empty alias (number {number} in the list)", "aliases")
            continue
        lang = alias_language or _companion_language(text, name, language)
        names.append(
            _name(text, alias_kind(text), lang, line=line, column="aliases", report=report)
        )
    return _unique(names)


# --- UN consolidated list (XML) --------------------------------------------------------------


def _parse_un_xml(data: bytes, report: _Report) -> list[ParsedEntry]:
    root = _xml_root(data, report)
    if root is None:
        return []
    if root.tag != "CONSOLIDATED_LIST":
        report.problem(0, f"not a UN consolidated list (the root element is <{root.tag}>)")
        return []
    entries: list[ParsedEntry] = []
    seen: dict[str, int] = {}
    for ordinal, entity in enumerate(root.iterfind("ENTITIES/ENTITY"), start=1):
        entry = _un_entry(entity, ordinal, report)
        if entry is not None:
            _check_duplicate(entry.entry_id, ordinal, seen, report, "reference number")
            entries.append(entry)
    return entries


def _xml_root(data: bytes, report: _Report) -> Element | None:
    try:
        return SafeElementTree.fromstring(data, forbid_dtd=True)
    except (DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden):
        report.problem(0, "XML with a DTD or entities is refused")
    except ParseError as error:
        report.problem(0, f"not well-formed XML: {error}")
    return None


def _xml_text(element: Element, path: str) -> str:
    return (element.findtext(path) or "").strip()


def _un_entry(entity: Element, ordinal: int, report: _Report) -> ParsedEntry | None:
    reference, dataid = _xml_text(entity, "REFERENCE_NUMBER"), _xml_text(entity, "DATAID")
    list_type = _xml_text(entity, "UN_LIST_TYPE")
    entry_id = reference or dataid
    if not entry_id:
        report.problem(ordinal, "entity has no REFERENCE_NUMBER or DATAID")
    name = _xml_text(entity, "FIRST_NAME")
    if not clean(name):
        report.problem(ordinal, f"entity {entry_id or ordinal} has no name", "FIRST_NAME")
        return None
    listed = _xml_text(entity, "LISTED_ON")  # the UN sometimes adds a zone: 2015-03-27-04:00
    if _ISO_DATE.match(listed):
        listed = listed[:10]
    return ParsedEntry(
        entry_id=entry_id,
        names=_un_names(entity, name, ordinal, report),
        line=ordinal,
        category="terrorist",
        listed_on=_date(listed, "LISTED_ON", ordinal, report),
        legal_basis=f"UN Security Council, {list_type} sanctions list, {reference}",
        reasons=" ".join(_xml_text(entity, "COMMENTS1").split())[:UN_REASONS_LIMIT],
        source_url=UN_SOURCE_URL,
        extra={"un_reference": reference, "un_list_type": list_type, "dataid": dataid},
    )


def _un_names(entity: Element, name: str, ordinal: int, report: _Report) -> tuple[ParsedName, ...]:
    names = [_name(name, NameKind.NAME, "en", line=ordinal, column="FIRST_NAME", report=report)]
    original = _xml_text(entity, "NAME_ORIGINAL_SCRIPT")
    if clean(original):
        language = guess_language(original)
        names.append(
            _name(
                original,
                NameKind.ALIAS,
                language,
                line=ordinal,
                column="NAME_ORIGINAL_SCRIPT",
                report=report,
            )
        )
    for alias in entity.iterfind("ENTITY_ALIAS"):
        text = _xml_text(alias, "ALIAS_NAME")
        if not clean(text):
            continue
        low = _xml_text(alias, "QUALITY").lower() == "low"
        kind = NameKind.WEAK_ALIAS if low else NameKind.ALIAS
        language = guess_language(text) or "en"
        names.append(_name(text, kind, language, line=ordinal, column="ALIAS_NAME", report=report))
    return _unique(names)


# --- followthemoney JSON lines ---------------------------------------------------------------

_FTM_NAME_KINDS = (
    ("name", NameKind.NAME),
    ("alias", NameKind.ALIAS),
    ("weakAlias", NameKind.WEAK_ALIAS),
    ("previousName", NameKind.PREVIOUS_NAME),
    ("abbreviation", NameKind.ABBREVIATION),
)


def _parse_ftm(text: str, language: str, report: _Report) -> list[ParsedEntry]:
    entries: list[ParsedEntry] = []
    seen: dict[str, int] = {}
    for line, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        entry = _ftm_entry(raw, line, language, report)
        if entry is not None:
            _check_duplicate(entry.entry_id, line, seen, report, "entry_id")
            entries.append(entry)
    return entries


def _ftm_proxy(raw: str, line: int, report: _Report) -> EntityProxy | None:
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as error:
        report.problem(line, f"not valid JSON: {error.msg}")
        return None
    if not isinstance(data, dict):
        report.problem(line, "not a JSON object")
        return None
    try:
        return model.get_proxy(data)
    except (FollowTheMoneyException, AttributeError, TypeError, ValueError) as error:
        report.problem(line, f"not a followthemoney entity: {error}")
        return None


def _ftm_entry(raw: str, line: int, language: str, report: _Report) -> ParsedEntry | None:
    proxy = _ftm_proxy(raw, line, report)
    if proxy is None:
        return None
    if not proxy.schema.is_a("Organization"):
        report.problem(line, f"not an organisation ({proxy.schema.name})")
        return None
    entry_id = (proxy.id or "").strip()
    if not entry_id:
        report.problem(line, "entity has no id", "id")
    topics = " ".join(proxy.get("topics")).lower()
    return ParsedEntry(
        entry_id=entry_id,
        names=_ftm_names(proxy, language, line, report),
        line=line,
        category="extremist" if "extremist" in topics else "terrorist",
        listed_on=_ftm_date(proxy.get("createdAt") + proxy.get("incorporationDate")),
        reasons="\n".join(proxy.get("description")).strip(),
        source_url=next(iter(proxy.get("sourceUrl")), "").strip(),
        notes="\n".join(proxy.get("notes")).strip(),
    )


def _ftm_date(values: list[str]) -> date | None:
    return parse_date(values[0][:10]) if values else None


def _ftm_names(
    proxy: EntityProxy, default: str, line: int, report: _Report
) -> tuple[ParsedName, ...]:
    texts = [
        (text.strip(), prop, kind)
        for prop, kind in _FTM_NAME_KINDS
        for text in proxy.get(prop)
        if clean(text)
    ]
    if not texts or texts[0][1] != "name":
        report.problem(line, "empty name", "name")
        return ()
    primary = texts[0][0]
    language = default or guess_language(primary)
    names = [_name(primary, NameKind.NAME, language, line=line, column="name", report=report)]
    for text, prop, kind in texts[1:]:
        lang = _companion_language(text, primary, language)
        kind_ = NameKind.ALIAS if kind == NameKind.NAME else kind
        names.append(_name(text, kind_, lang, line=line, column=prop, report=report))
    return _unique(names)
