"""Armed-conflict event tables as event records: UCDP GED CSV and CSV in ACLED's column layout.

Both are read whole, every row checked, and refused whole when anything is wrong: a file in
another layout (the missing columns are named), a file that is not UTF-8 or CP1251, and each bad
row as "file:row: column: what" (the header is row 1). Dates in both are calendar dates (to the
day or coarser): "2025-01-15", UCDP's "2025-01-15 00:00:00.000" and ACLED's "15 January 2025"
are read as that day, 00:00 UTC; a time of day without a UTC offset is refused.

UCDP GED (codebook 23.1+): `id` is the key; `type_of_violence` 1 (state-based) and 2 (non-state)
→ battles, 3 (one-sided) → violence against civilians; `low`/`best`/`high` are the dead;
`where_prec` and `date_prec` give the precisions; sides A and B are the actors.

ACLED layout (codebook 2023): `event_id_cnty` is the key; `event_type`/`sub_event_type` give the
type (`taxonomy.acled_code`); `fatalities` is the best figure of the dead; `iso` is the ISO
3166-1 numeric code; `geo_precision` 1–3 and `time_precision` 1–3 the precisions. ACLED's terms
forbid republishing its data: the tests use synthetic rows in this layout.

Severity, which neither gives, follows the dead: none 2, 1–9 3, 10–49 4, 50 or more 5.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache

import pycountry
from django.utils.translation import gettext as _

from concord.core.models import User
from concord.core.textfiles import csv_delimiter, decode_text

from . import event_import, taxonomy
from .event_import import ImportReport
from .records import EventRecord, FigureRecord, ImportProblem, ImportRefused, SourceRecord

MAX_PROBLEMS = 200
MAX_TITLE = 500

UCDP_REQUIRED = (
    "id",
    "type_of_violence",
    "country",
    "latitude",
    "longitude",
    "date_start",
    "date_end",
    "best",
    "low",
    "high",
    "where_prec",
    "date_prec",
)
ACLED_REQUIRED = (
    "event_id_cnty",
    "event_date",
    "time_precision",
    "event_type",
    "sub_event_type",
    "actor1",
    "country",
    "admin1",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "fatalities",
)

UCDP_TYPES = {
    "1": "acled.battles",  # state-based conflict
    "2": "acled.battles",  # non-state conflict
    "3": "acled.violence_against_civilians",  # one-sided violence
}
UCDP_VIOLENCE = {"1": "state-based", "2": "non-state", "3": "one-sided"}
# UCDP where_prec: 1 exact place, 2 within 25 km of it, 3 district, 4 province, 5 a larger
# area, 6 country, 7 international waters or airspace.
UCDP_WHERE = {
    "1": "exact",
    "2": "near",
    "3": "admin2",
    "4": "admin1",
    "5": "unknown",
    "6": "country",
    "7": "unknown",
}
# UCDP date_prec: 1 the day, 2 within 2–6 days, 3 the week, 4 within 8–30 days or the month,
# 5 more than a month.
UCDP_WHEN = {"1": "day", "2": "week", "3": "week", "4": "month", "5": "year"}
ACLED_WHERE = {"1": "exact", "2": "near", "3": "admin1"}
ACLED_WHEN = {"1": "day", "2": "week", "3": "month"}
# Gleditsch–Ward numbers UCDP uses in `country_id`, for the region (the name comes first).
GLEDITSCH_WARD = {
    "365": "RUS",
    "370": "BLR",
    "371": "ARM",
    "630": "IRN",
    "700": "AFG",
    "701": "TKM",
    "702": "TJK",
    "703": "KGZ",
    "704": "UZB",
    "705": "KAZ",
    "710": "CHN",
    "770": "PAK",
}

# Names UCDP and ACLED use that ISO 3166 spells otherwise. (pycountry's fuzzy search is not
# used: it matches subdivisions too, and "Kosovo" would become Serbia.)
OTHER_NAMES = {
    "dr congo": "COD",
    "democratic republic of congo": "COD",
    "republic of congo": "COG",
    "bosnia-herzegovina": "BIH",
    "ivory coast": "CIV",
    "turkey": "TUR",
    "russia": "RUS",
    "palestine": "PSE",
    "laos": "LAO",
    "vietnam": "VNM",
    "syria": "SYR",
    "iran": "IRN",
}

_MIDNIGHT = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[ T]00:00(?::00(?:\.0+)?)?)?$")
_HAS_OFFSET = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")


class RowError(ValueError):
    """One bad cell: its column and what is wrong."""

    def __init__(self, column: str, reason: str) -> None:
        self.column = column
        self.reason = reason
        super().__init__(f"{column}: {reason}")


# Reading a table --------------------------------------------------------------------------------


def read_table(
    data: bytes, *, filename: str, required: Sequence[str]
) -> tuple[list[str], list[list[str]]]:
    """The header and the rows of a CSV file (cells stripped), or `ImportRefused` for a file
    that cannot be decoded or lacks required columns."""
    text, _encoding = decode_text(data)
    if text is None:
        raise ImportRefused(
            [ImportProblem(filename, None, "", _("not UTF-8 or CP1251 text; cannot read it"))]
        )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=csv_delimiter(text))
    header = [name.strip() for name in next(reader, [])]
    missing = [name for name in required if name not in header]
    if missing:
        raise ImportRefused(
            [
                ImportProblem(
                    filename,
                    1,
                    "",
                    _("not the expected layout: missing columns %(names)s")
                    % {"names": ", ".join(missing)},
                )
            ]
        )
    return header, [[cell.strip() for cell in row] for row in reader]


def parse_day(value: str, column: str) -> datetime:
    """A calendar date as 00:00 UTC of that day; a time with a UTC offset as that moment."""
    text = value.strip()
    if not text:
        raise RowError(column, _("no date"))
    plain = _MIDNIGHT.match(text)
    try:
        if plain:
            return datetime.combine(date.fromisoformat(plain.group(1)), datetime.min.time(), UTC)
        if re.match(r"^\d{4}-\d{2}-\d{2}[ T]\d", text):
            if not _HAS_OFFSET.search(text):
                raise RowError(
                    column, _("a date and time without a UTC offset: %(v)s") % {"v": text}
                )
            return datetime.fromisoformat(text.replace("Z", "+00:00"))
        return datetime.strptime(text, "%d %B %Y").replace(tzinfo=UTC)
    except ValueError as error:
        if isinstance(error, RowError):
            raise
        raise RowError(column, _("not a date: %(v)s") % {"v": text}) from None


def parse_number(value: str, column: str, *, blank: bool = True) -> float | None:
    if not value.strip():
        if blank:
            return None
        raise RowError(column, _("empty"))
    try:
        return float(
            value.replace(",", ".") if value.count(",") == 1 and "." not in value else value
        )
    except ValueError:
        raise RowError(column, _("not a number: %(v)s") % {"v": value}) from None


def parse_count(value: str, column: str) -> int | None:
    """A non-negative whole number, or None for an empty cell."""
    if not value.strip():
        return None
    try:
        number = int(value)
    except ValueError:
        raise RowError(column, _("not a whole number: %(v)s") % {"v": value}) from None
    if number < 0:
        raise RowError(column, _("negative: %(v)s") % {"v": value})
    return number


def choice(value: str, table: dict[str, str], column: str) -> str:
    if value not in table:
        allowed = ", ".join(sorted(table))
        raise RowError(
            column, _("%(v)r is not one of %(allowed)s") % {"v": value, "allowed": allowed}
        )
    return table[value]


def severity_of(dead: int | None) -> int:
    if not dead:
        return 2
    if dead < 10:
        return 3
    return 4 if dead < 50 else 5


@lru_cache(maxsize=512)
def alpha3_of(name: str = "", numeric: str = "", gleditsch_ward: str = "") -> str:
    """ISO alpha-3 from an ISO numeric code, a country name ("Russia (Soviet Union)" too) or a
    Gleditsch–Ward number; "" when none is known."""
    if numeric.strip().isdigit():
        found = pycountry.countries.get(numeric=numeric.strip().zfill(3))
        if found is not None:
            return str(found.alpha_3)
    for text in (name.strip(), re.sub(r"\s*\(.*\)\s*$", "", name).strip()):
        if not text:
            continue
        if text.casefold() in OTHER_NAMES:
            return OTHER_NAMES[text.casefold()]
        try:
            return str(pycountry.countries.lookup(text).alpha_3)
        except LookupError:
            continue
    return GLEDITSCH_WARD.get(gleditsch_ward.strip(), "")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def read_records(
    data: bytes,
    *,
    filename: str,
    required: Sequence[str],
    row_to_record: Callable[[dict[str, str]], EventRecord],
) -> list[EventRecord]:
    """Every row of the file through `row_to_record`; all bad rows reported at once."""
    records: list[EventRecord] = []
    problems: list[ImportProblem] = []
    header, rows = read_table(data, filename=filename, required=required)
    for number, cells in enumerate(rows, start=2):
        if not any(cells):
            continue
        try:
            if len(cells) != len(header):
                raise RowError(
                    "",
                    _("%(cells)s cells where the header has %(columns)s")
                    % {"cells": len(cells), "columns": len(header)},
                )
            record = row_to_record(dict(zip(header, cells, strict=True)))
        except RowError as error:
            problems.append(ImportProblem(filename, number, error.column, error.reason))
            if len(problems) >= MAX_PROBLEMS:
                break
            continue
        record.file, record.line = filename, number
        records.append(record)
    if problems:
        raise ImportRefused(problems)
    return records


# UCDP GED ---------------------------------------------------------------------------------------


def ucdp_record(row: dict[str, str]) -> EventRecord:
    get = row.get
    external_id = row["id"]
    if not external_id:
        raise RowError("id", _("empty"))
    violence = row["type_of_violence"]
    type_code = choice(violence, UCDP_TYPES, "type_of_violence")
    low = parse_count(row["low"], "low")
    best = parse_count(row["best"], "best")
    high = parse_count(row["high"], "high")
    starts_at = parse_day(row["date_start"], "date_start")
    ends_at = parse_day(row["date_end"], "date_end") if row["date_end"] else None
    country = alpha3_of(row["country"], gleditsch_ward=get("country_id", ""))
    if not country:
        raise RowError("country", _("unknown country %(v)r") % {"v": row["country"]})
    place = get("where_coordinates", "") or get("adm_2", "") or get("adm_1", "") or row["country"]
    dyad = get("dyad_name", "") or get("conflict_name", "")
    title = f"{dyad} — {place}" if dyad else place
    details = {
        "type_of_violence": UCDP_VIOLENCE[violence],
        **{
            name: get(name, "")
            for name in (
                "relid",
                "conflict_name",
                "dyad_name",
                "event_clarity",
                "where_prec",
                "date_prec",
                "deaths_a",
                "deaths_b",
                "deaths_civilians",
                "deaths_unknown",
                "source_article",
            )
            if get(name, "")
        },
    }
    return EventRecord(
        origin="ucdp",
        external_id=external_id,
        title=_cut(title, MAX_TITLE),
        type_code=type_code,
        starts_at=starts_at,
        start_precision=choice(row["date_prec"], UCDP_WHEN, "date_prec"),
        ends_at=ends_at if ends_at != starts_at else None,
        end_precision="day" if ends_at and ends_at != starts_at else "",
        description=get("where_description", ""),
        country=country,
        admin1_name=_cut(_strip_kind(get("adm_1", "")), 200),
        admin2_name=_cut(_strip_kind(get("adm_2", "")), 200),
        place_name=_cut(get("where_coordinates", ""), 300),
        latitude=parse_number(row["latitude"], "latitude"),
        longitude=parse_number(row["longitude"], "longitude"),
        location_precision=choice(row["where_prec"], UCDP_WHERE, "where_prec"),
        actor1=_cut(get("side_a", ""), 300),
        actor2=_cut(get("side_b", ""), 300),
        severity=severity_of(best),
        certainty="Observed",
        urgency="Past",
        details=details,
        sources=[
            SourceRecord(
                kind="open",
                name="UCDP GED",
                reference=external_id,
                figures=[FigureRecord("dead", best=best, low=low, high=high)],
            )
        ],
    )


def _strip_kind(name: str) -> str:
    """UCDP writes "Kunduz province", "Imam Sahib district": the gazetteer wants the name."""
    return re.sub(r"\s+(province|district|region|oblast|city)$", "", name, flags=re.IGNORECASE)


def read_ucdp(data: bytes, *, filename: str) -> list[EventRecord]:
    return read_records(data, filename=filename, required=UCDP_REQUIRED, row_to_record=ucdp_record)


# ACLED layout -----------------------------------------------------------------------------------


def acled_record(row: dict[str, str]) -> EventRecord:
    get = row.get
    external_id = row["event_id_cnty"]
    if not external_id:
        raise RowError("event_id_cnty", _("empty"))
    type_code = taxonomy.acled_code(row["event_type"], row["sub_event_type"])
    if type_code is None:
        raise RowError("event_type", _("unknown ACLED event type %(v)r") % {"v": row["event_type"]})
    dead = parse_count(row["fatalities"], "fatalities")
    country = alpha3_of(row["country"], numeric=get("iso", ""))
    if not country:
        raise RowError("iso", _("unknown country %(v)r") % {"v": row["country"]})
    where = ", ".join(part for part in (row["location"], row["admin1"]) if part)
    label = row["sub_event_type"] or row["event_type"]
    details = {
        name: get(name, "")
        for name in (
            "disorder_type",
            "event_type",
            "sub_event_type",
            "assoc_actor_1",
            "assoc_actor_2",
            "inter1",
            "inter2",
            "interaction",
            "civilian_targeting",
            "admin3",
            "source",
            "source_scale",
            "tags",
            "timestamp",
        )
        if get(name, "")
    }
    return EventRecord(
        origin="acled",
        external_id=external_id,
        title=_cut(f"{label} — {where}" if where else label, MAX_TITLE),
        type_code=type_code,
        starts_at=parse_day(row["event_date"], "event_date"),
        start_precision=choice(row["time_precision"], ACLED_WHEN, "time_precision"),
        description=get("notes", ""),
        country=country,
        admin1_name=_cut(row["admin1"], 200),
        admin2_name=_cut(get("admin2", ""), 200),
        place_name=_cut(row["location"], 300),
        latitude=parse_number(row["latitude"], "latitude"),
        longitude=parse_number(row["longitude"], "longitude"),
        location_precision=choice(row["geo_precision"], ACLED_WHERE, "geo_precision"),
        actor1=_cut(row["actor1"], 300),
        actor2=_cut(get("actor2", ""), 300),
        severity=severity_of(dead),
        certainty="Observed",
        urgency="Past",
        details=details,
        sources=[
            SourceRecord(
                kind="open",
                name="ACLED",
                reference=external_id,
                figures=[FigureRecord("dead", best=dead)] if dead is not None else [],
            )
        ],
    )


def read_acled(data: bytes, *, filename: str) -> list[EventRecord]:
    return read_records(
        data, filename=filename, required=ACLED_REQUIRED, row_to_record=acled_record
    )


# Importing --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Format:
    read: Callable[..., list[EventRecord]]
    label: str


_FORMATS = {"ucdp": _Format(read_ucdp, "UCDP GED"), "acled": _Format(read_acled, "ACLED layout")}


def _import(
    fmt: str,
    files: Sequence[tuple[str, bytes]],
    acting_user: User,
    dry_run: bool,
    tlp: str | None,
) -> ImportReport:
    reader = _FORMATS[fmt]
    records: list[EventRecord] = []
    problems: list[ImportProblem] = []
    for name, data in files:
        try:
            records += reader.read(data, filename=name)
        except ImportRefused as refusal:
            problems += refusal.problems
    if problems:
        raise ImportRefused(problems)
    label = f"{reader.label}: " + ", ".join(name for name, _data in files)
    return event_import.apply(
        records=records, acting_user=acting_user, source_label=label, dry_run=dry_run, tlp=tlp
    )


def import_ucdp(
    *,
    files: Sequence[tuple[str, bytes]],
    acting_user: User,
    dry_run: bool = False,
    tlp: str | None = None,
) -> ImportReport:
    """Import UCDP GED CSV files (name, bytes), all or nothing (`ImportRefused`)."""
    return _import("ucdp", files, acting_user, dry_run, tlp)


def import_acled(
    *,
    files: Sequence[tuple[str, bytes]],
    acting_user: User,
    dry_run: bool = False,
    tlp: str | None = None,
) -> ImportReport:
    """Import CSV files in ACLED's layout (name, bytes), all or nothing (`ImportRefused`)."""
    return _import("acled", files, acting_user, dry_run, tlp)
