"""Files made from a published version of the single list. Pure: a snapshot in, bytes out, nothing
read from the database or the network.

`render(snapshot, fmt)` gives the version as CSV, XLSX, FollowTheMoney JSON lines, PDF or JSON.
Spreadsheet formats neutralise cells that a spreadsheet would run as a formula; the PDF is laid
out from a self-contained template and WeasyPrint may fetch nothing while rendering it.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from concord.core.pdf import html_to_pdf
from concord.designations.snapshots import content_hash

FORMATS = ("csv", "xlsx", "ftm", "pdf", "json")
LANGUAGES = ("ru", "en")

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ftm": "application/x-ndjson; charset=utf-8",
    "pdf": "application/pdf",
    "json": "application/json; charset=utf-8",
}
EXTENSIONS = {"csv": "csv", "xlsx": "xlsx", "ftm": "ftm.json", "pdf": "pdf", "json": "json"}

FTM_PROGRAM = "CSTO member state national list"
FTM_TOPIC = "crime.terror"
# FtM property for each kind of name (`records.NameKind`); anything else is an alias.
FTM_NAME_PROPERTIES = {
    "weak_alias": "weakAlias",
    "abbreviation": "abbreviation",
    "previous_name": "previousName",
}

# Characters that make a spreadsheet read a cell as a formula (OWASP, "CSV Injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

TEMPLATE = "designations/export_pdf.html"


@dataclass(frozen=True)
class Export:
    content: bytes
    content_type: str
    filename: str


def render(
    snapshot: dict[str, Any],
    fmt: str,
    *,
    language: str = "ru",
    only_single_list: bool = True,
) -> Export:
    """The snapshot of a published version as a file in `fmt` (one of `FORMATS`).

    `only_single_list` keeps the organisations in the single list (consensus reached); without it
    every cluster is exported. JSON is always the whole snapshot. `language` ("ru" or "en")
    chooses the language of the PDF.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; expected one of {', '.join(LANGUAGES)}")
    if fmt == "json":
        return Export(render_json(snapshot), CONTENT_TYPES[fmt], filename(snapshot, fmt))
    orgs = organisations(snapshot, only_single_list=only_single_list)
    if fmt == "csv":
        content = render_csv(snapshot, orgs)
    elif fmt == "xlsx":
        content = render_xlsx(snapshot, orgs)
    elif fmt == "ftm":
        content = render_ftm(orgs, states(snapshot))
    else:
        content = render_pdf(snapshot, orgs, language=language, only_single_list=only_single_list)
    name = filename(snapshot, fmt, only_single_list=only_single_list)
    return Export(content, CONTENT_TYPES[fmt], name)


def filename(snapshot: dict[str, Any], fmt: str, *, only_single_list: bool = True) -> str:
    """`csto-single-list-v2.csv`; `-all` before the extension when every cluster is included
    (JSON always includes every cluster and never has it)."""
    suffix = "" if only_single_list or fmt == "json" else "-all"
    return f"csto-single-list-v{snapshot['version']}{suffix}.{EXTENSIONS[fmt]}"


# --- Reading a snapshot ------------------------------------------------------------------------


def organisations(
    snapshot: dict[str, Any], *, only_single_list: bool = True
) -> list[dict[str, Any]]:
    """The snapshot's organisations in their published order, only the single list by default."""
    orgs = snapshot.get("organisations", [])
    return [org for org in orgs if org.get("in_single_list") or not only_single_list]


def states(snapshot: dict[str, Any]) -> list[str]:
    return list(snapshot.get("states", []))


def aliases(org: dict[str, Any]) -> list[str]:
    """Every name of the organisation other than its Russian and English names, once each, in
    the published order."""
    seen = {org.get("name_ru") or "", org.get("name_en") or ""}
    out: list[str] = []
    for name in org.get("names", []):
        text = name.get("text") or ""
        if text and text not in seen:
            seen.add(text)
            out.append(text)
    return out


def listed_by(org: dict[str, Any], codes: Iterable[str]) -> list[str]:
    """Codes of the states (in the snapshot's order) whose national list carries it."""
    recognition = org.get("recognition", {})
    return [code for code in codes if (recognition.get(code) or {}).get("listed")]


def listing(org: dict[str, Any], code: str) -> str:
    """`YYYY-MM-DD legal basis` of a state's listing, or "" when the state does not list it."""
    rec = org.get("recognition", {}).get(code) or {}
    if not rec.get("listed"):
        return ""
    return " ".join(part for part in (rec.get("listed_on"), rec.get("legal_basis")) if part)


def un_reference(org: dict[str, Any]) -> str:
    un = org.get("un") or {}
    return str(un.get("reference") or "") if un.get("listed") else ""


def inert(text: str) -> str:
    """The text made inert for a spreadsheet: a leading `'` before a formula trigger."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


# --- CSV and XLSX ------------------------------------------------------------------------------


def table_header(codes: Iterable[str]) -> list[str]:
    return [
        "organisation_id",
        "name_ru",
        "name_en",
        "category",
        "aliases",
        "listed_by",
        "un_reference",
        *(f"listed_{code}" for code in codes),
    ]


def table_rows(orgs: Iterable[dict[str, Any]], codes: list[str]) -> Iterator[list[str]]:
    """One row per organisation, every cell a string already made inert."""
    for org in orgs:
        row = [
            org.get("id") or "",
            org.get("name_ru") or "",
            org.get("name_en") or "",
            org.get("category") or "",
            "; ".join(aliases(org)),
            " ".join(listed_by(org, codes)),
            un_reference(org),
            *(listing(org, code) for code in codes),
        ]
        yield [inert(str(cell)) for cell in row]


def render_csv(snapshot: dict[str, Any], orgs: list[dict[str, Any]]) -> bytes:
    """UTF-8 with a BOM (so that Excel reads Cyrillic), comma-delimited, CRLF line ends."""
    codes = states(snapshot)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(table_header(codes))
    writer.writerows(table_rows(orgs, codes))
    return buffer.getvalue().encode("utf-8-sig")


def render_xlsx(snapshot: dict[str, Any], orgs: list[dict[str, Any]]) -> bytes:
    """Sheets "Single list" (the CSV's table), "Matrix" (organisation × state) and "Version".

    Every cell is written as a string (data type "s"), so nothing is ever a formula.
    """
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.worksheet import Worksheet

    def fill(sheet: Worksheet, header: list[str], rows: Iterable[list[str]]) -> None:
        widths = [len(title) for title in header]
        for row_index, row in enumerate([header, *rows], start=1):
            for col_index, value in enumerate(row, start=1):
                text = inert(ILLEGAL_CHARACTERS_RE.sub("", str(value)))
                cell = sheet.cell(row=row_index, column=col_index)
                cell.value = text
                cell.data_type = "s"
                if row_index == 1:
                    cell.font = Font(bold=True)
                widths[col_index - 1] = max(widths[col_index - 1], len(text))
        for col_index, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(col_index)].width = min(width + 2, 60)
        sheet.freeze_panes = "A2"
        if sheet.max_row > 1:
            sheet.auto_filter.ref = sheet.dimensions

    codes = states(snapshot)
    workbook = Workbook()
    single = workbook.active
    if not isinstance(single, Worksheet):  # pragma: no cover (a new workbook has one sheet)
        raise TypeError("a new workbook has no worksheet")
    single.title = "Single list"
    fill(single, table_header(codes), table_rows(orgs, codes))

    matrix = workbook.create_sheet("Matrix")
    fill(
        matrix,
        ["organisation_id", "name_ru", "name_en", *codes],
        (
            [
                org.get("id") or "",
                org.get("name_ru") or "",
                org.get("name_en") or "",
                *("✓" if code in listed_by(org, codes) else "" for code in codes),
            ]
            for org in orgs
        ),
    )

    head = snapshot.get("audit_head") or {}
    version = workbook.create_sheet("Version")
    fill(
        version,
        ["field", "value"],
        [
            ["version", str(snapshot.get("version", ""))],
            ["published_at", str(snapshot.get("published_at") or "")],
            ["published_by", str(snapshot.get("published_by") or "")],
            ["audit_head_seq", str(head.get("seq", ""))],
            ["audit_head_hash", str(head.get("hash") or "")],
            ["states", " ".join(codes)],
            ["organisations", str(len(orgs))],
            ["content_hash", content_hash(snapshot)],
        ],
    )

    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- FollowTheMoney ----------------------------------------------------------------------------


def ftm_entities(orgs: Iterable[dict[str, Any]], codes: list[str]) -> list[dict[str, Any]]:
    """An `Organization` per organisation and a `Sanction` per state listing it, as FtM dicts,
    sorted by id."""
    from followthemoney import model

    entities: list[dict[str, Any]] = []
    for org in orgs:
        entity = model.make_entity("Organization")
        entity.id = org["id"]
        primary = {org.get("name_ru") or "", org.get("name_en") or ""}
        entity.add("name", [org.get("name_ru"), org.get("name_en")])
        for name in org.get("names", []):
            text = name.get("text") or ""
            if text and text not in primary:
                entity.add(FTM_NAME_PROPERTIES.get(name.get("kind", ""), "alias"), text)
        entity.add("topics", FTM_TOPIC)
        entities.append(entity.to_dict())
        for code in listed_by(org, codes):
            rec = org["recognition"][code]
            sanction = model.make_entity("Sanction")
            sanction.id = f"{org['id']}-sanction-{code.lower()}"
            sanction.add("entity", org["id"])
            sanction.add("authority", rec.get("legal_basis"))
            sanction.add("country", code.lower())
            sanction.add("listingDate", rec.get("listed_on"))
            sanction.add("startDate", rec.get("listed_on"))
            sanction.add("program", FTM_PROGRAM)
            sanction.add("status", "listed")
            entities.append(sanction.to_dict())
    return sorted(entities, key=lambda item: str(item["id"]))


def render_ftm(orgs: list[dict[str, Any]], codes: Iterable[str] | None = None) -> bytes:
    """FtM entities as JSON lines (UTF-8, sorted keys), one entity a line, sorted by id."""
    if codes is None:
        codes = sorted({code for org in orgs for code in org.get("recognition", {})})
    lines = (
        json.dumps(entity, ensure_ascii=False, sort_keys=True)
        for entity in ftm_entities(orgs, list(codes))
    )
    return "".join(f"{line}\n" for line in lines).encode("utf-8")


# --- JSON --------------------------------------------------------------------------------------


def render_json(snapshot: dict[str, Any]) -> bytes:
    """The snapshot itself: every cluster with its member entries and recognition matrix."""
    text = json.dumps(snapshot, ensure_ascii=False, sort_keys=True, indent=2)
    return (text + "\n").encode("utf-8")


# --- PDF ---------------------------------------------------------------------------------------


def _publication_date(value: Any) -> str:
    """`2026-11-29 10:00 UTC` from an ISO timestamp; the value as written if it is not one."""
    text = str(value or "")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.utcoffset() is None:
        return moment.strftime("%Y-%m-%d %H:%M")
    if not moment.utcoffset():
        return moment.strftime("%Y-%m-%d %H:%M UTC")
    return moment.strftime("%Y-%m-%d %H:%M UTC%z")


def pdf_context(
    snapshot: dict[str, Any],
    orgs: list[dict[str, Any]],
    *,
    language: str = "ru",
    only_single_list: bool = True,
) -> dict[str, Any]:
    codes = states(snapshot)
    head = snapshot.get("audit_head") or {}
    return {
        "language": language,
        "version": snapshot.get("version", ""),
        "published_at": _publication_date(snapshot.get("published_at")),
        "published_by": snapshot.get("published_by") or "",
        "audit_seq": head.get("seq", ""),
        "audit_hash": head.get("hash") or "",
        "states": codes,
        "only_single_list": only_single_list,
        "count": len(orgs),
        "rows": [
            {
                "id": org.get("id") or "",
                "name_ru": org.get("name_ru") or "",
                "name_en": org.get("name_en") or "",
                "in_single_list": bool(org.get("in_single_list")),
                "aliases": aliases(org),
                "listed_by": listed_by(org, codes),
                "un_reference": un_reference(org),
            }
            for org in orgs
        ],
    }


def pdf_html(
    snapshot: dict[str, Any],
    orgs: list[dict[str, Any]] | None = None,
    *,
    language: str = "ru",
    only_single_list: bool = True,
) -> str:
    """The HTML the PDF is printed from (Django template `designations/export_pdf.html`)."""
    from django.template.loader import render_to_string
    from django.utils import translation

    if orgs is None:
        orgs = organisations(snapshot, only_single_list=only_single_list)
    context = pdf_context(snapshot, orgs, language=language, only_single_list=only_single_list)
    with translation.override(language):
        return render_to_string(TEMPLATE, context)


def render_pdf(
    snapshot: dict[str, Any],
    orgs: list[dict[str, Any]],
    *,
    language: str = "ru",
    only_single_list: bool = True,
) -> bytes:
    """A4 landscape PDF of the list, laid out by WeasyPrint with no access to any URL."""
    html = pdf_html(snapshot, orgs, language=language, only_single_list=only_single_list)
    return html_to_pdf(html)
