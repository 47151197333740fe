"""Import CAP 1.2 messages as crisis events.

CAP names a message by (sender, identifier, sent). An Alert creates one event keyed by its own
"sender,identifier,sent"; an Update or Cancel names earlier messages in `references`, and
changes the event of the first one we hold (earlier in the same batch or stored as a
`CapMessage`), so an alert and its updates stay one event. A Cancel marks the event cancelled
(it is kept); a Cancel without `info` keeps everything else as it was. An Update or Cancel whose
references name nothing we hold creates its event keyed by the first reference (the original
alert's key, so that the original, if it comes later, finds it) and the report says so.

Every message is stored as a `CapMessage` with its XML as received; importing the same message
again changes nothing and counts as unchanged. Ack, Error, System and Draft messages are stored
but describe no event. Everything happens in one transaction through `event_import.apply`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

import pycountry
from django.db import transaction
from django.utils.translation import gettext as _
from shapely.geometry import shape

from concord.core.models import User
from concord.crisis import event_import
from concord.crisis.cap import CapAlert, CapInfo, parse_cap
from concord.crisis.cap_geometry import merge_areas
from concord.crisis.event_import import ImportReport
from concord.crisis.models import CapMessage, Event, Origin
from concord.crisis.records import (
    EventRecord,
    FigureRecord,
    ImportProblem,
    ImportRefused,
    SourceRecord,
)

SOURCE_LABEL = "CAP"
EVENT_MESSAGES = frozenset({"Alert", "Update", "Cancel"})
EVENT_STATUSES = frozenset({"Actual", "Exercise", "Test"})

# CAP severity → the Centre's 1–5 scale (see `severity_of`).
SEVERITY = {"Extreme": 5, "Severe": 4, "Moderate": 3, "Minor": 2, "Unknown": 3}

# Words of a CAP `event` (or an eventCode value) → an event type, most specific first. English
# first, with the words of the feeds we receive in other languages (Russian, Spanish, French,
# Icelandic).
_EVENT_WORDS: tuple[tuple[str, str], ...] = (
    (r"earthquake|seism|sismo|землетряс", "geophysical.earthquake"),
    (r"tsunami|цунами", "flood.tsunami"),
    (r"volcan|вулкан", "geophysical.volcanicEvent"),
    (r"landslide|mudslide|debris flow|оползень|сел[ьи]\\b", "geophysical.landslide"),
    (r"avalanche|лавин", "geophysical.avalanche"),
    (r"flash ?flood|паводок", "flood.flashFlood"),
    (r"dam (?:failure|break)|прорыв плотины", "infrastructure.damFailure"),
    (r"flood|inundaci|наводнен|подтоплен", "flood"),
    (
        r"tropical cyclone|tropical storm|typhoon|cicl[oó]n tropical|tormenta tropical",
        "meteorological.tropicalStorm",
    ),
    (r"hurricane|hurac[aá]n|ураган", "meteorological.hurricane"),
    (r"thunderstorm|orage|tormenta|гроза", "meteorological.thunderstorm"),
    (r"blizzard|метель|буран", "meteorological.blizzard"),
    (r"winter storm|snow|снег", "meteorological.winterStorm"),
    (r"hail|град(?:\\b|ом)", "meteorological.hail"),
    (r"drought|засух", "meteorological.drought"),
    (r"dust|sand ?storm|пыльн", "meteorological.dustStorm"),
    (r"rain|lluvia|ливень|дожд", "meteorological.rainFall"),
    (r"heat|жара", "temperature.heatWave"),
    (r"cold|frost|freez|мороз|холод", "temperature.coldWave"),
    (r"wind|gale|vindur|viento|ветер", "wind.strongWind"),
    (r"wild ?fire|bush ?fire|grass ?fire|природный пожар", "fire.wildFire"),
    (r"forest ?fire|лесной пожар", "fire.forestFire"),
    (r"fire|incendio|пожар", "fire"),
    (r"terror|террор", "crime.terrorism"),
    (r"bomb threat", "crime.bombThreat"),
    (r"bomb|explosive device|взрывн", "crime.bomb"),
    (r"shooting|shooter|стрельб", "crime.shooting"),
    (r"hostage|заложник", "crime.hostageTaking"),
    (r"chemical|hazmat|toxic|химическ", "hazardousMaterial.chemicalHazard"),
    (r"radiolog|nuclear|radiation|радиац", "hazardousMaterial.radiologicalHazard"),
    (r"biolog", "hazardousMaterial.biologicalHazard"),
    (r"epidemic|pandemic|disease|outbreak|эпидем", "health.infectiousDisease"),
    (r"power (?:outage|failure)|blackout", "infrastructure.powerFailure"),
    (r"civil emergency|civil danger", "civil.emergency"),
    (r"riot|беспорядк", "civil.riot"),
)  # fmt: skip
_EVENT_PATTERNS = tuple((re.compile(rf"\b(?:{words})", re.I), code) for words, code in _EVENT_WORDS)

# CAP category → the type used when the event text names nothing we know.
CATEGORY_TYPES = {
    "Geo": "geophysical",
    "Met": "meteorological",
    "Safety": "civil.emergency",
    "Security": "crime",
    "Rescue": "other.searchAndRescue",
    "Fire": "fire",
    "Health": "health",
    "Env": "other.unknown",
    "Transport": "transport",
    "Infra": "infrastructure",
    "CBRNE": "hazardousMaterial",
    "Other": "other.unknown",
}
FALLBACK_TYPE = "other.unknown"
SCOPE_TLP = {"Public": "GREEN", "Restricted": "AMBER", "Private": "AMBER"}


@dataclass
class CapImportReport(ImportReport):
    """`ImportReport` plus the references (sender,identifier,sent) that named no message we
    hold: the event was created from the later message, keyed by the first reference."""

    unmatched_references: list[str] = field(default_factory=list)


def type_code_of(info: CapInfo) -> str:
    """An event-type code for a CAP info block: its event text and event codes first (words
    in several languages), then its category; `other.unknown` when neither says."""
    texts = [info.event, *(value for _name, value in info.event_codes)]
    for pattern, code in _EVENT_PATTERNS:
        if any(pattern.search(text) for text in texts):
            return code
    return CATEGORY_TYPES.get(info.category, FALLBACK_TYPE)


def severity_of(cap_severity: str) -> int:
    """CAP severity on the Centre's 1–5 scale: Extreme 5, Severe 4, Moderate 3, Minor 2;
    Unknown 3 (the scale's middle: an unknown severity is neither played down nor up)."""
    return SEVERITY.get(cap_severity, 3)


def _chosen_info(infos: list[CapInfo]) -> CapInfo | None:
    """The info block the event is made from: Russian, else English, else the first."""
    for prefix in ("ru", "en"):
        for info in infos:
            if info.language.lower().startswith(prefix):
                return info
    return infos[0] if infos else None


def _country(info: CapInfo) -> str:
    """ISO alpha-3 from an ISO 3166 geocode ("AU-NSW", "IS"), when the alert gives one."""
    for area in info.areas:
        for name, value in area.geocodes:
            match = re.fullmatch(r"([A-Z]{2})(?:-[A-Z0-9]{1,3})?", value)
            if "iso" in name.lower() and match:
                country = pycountry.countries.get(alpha_2=match.group(1))
                if country is not None:
                    return str(country.alpha_3)
    return ""


def record_of(alert: CapAlert, info: CapInfo, external_id: str, tlp: str | None) -> EventRecord:
    """The event a CAP message describes (one info block chosen by `_chosen_info`)."""
    geometries = [g for area in info.areas for g in area.geometries]
    area = merge_areas(geometries)
    latitude = longitude = None
    precision = "unknown"
    if area is not None:
        centroid = shape(area).centroid
        latitude, longitude, precision = round(centroid.y, 6), round(centroid.x, 6), "area"
    else:
        points = [g for g in geometries if g["type"] == "Point"]
        if points:
            longitude, latitude = points[0]["coordinates"]
            precision = "exact"
    details: dict[str, Any] = {
        "cap_message": alert.key,
        "msg_type": alert.msg_type,
        "status": alert.status,
        "scope": alert.scope,
        "language": info.language,
        "category": info.categories,
        "event": info.event,
        "headlines": {i.language: i.headline for i in alert.infos if i.headline},
        "instruction": info.instruction,
        "event_codes": [list(p) for p in info.event_codes],
        "parameters": [list(p) for p in info.parameters],
        "geocodes": [list(p) for a in info.areas for p in a.geocodes],
        "circles": [c for a in info.areas for c in a.circles],
        "references": [r.key for r in alert.references],
        "expires": info.expires.isoformat() if info.expires else None,
    }
    if alert.restriction:
        details["restriction"] = alert.restriction
    starts_at = info.onset or info.effective or alert.sent_at
    return EventRecord(
        origin=Origin.CAP,
        external_id=external_id,
        title=(info.headline or info.event)[:500],
        type_code=type_code_of(info),
        starts_at=starts_at,
        start_precision="minute",
        ends_at=info.expires,
        end_precision="minute" if info.expires else "",
        description=info.description,
        country=_country(info),
        place_name="; ".join(a.area_desc for a in info.areas)[:300],
        latitude=latitude,
        longitude=longitude,
        location_precision=precision,
        area=area,
        severity=severity_of(info.severity),
        urgency=info.urgency,
        certainty=info.certainty,
        exercise=alert.status in {"Exercise", "Test"},
        tlp=tlp or SCOPE_TLP.get(alert.scope, "AMBER"),
        details=details,
        sources=[
            SourceRecord(
                kind="feed",
                name=alert.sender[:300],
                url=info.web[:1000],
                reference=alert.key[:300],
                published_at=alert.sent_at,
            )
        ],
        cancelled=alert.msg_type == "Cancel",
        file=alert.file,
        line=alert.line,
    )


def _record_of_event(event: Event) -> EventRecord:
    """What an event holds now, as a record (for a Cancel that carries no info)."""
    return EventRecord(
        origin=event.origin,
        external_id=event.external_id,
        title=event.title,
        type_code=event.event_type.code,
        starts_at=event.starts_at,
        start_precision=event.start_precision,
        ends_at=event.ends_at,
        end_precision=event.end_precision,
        description=event.description,
        country=event.country,
        admin1_pcode=event.admin1_pcode,
        admin1_name=event.admin1_name,
        admin2_pcode=event.admin2_pcode,
        admin2_name=event.admin2_name,
        place_name=event.place_name,
        latitude=event.latitude,
        longitude=event.longitude,
        location_precision=event.location_precision,
        area=event.area,
        actor1=event.actor1,
        actor2=event.actor2,
        severity=event.severity,
        urgency=event.urgency,
        certainty=event.certainty,
        exercise=event.exercise,
        tlp=event.tlp,
        details=dict(event.details),
        sources=[
            SourceRecord(
                kind=source.kind,
                name=source.name,
                url=source.url,
                reference=source.reference,
                published_at=source.published_at,
                figures=[
                    FigureRecord(figure=f.figure, best=f.best, low=f.low, high=f.high)
                    for f in source.figures.all()
                ],
            )
            for source in event.sources.all()
        ],
        cancelled=event.cancelled_at is not None,
    )


@dataclass
class _Batch:
    """The state of one import: what each message resolved to, and the records to apply."""

    tlp: str | None
    records: dict[str, EventRecord] = field(default_factory=dict)  # external_id → record
    message_events: dict[str, str | None] = field(default_factory=dict)  # key → external_id
    messages: list[tuple[CapAlert, str | None]] = field(default_factory=list)  # to store
    unchanged: dict[str, int] = field(default_factory=dict)  # external_id → event pk
    unchanged_count: int = 0
    unmatched: list[str] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)

    def previous(self, external_id: str) -> EventRecord | None:
        if external_id in self.records:
            return self.records[external_id]
        event = (
            Event.objects.select_related("event_type")
            .prefetch_related("sources__figures")
            .filter(origin=Origin.CAP, external_id=external_id)
            .first()
        )
        return _record_of_event(event) if event is not None else None

    def resolve(self, alert: CapAlert) -> str | None:
        """The external id of the event this message is about (None: no event)."""
        if alert.msg_type == "Alert":
            return alert.key
        for reference in alert.references:
            if self.message_events.get(reference.key):
                return self.message_events[reference.key]
            stored = (
                CapMessage.objects.filter(
                    sender=reference.sender, identifier=reference.identifier, sent=reference.sent
                )
                .exclude(event=None)
                .select_related("event")
                .first()
            )
            if stored is not None and stored.event is not None:
                return stored.event.external_id
        if not alert.references or alert.msg_type not in {"Update", "Cancel"}:
            return None
        first = alert.references[0].key
        if self.previous(first) is None and first not in self.unmatched:
            self.unmatched.append(first)
        return first

    def add(self, alert: CapAlert) -> None:
        stored = CapMessage.objects.filter(
            sender=alert.sender, identifier=alert.identifier, sent=alert.sent
        ).first()
        if stored is not None or alert.key in self.message_events:
            self._repeat(alert, stored)
            return
        external_id = self.resolve(alert)
        self.message_events[alert.key] = external_id
        self.messages.append((alert, external_id))
        if external_id is None or alert.msg_type not in EVENT_MESSAGES:
            return
        if alert.status not in EVENT_STATUSES:
            return
        previous = self.previous(external_id)
        if alert.msg_type == "Alert" and previous is not None and external_id not in self.records:
            # The original alert arrives after a message that already changed its event.
            self.unchanged_count += 1
            return
        info = _chosen_info(alert.infos)
        if info is None:
            if previous is not None:
                self.records[external_id] = replace(
                    previous, cancelled=previous.cancelled or alert.msg_type == "Cancel"
                )
            return
        record = record_of(alert, info, external_id, self.tlp)
        if previous is not None:
            record.starts_at = min(record.starts_at, previous.starts_at)
        self.records[external_id] = record

    def _repeat(self, alert: CapAlert, stored: CapMessage | None) -> None:
        if stored is not None and stored.xml != alert.xml:
            self.problems.append(
                ImportProblem(
                    alert.file,
                    alert.line,
                    "identifier",
                    _(
                        "a different message with the same sender, identifier and sent "
                        "(%(key)s) is already stored; CAP requires a new identifier"
                    )
                    % {"key": alert.key},
                )
            )
            return
        self.unchanged_count += 1
        if stored is not None and stored.event is not None:
            self.unchanged[stored.event.external_id] = stored.event.pk


def parse_files(files: Sequence[tuple[str, bytes]]) -> list[CapAlert]:
    """Every file parsed, or `ImportRefused` with the problems of all the files refused."""
    alerts: list[CapAlert] = []
    problems: list[ImportProblem] = []
    for name, data in files:
        try:
            alerts.append(parse_cap(data, filename=name))
        except ImportRefused as refused:
            problems.extend(refused.problems)
    if problems:
        raise ImportRefused(problems)
    return alerts


@transaction.atomic
def import_cap(
    *,
    files: Sequence[tuple[str, bytes]],
    acting_user: User,
    dry_run: bool = False,
    tlp: str | None = None,
) -> CapImportReport:
    """Import CAP 1.2 files (name, bytes) as events, all or nothing (`ImportRefused`)."""
    alerts = parse_files(files)
    batch = _Batch(tlp=tlp)
    for alert in sorted(alerts, key=lambda a: a.sent_at):
        batch.add(alert)
    if batch.problems:
        raise ImportRefused(batch.problems)
    report = event_import.apply(
        records=list(batch.records.values()),
        acting_user=acting_user,
        source_label=SOURCE_LABEL,
        dry_run=dry_run,
        tlp=tlp,
    )
    result = CapImportReport(
        **{f.name: getattr(report, f.name) for f in fields(ImportReport)},
        unmatched_references=batch.unmatched,
    )
    result.unchanged += batch.unchanged_count
    result.event_ids = {**batch.unchanged, **result.event_ids}
    if not dry_run:
        _store_messages(batch, result.event_ids)
    return result


def _store_messages(batch: _Batch, event_ids: dict[str, int]) -> None:
    CapMessage.objects.bulk_create(
        [
            CapMessage(
                sender=alert.sender,
                identifier=alert.identifier,
                sent=alert.sent,
                sent_at=alert.sent_at,
                status=alert.status,
                msg_type=alert.msg_type,
                scope=alert.scope,
                references=" ".join(r.key for r in alert.references),
                xml=alert.xml,
                event_id=_event_id(external_id, event_ids),
            )
            for alert, external_id in batch.messages
        ]
    )


def _event_id(external_id: str | None, event_ids: dict[str, int]) -> int | None:
    if external_id is None:
        return None
    if external_id in event_ids:
        return event_ids[external_id]
    return (
        Event.objects.filter(origin=Origin.CAP, external_id=external_id)
        .values_list("pk", flat=True)
        .first()
    )
