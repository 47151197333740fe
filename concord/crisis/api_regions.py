"""`/api/v1/crisis/regions`: the regions of concern (list, one with its geometry as GeoJSON, its
monitoring figures) and defining one (Crisis Response Centre editors). Permissions are decided
in `access.py` and `services_regions`; figures come from `queries_regions` over the events the
caller may see."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status

from concord.core.models import User

from . import access, geo, queries_regions, services_regions
from .models import Region
from .schemas import ErrorOut

router = Router(tags=["crisis"])


class RegionOut(Schema):
    slug: str
    name: str
    name_ru: str
    name_en: str
    kind: str
    definition: dict[str, Any]
    description: str
    events: int
    dead: int
    last_event: datetime | None


class RegionDetailOut(RegionOut):
    geometry: dict[str, Any] | None = Field(
        description="GeoJSON (WGS 84). For admin-area regions an outline for drawing only: "
        "their events are matched by P-code."
    )


class RegionIn(Schema):
    slug: str
    name_ru: str = ""
    name_en: str = ""
    kind: str
    definition: dict[str, Any] = Field(default_factory=dict)
    geometry: dict[str, Any] | None = None
    description_ru: str = ""
    description_en: str = ""


class MonitoringQuery(Schema):
    since: date | None = Field(None, description="first day (UTC); default 26 weeks back")
    until: date | None = Field(None, description="last day, included (UTC); default today")
    exercises: bool = False


class WeekOut(Schema):
    week_start: date
    events: int
    dead: int


class ProvinceOut(Schema):
    country: str
    admin1_pcode: str
    admin1_name: str
    events: int
    dead: int


class ActorOut(Schema):
    name: str
    events: int


class MonitoringOut(Schema):
    region: str
    since: date
    until: date
    events: int
    dead: int
    weekly: list[WeekOut]
    provinces: list[ProvinceOut]
    actors: list[ActorOut]


def _user(request: HttpRequest) -> User:
    return access.reader(request.auth)  # type: ignore[attr-defined]


def _out(user: User, region: Region) -> dict[str, Any]:
    summary = queries_regions.region_summary(user, region)
    return {
        "slug": region.slug,
        "name": region.name,
        "name_ru": region.name_ru,
        "name_en": region.name_en,
        "kind": region.kind,
        "definition": region.definition or {},
        "description": region.description,
        "events": summary["events"],
        "dead": summary["dead"],
        "last_event": summary["last_event"],
    }


def _detail(user: User, region: Region) -> dict[str, Any]:
    shape = geo.region_geometry(region)
    return {**_out(user, region), "geometry": None if shape is None else geo.to_geojson(shape)}


@router.get("/regions", response=list[RegionOut], url_name="crisis_regions")
def list_regions(request: HttpRequest) -> list[dict[str, Any]]:
    user = _user(request)
    return [_out(user, region) for region in queries_regions.regions_for(user)]


@router.get(
    "/regions/{slug}",
    response={200: RegionDetailOut, 404: ErrorOut},
    url_name="crisis_region_detail",
)
def region_detail(request: HttpRequest, slug: str) -> dict[str, Any]:
    user = _user(request)
    return _detail(user, get_object_or_404(queries_regions.regions_for(user), slug=slug))


@router.get(
    "/regions/{slug}/monitoring",
    response={200: MonitoringOut, 404: ErrorOut},
    url_name="crisis_region_monitoring",
)
def region_monitoring(
    request: HttpRequest, slug: str, filters: Query[MonitoringQuery]
) -> dict[str, Any]:
    user = _user(request)
    region = get_object_or_404(queries_regions.regions_for(user), slug=slug)
    until = filters.until or datetime.now(UTC).date()
    since = filters.since or until - timedelta(weeks=26)
    events = queries_regions.period_events(
        user, region, since=since, until=until, exercises=filters.exercises
    )
    weekly = queries_regions.weekly(events)
    return {
        "region": region.slug,
        "since": since,
        "until": until,
        "events": sum(row.events for row in weekly),
        "dead": sum(row.dead for row in weekly),
        "weekly": weekly,
        "provinces": queries_regions.by_province(events),
        "actors": [
            {"name": name, "events": count} for name, count in queries_regions.top_actors(events)
        ],
    }


@router.post(
    "/regions",
    response={201: RegionDetailOut, 400: ErrorOut, 403: ErrorOut},
    url_name="crisis_region_create",
)
def create_region(request: HttpRequest, payload: RegionIn) -> Status[dict[str, Any]]:
    user = _user(request)
    region = services_regions.create_region(
        acting_user=user,
        slug=payload.slug,
        name_ru=payload.name_ru,
        name_en=payload.name_en,
        kind=payload.kind,
        definition=payload.definition,
        geometry=payload.geometry,
        description_ru=payload.description_ru,
        description_en=payload.description_en,
    )
    return Status(201, _detail(user, region))
