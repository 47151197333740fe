"""Write imported event records: the one path every importer (CAP, GDACS, UCDP, ACLED layout, HXL)
takes to the database.

`apply` checks every record first and refuses the whole batch when anything is wrong (nothing is
written); then it upserts by (origin, external_id), so that a re-import updates and never
duplicates:
- a new key is created, owned by the acting user's agency, marked GREEN unless the record (or
  the `tlp` argument) says otherwise;
- a known key whose fields, and the sources it names, are as stored is *unchanged*;
- otherwise it is *updated*: its fields are overwritten, `updated_at` moves, and each source the
  record names is replaced with its figures (sources the record does not name, such as a national
  report added by hand, are kept). Only the owner agency changes an event; re-importing the same
  data from another agency leaves it unchanged and passes;
- a record with `cancelled=True` (a CAP Cancel) marks a known event cancelled and changes
  nothing else; an unknown one is created already cancelled. Either counts as *cancelled*.
The same key twice in one batch: the later record wins (a CAP Alert and its Update in one run).

Place names are matched to P-codes (`gazetteer`); names that match nothing are kept as given and
listed in the report's `unmatched_places`. A P-code given for a country the P-codes file covers
must be in it.

Written in bulk (2,000 rows a statement batch) so that 100,000 records go in well over 3,000 a
second on SQLite; `Event.save()` is bypassed, so `cell` is set here.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from concord.core import audit
from concord.core.markings import MarkingError, parse_tlp
from concord.core.models import User

from . import alerting, gazetteer, placement, services
from .models import (
    Certainty,
    Event,
    EventFigure,
    EventSource,
    EventType,
    Figure,
    LocationPrecision,
    Origin,
    Precision,
    SourceKind,
    Urgency,
    cell_of,
)
from .records import EventRecord, ImportProblem, ImportRefused, SourceRecord

CHUNK = 2000
MAX_PROBLEMS = 200

# The allowed values of the choice fields, once (a TextChoices' `.values` builds a list per call).
ORIGINS = frozenset(Origin.values)
PRECISIONS = frozenset(Precision.values)
LOCATION_PRECISIONS = frozenset(LocationPrecision.values)
URGENCIES = frozenset(Urgency.values)
CERTAINTIES = frozenset(Certainty.values)
SOURCE_KINDS = frozenset(SourceKind.values)
FIGURES = frozenset(Figure.values)

T = TypeVar("T")

# Event fields a record sets, compared to tell "unchanged" from "updated".
RECORD_FIELDS = (
    "title",
    "description",
    "event_type_id",
    "starts_at",
    "start_precision",
    "ends_at",
    "end_precision",
    "country",
    "admin1_pcode",
    "admin1_name",
    "admin2_pcode",
    "admin2_name",
    "place_name",
    "latitude",
    "longitude",
    "location_precision",
    "area",
    "actor1",
    "actor2",
    "severity",
    "urgency",
    "certainty",
    "exercise",
    "tlp",
    "details",
)
# Field lengths a record must respect (the columns' max_length).
TEXT_LIMITS = {
    "external_id": 300,
    "title": 500,
    "admin1_pcode": 20,
    "admin1_name": 200,
    "admin2_pcode": 20,
    "admin2_name": 200,
    "place_name": 300,
    "actor1": 300,
    "actor2": 300,
}
SOURCE_LIMITS = {"name": 300, "url": 1000, "reference": 300}


@dataclass
class ImportReport:
    """What an import did (or, for a dry run, would do)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    cancelled: int = 0
    refused: list[ImportProblem] = field(default_factory=list)
    unmatched_places: list[str] = field(default_factory=list)
    event_ids: dict[str, int] = field(default_factory=dict)  # external_id → Event pk


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# Checking ---------------------------------------------------------------------------------------


@dataclass
class _Prepared:
    """A checked record and the Event row values it gives."""

    record: EventRecord
    values: dict[str, Any]
    sources: dict[tuple[str, str], tuple[Any, ...]]  # (kind, name) → comparable content


def _jsonable(value: Any) -> Any:
    """What a JSONField gives back for `value`, so that a stored value compares equal."""
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


class _Checker:
    """Collects every problem of a batch, each naming its file, line and column."""

    def __init__(self, type_ids: dict[str, int], tlp: str | None) -> None:
        self.type_ids = type_ids
        self.tlp = tlp
        self.problems: list[ImportProblem] = []
        self.unmatched: set[str] = set()
        self.covered = gazetteer.countries()

    def problem(self, record: EventRecord, column: str, reason: str) -> None:
        self.problems.append(ImportProblem(record.file, record.line, column, reason))

    def choice(self, record: EventRecord, column: str, value: str, allowed: frozenset[str]) -> None:
        if value not in allowed:
            self.problem(record, column, _("unknown value %(value)r") % {"value": value})

    def moment(self, record: EventRecord, column: str, value: datetime | None) -> None:
        if value is not None and timezone.is_naive(value):
            self.problem(record, column, _("a date and time without a UTC offset"))

    def check_fields(self, record: EventRecord) -> None:
        if not record.external_id.strip():
            self.problem(record, "external_id", _("no identifier at the source"))
        if not record.title.strip():
            self.problem(record, "title", _("no title"))
        for name, limit in TEXT_LIMITS.items():
            if len(getattr(record, name)) > limit:
                self.problem(record, name, _("longer than %(limit)s characters") % {"limit": limit})
        self.choice(record, "origin", record.origin, ORIGINS)
        if record.type_code not in self.type_ids:
            self.problem(
                record, "type", _("unknown event type %(code)r") % {"code": record.type_code}
            )
        self.moment(record, "starts_at", record.starts_at)
        self.moment(record, "ends_at", record.ends_at)
        naive = timezone.is_naive(record.starts_at) or (
            record.ends_at is not None and timezone.is_naive(record.ends_at)
        )
        if not naive and record.ends_at is not None and record.ends_at < record.starts_at:
            self.problem(record, "ends_at", _("ends before it starts"))
        self.choice(record, "start_precision", record.start_precision, PRECISIONS)
        if record.end_precision:
            self.choice(record, "end_precision", record.end_precision, PRECISIONS)
        self.choice(record, "location_precision", record.location_precision, LOCATION_PRECISIONS)
        self.choice(record, "urgency", record.urgency, URGENCIES)
        self.choice(record, "certainty", record.certainty, CERTAINTIES)
        if isinstance(record.severity, bool) or record.severity not in range(1, 6):
            self.problem(
                record, "severity", _("%(value)r is not 1 to 5") % {"value": record.severity}
            )

    def check_coordinates(self, record: EventRecord) -> None:
        lat, lon = record.latitude, record.longitude
        if (lat is None) != (lon is None):
            self.problem(
                record, "latitude", _("latitude and longitude come together or not at all")
            )
            return
        if lat is not None and not -90.0 <= lat <= 90.0:
            self.problem(
                record, "latitude", _("%(value)s is out of range (-90 to 90)") % {"value": lat}
            )
        if lon is not None and not -180.0 <= lon <= 180.0:
            self.problem(
                record, "longitude", _("%(value)s is out of range (-180 to 180)") % {"value": lon}
            )

    def marking(self, record: EventRecord) -> str:
        try:
            return parse_tlp(self.tlp or record.tlp).value
        except MarkingError as error:
            self.problem(record, "tlp", str(error))
            return ""

    def place(self, record: EventRecord) -> dict[str, str]:
        """The record's place with P-codes checked or found, and OCHA's names for them."""
        place = {
            "admin1_pcode": record.admin1_pcode.strip(),
            "admin1_name": record.admin1_name.strip(),
            "admin2_pcode": record.admin2_pcode.strip(),
            "admin2_name": record.admin2_name.strip(),
        }
        country = record.country.strip().upper()
        if country not in self.covered:
            # No P-codes for this country: codes given are kept, names are reported unmatched.
            if not (place["admin1_pcode"] or place["admin2_pcode"]):
                self.report_unmatched(country, place)
            return place
        for level in ("admin1", "admin2"):
            code = place[f"{level}_pcode"]
            if code and not gazetteer.pcode_known(code):
                self.problem(
                    record, f"{level}_pcode", _("unknown P-code %(code)s") % {"code": code}
                )
                return place
        district = gazetteer.unit(place["admin2_pcode"]) if place["admin2_pcode"] else None
        if district is not None:
            if place["admin1_pcode"] and place["admin1_pcode"] != district.parent:
                self.problem(
                    record,
                    "admin2_pcode",
                    _("P-code %(district)s is not in %(province)s")
                    % {"district": district.pcode, "province": place["admin1_pcode"]},
                )
                return place
            place["admin1_pcode"], place["admin2_name"] = district.parent, district.name
        if place["admin1_pcode"]:
            place["admin1_name"] = gazetteer.admin1_of(place["admin1_pcode"]) or ""
            return place
        if not (place["admin1_name"] or place["admin2_name"]):
            return place
        found = gazetteer.match(country, place["admin1_name"], place["admin2_name"])
        if not found.matched:
            self.report_unmatched(country, place)
        if found.admin1_pcode:
            place["admin1_pcode"], place["admin1_name"] = found.admin1_pcode, found.admin1_name
        if found.admin2_pcode:
            place["admin2_pcode"], place["admin2_name"] = found.admin2_pcode, found.admin2_name
        return place

    def report_unmatched(self, country: str, place: dict[str, str]) -> None:
        names = [n for n in (place["admin1_name"], place["admin2_name"]) if n]
        if names:
            self.unmatched.add(" / ".join([country or "?", *names]))

    def sources(self, record: EventRecord) -> dict[tuple[str, str], tuple[Any, ...]]:
        content: dict[tuple[str, str], tuple[Any, ...]] = {}
        for source in record.sources:
            key = (source.kind, source.name.strip())
            self.choice(record, "source", source.kind, SOURCE_KINDS)
            if not key[1]:
                self.problem(record, "source", _("a source without a name"))
            if key in content:
                self.problem(record, "source", _("source %(name)s given twice") % {"name": key[1]})
            for name, limit in SOURCE_LIMITS.items():
                if len(getattr(source, name)) > limit:
                    self.problem(
                        record,
                        f"source {name}",
                        _("longer than %(limit)s characters") % {"limit": limit},
                    )
            self.moment(record, "source published", source.published_at)
            content[key] = (
                source.url,
                source.reference,
                source.published_at,
                self.figures(record, source),
            )
        return content

    def figures(self, record: EventRecord, source: SourceRecord) -> frozenset[tuple[Any, ...]]:
        seen: set[tuple[Any, ...]] = set()
        kinds: set[str] = set()
        for figure in source.figures:
            column = f"{source.name}: {figure.figure}"
            self.choice(record, column, figure.figure, FIGURES)
            if figure.figure in kinds:
                self.problem(record, column, _("figure given twice for one source"))
            kinds.add(figure.figure)
            numbers = [n for n in (figure.low, figure.best, figure.high) if n is not None]
            if any(isinstance(n, bool) or not isinstance(n, int) or n < 0 for n in numbers):
                self.problem(record, column, _("figures are whole numbers, not negative"))
            elif numbers != sorted(numbers):
                self.problem(record, column, _("low ≤ best ≤ high does not hold"))
            seen.add((figure.figure, figure.low, figure.best, figure.high))
        return frozenset(seen)

    def prepare(self, record: EventRecord) -> _Prepared:
        self.check_fields(record)
        self.check_coordinates(record)
        place = self.place(record)
        values: dict[str, Any] = {
            "title": record.title.strip(),
            "description": record.description,
            "event_type_id": self.type_ids.get(record.type_code),
            "starts_at": record.starts_at,
            "start_precision": record.start_precision,
            "ends_at": record.ends_at,
            "end_precision": record.end_precision,
            "country": record.country.strip().upper(),
            **place,
            "place_name": record.place_name.strip(),
            "latitude": record.latitude,
            "longitude": record.longitude,
            "location_precision": record.location_precision,
            "area": _jsonable(record.area),
            "actor1": record.actor1.strip(),
            "actor2": record.actor2.strip(),
            "severity": record.severity,
            "urgency": record.urgency,
            "certainty": record.certainty,
            "exercise": record.exercise,
            "tlp": self.marking(record),
            "details": _jsonable(record.details) or {},
        }
        return _Prepared(record, values, self.sources(record))


def _type_ids(records: Sequence[EventRecord]) -> dict[str, int]:
    codes = {record.type_code for record in records}
    return dict(EventType.objects.filter(code__in=codes).values_list("code", "id"))


def _check(
    records: Sequence[EventRecord], tlp: str | None, label: str
) -> tuple[list[_Prepared], list[str]]:
    """Every record checked; the last record of each key kept. Refuses with all problems."""
    if tlp is not None:
        try:
            parse_tlp(tlp)
        except MarkingError as error:
            raise ImportRefused([ImportProblem(label, None, "tlp", str(error))]) from None
    checker = _Checker(_type_ids(records), tlp)
    latest: dict[tuple[str, str], _Prepared] = {}
    for record in records:
        prepared = checker.prepare(record)
        latest.pop((record.origin, record.external_id), None)
        latest[(record.origin, record.external_id)] = prepared
    if checker.problems:
        raise ImportRefused(checker.problems[:MAX_PROBLEMS])
    return list(latest.values()), sorted(checker.unmatched)


# Writing ----------------------------------------------------------------------------------------

# Columns whose values the database needs prepared by their field (dates, JSON, UUIDs); the rest
# (text, numbers, booleans, foreign keys) go to the driver as they are.
_PLAIN_TYPES = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "FloatField",
        "ForeignKey",
        "IntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SmallIntegerField",
        "SlugField",
        "TextField",
        "URLField",
    }
)


class _Table:
    """Checked rows written with one parameterised `executemany` per chunk.

    Why not `bulk_create`/`bulk_update`: they compile every value of every row through the ORM's
    expression machinery (about 0.3 ms a row for an event's 35 columns) and, on SQLite, cut a
    batch into ~28-row statements; `bulk_update` builds a CASE per column. 100,000 events took
    half a minute that way. These rows are plain values already checked, so each value is
    prepared once by its own field only where the database needs it (`get_db_prep_save`, as
    the ORM does) and sent as a parameter.
    """

    def __init__(self, model: type[models.Model], columns: Sequence[str]) -> None:
        by_attname = {f.attname: f for f in model._meta.concrete_fields}
        self.model = model
        self.columns = list(columns)
        self.fields = [by_attname[name] for name in self.columns]
        self.plain = [f.get_internal_type() in _PLAIN_TYPES for f in self.fields]
        self.quoted = [connection.ops.quote_name(f.column) for f in self.fields]
        self.table = connection.ops.quote_name(model._meta.db_table)

    def params(self, row: dict[str, Any]) -> list[Any]:
        return [
            row[f.attname] if plain else f.get_db_prep_save(row[f.attname], connection)
            for f, plain in zip(self.fields, self.plain, strict=True)
        ]

    def insert(self, rows: Sequence[dict[str, Any]]) -> None:
        marks = ", ".join(["%s"] * len(self.columns))
        sql = f"INSERT INTO {self.table} ({', '.join(self.quoted)}) VALUES ({marks})"  # noqa: S608 (names from the model)
        with connection.cursor() as cursor:
            for part in chunks(rows):
                cursor.executemany(sql, [self.params(row) for row in part])

    def update(self, rows: Sequence[dict[str, Any]]) -> None:
        """Rows with an `id`: every other column of the table set from the row."""
        assignments = ", ".join(f"{name} = %s" for name in self.quoted)
        sql = f"UPDATE {self.table} SET {assignments} WHERE id = %s"  # noqa: S608 (names from the model)
        with connection.cursor() as cursor:
            for part in chunks(rows):
                cursor.executemany(sql, [[*self.params(row), row["id"]] for row in part])


@cache
def _tables() -> dict[str, _Table]:
    event_columns = [f.attname for f in Event._meta.concrete_fields if not f.primary_key]
    return {
        "event": _Table(Event, event_columns),
        "event_update": _Table(Event, [*RECORD_FIELDS, "cell", "updated_at"]),
        "source": _Table(
            EventSource, ["event_id", "kind", "name", "url", "reference", "published_at"]
        ),
        "figure": _Table(EventFigure, ["source_id", "figure", "low", "best", "high"]),
    }


@dataclass
class _Stored:
    """An event as stored, for comparison."""

    pk: int
    owner_agency_id: int
    cancelled: bool
    values: dict[str, Any]
    sources: dict[tuple[str, str], tuple[Any, ...]] = field(default_factory=dict)
    source_ids: dict[tuple[str, str], int] = field(default_factory=dict)


def _stored(origin: str, external_ids: Sequence[str]) -> dict[str, _Stored]:
    """The stored events of these keys, with their sources and figures."""
    found: dict[str, _Stored] = {}
    for part in chunks(external_ids):
        rows = Event.objects.filter(origin=origin, external_id__in=part).values(
            "id", "external_id", "owner_agency_id", "cancelled_at", *RECORD_FIELDS
        )
        for row in rows:
            found[row["external_id"]] = _Stored(
                pk=row["id"],
                owner_agency_id=row["owner_agency_id"],
                cancelled=row["cancelled_at"] is not None,
                values={name: row[name] for name in RECORD_FIELDS},
            )
    by_pk = {stored.pk: stored for stored in found.values()}
    figures: dict[int, set[tuple[Any, ...]]] = {}
    for pk_part in chunks(list(by_pk)):
        for row in EventFigure.objects.filter(source__event_id__in=pk_part).values_list(
            "source_id", "figure", "low", "best", "high"
        ):
            figures.setdefault(row[0], set()).add(row[1:])
        for source in EventSource.objects.filter(event_id__in=pk_part).values(
            "id", "event_id", "kind", "name", "url", "reference", "published_at"
        ):
            key = (source["kind"], source["name"])
            stored = by_pk[source["event_id"]]
            stored.source_ids[key] = source["id"]
            stored.sources[key] = (
                source["url"],
                source["reference"],
                source["published_at"],
                frozenset(figures.get(source["id"], ())),
            )
    return found


def _unchanged(prepared: _Prepared, stored: _Stored) -> bool:
    return prepared.values == stored.values and all(
        stored.sources.get(key) == content for key, content in prepared.sources.items()
    )


def _cell(values: dict[str, Any]) -> int | None:
    lat, lon = values["latitude"], values["longitude"]
    return None if lat is None else cell_of(lat, lon)


def _write_sources(pairs: list[tuple[int, SourceRecord]]) -> None:
    """Create sources (event pk, record) and their figures."""
    tables = _tables()
    for part in chunks(pairs):
        tables["source"].insert(
            [
                {
                    "event_id": event_id,
                    "kind": source.kind,
                    "name": source.name.strip(),
                    "url": source.url,
                    "reference": source.reference,
                    "published_at": source.published_at,
                }
                for event_id, source in part
            ]
        )
        ids = {
            (event_id, kind, name): pk
            for event_id, kind, name, pk in EventSource.objects.filter(
                event_id__in={event_id for event_id, _source in part}
            ).values_list("event_id", "kind", "name", "id")
        }
        tables["figure"].insert(
            [
                {
                    "source_id": ids[(event_id, source.kind, source.name.strip())],
                    "figure": f.figure,
                    "low": f.low,
                    "best": f.best,
                    "high": f.high,
                }
                for event_id, source in part
                for f in source.figures
            ]
        )


class _Writer:
    def __init__(self, user: User) -> None:
        self.user = user
        self.now = timezone.now()
        self.report = ImportReport()
        self.problems: list[ImportProblem] = []
        self.new: list[_Prepared] = []
        self.changed: list[tuple[_Prepared, _Stored]] = []
        self.cancelled: list[int] = []

    def sort(self, prepared: list[_Prepared]) -> None:
        """Each record: new, unchanged, changed or a cancellation."""
        by_origin: dict[str, list[_Prepared]] = {}
        for item in prepared:
            by_origin.setdefault(item.record.origin, []).append(item)
        for origin, items in by_origin.items():
            stored = _stored(origin, [item.record.external_id for item in items])
            for item in items:
                self.sort_one(item, stored.get(item.record.external_id))

    def sort_one(self, item: _Prepared, stored: _Stored | None) -> None:
        record = item.record
        if stored is None:
            self.new.append(item)
            return
        self.report.event_ids[record.external_id] = stored.pk
        if record.cancelled:
            if stored.cancelled:
                self.report.unchanged += 1
            else:
                self.cancelled.append(stored.pk)
                self.report.cancelled += 1
        elif _unchanged(item, stored):
            self.report.unchanged += 1
        elif stored.owner_agency_id != self.user.agency_id:
            self.problems.append(
                ImportProblem(
                    record.file,
                    record.line,
                    "external_id",
                    _("event %(id)s is held by another agency; only its editors may change it")
                    % {"id": record.external_id},
                )
            )
        else:
            self.changed.append((item, stored))

    def new_row(self, item: _Prepared, defaults: dict[str, Any]) -> dict[str, Any]:
        record = item.record
        return {
            **defaults,
            **item.values,
            "uid": uuid.uuid4(),
            "origin": record.origin,
            "external_id": record.external_id,
            "owner_agency_id": self.user.agency_id,
            "author_id": self.user.pk,
            "cell": _cell(item.values),
            "cancelled_at": self.now if record.cancelled else None,
            "created_at": self.now,
            "updated_at": self.now,
        }

    def create(self) -> list[int]:
        table = _tables()["event"]
        defaults = {f.attname: f.get_default() for f in table.fields}
        ids: list[int] = []
        for part in chunks(self.new):
            rows = [self.new_row(item, defaults) for item in part]
            # Written with the row: placement then has no second write to make.
            distances = placement.border_distances(
                [(row["longitude"], row["latitude"]) for row in rows]
            )
            for row, km in zip(rows, distances, strict=True):
                row["border_distance_km"] = km
            table.insert(rows)
            keys = {(item.record.origin, item.record.external_id) for item in part}
            pks = {
                (origin, external_id): pk
                for origin, external_id, pk in Event.objects.filter(
                    origin__in={origin for origin, _id in keys},
                    external_id__in=[external_id for _origin, external_id in keys],
                ).values_list("origin", "external_id", "id")
            }
            pairs = []
            for item in part:
                pk = pks[(item.record.origin, item.record.external_id)]
                self.report.event_ids[item.record.external_id] = pk
                ids.append(pk)
                pairs += [(pk, source) for source in item.record.sources]
                if item.record.cancelled:
                    self.report.cancelled += 1
                else:
                    self.report.created += 1
            _write_sources(pairs)
        return ids

    def update(self) -> list[int]:
        table = _tables()["event_update"]
        ids: list[int] = []
        for part in chunks(self.changed):
            table.update(
                [
                    {**p.values, "id": s.pk, "cell": _cell(p.values), "updated_at": self.now}
                    for p, s in part
                ]
            )
            replaced = [
                stored.source_ids[key]
                for item, stored in part
                for key in item.sources
                if key in stored.source_ids
            ]
            EventSource.objects.filter(id__in=replaced).delete()
            _write_sources([(s.pk, source) for p, s in part for source in p.record.sources])
            ids += [stored.pk for _, stored in part]
        self.report.updated = len(ids)
        for pk_part in chunks(self.cancelled):
            Event.objects.filter(pk__in=pk_part).update(cancelled_at=self.now, updated_at=self.now)
        return ids


def _require_importer(user: User) -> None:
    if not (user.can_edit_records or user.is_admin_role):
        raise PermissionDenied(_("your role cannot record events"))


@transaction.atomic
def apply(
    *,
    records: Iterable[EventRecord],
    acting_user: User,
    source_label: str,
    dry_run: bool = False,
    tlp: str | None = None,
) -> ImportReport:
    """Check and write a batch of records, all or nothing (see the module's docstring).

    Raises `ImportRefused` with every problem found (nothing written) and `PermissionDenied` for a
    user who cannot record events. A dry run computes the same report and rolls back.
    """
    _require_importer(acting_user)
    batch = list(records)
    prepared, unmatched = _check(batch, tlp, source_label)
    writer = _Writer(acting_user)
    writer.sort(prepared)
    if writer.problems:
        raise ImportRefused(writer.problems[:MAX_PROBLEMS])
    created = writer.create()
    services.share_with_centre(created)
    written = created + writer.update()
    report = writer.report
    report.unmatched_places = unmatched
    audit.record(
        actor=acting_user,
        action="crisis.events.import",
        object_type="crisis.event",
        summary={
            "source": source_label,
            "records": len(batch),
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "cancelled": report.cancelled,
            "unmatched_places": len(unmatched),
        },
    )
    if dry_run:
        transaction.set_rollback(True)
        return report
    placement.place_events(written)
    alerting.events_recorded(written)
    return report


# Formats ----------------------------------------------------------------------------------------

FORMATS = ("cap", "gdacs", "ucdp", "acled", "hxl")


def import_files(
    *,
    fmt: str,
    files: Sequence[tuple[str, bytes]],
    acting_user: User,
    dry_run: bool = False,
    tlp: str | None = None,
) -> ImportReport:
    """Import files (name, bytes) of one format (`FORMATS`) through that format's importer:
    the one entry point of the command, the import page and the API."""
    # The importers import this module (for `apply`), so they are imported when called.
    from . import cap_import, conflict_import, gdacs, hxl_io

    importers = {
        "cap": cap_import.import_cap,
        "gdacs": gdacs.import_gdacs,
        "ucdp": conflict_import.import_ucdp,
        "acled": conflict_import.import_acled,
        "hxl": hxl_io.import_hxl,
    }
    if fmt not in importers:
        raise ValueError(
            _("unknown format %(fmt)s; one of %(formats)s")
            % {"fmt": fmt, "formats": ", ".join(FORMATS)}
        )
    return importers[fmt](files=files, acting_user=acting_user, dry_run=dry_run, tlp=tlp)
