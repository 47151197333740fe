"""`/api/v1/crisis/events`: the list (JSON pages with a total count, GeoJSON for the map, HXL
CSV), map clusters, one event, and recording events by hand (create, change, add a source,
verify, cancel). What a user sees comes from `queries` (built on the access chokepoint); what
they may change is decided by `access` and the services. Endpoints only translate."""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from concord.core.models import User

from . import access, queries, services
from .models import Crisis, Event
from .records import FigureRecord, SourceRecord
from .schemas import (
    CancelIn,
    ErrorOut,
    EventDetailOut,
    EventIn,
    EventListOut,
    EventPatch,
    EventQuery,
    SourceIn,
    SourceOut,
    VerificationIn,
)

router = Router(tags=["crisis"])

PAGE_DEFAULT, PAGE_MAX = 100, 1000
MAP_DEFAULT, MAP_MAX = 5000, 10_000
GEOJSON = "application/geo+json"


def _user(request: HttpRequest) -> User:
    return access.reader(request.auth)  # type: ignore[attr-defined]


def _number(params: QueryDict, name: str, default: int, *, low: int, high: int) -> int:
    text = (params.get(name) or "").strip()
    if not text:
        return default
    if not text.isdigit() or not low <= int(text) <= high:
        raise ValidationError(
            _("%(name)s must be a whole number from %(low)s to %(high)s; got %(value)s")
            % {"name": name, "low": low, "high": high, "value": repr(text)}
        )
    return int(text)


def event_out(event: Event) -> dict[str, Any]:
    """An event as listed; `event` has `event_type`, `owner_agency` and `crisis` loaded."""
    return {
        "uid": event.uid,
        "title": event.title,
        "type": event.event_type.code,
        "type_name": event.event_type.name,
        "severity": event.severity,
        "starts_at": event.starts_at,
        "ends_at": event.ends_at,
        "country": event.country,
        "admin1_pcode": event.admin1_pcode,
        "admin1_name": event.admin1_name,
        "admin2_pcode": event.admin2_pcode,
        "admin2_name": event.admin2_name,
        "place_name": event.place_name,
        "latitude": event.latitude,
        "longitude": event.longitude,
        "location_precision": event.location_precision,
        "origin": event.origin,
        "external_id": event.external_id,
        "verification": event.verification,
        "exercise": event.exercise,
        "cancelled": event.is_cancelled,
        "tlp": event.tlp,
        "owner_agency": event.owner_agency.code,
        "crisis": event.crisis.slug if event.crisis else None,
        "dead": queries.event_dead(event),
        "url": queries.event_url(event.uid),
    }


def _source_out(source: Any) -> dict[str, Any]:
    return {
        "kind": source.kind,
        "name": source.name,
        "url": source.url,
        "reference": source.reference,
        "published_at": source.published_at,
        "figures": [
            {"figure": f.figure, "low": f.low, "best": f.best, "high": f.high}
            for f in source.figures.all()
        ],
    }


def event_detail_out(event: Event) -> dict[str, Any]:
    """One event with its sources, figures and attachments (as `queries.event_page` loads it)."""
    return event_out(event) | {
        "description": event.description,
        "start_precision": event.start_precision,
        "end_precision": event.end_precision,
        "area": event.area,
        "actor1": event.actor1,
        "actor2": event.actor2,
        "urgency": event.urgency,
        "certainty": event.certainty,
        "details": event.details,
        "border_distance_km": event.border_distance_km,
        "regions": sorted(event.regions.values_list("slug", flat=True)),
        "sources": [_source_out(source) for source in event.sources.all()],
        "attachments": [
            {
                "id": a.pk,
                "filename": a.filename,
                "content_type": a.content_type,
                "size": a.size,
                "sha256": a.sha256,
                "uploaded_at": a.uploaded_at,
            }
            for a in event.attachments.all()
        ],
        "created_at": event.created_at,
        "updated_at": event.updated_at,
    }


def _page_url(request: HttpRequest, offset: int | None) -> str | None:
    if offset is None:
        return None
    params = request.GET.copy()
    params["offset"] = str(offset)
    return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")


def _geojson(request: HttpRequest, user: User, flt: queries.EventFilter) -> HttpResponse:
    limit = _number(request.GET, "limit", MAP_DEFAULT, low=1, high=MAP_MAX)
    collection = queries.feature_collection(user, flt, limit=limit)
    return HttpResponse(json.dumps(collection, ensure_ascii=False), content_type=GEOJSON)


def _hxl(user: User, flt: queries.EventFilter) -> HttpResponse:
    from . import hxl_io  # the HXL module (imports and exports) is loaded only when asked for

    text = hxl_io.export_hxl(queries.events(user, flt))
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="crisis-events-hxl.csv"'
    return response


@router.get(
    "/events",
    response={200: EventListOut, 400: ErrorOut},
    url_name="crisis_events",
)
def list_events(request: HttpRequest, filters: Query[EventQuery]) -> Any:
    """Events the caller may see, newest first: `{count, next, previous, results}`;
    `format=geojson` gives a FeatureCollection with `total` and `truncated`; `format=hxl` a
    CSV with HXL hashtags."""
    user = _user(request)
    flt = queries.parse_filter(request.GET)
    shape = (request.GET.get("format") or "json").strip().lower()
    if shape == "geojson":
        return _geojson(request, user, flt)
    if shape == "hxl":
        return _hxl(user, flt)
    if shape != "json":
        raise ValidationError(
            _("format must be json, geojson or hxl; got %(value)s") % {"value": repr(shape)}
        )
    limit = _number(request.GET, "limit", PAGE_DEFAULT, low=1, high=PAGE_MAX)
    offset = _number(request.GET, "offset", 0, low=0, high=10**9)
    found = queries.events(user, flt)
    count = found.count()
    page = queries.with_dead(found.select_related("event_type", "owner_agency", "crisis"))
    results = [event_out(event) for event in page[offset : offset + limit]]
    return {
        "count": count,
        "next": _page_url(request, offset + limit if offset + limit < count else None),
        "previous": _page_url(request, max(0, offset - limit) if offset > 0 else None),
        "results": results,
    }


@router.get(
    "/events/clusters",
    response={200: dict[str, Any], 400: ErrorOut},
    url_name="crisis_event_clusters",
)
def event_clusters(request: HttpRequest, filters: Query[EventQuery], zoom: str = "") -> Any:
    """The map's events grouped on a grid that shrinks as `zoom` (0–18) grows: GeoJSON."""
    user = _user(request)
    level = _number(request.GET, "zoom", -1, low=0, high=queries.MAX_ZOOM)
    if level < 0:
        raise ValidationError(_("zoom is required (0 to %(high)s)") % {"high": queries.MAX_ZOOM})
    collection = queries.clusters(user, queries.parse_filter(request.GET), zoom=level)
    return HttpResponse(json.dumps(collection, ensure_ascii=False), content_type=GEOJSON)


@router.get(
    "/events/{uid}",
    response={200: EventDetailOut, 404: ErrorOut},
    url_name="crisis_event_detail",
)
def event_detail(request: HttpRequest, uid: str) -> dict[str, Any]:
    return event_detail_out(queries.event_page(_user(request), uid))


def _crisis(slug: str | None) -> Crisis | None:
    if not slug:
        return None
    found = Crisis.objects.filter(slug=slug).first()
    if found is None:
        raise ValidationError(_("unknown crisis %(value)s") % {"value": repr(slug)})
    return found


def _source_record(source: SourceIn) -> SourceRecord:
    return SourceRecord(
        kind=source.kind,
        name=source.name,
        url=source.url,
        reference=source.reference,
        published_at=source.published_at,
        figures=[
            FigureRecord(f.figure, best=f.best, low=f.low, high=f.high) for f in source.figures
        ],
    )


def _reloaded(user: User, event: Event) -> dict[str, Any]:
    return event_detail_out(queries.event_page(user, event.uid))


@router.post(
    "/events",
    response={201: EventDetailOut, 400: ErrorOut, 403: ErrorOut},
    url_name="crisis_event_create",
)
def create_event(request: HttpRequest, payload: EventIn) -> Status[dict[str, Any]]:
    """Record an event for the caller's agency (editors); TLP:AMBER unless chosen otherwise."""
    user = _user(request)
    fields = payload.dict(exclude={"type", "crisis", "sources", "tlp", "title", "starts_at"})
    event = services.create_event(
        acting_user=user,
        title=payload.title,
        type_code=payload.type,
        starts_at=payload.starts_at,
        tlp=payload.tlp,
        crisis=_crisis(payload.crisis),
        sources=[_source_record(source) for source in payload.sources],
        **fields,
    )
    return Status(201, _reloaded(user, event))


def _event_for_write(user: User, uid: str) -> Event:
    try:
        key = uuid.UUID(uid)
    except ValueError:
        key = uuid.UUID(int=0)  # matches nothing: 404 like any unseen event
    return access.get_event(user, key, write=True)


@router.patch(
    "/events/{uid}",
    response={200: EventDetailOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    url_name="crisis_event_update",
)
def update_event(request: HttpRequest, uid: str, payload: EventPatch) -> dict[str, Any]:
    """Change the fields given (the owner agency's editors)."""
    user = _user(request)
    event = _event_for_write(user, uid)
    changes = payload.dict(exclude_unset=True)
    tlp = changes.pop("tlp", None)
    if "type" in changes:
        changes["type_code"] = changes.pop("type")
    if "crisis" in changes:
        changes["crisis"] = _crisis(changes["crisis"])
    services.update_event(acting_user=user, event=event, tlp=tlp, **changes)
    return _reloaded(user, event)


@router.post(
    "/events/{uid}/sources",
    response={201: SourceOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    url_name="crisis_event_source_add",
)
def add_source(request: HttpRequest, uid: str, payload: SourceIn) -> Status[dict[str, Any]]:
    """A source that reported on the event, with its figures (the owner agency's editors)."""
    user = _user(request)
    event = _event_for_write(user, uid)
    record = _source_record(payload)
    source = services.add_source(
        acting_user=user,
        event=event,
        kind=record.kind,
        name=record.name,
        url=record.url,
        figures=record.figures,
        reference=record.reference,
        published_at=record.published_at,
    )
    return Status(201, _source_out(source))


@router.post(
    "/events/{uid}/verification",
    response={200: EventDetailOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    url_name="crisis_event_verify",
)
def verify_event(request: HttpRequest, uid: str, payload: VerificationIn) -> dict[str, Any]:
    """Set the verification status (the owner agency's or the Centre's editors)."""
    user = _user(request)
    event = queries.event_page(user, uid)
    services.set_verification(
        acting_user=user, event=event, verification=payload.verification, note=payload.note
    )
    return _reloaded(user, event)


@router.post(
    "/events/{uid}/cancel",
    response={200: EventDetailOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    url_name="crisis_event_cancel",
)
def cancel_event(request: HttpRequest, uid: str, payload: CancelIn) -> dict[str, Any]:
    """Withdraw the event (kept, marked cancelled; the owner agency's editors)."""
    user = _user(request)
    event = _event_for_write(user, uid)
    services.cancel_event(acting_user=user, event=event, reason=payload.reason)
    return _reloaded(user, event)
