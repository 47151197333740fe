"""`/api/v1/cyber/`: incidents (workflow, release to groups, comments, timeline, attachments,
audience), indicators (single and pasted in bulk, correlation, score, sightings) and sharing
groups. Who may do what is decided in `access.py` and the services; endpoints translate."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import File, Router, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile
from ninja.pagination import LimitOffsetPagination, paginate

from concord.core.models import Agency, Body, MemberState, User

from . import access, queries, services, services_indicators
from .models import Attachment, Incident, Indicator, SharingGroup, Sighting
from .schemas import (
    AttachmentOut,
    AudienceOut,
    BulkOut,
    CommentIn,
    CommentOut,
    IncidentIn,
    IncidentOut,
    IncidentPatch,
    IndicatorAddedOut,
    IndicatorBulkIn,
    IndicatorDetailOut,
    IndicatorIn,
    IndicatorOut,
    ReleaseIn,
    SharesIn,
    SharingGroupIn,
    SharingGroupOut,
    SightingIn,
    SightingOut,
    StatusIn,
    TimelineIn,
    TimelineOut,
)

router = Router()


def _user(request: HttpRequest) -> User:
    return access.reader(request.auth)  # type: ignore[attr-defined]


def _by_codes(model: type[Model], codes: list[str], field: str = "code") -> list[Any]:
    """The rows named by `codes`; an unknown code is a 400 naming it."""
    wanted = list(dict.fromkeys(c.strip() for c in codes if c.strip()))
    if field == "code" and model is not SharingGroup:
        wanted = [c.upper() for c in wanted]
    found = {
        getattr(row, field): row
        for row in model._default_manager.filter(**{f"{field}__in": wanted})
    }
    missing = [c for c in wanted if c not in found]
    if missing:
        raise ValidationError(f"unknown {model._meta.verbose_name} {', '.join(map(repr, missing))}")
    return [found[c] for c in wanted]


def _shares(payload: SharesIn) -> dict[str, Any]:
    return {
        "shared_states": _by_codes(MemberState, payload.shared_states),
        "shared_bodies": _by_codes(Body, payload.shared_bodies),
        "shared_agencies": _by_codes(Agency, payload.shared_agencies),
        "shared_users": _by_codes(User, payload.shared_users, "username"),
    }


# --- incidents ---------------------------------------------------------------------------------


def _incident(request: HttpRequest, uid: UUID, *, write: bool = False) -> Incident:
    return access.get_incident(_user(request), uid, write=write)


@router.get("/incidents", response=list[IncidentOut], url_name="cyber_incidents")
@paginate(LimitOffsetPagination)
def incident_list(
    request: HttpRequest,
    *,
    status: str = "",
    severity: str = "",
    classification: str = "",
    state: str = "",
    text: str = "",
) -> QuerySet[Incident]:
    """Filters: status, severity, classification (a tag or a predicate), state (owner's or
    affected), text (in title or description)."""
    filters = queries.IncidentFilters(status, severity, classification, state, text)
    found = queries.incidents(_user(request), filters)
    return found.select_related("author").prefetch_related("affected_states", "sharing_groups")


@router.post("/incidents", response={201: IncidentOut}, url_name="cyber_incident_create")
def incident_create(request: HttpRequest, payload: IncidentIn) -> Status[Incident]:
    user = access.editor(_user(request))
    incident = services.incident_create(
        acting_user=user,
        title=payload.title,
        classification=payload.classification,
        description=payload.description,
        severity=payload.severity,
        pap=payload.pap,
        tlp=payload.tlp,
        sectors=payload.sectors,
        affected_states=_by_codes(MemberState, payload.affected_states),
        occurred_at=payload.occurred_at,
        sharing_groups=_by_codes(SharingGroup, payload.sharing_groups),
        **_shares(payload),
    )
    return Status(201, incident)


@router.get("/incidents/{uid}", response=IncidentOut, url_name="cyber_incident")
def incident_detail(request: HttpRequest, uid: UUID) -> Incident:
    return _incident(request, uid)


@router.patch("/incidents/{uid}", response=IncidentOut, url_name="cyber_incident_update")
def incident_update(request: HttpRequest, uid: UUID, payload: IncidentPatch) -> Incident:
    incident = _incident(request, uid, write=True)
    fields = payload.dict(exclude_unset=True)
    if "affected_states" in fields and fields["affected_states"] is not None:
        fields["affected_states"] = _by_codes(MemberState, fields["affected_states"])
    services.incident_update(acting_user=_user(request), incident=incident, **fields)
    return incident


@router.post("/incidents/{uid}/status", response=IncidentOut, url_name="cyber_incident_status")
def incident_status(request: HttpRequest, uid: UUID, payload: StatusIn) -> Incident:
    incident = _incident(request, uid, write=True)
    services.incident_set_status(
        acting_user=_user(request), incident=incident, status=payload.status, note=payload.note
    )
    return incident


@router.post("/incidents/{uid}/release", response=IncidentOut, url_name="cyber_incident_release")
def incident_release(request: HttpRequest, uid: UUID, payload: ReleaseIn) -> Incident:
    incident = _incident(request, uid, write=True)
    groups = _by_codes(SharingGroup, payload.groups)
    services.incident_release(acting_user=_user(request), incident=incident, groups=groups)
    return incident


@router.get("/incidents/{uid}/audience", response=list[AudienceOut], url_name="cyber_audience")
def incident_audience(request: HttpRequest, uid: UUID) -> list[Any]:
    return access.audience(_incident(request, uid))


def _comment_out(comment: Any) -> dict[str, Any]:
    return {
        "id": comment.pk,
        "author": comment.author.username,
        "agency": comment.agency.code,
        "text": comment.text,
        "created_at": comment.created_at,
    }


@router.get("/incidents/{uid}/comments", response=list[CommentOut], url_name="cyber_comments")
def comment_list(request: HttpRequest, uid: UUID) -> list[dict[str, Any]]:
    incident = _incident(request, uid)
    return [_comment_out(c) for c in incident.comments.select_related("author", "agency")]


@router.post("/incidents/{uid}/comments", response={201: CommentOut}, url_name="cyber_comment_add")
def comment_add(request: HttpRequest, uid: UUID, payload: CommentIn) -> Status[dict[str, Any]]:
    incident = _incident(request, uid)
    comment = services.comment_add(acting_user=_user(request), incident=incident, text=payload.text)
    return Status(201, _comment_out(comment))


def _timeline_out(entry: Any) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "at": entry.at,
        "kind": entry.kind,
        "text": entry.text,
        "author": entry.author.username,
    }


@router.get("/incidents/{uid}/timeline", response=list[TimelineOut], url_name="cyber_timeline")
def timeline_list(request: HttpRequest, uid: UUID) -> list[dict[str, Any]]:
    incident = _incident(request, uid)
    return [_timeline_out(e) for e in incident.timeline.select_related("author")]


@router.post(
    "/incidents/{uid}/timeline", response={201: TimelineOut}, url_name="cyber_timeline_add"
)
def timeline_add(request: HttpRequest, uid: UUID, payload: TimelineIn) -> Status[dict[str, Any]]:
    incident = _incident(request, uid, write=True)
    entry = services.timeline_add(
        acting_user=_user(request),
        incident=incident,
        text=payload.text,
        kind=payload.kind,
        at=payload.at,
    )
    return Status(201, _timeline_out(entry))


def _attachment_out(attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.pk,
        "filename": attachment.filename,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "sha256": attachment.sha256,
        "author": attachment.author.username,
        "created_at": attachment.created_at,
    }


@router.get(
    "/incidents/{uid}/attachments", response=list[AttachmentOut], url_name="cyber_attachments"
)
def attachment_list(request: HttpRequest, uid: UUID) -> list[dict[str, Any]]:
    incident = _incident(request, uid)
    rows = incident.attachments.select_related("author").defer("data")
    return [_attachment_out(a) for a in rows]


@router.post(
    "/incidents/{uid}/attachments",
    response={201: AttachmentOut},
    url_name="cyber_attachment_add",
)
def attachment_add(
    request: HttpRequest, uid: UUID, file: File[UploadedFile]
) -> Status[dict[str, Any]]:
    incident = _incident(request, uid, write=True)
    limit = services.max_attachment_bytes()
    if file.size and file.size > limit:
        raise HttpError(413, f"attachments are limited to {limit} bytes; this one is {file.size}")
    attachment = services.attachment_add(
        acting_user=_user(request),
        incident=incident,
        filename=file.name or "attachment",
        data=file.read(),
    )
    return Status(201, _attachment_out(attachment))


@router.get("/incidents/{uid}/attachments/{attachment_id}", url_name="cyber_attachment")
def attachment_download(request: HttpRequest, uid: UUID, attachment_id: int) -> HttpResponse:
    incident = _incident(request, uid)
    attachment = get_object_or_404(incident.attachments, pk=attachment_id)
    return attachment_response(attachment)


def attachment_response(attachment: Attachment) -> HttpResponse:
    """The stored file, always as a download (never rendered by the browser)."""
    response = HttpResponse(bytes(attachment.data), content_type=attachment.content_type)
    safe_name = attachment.filename.replace('"', "_")
    response["Content-Disposition"] = f'attachment; filename="{safe_name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- indicators --------------------------------------------------------------------------------


def _added_out(added: services_indicators.IndicatorAdded) -> dict[str, Any]:
    return {
        "created": added.created,
        "indicator": added.indicator,
        "warnings": added.warnings,
        "flags": list(added.flags),
    }


def _incident_or_none(request: HttpRequest, uid: UUID | None) -> Incident | None:
    return None if uid is None else _incident(request, uid, write=True)


@router.get("/indicators", response=list[IndicatorOut], url_name="cyber_indicators")
@paginate(LimitOffsetPagination)
def indicator_list(
    request: HttpRequest,
    kind: str = "",
    text: str = "",
    actionable: bool | None = None,
    current: bool = False,
) -> QuerySet[Indicator]:
    filters = queries.IndicatorFilters(kind, text, actionable, current)
    return queries.indicators(_user(request), filters)


@router.post(
    "/indicators",
    response={201: IndicatorAddedOut, 200: IndicatorAddedOut},
    url_name="cyber_indicator_add",
)
def indicator_add(request: HttpRequest, payload: IndicatorIn) -> Status[dict[str, Any]]:
    """201 with the new indicator, or 200 when the agency already held the value."""
    user = access.editor(_user(request))
    fields = payload.dict(exclude={"incident", *SharesIn.model_fields})
    added = services_indicators.indicator_add(
        acting_user=user,
        incident=_incident_or_none(request, payload.incident),
        **fields,
        **_shares(payload),
    )
    return Status(201 if added.created else 200, _added_out(added))


@router.post("/indicators/bulk", response=BulkOut, url_name="cyber_indicators_bulk")
def indicators_bulk(request: HttpRequest, payload: IndicatorBulkIn) -> dict[str, Any]:
    """All or nothing: one bad line refuses the paste (400, each problem in `errors`)."""
    user = access.editor(_user(request))
    fields = payload.dict(exclude={"incident", "text", "kind", *SharesIn.model_fields})
    result = services_indicators.indicators_bulk_add(
        acting_user=user,
        text=payload.text,
        kind=payload.kind,
        incident=_incident_or_none(request, payload.incident),
        **fields,
        **_shares(payload),
    )
    return {
        "created": result.created,
        "existing": result.existing,
        "flagged": result.flagged,
        "results": [_added_out(r) for r in result.results],
    }


@router.get("/indicators/{uid}", response=IndicatorDetailOut, url_name="cyber_indicator")
def indicator_detail(request: HttpRequest, uid: UUID) -> dict[str, Any]:
    user = _user(request)
    indicator = access.get_indicator(user, uid)
    found = queries.correlation(user, indicator)
    score = queries.score(indicator, last_seen=queries.last_seen(indicator))
    return {
        "indicator": indicator,
        "score": score.__dict__,
        "correlation": {
            "summary": found.summary,
            "states": found.state_codes,
            "bodies": found.body_codes,
            "incident_count": found.incident_count,
            "holders": [
                {
                    "indicator": h.indicator.uid,
                    "agency": h.agency.code,
                    "state": h.agency.state.code if h.agency.state else None,
                    "incidents": [{"uid": i.uid, "title": i.title} for i in h.incidents],
                }
                for h in found.holders
            ],
            "sightings": [s.__dict__ for s in found.sightings],
        },
    }


def _sighting_out(sighting: Sighting) -> dict[str, Any]:
    return {
        "id": sighting.pk,
        "kind": sighting.kind,
        "agency": sighting.agency.code,
        "author": sighting.author.username,
        "observed_at": sighting.observed_at,
        "count": sighting.count,
        "note": sighting.note,
    }


@router.get("/indicators/{uid}/sightings", response=list[SightingOut], url_name="cyber_sightings")
def sighting_list(request: HttpRequest, uid: UUID) -> list[dict[str, Any]]:
    user = _user(request)
    indicator = access.get_indicator(user, uid)
    return [_sighting_out(s) for s in access.sightings_for(user, indicator)]


@router.post(
    "/indicators/{uid}/sightings", response={201: SightingOut}, url_name="cyber_sighting_add"
)
def sighting_add(request: HttpRequest, uid: UUID, payload: SightingIn) -> Status[dict[str, Any]]:
    user = _user(request)
    indicator = access.get_indicator(user, uid)
    sighting = services_indicators.sighting_add(
        acting_user=user, indicator=indicator, **payload.dict()
    )
    return Status(201, _sighting_out(sighting))


# --- sharing groups ----------------------------------------------------------------------------


def group_out(group: SharingGroup) -> dict[str, Any]:
    return {
        "code": group.code,
        "name_ru": group.name_ru,
        "name_en": group.name_en,
        "description": group.description,
        "owner_agency": group.owner_agency.code,
        "states": sorted(s.code for s in group.states.all()),
        "bodies": sorted(b.code for b in group.bodies.all()),
        "agencies": sorted(a.code for a in group.agencies.all()),
    }


@router.get("/sharing-groups", response=list[SharingGroupOut], url_name="cyber_groups")
def group_list(request: HttpRequest) -> list[dict[str, Any]]:
    groups = access.sharing_groups_for(_user(request)).prefetch_related(
        "states", "bodies", "agencies"
    )
    return [group_out(g) for g in groups]


@router.get("/sharing-groups/{code}", response=SharingGroupOut, url_name="cyber_group")
def group_detail(request: HttpRequest, code: str) -> dict[str, Any]:
    return group_out(get_object_or_404(access.sharing_groups_for(_user(request)), code=code))


@router.post("/sharing-groups", response={201: SharingGroupOut}, url_name="cyber_group_create")
def group_create(request: HttpRequest, payload: SharingGroupIn) -> Status[dict[str, Any]]:
    group = services.sharing_group_create(
        acting_user=access.editor(_user(request)),
        code=payload.code,
        name_ru=payload.name_ru,
        name_en=payload.name_en,
        description=payload.description,
        states=_by_codes(MemberState, payload.states),
        bodies=_by_codes(Body, payload.bodies),
        agencies=_by_codes(Agency, payload.agencies),
    )
    return Status(201, group_out(group))
