"""Import the GDACS RSS feed (Global Disaster Alert and Coordination System, EC JRC / UN OCHA).

Each `item` is one disaster event at its latest episode. An event is keyed by
`f"{eventtype}{eventid}"` ("EQ1199929"), so that a later episode updates the same event; an
episode older than the one stored changes nothing. The alert level gives the severity (Green 2,
Orange 4, Red 5); what GDACS says that has no column of its own (episode, alert level and score,
population, severity, bounding box) is kept in `details`, as given.

Figures: only what the feed states. A population whose text says "affected" (the tropical
cyclone's "Population affected by Category 1 … wind speeds") becomes the GDACS source's
"affected" figure; the earthquake's "population within 100 km" is exposure, not an effect, and
is kept in `details` only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from lxml import etree

from concord.core.models import User
from concord.crisis import event_import
from concord.crisis.cap import parse_secure_xml
from concord.crisis.cap_geometry import check_position
from concord.crisis.event_import import ImportReport
from concord.crisis.models import Event, Origin
from concord.crisis.records import (
    EventRecord,
    FigureRecord,
    ImportProblem,
    ImportRefused,
    SourceRecord,
)

GDACS = "http://www.gdacs.org"
GEO = "http://www.w3.org/2003/01/geo/wgs84_pos#"
_NS = {"gdacs": GDACS, "geo": GEO}
SOURCE_LABEL = "GDACS"

TYPE_CODES = {
    "EQ": "geophysical.earthquake",
    "TC": "meteorological.tropicalStorm",
    "FL": "flood",
    "VO": "geophysical.volcanicEvent",
    "DR": "meteorological.drought",
    "WF": "fire.wildFire",
}
SEVERITY = {"Green": 2, "Orange": 4, "Red": 5}


@dataclass
class GdacsMeasure:
    """A GDACS measure as given: `value` and `unit` attributes and the sentence."""

    value: str
    unit: str
    text: str

    def as_dict(self) -> dict[str, str]:
        return {"value": self.value, "unit": self.unit, "text": self.text}


@dataclass
class GdacsItem:
    event_type: str
    event_id: str
    episode_id: int
    alert_level: str
    title: str
    description: str
    event_name: str
    link: str
    country: str  # as given: one name or several
    iso3: str
    latitude: float
    longitude: float
    from_date: datetime
    to_date: datetime | None
    published_at: datetime | None
    severity: GdacsMeasure | None
    population: GdacsMeasure | None
    bbox: list[float] | None  # lonmin, lonmax, latmin, latmax (GDACS's order)
    extra: dict[str, str] = field(default_factory=dict)
    file: str = ""
    line: int | None = None

    @property
    def external_id(self) -> str:
        return f"{self.event_type}{self.event_id}"


class _Reader:
    """Reads one item, collecting problems (file, line, element) instead of stopping."""

    def __init__(self, item: etree._Element, filename: str, problems: list[ImportProblem]):
        self.item = item
        self.filename = filename
        self.problems = problems

    def problem(self, column: str, reason: str) -> None:
        self.problems.append(ImportProblem(self.filename, self.item.sourceline, column, reason))

    def text(self, path: str) -> str:
        return (self.item.findtext(path, default="", namespaces=_NS) or "").strip()

    def date(self, path: str, *, required: bool = False) -> datetime | None:
        text = self.text(path)
        if not text:
            if required:
                self.problem(path, _("missing"))
            return None
        try:
            value = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            self.problem(path, _("%(text)r is not an RFC 822 date") % {"text": text})
            return None
        if value.tzinfo is None:
            self.problem(path, _("%(text)s has no UTC offset") % {"text": text})
            return None
        return value

    def number(self, path: str) -> float | None:
        text = self.text(path)
        try:
            return float(text)
        except ValueError:
            self.problem(path, _("%(text)r is not a number") % {"text": text})
            return None

    def measure(self, path: str) -> GdacsMeasure | None:
        element = self.item.find(path, _NS)
        if element is None:
            return None
        return GdacsMeasure(
            value=element.get("value", ""),
            unit=element.get("unit", ""),
            text=(element.text or "").strip(),
        )

    def bbox(self) -> list[float] | None:
        text = self.text("gdacs:bbox")
        if not text:
            return None
        try:
            numbers = [float(part) for part in text.split()]
        except ValueError:
            numbers = []
        if len(numbers) != 4:
            self.problem("gdacs:bbox", _("%(text)r is not four numbers") % {"text": text})
            return None
        return numbers


def _item(
    element: etree._Element, filename: str, problems: list[ImportProblem]
) -> GdacsItem | None:
    reader = _Reader(element, filename, problems)
    before = len(problems)
    event_type = reader.text("gdacs:eventtype")
    if event_type not in TYPE_CODES:
        reader.problem(
            "gdacs:eventtype",
            _("unknown GDACS event type %(type)r (known: %(known)s)")
            % {"type": event_type, "known": ", ".join(TYPE_CODES)},
        )
    event_id = reader.text("gdacs:eventid")
    if not event_id.isdigit():
        reader.problem("gdacs:eventid", _("%(text)r is not an event number") % {"text": event_id})
    episode = reader.text("gdacs:episodeid")
    if not episode.isdigit():
        reader.problem(
            "gdacs:episodeid", _("%(text)r is not an episode number") % {"text": episode}
        )
    alert_level = reader.text("gdacs:alertlevel")
    if alert_level not in SEVERITY:
        reader.problem(
            "gdacs:alertlevel",
            _("%(text)r is not Green, Orange or Red") % {"text": alert_level},
        )
    latitude = reader.number("geo:Point/geo:lat")
    longitude = reader.number("geo:Point/geo:long")
    if latitude is not None and longitude is not None:
        try:
            check_position(latitude, longitude, f"{latitude},{longitude}")
        except ValueError as error:
            reader.problem("geo:Point", str(error))
    from_date = reader.date("gdacs:fromdate", required=True)
    item = GdacsItem(
        event_type=event_type,
        event_id=event_id,
        episode_id=int(episode) if episode.isdigit() else 0,
        alert_level=alert_level,
        title=reader.text("title"),
        description=reader.text("description"),
        event_name=reader.text("gdacs:eventname"),
        link=reader.text("link"),
        country=reader.text("gdacs:country"),
        iso3=reader.text("gdacs:iso3").upper(),
        latitude=latitude or 0.0,
        longitude=longitude or 0.0,
        from_date=from_date or datetime.min.replace(tzinfo=UTC),
        to_date=reader.date("gdacs:todate"),
        published_at=reader.date("pubDate"),
        severity=reader.measure("gdacs:severity"),
        population=reader.measure("gdacs:population"),
        bbox=reader.bbox(),
        extra={
            name: reader.text(f"gdacs:{name}")
            for name in ("alertscore", "episodealertlevel", "version", "cap", "iscurrent")
            if reader.text(f"gdacs:{name}")
        },
        file=filename,
        line=element.sourceline,
    )
    return item if len(problems) == before else None


def parse_gdacs(data: bytes, *, filename: str = "") -> list[GdacsItem]:
    """The items of a GDACS RSS feed, or `ImportRefused` naming every problem (file:line)."""
    root = parse_secure_xml(data, filename=filename)
    if etree.QName(root).localname != "rss" or root.find("channel") is None:
        raise ImportRefused(
            [ImportProblem(filename, root.sourceline, "", _("not an RSS feed (no rss/channel)"))]
        )
    problems: list[ImportProblem] = []
    items = [_item(element, filename, problems) for element in root.iterfind("channel/item")]
    if problems:
        raise ImportRefused(problems)
    return [item for item in items if item is not None]


def _contains(bbox: list[float], latitude: float, longitude: float) -> bool:
    lon_min, lon_max, lat_min, lat_max = bbox
    return lon_min <= longitude <= lon_max and lat_min <= latitude <= lat_max


def _bbox_polygon(bbox: list[float]) -> dict[str, Any]:
    lon_min, lon_max, lat_min, lat_max = bbox
    ring = [[lon_min, lat_min], [lon_max, lat_min], [lon_max, lat_max], [lon_min, lat_max]]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def affected_figures(item: GdacsItem) -> list[FigureRecord]:
    """The "affected" figure, when the feed's population sentence says "affected"."""
    population = item.population
    if population is None or "affected" not in population.text.lower():
        return []
    if not re.fullmatch(r"\d+", population.value):
        return []
    return [FigureRecord(figure="affected", best=int(population.value))]


def record_of(item: GdacsItem, tlp: str | None) -> EventRecord:
    """The event a GDACS item describes."""
    details: dict[str, Any] = {
        "episode_id": item.episode_id,
        "alert_level": item.alert_level,
        "event_name": item.event_name,
        **item.extra,
    }
    if item.severity is not None:
        details["severity"] = item.severity.as_dict()
    if item.population is not None:
        details["population"] = item.population.as_dict()
    if item.bbox is not None:
        details["bbox"] = item.bbox
    # The bounding box is the event's area only when it holds the event's own point: the
    # feed's cyclone boxes often do not (they frame the forecast track, one lies elsewhere).
    area = (
        _bbox_polygon(item.bbox)
        if item.bbox and _contains(item.bbox, item.latitude, item.longitude)
        else None
    )
    return EventRecord(
        origin=Origin.GDACS,
        external_id=item.external_id,
        title=(item.title or f"{item.event_type} {item.event_name}")[:500],
        type_code=TYPE_CODES[item.event_type],
        starts_at=item.from_date,
        start_precision="minute",
        ends_at=item.to_date,
        end_precision="minute" if item.to_date else "",
        description=item.description,
        country=item.iso3 if re.fullmatch(r"[A-Z]{3}", item.iso3) else "",
        place_name=item.country[:300],
        latitude=item.latitude,
        longitude=item.longitude,
        location_precision="exact" if item.event_type == "EQ" else "area" if area else "near",
        area=area,
        severity=SEVERITY[item.alert_level],
        tlp=tlp or "GREEN",
        details=details,
        sources=[
            SourceRecord(
                kind="international",
                name="GDACS",
                url=item.link[:1000],
                reference=f"{item.external_id}/{item.episode_id}",
                published_at=item.published_at,
                figures=affected_figures(item),
            )
        ],
        file=item.file,
        line=item.line,
    )


def _stored_episodes(external_ids: Sequence[str]) -> dict[str, tuple[int, int]]:
    """external_id → (event pk, episode stored) of the events already held."""
    rows = Event.objects.filter(origin=Origin.GDACS, external_id__in=external_ids).values_list(
        "external_id", "pk", "details"
    )
    return {
        external_id: (pk, int(details.get("episode_id", 0)) if isinstance(details, dict) else 0)
        for external_id, pk, details in rows
    }


@transaction.atomic
def import_gdacs(
    *,
    files: Sequence[tuple[str, bytes]],
    acting_user: User,
    dry_run: bool = False,
    tlp: str | None = None,
) -> ImportReport:
    """Import GDACS RSS files (name, bytes), all or nothing (`ImportRefused`). An item whose
    episode is older than the one stored (or than another item of the batch) changes nothing
    and counts as unchanged."""
    items: list[GdacsItem] = []
    problems: list[ImportProblem] = []
    for name, data in files:
        try:
            items.extend(parse_gdacs(data, filename=name))
        except ImportRefused as refused:
            problems.extend(refused.problems)
    if problems:
        raise ImportRefused(problems)
    latest: dict[str, GdacsItem] = {}
    older = 0
    for item in items:
        kept = latest.get(item.external_id)
        if kept is not None:
            older += 1
            if kept.episode_id > item.episode_id:
                continue
        latest[item.external_id] = item
    stored = _stored_episodes(list(latest))
    records = []
    skipped: dict[str, int] = {}
    for external_id, item in latest.items():
        pk, episode = stored.get(external_id, (0, -1))
        if episode > item.episode_id:
            older += 1
            skipped[external_id] = pk
            continue
        records.append(record_of(item, tlp))
    report = event_import.apply(
        records=records,
        acting_user=acting_user,
        source_label=SOURCE_LABEL,
        dry_run=dry_run,
        tlp=tlp,
    )
    report.unchanged += older
    report.event_ids = {**skipped, **report.event_ids}
    return report
