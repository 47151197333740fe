"""HXL-tagged CSV in and out (libhxl reads the hashtags).

Two layouts are read:
- HDX's aggregated conflict tables (HDX HAPI `conflict_event`, derived from ACLED): one row per
  place, event type and month with `#indicator+event+num` events and `#affected+killed` dead.
  Each row with events becomes one aggregate event ("Political violence: 3 events — Kunduz /
  Imam Sahib, January 2025"), placed by its P-codes, to the month; rows with no events are
  skipped and counted. Its key is (country, admin-2 or admin-1 code, event type, period start),
  so a re-import of the same month updates. Attribution: "Source: ACLED via HDX HAPI"; the
  table may not be republished.
- Event lists with an `#event+id` column, as `export_hxl` writes them; each row is one event.

The file is decoded here (`decode_text`) and handed to libhxl as rows, so libhxl opens no file
and no address itself.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

import hxl
import pycountry
from django.db.models import Max
from django.utils.translation import gettext as _

from concord.core.models import User
from concord.core.textfiles import csv_delimiter, decode_text

from . import event_import, geo
from .conflict_import import RowError, parse_count, parse_day, parse_number, severity_of
from .event_import import ImportReport
from .models import Event, EventFigure, EventType, Figure
from .records import EventRecord, FigureRecord, ImportProblem, ImportRefused, SourceRecord

MAX_PROBLEMS = 200
SOURCE_NAME = "ACLED via HDX HAPI"
ATTRIBUTION = "Source: ACLED via HDX HAPI"

# HDX HAPI's event types → our codes. "Political violence" is ACLED's battles, explosions and
# violence against civilians together: the armed-conflict root type, not one of them.
HDX_TYPES = {
    "political_violence": "acled",
    "civilian_targeting": "acled.violence_against_civilians",
    "demonstration": "acled.protests",
}
HDX_LABELS = {
    "political_violence": "Political violence",
    "civilian_targeting": "Civilian targeting",
    "demonstration": "Demonstrations",
}
# Titles are data, kept in one language whatever the reader's: month names in English.
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]

AGGREGATE_TAGS = ("#country+code", "#event+type", "#indicator+event+num", "#date+start")
EVENT_TAGS = ("#event+id", "#event+type", "#date+start")
EXPORT_COLUMNS = (
    ("id", "#event+id"),
    ("title", "#event+name"),
    ("type", "#event+type"),
    ("start", "#date+start"),
    ("country", "#country+code"),
    ("admin1_pcode", "#adm1+code"),
    ("admin1_name", "#adm1+name"),
    ("admin2_pcode", "#adm2+code"),
    ("admin2_name", "#adm2+name"),
    ("place", "#loc+name"),
    ("latitude", "#geo+lat"),
    ("longitude", "#geo+lon"),
    ("severity", "#severity"),
    ("dead", "#affected+killed"),
    ("source", "#meta+source"),
)


@dataclass
class HxlImportReport(ImportReport):
    """`ImportReport` plus the aggregate rows skipped because they counted no events."""

    skipped_rows: int = 0


@dataclass
class _Parsed:
    records: list[EventRecord] = field(default_factory=list)
    skipped: int = 0


class _Row:
    """One data row of a libhxl dataset, read by hashtag pattern; empty cells are ""."""

    def __init__(self, row: Any) -> None:
        self.row = row

    def text(self, pattern: str) -> str:
        value = self.row.get(pattern)
        return "" if value is None else str(value).strip()


def _tag_row(rows: Sequence[list[str]]) -> int | None:
    """The index of the hashtag row (libhxl looks for it the same way, in the first rows)."""
    for index, row in enumerate(rows[:25]):
        cells = [cell.strip() for cell in row if cell.strip()]
        if cells and all(cell.startswith("#") for cell in cells):
            return index
    return None


def _dataset(data: bytes, filename: str) -> tuple[Any, int]:
    """The libhxl dataset of a file and the file line of its first data row."""
    text, _encoding = decode_text(data)
    if text is None:
        raise ImportRefused(
            [ImportProblem(filename, None, "", _("not UTF-8 or CP1251 text; cannot read it"))]
        )
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=csv_delimiter(text)))
    tag_index = _tag_row(rows)
    if tag_index is None:
        raise ImportRefused([ImportProblem(filename, None, "", _("no HXL hashtag row"))])
    # An array is libhxl's local input: it opens no file and no URL.
    return hxl.data(rows), tag_index + 2


def _missing(dataset: Any, tags: Sequence[str]) -> list[str]:
    return [
        tag for tag in tags if hxl.model.TagPattern.parse(tag).find_column(dataset.columns) is None
    ]


def _period_title(label: str, events: int, where: str, start: datetime) -> str:
    counted = f"{events} event" if events == 1 else f"{events} events"
    return f"{label}: {counted} — {where}, {MONTHS[start.month - 1]} {start.year}"


def _country_name(code: str) -> str:
    found = pycountry.countries.get(alpha_3=code)
    return str(found.name) if found is not None else code


def _aggregate_record(row: _Row) -> EventRecord | None:
    """One aggregate event for a row of HDX's table; None for a row with no events."""
    events = parse_count(row.text("#indicator+event+num"), "#indicator+event+num") or 0
    if events == 0:
        return None
    kind = row.text("#event+type")
    if kind not in HDX_TYPES:
        raise RowError("#event+type", _("unknown event type %(v)r") % {"v": kind})
    country = row.text("#country+code").upper()
    if len(country) != 3:
        raise RowError("#country+code", _("not an ISO alpha-3 code: %(v)r") % {"v": country})
    start = parse_day(row.text("#date+start"), "#date+start")
    end_text = row.text("#date+end")
    admin1, admin2 = row.text("#adm1+code"), row.text("#adm2+code")
    names = [row.text("#adm1+name-provider"), row.text("#adm2+name-provider")]
    if not any(names):
        names = [row.text("#adm1+name+provider"), row.text("#adm2+name+provider")]
    where = " / ".join(n for n in names if n) or _country_name(country)
    dead = parse_count(row.text("#affected+killed"), "#affected+killed")
    details: dict[str, Any] = {"events": events, "event_type": kind, "attribution": ATTRIBUTION}
    for tag, key in (
        ("#date+end", "period_end"),
        ("#adm1+name+provider", "provider_admin1_name"),
        ("#adm2+name+provider", "provider_admin2_name"),
        ("#meta+dataset_id", "dataset"),
        ("#meta+warning", "warning"),
    ):
        if row.text(tag):
            details[key] = row.text(tag)
    point = geo.admin1_point(admin2 or admin1) if (admin2 or admin1) else None
    return EventRecord(
        origin="hxl",
        external_id=f"{country}/{admin2 or admin1 or '-'}/{kind}/{start.date().isoformat()}",
        title=_period_title(HDX_LABELS[kind], events, where, start),
        type_code=HDX_TYPES[kind],
        starts_at=start,
        start_precision="month",
        ends_at=parse_day(end_text, "#date+end") if end_text else None,
        end_precision="day" if end_text else "",
        description=ATTRIBUTION,
        country=country,
        admin1_pcode=admin1,
        admin2_pcode=admin2,
        # On the map at its province's label point: the table gives no coordinates, and the
        # location precision says the place is known to the district or province only.
        latitude=point[0] if point else None,
        longitude=point[1] if point else None,
        location_precision="admin2" if admin2 else "admin1" if admin1 else "country",
        severity=severity_of(dead),
        certainty="Observed",
        urgency="Past",
        details=details,
        sources=[
            SourceRecord(
                kind="open",
                name=SOURCE_NAME,
                figures=[FigureRecord("dead", best=dead)] if dead is not None else [],
            )
        ],
    )


def _event_record(row: _Row, known_types: set[str]) -> EventRecord:
    """One event of an event list (`export_hxl`'s layout)."""
    external_id = row.text("#event+id")
    if not external_id:
        raise RowError("#event+id", _("empty"))
    kind = row.text("#event+type")
    type_code = kind if kind in known_types else HDX_TYPES.get(kind)
    if type_code is None:
        raise RowError("#event+type", _("unknown event type %(v)r") % {"v": kind})
    severity_text = row.text("#severity")
    severity = parse_count(severity_text, "#severity") if severity_text else 3
    dead = parse_count(row.text("#affected+killed"), "#affected+killed")
    source = row.text("#meta+source") or "HXL"
    latitude = parse_number(row.text("#geo+lat"), "#geo+lat")
    return EventRecord(
        origin="hxl",
        external_id=external_id,
        title=row.text("#event+name") or external_id,
        type_code=type_code,
        starts_at=parse_day(row.text("#date+start"), "#date+start"),
        country=row.text("#country+code").upper(),
        admin1_pcode=row.text("#adm1+code"),
        admin1_name=row.text("#adm1+name"),
        admin2_pcode=row.text("#adm2+code"),
        admin2_name=row.text("#adm2+name"),
        place_name=row.text("#loc+name"),
        latitude=latitude,
        longitude=parse_number(row.text("#geo+lon"), "#geo+lon"),
        location_precision="exact" if latitude is not None else "unknown",
        severity=severity if severity is not None else 3,
        sources=[
            SourceRecord(
                kind="open",
                name=source,
                figures=[FigureRecord("dead", best=dead)] if dead is not None else [],
            )
        ],
    )


def read_hxl(data: bytes, *, filename: str) -> tuple[list[EventRecord], int]:
    """The event records of an HXL file and the number of aggregate rows skipped (no events);
    `ImportRefused` naming every bad row."""
    dataset, first_line = _dataset(data, filename)
    try:
        events_layout = not _missing(dataset, ("#event+id",))
        missing = _missing(dataset, EVENT_TAGS if events_layout else AGGREGATE_TAGS)
    except hxl.HXLException as error:
        raise ImportRefused([ImportProblem(filename, None, "", str(error))]) from None
    if missing:
        raise ImportRefused(
            [
                ImportProblem(
                    filename,
                    first_line - 1,
                    "",
                    _("not the expected layout: missing hashtags %(tags)s")
                    % {"tags": ", ".join(missing)},
                )
            ]
        )
    known = set(EventType.objects.values_list("code", flat=True)) if events_layout else set()
    parsed, problems = _Parsed(), []
    for offset, raw in enumerate(dataset):
        row = _Row(raw)
        try:
            record = _event_record(row, known) if events_layout else _aggregate_record(row)
        except RowError as error:
            problems.append(
                ImportProblem(filename, first_line + offset, error.column, error.reason)
            )
            if len(problems) >= MAX_PROBLEMS:
                break
            continue
        if record is None:
            parsed.skipped += 1
            continue
        record.file, record.line = filename, first_line + offset
        parsed.records.append(record)
    if problems:
        raise ImportRefused(problems)
    return parsed.records, parsed.skipped


def import_hxl(
    *,
    files: Sequence[tuple[str, bytes]],
    acting_user: User,
    dry_run: bool = False,
    tlp: str | None = None,
) -> HxlImportReport:
    """Import HXL-tagged CSV files (name, bytes), all or nothing (`ImportRefused`)."""
    records: list[EventRecord] = []
    problems: list[ImportProblem] = []
    skipped = 0
    for name, data in files:
        try:
            found, skipped_here = read_hxl(data, filename=name)
        except ImportRefused as refusal:
            problems += refusal.problems
            continue
        records += found
        skipped += skipped_here
    if problems:
        raise ImportRefused(problems)
    report = event_import.apply(
        records=records,
        acting_user=acting_user,
        source_label="HXL: " + ", ".join(name for name, _data in files),
        dry_run=dry_run,
        tlp=tlp,
    )
    values = {f.name: getattr(report, f.name) for f in fields(ImportReport)}
    return HxlImportReport(**values, skipped_rows=skipped)


# Export -----------------------------------------------------------------------------------------


def _dead_by_event(pks: Sequence[int]) -> dict[int, int]:
    """The dead of each event: the largest best figure among its sources (not their sum, so a
    death reported by two sources counts once)."""
    dead: dict[int, int] = {}
    for part in event_import.chunks(pks):
        rows = (
            EventFigure.objects.filter(
                source__event_id__in=part, figure=Figure.DEAD, best__isnull=False
            )
            .values("source__event_id")
            .annotate(most=Max("best"))
            .values_list("source__event_id", "most")
        )
        dead.update(rows)
    return dead


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def export_hxl(events: Iterable[Event]) -> str:
    """Events as CSV with a header row and an HXL hashtag row. The caller chooses the events
    (from `access.events_for`): this writes what it is given."""
    items = list(events)
    types = dict(EventType.objects.values_list("id", "code"))
    dead = _dead_by_event([event.pk for event in items])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([name for name, _tag in EXPORT_COLUMNS])
    writer.writerow([tag for _name, tag in EXPORT_COLUMNS])
    for event in items:
        values = {
            "id": event.uid,
            "title": event.title,
            "type": types.get(event.event_type_id, ""),
            "start": event.starts_at,
            "country": event.country,
            "admin1_pcode": event.admin1_pcode,
            "admin1_name": event.admin1_name,
            "admin2_pcode": event.admin2_pcode,
            "admin2_name": event.admin2_name,
            "place": event.place_name,
            "latitude": event.latitude,
            "longitude": event.longitude,
            "severity": event.severity,
            "dead": dead.get(event.pk),
            "source": event.origin,
        }
        writer.writerow([_cell(values[name]) for name, _tag in EXPORT_COLUMNS])
    return out.getvalue()
