"""Reads of crisis events: the filter every list, map layer and export shares (`EventFilter`,
parsed from query parameters by `parse_filter`), the events a user may see under it, the map's
GeoJSON (points, or clusters aggregated in the database), one event's page, figures by source,
and the event-type choices.

Visibility comes only from `access.events_for` (core's chokepoint); nothing here filters by
marking. The map reads plain column values (`.values()`), never model instances, so that a
layer of thousands of points costs one query and a `json.dumps`.

Time filters are half-open: `since` ≤ start < `until`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pycountry
from django.core.exceptions import ValidationError
from django.db.models import (
    Avg,
    Count,
    Exists,
    F,
    FloatField,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    prefetch_related_objects,
)
from django.db.models.functions import Cast, Floor
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from concord.core.access import AnyUser
from concord.core.models import localized

from . import access
from .models import (
    CELL_DEGREES,
    Crisis,
    Event,
    EventAttachment,
    EventFigure,
    EventSource,
    EventType,
    Figure,
    Origin,
    Region,
    RegionMembership,
    cell_of,
)

# A bounding box covering more cells than this is searched by its latitude/longitude range
# alone: a long IN list costs more than it saves.
MAX_BBOX_CELLS = 2000
MAX_ZOOM = 18
_COLUMNS = int(360 / CELL_DEGREES)


@dataclass(frozen=True)
class EventFilter:
    """What a list, a map layer or an export shows. Empty fields do not filter."""

    bbox: tuple[float, float, float, float] | None = None  # west, south, east, north
    since: datetime | None = None
    until: datetime | None = None
    types: tuple[str, ...] = ()  # type codes; their descendants are included
    region: str = ""  # a region of concern's slug
    countries: tuple[str, ...] = ()  # ISO 3166-1 alpha-3
    origins: tuple[str, ...] = ()  # models.Origin values (the API's `source`)
    min_severity: int | None = None
    q: str = ""
    crisis: str = ""  # a crisis's slug
    include_exercises: bool = True
    include_cancelled: bool = False


# Parsing ----------------------------------------------------------------------------------------


def _values(params: Mapping[str, Any], name: str) -> list[str]:
    """Every value of a repeatable parameter (a QueryDict's list, a list, or one string), each
    also split at commas."""
    getlist = getattr(params, "getlist", None)
    raw = getlist(name) if callable(getlist) else params.get(name)
    if raw is None:
        items: Iterable[Any] = []
    elif isinstance(raw, str | int | float):
        items = [raw]
    else:
        items = raw
    return [part.strip() for item in items for part in str(item).split(",") if part.strip()]


def _one(params: Mapping[str, Any], name: str) -> str:
    """A single-valued parameter (the last one given), stripped."""
    getlist = getattr(params, "getlist", None)
    raw = getlist(name) if callable(getlist) else params.get(name)
    if isinstance(raw, list | tuple):
        raw = raw[-1] if raw else None
    return "" if raw is None else str(raw).strip()


def _bbox(text: str) -> tuple[float, float, float, float]:
    parts = [part.strip() for part in text.split(",")]
    try:
        west, south, east, north = (float(part) for part in parts)
    except ValueError:
        raise ValidationError(
            _("bbox must be four numbers west,south,east,north; got %(value)s")
            % {"value": repr(text)}
        ) from None
    for lat in (south, north):
        if not -90 <= lat <= 90:
            raise ValidationError(
                _("bbox latitude %(value)s is outside -90…90 (is the box west,south,east,north?)")
                % {"value": lat}
            )
    for lon in (west, east):
        if not -180 <= lon <= 180:
            raise ValidationError(
                _("bbox longitude %(value)s is outside -180…180") % {"value": lon}
            )
    if west > east:
        raise ValidationError(
            _("bbox west > east (%(west)s > %(east)s): split the box at 180°")
            % {"west": west, "east": east}
        )
    if south > north:
        raise ValidationError(
            _("bbox south > north (%(south)s > %(north)s)") % {"south": south, "north": north}
        )
    return west, south, east, north


def _moment(name: str, text: str, *, end_of_day: bool) -> datetime:
    """ISO 8601 with a UTC offset; a plain date is that day in UTC (for `until`, up to its
    end)."""
    if len(text) == 10:
        try:
            day = date.fromisoformat(text)
        except ValueError:
            pass
        else:
            moment = datetime.combine(day, time(0, 0), tzinfo=UTC)
            return moment + timedelta(days=1) if end_of_day else moment
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError(
            _("%(name)s: %(value)s is not an ISO 8601 date or time")
            % {"name": name, "value": repr(text)}
        ) from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValidationError(
            _("%(name)s: %(value)s has no UTC offset (add Z or e.g. +05:00)")
            % {"name": name, "value": text}
        )
    return moment.astimezone(UTC)


def _types(codes: list[str]) -> tuple[str, ...]:
    known = set(EventType.objects.filter(code__in=codes).values_list("code", flat=True))
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise ValidationError(
            _("unknown event type %(codes)s") % {"codes": ", ".join(map(repr, unknown))}
        )
    return tuple(dict.fromkeys(codes))


def _countries(codes: list[str]) -> tuple[str, ...]:
    found = []
    for code in codes:
        upper = code.upper()
        if len(upper) != 3 or pycountry.countries.get(alpha_3=upper) is None:
            raise ValidationError(
                _("%(value)s is not an ISO 3166-1 alpha-3 country code") % {"value": repr(code)}
            )
        found.append(upper)
    return tuple(dict.fromkeys(found))


def _origins(values: list[str]) -> tuple[str, ...]:
    lowered = [value.lower() for value in values]
    unknown = [value for value in lowered if value not in Origin.values]
    if unknown:
        raise ValidationError(
            _("unknown source %(value)s (known: %(known)s)")
            % {"value": ", ".join(map(repr, unknown)), "known": ", ".join(Origin.values)}
        )
    return tuple(dict.fromkeys(lowered))


def _severity(text: str) -> int | None:
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= 5:
        raise ValidationError(
            _("min_severity must be a whole number from 1 to 5; got %(value)s")
            % {"value": repr(text)}
        )
    return int(text)


def _flag(name: str, text: str, default: bool) -> bool:
    if not text:
        return default
    lowered = text.lower()
    if lowered in {"1", "true", "yes"}:
        return True
    if lowered in {"0", "false", "no"}:
        return False
    raise ValidationError(
        _("%(name)s must be 0 or 1; got %(value)s") % {"name": name, "value": text}
    )


def _slug(model: type[Region] | type[Crisis], text: str, message: str) -> str:
    if text and not model.objects.filter(slug=text).exists():
        raise ValidationError(message % {"value": repr(text)})
    return text


def parse_filter(params: Mapping[str, Any]) -> EventFilter:
    """The filter in query parameters: bbox=w,s,e,n; since; until; type (repeatable); region;
    country (alpha-3, repeatable); source (repeatable); min_severity; q; crisis; exercises=0/1;
    cancelled=0/1. Anything wrong raises ValidationError saying what."""
    bbox_text = _one(params, "bbox")
    since_text, until_text = _one(params, "since"), _one(params, "until")
    since = _moment("since", since_text, end_of_day=False) if since_text else None
    until = _moment("until", until_text, end_of_day=True) if until_text else None
    if since is not None and until is not None and until <= since:
        raise ValidationError(_("until must be later than since"))
    return EventFilter(
        bbox=_bbox(bbox_text) if bbox_text else None,
        since=since,
        until=until,
        types=_types(_values(params, "type")),
        region=_slug(Region, _one(params, "region"), _("unknown region of concern %(value)s")),
        countries=_countries(_values(params, "country")),
        origins=_origins(_values(params, "source")),
        min_severity=_severity(_one(params, "min_severity")),
        q=_one(params, "q"),
        crisis=_slug(Crisis, _one(params, "crisis"), _("unknown crisis %(value)s")),
        include_exercises=_flag("exercises", _one(params, "exercises"), True),
        include_cancelled=_flag("cancelled", _one(params, "cancelled"), False),
    )


# Events -----------------------------------------------------------------------------------------


def bbox_cells(bbox: tuple[float, float, float, float]) -> list[int] | None:
    """The map cells a bounding box covers, or None when there are more than MAX_BBOX_CELLS."""
    west, south, east, north = bbox
    first_row, last_row = cell_of(south, -180) // _COLUMNS, cell_of(north, -180) // _COLUMNS
    first_col, last_col = cell_of(-90, west) % _COLUMNS, cell_of(-90, east) % _COLUMNS
    if (last_row - first_row + 1) * (last_col - first_col + 1) > MAX_BBOX_CELLS:
        return None
    return [
        row * _COLUMNS + col
        for row in range(first_row, last_row + 1)
        for col in range(first_col, last_col + 1)
    ]


def _type_q(codes: tuple[str, ...]) -> Q:
    matched = Q(pk__in=[])
    for code in codes:
        matched |= Q(code=code) | Q(code__startswith=f"{code}.")
    return matched


def _text_q(text: str) -> Q:
    return (
        Q(title__icontains=text)
        | Q(description__icontains=text)
        | Q(place_name__icontains=text)
        | Q(admin1_name__icontains=text)
        | Q(admin2_name__icontains=text)
        | Q(actor1__icontains=text)
        | Q(actor2__icontains=text)
    )


def _where_and_when(found: QuerySet[Event], flt: EventFilter) -> QuerySet[Event]:
    """The bounding box (through the indexed map cells when few enough) and the time range."""
    if flt.bbox is not None:
        west, south, east, north = flt.bbox
        cells = bbox_cells(flt.bbox)
        if cells is not None:
            found = found.filter(cell__in=cells)
        found = found.filter(
            latitude__gte=south, latitude__lte=north, longitude__gte=west, longitude__lte=east
        )
    if flt.since is not None:
        found = found.filter(starts_at__gte=flt.since)
    if flt.until is not None:
        found = found.filter(starts_at__lt=flt.until)
    return found


def events(user: AnyUser, flt: EventFilter) -> QuerySet[Event]:
    """The events `user` may see that match `flt`, newest first."""
    found = _where_and_when(access.events_for(user), flt)
    if not flt.include_cancelled:
        found = found.filter(cancelled_at__isnull=True)
    if not flt.include_exercises:
        found = found.filter(exercise=False)
    if flt.types:
        found = found.filter(
            event_type_id__in=EventType.objects.filter(_type_q(flt.types)).values("pk")
        )
    if flt.region:
        found = found.filter(
            Exists(
                RegionMembership.objects.filter(event_id=OuterRef("pk"), region__slug=flt.region)
            )
        )
    if flt.countries:
        found = found.filter(country__in=flt.countries)
    if flt.origins:
        found = found.filter(origin__in=flt.origins)
    if flt.min_severity is not None:
        found = found.filter(severity__gte=flt.min_severity)
    if flt.q:
        found = found.filter(_text_q(flt.q))
    if flt.crisis:
        found = found.filter(crisis__slug=flt.crisis)
    return found


def dead_subquery() -> Subquery:
    """An event's dead: the largest best "dead" figure among its sources (sources report the
    same deaths, so they are not added up)."""
    figures = EventFigure.objects.filter(
        source__event_id=OuterRef("pk"), figure=Figure.DEAD, best__isnull=False
    ).order_by("-best")
    return Subquery(figures.values("best")[:1], output_field=IntegerField())


def with_dead(found: QuerySet[Event]) -> QuerySet[Event]:
    """`found` with `dead_best` annotated (None when no source gives a dead figure)."""
    return found.annotate(dead_best=dead_subquery())


# GeoJSON ----------------------------------------------------------------------------------------

_MAP_COLUMNS = (
    "uid",
    "title",
    "event_type__code",
    "event_type__name_ru",
    "event_type__name_en",
    "severity",
    "starts_at",
    "country",
    "admin1_name",
    "origin",
    "tlp",
    "latitude",
    "longitude",
)


def _url_maker() -> Any:
    """uid → the event's page. Resolved once per collection, not once per feature."""
    marker = uuid.UUID(int=0)
    try:
        pattern = reverse("crisis:event", args=[marker])
    except NoReverseMatch:  # the pages are not mounted (an API-only deployment)
        return lambda uid: ""
    head, _sep, tail = pattern.partition(str(marker))
    return lambda uid: f"{head}{uid}{tail}"


def event_url(uid: uuid.UUID | str) -> str:
    """The event's page ("" when the pages are not mounted)."""
    return str(_url_maker()(uid))


def _point(lat: float | None, lon: float | None) -> dict[str, Any] | None:
    if lat is None or lon is None:
        return None
    return {"type": "Point", "coordinates": [lon, lat]}


def _feature_of_row(row: Mapping[str, Any], url_of: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": str(row["uid"]),
        "geometry": _point(row["latitude"], row["longitude"]),
        "properties": {
            "uid": str(row["uid"]),
            "title": row["title"],
            "type": row["event_type__code"],
            "type_name": localized(row["event_type__name_ru"], row["event_type__name_en"]),
            "severity": row["severity"],
            "starts_at": row["starts_at"].isoformat(),
            "country": row["country"],
            "admin1_name": row["admin1_name"],
            "origin": row["origin"],
            "tlp": row["tlp"],
            "dead": row["dead_best"],
            "url": url_of(row["uid"]),
        },
    }


def event_dead(event: Event) -> int | None:
    """The event's dead: its `dead_best` annotation, else from its (prefetched) sources."""
    if hasattr(event, "dead_best"):
        return event.dead_best
    bests = [
        figure.best
        for source in event.sources.all()
        for figure in source.figures.all()
        if figure.figure == Figure.DEAD and figure.best is not None
    ]
    return max(bests, default=None)


def feature(event: Event) -> dict[str, Any]:
    """One event as a GeoJSON Feature (a Point, or no geometry when it has no coordinates)."""
    row = {name: getattr(event, name) for name in ("uid", "title", "severity", "starts_at")}
    row |= {
        "event_type__code": event.event_type.code,
        "event_type__name_ru": event.event_type.name_ru,
        "event_type__name_en": event.event_type.name_en,
        "country": event.country,
        "admin1_name": event.admin1_name,
        "origin": event.origin,
        "tlp": event.tlp,
        "latitude": event.latitude,
        "longitude": event.longitude,
        "dead_best": event_dead(event),
    }
    return _feature_of_row(row, _url_maker())


def _located(user: AnyUser, flt: EventFilter) -> QuerySet[Event]:
    """The map's events: those with coordinates (the others have no place on a map)."""
    return events(user, flt).filter(latitude__isnull=False)


def feature_collection(user: AnyUser, flt: EventFilter, *, limit: int = 5000) -> dict[str, Any]:
    """The newest `limit` matching events as a FeatureCollection, with `total` (all that match)
    and `truncated`. Two queries at most: the rows, and a count only when the rows fill
    `limit`."""
    found = _located(user, flt)
    rows = list(with_dead(found).values(*_MAP_COLUMNS, "dead_best")[:limit])
    total = len(rows) if len(rows) < limit else found.count()
    url_of = _url_maker()
    return {
        "type": "FeatureCollection",
        "features": [_feature_of_row(row, url_of) for row in rows],
        "total": total,
        "truncated": total > len(rows),
    }


def grid_degrees(zoom: int) -> float:
    """The cluster grid's cell size at a zoom level: a quarter of a 256-px map tile, so a
    screen holds a few hundred clusters at most."""
    return 360.0 / 2 ** max(0, min(zoom, MAX_ZOOM)) / 4


def clusters(user: AnyUser, flt: EventFilter, *, zoom: int) -> dict[str, Any]:
    """The matching events aggregated on a grid whose cells shrink as the map zooms in: one
    Point per cell at the mean position, with {cluster: true, count, max_severity}; a cell
    holding a single event is that event's own feature.

    Clustering happens here, in the database, rather than in the browser: django-leaflet ships
    no marker-cluster plugin (and the map loads nothing from elsewhere), and grouping in SQL
    turns 1,000,000 events into a few hundred features instead of sending every point. The
    grid is floor(lat / size), floor(lon / size), which SQLite and PostgreSQL both compute."""
    size = grid_degrees(zoom)
    cells = (
        _located(user, flt)
        .order_by()
        .annotate(
            grid_y=Cast(Floor(F("latitude") / size), IntegerField()),
            grid_x=Cast(Floor(F("longitude") / size), IntegerField()),
        )
        .values("grid_y", "grid_x")
        .annotate(
            count=Count("pk"),
            max_severity=Max("severity"),
            lat=Avg("latitude", output_field=FloatField()),
            lon=Avg("longitude", output_field=FloatField()),
            first=Min("pk"),
        )
        .order_by("grid_y", "grid_x")
    )
    groups = list(cells)
    singles = [group["first"] for group in groups if group["count"] == 1]
    rows = {
        row["pk"]: row
        for row in with_dead(Event.objects.filter(pk__in=singles)).values(
            "pk", *_MAP_COLUMNS, "dead_best"
        )
    }
    url_of = _url_maker()
    features = []
    for group in groups:
        if group["count"] == 1:
            features.append(_feature_of_row(rows[group["first"]], url_of))
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(group["lon"], 6), round(group["lat"], 6)],
                },
                "properties": {
                    "cluster": True,
                    "count": group["count"],
                    "max_severity": group["max_severity"],
                },
            }
        )
    return {
        "type": "FeatureCollection",
        "features": features,
        "total": sum(group["count"] for group in groups),
        "zoom": zoom,
        "grid_degrees": size,
    }


# One event, figures, types ----------------------------------------------------------------------


def event_page(user: AnyUser, uid: uuid.UUID | str) -> Event:
    """One event with its sources, figures and attachments (without their content), or 404."""
    try:
        key = uid if isinstance(uid, uuid.UUID) else uuid.UUID(str(uid))
    except ValueError:
        raise Http404(_("no such record")) from None
    event = access.get_event(user, key)
    prefetch_related_objects(
        [event],
        Prefetch("sources", queryset=EventSource.objects.prefetch_related("figures")),
        Prefetch("attachments", queryset=EventAttachment.objects.defer("content")),
    )
    return event


@dataclass(frozen=True)
class SourceTotal:
    """One figure summed over the events one source reported on."""

    kind: str
    name: str
    figure: str
    low: int | None
    best: int | None
    high: int | None
    events: int


def figures_by_source(events: QuerySet[Event]) -> list[SourceTotal]:
    """Each source's figures summed over `events` (already filtered for the user): national
    reports and open sources side by side, never added together."""
    rows = (
        EventFigure.objects.filter(source__event__in=events.order_by().values("pk"))
        .values("source__kind", "source__name", "figure")
        .annotate(
            low_sum=Sum("low"),
            best_sum=Sum("best"),
            high_sum=Sum("high"),
            event_count=Count("source__event", distinct=True),
        )
        .order_by("source__kind", "source__name", "figure")
    )
    return [
        SourceTotal(
            kind=row["source__kind"],
            name=row["source__name"],
            figure=row["figure"],
            low=row["low_sum"],
            best=row["best_sum"],
            high=row["high_sum"],
            events=row["event_count"],
        )
        for row in rows
    ]


def type_choices() -> list[tuple[str, str]]:
    """(code, label) for every event type, parents before children, labels indented by depth
    with no-break spaces (they survive HTML's whitespace collapsing in <option>)."""
    # Sorted by the code's parts in Python: a database collation may ignore the dots.
    types = sorted(
        EventType.objects.values_list("code", "name_ru", "name_en"),
        key=lambda row: row[0].split("."),
    )
    return [
        (code, "\u00a0\u00a0" * code.count(".") + localized(name_ru, name_en))
        for code, name_ru, name_en in types
    ]


def latest_start(user: AnyUser) -> datetime | None:
    """When the latest event the user may see starts (cancelled ones aside): where the map's
    time window ends by default, so that a picture of past events is not an empty map."""
    found = (
        access.events_for(user)
        .filter(cancelled_at__isnull=True)
        .aggregate(latest=Max("starts_at"))["latest"]
    )
    return found if isinstance(found, datetime) else None
