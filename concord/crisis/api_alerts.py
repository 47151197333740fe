"""`/api/v1/crisis/alerts`: alert rules and the dispatch log (the Centre), each user's in-app
notifications, and the Centre's own CAP alerts (draft, approve, publish). Permissions are
decided in `access.py` and `services_alerts`; endpoints only translate."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from concord.core.markings import Tlp
from concord.core.models import User

from . import access, cap_write, services_alerts
from .models import AlertRule, Channel, Dispatch, IssuedAlert, Region

router = Router(tags=["crisis"])


class ErrorOut(Schema):
    detail: str
    errors: list[Any] = []


class RuleIn(Schema):
    name: str = Field(..., max_length=200)
    event_types: list[str] = Field([], description="type codes; subtypes included; none: all")
    min_severity: int = Field(1, ge=1, le=5)
    region: str = Field("", description="slug of a region of concern")
    origin: str = ""
    keyword: str = Field("", max_length=200)
    roles: list[str] = []
    agencies: list[str] = Field([], description="agency codes")
    notify_in_app: bool = True
    notify_email: bool = False
    include_exercises: bool = False


class RuleOut(Schema):
    id: int
    name: str
    event_types: list[str]
    min_severity: int
    region: str | None
    origin: str
    keyword: str
    roles: list[str]
    agencies: list[str]
    notify_in_app: bool
    notify_email: bool
    include_exercises: bool
    active: bool


class DispatchOut(Schema):
    id: int
    rule: int
    rule_name: str
    event: str  # uid
    event_title: str
    recipient: str
    channel: str
    status: str
    error: str
    sent_at: datetime
    read_at: datetime | None


class DispatchPageOut(Schema):
    total: int
    items: list[DispatchOut]


class IssuedAlertIn(Schema):
    headline: str = Field(..., max_length=300)
    event_text: str = Field(..., max_length=200)
    category: str = "Security"
    urgency: str
    severity: str
    certainty: str
    area_desc: str = Field(..., max_length=300)
    area: dict[str, Any] | None = Field(None, description="GeoJSON Polygon or MultiPolygon")
    description: str = ""
    instruction: str = ""
    scope: str = "Restricted"
    restriction: str = services_alerts.DEFAULT_RESTRICTION
    addresses: str = ""
    language: str = "ru-RU"
    tlp: str = Tlp.AMBER
    msg_type: str = Field("Alert", description="Alert, or Update/Cancel with `references`")
    references: str | None = Field(None, description="identifier of the published alert")


class IssuedAlertOut(Schema):
    id: int
    identifier: str
    msg_type: str
    scope: str
    restriction: str
    addresses: str
    references: str | None
    state: str
    tlp: str
    headline: str
    event_text: str
    category: str
    urgency: str
    severity: str
    certainty: str
    area_desc: str
    author: str
    approved_by: str | None
    published_at: datetime | None
    cap_url: str | None
    xml: str


def _user(request: HttpRequest) -> User:
    return access.reader(request.auth)  # type: ignore[attr-defined]


def rule_out(rule: AlertRule) -> dict[str, Any]:
    return {
        "id": rule.pk,
        "name": rule.name,
        "event_types": sorted(t.code for t in rule.event_types.all()),
        "min_severity": rule.min_severity,
        "region": rule.region.slug if rule.region else None,
        "origin": rule.origin,
        "keyword": rule.keyword,
        "roles": list(rule.roles),
        "agencies": sorted(a.code for a in rule.agencies.all()),
        "notify_in_app": rule.notify_in_app,
        "notify_email": rule.notify_email,
        "include_exercises": rule.include_exercises,
        "active": rule.active,
    }


def dispatch_out(dispatch: Dispatch) -> dict[str, Any]:
    return {
        "id": dispatch.pk,
        "rule": dispatch.rule_id,
        "rule_name": dispatch.rule.name,
        "event": str(dispatch.event.uid),
        "event_title": dispatch.event.title,
        "recipient": dispatch.recipient.username,
        "channel": dispatch.channel,
        "status": dispatch.status,
        "error": dispatch.error,
        "sent_at": dispatch.sent_at,
        "read_at": dispatch.read_at,
    }


def alert_out(alert: IssuedAlert) -> dict[str, Any]:
    published = alert.state == IssuedAlert.State.PUBLISHED
    return {
        "id": alert.pk,
        "identifier": alert.identifier,
        "msg_type": alert.msg_type,
        "scope": alert.scope,
        "restriction": alert.restriction,
        "addresses": alert.addresses,
        "references": alert.references.identifier if alert.references else None,
        "state": alert.state,
        "tlp": alert.tlp,
        "headline": alert.headline,
        "event_text": alert.event_text,
        "category": alert.category,
        "urgency": alert.urgency,
        "severity": alert.severity,
        "certainty": alert.certainty,
        "area_desc": alert.area_desc,
        "author": alert.author.username,
        "approved_by": alert.approved_by.username if alert.approved_by else None,
        "published_at": alert.published_at,
        "cap_url": cap_write.alert_url(alert) if published else None,
        "xml": alert.xml,
    }


# Rules and the dispatch log ---------------------------------------------------------------------


@router.get(
    "/alerts/rules", response={200: list[RuleOut], 403: ErrorOut}, url_name="crisis_alert_rules"
)
def list_rules(request: HttpRequest) -> list[dict[str, Any]]:
    access.require_centre(_user(request))
    rules = AlertRule.objects.select_related("region").prefetch_related("event_types", "agencies")
    return [rule_out(rule) for rule in rules]


@router.post(
    "/alerts/rules",
    response={201: RuleOut, 400: ErrorOut, 403: ErrorOut},
    url_name="crisis_alert_rule_create",
)
def create_rule(request: HttpRequest, payload: RuleIn) -> Status[dict[str, Any]]:
    user = _user(request)
    region = None
    if payload.region:
        region = Region.objects.filter(slug=payload.region).first()
        if region is None:
            raise ValidationError(_("unknown region %(slug)r") % {"slug": payload.region})
    rule = services_alerts.create_rule(
        acting_user=user,
        name=payload.name,
        event_type_codes=payload.event_types,
        min_severity=payload.min_severity,
        region=region,
        origin=payload.origin,
        keyword=payload.keyword,
        roles=payload.roles,
        agency_codes=payload.agencies,
        notify_in_app=payload.notify_in_app,
        notify_email=payload.notify_email,
        include_exercises=payload.include_exercises,
    )
    return Status(201, rule_out(rule))


@router.get(
    "/alerts/dispatches",
    response={200: DispatchPageOut, 403: ErrorOut},
    url_name="crisis_alert_dispatches",
)
def list_dispatches(
    request: HttpRequest,
    *,
    rule: int | None = None,
    channel: str = "",
    status: str = "",
    limit: int = 100,
    offset: int = 0,
) -> dict[str, Any]:
    """The dispatch log (the Centre only), newest first; filter by rule, channel, status."""
    user = access.require_centre(_user(request))
    log = access.dispatch_log_for(user).order_by("-sent_at", "-id")
    if rule is not None:
        log = log.filter(rule_id=rule)
    if channel:
        if channel not in Channel.values:
            raise ValidationError(_("unknown channel %(value)r") % {"value": channel})
        log = log.filter(channel=channel)
    if status:
        if status not in Dispatch.Status.values:
            raise ValidationError(_("unknown status %(value)r") % {"value": status})
        log = log.filter(status=status)
    limit = max(1, min(limit, 1000))
    offset = max(0, offset)
    return {
        "total": log.count(),
        "items": [dispatch_out(d) for d in log[offset : offset + limit]],
    }


@router.get("/alerts/inbox", response={200: list[DispatchOut]}, url_name="crisis_alert_inbox")
def inbox(request: HttpRequest, unread: bool = False) -> list[dict[str, Any]]:
    """The user's own in-app notifications (only for events they can still see)."""
    notifications = access.inbox_for(_user(request)).select_related("recipient")
    if unread:
        notifications = notifications.filter(read_at__isnull=True)
    return [dispatch_out(d) for d in notifications.order_by("-sent_at", "-id")[:500]]


@router.post(
    "/alerts/inbox/{int:dispatch_id}/read",
    response={200: DispatchOut, 404: ErrorOut},
    url_name="crisis_alert_inbox_read",
)
def inbox_read(request: HttpRequest, dispatch_id: int) -> dict[str, Any]:
    user = _user(request)
    dispatch = access.inbox_for(user).select_related("recipient").filter(pk=dispatch_id).first()
    if dispatch is None:
        raise Http404(_("no such notification"))
    return dispatch_out(services_alerts.mark_read(acting_user=user, dispatch=dispatch))


# The Centre's CAP alerts ------------------------------------------------------------------------


@router.get("/alerts/issued", response={200: list[IssuedAlertOut]}, url_name="crisis_issued_alerts")
def list_issued(request: HttpRequest) -> list[dict[str, Any]]:
    user = _user(request)
    alerts = services_alerts.visible_issued_alerts(user).select_related("approved_by")
    return [alert_out(alert) for alert in alerts[:500]]


@router.post(
    "/alerts/issued",
    response={201: IssuedAlertOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    url_name="crisis_issued_alert_draft",
)
def draft_issued(request: HttpRequest, payload: IssuedAlertIn) -> Status[dict[str, Any]]:
    user = _user(request)
    fields = payload.dict(exclude={"msg_type", "references"})
    if payload.references:
        earlier = services_alerts.visible_issued_alerts(user).filter(identifier=payload.references)
        found = earlier.first()
        if found is None:
            raise ValidationError(
                _("no published alert %(identifier)r") % {"identifier": payload.references}
            )
        alert = services_alerts.draft_alert(
            acting_user=user, msg_type=payload.msg_type, references=found, **fields
        )
    else:
        alert = services_alerts.draft_alert(acting_user=user, msg_type=payload.msg_type, **fields)
    return Status(201, alert_out(alert))


@router.post(
    "/alerts/issued/{int:alert_id}/approve",
    response={200: IssuedAlertOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    url_name="crisis_issued_alert_approve",
)
def approve_issued(request: HttpRequest, alert_id: int) -> dict[str, Any]:
    user = _user(request)
    alert = services_alerts.get_issued_alert(user, alert_id)
    return alert_out(services_alerts.approve_alert(acting_user=user, alert=alert))


@router.post(
    "/alerts/issued/{int:alert_id}/publish",
    response={200: IssuedAlertOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    url_name="crisis_issued_alert_publish",
)
def publish_issued(request: HttpRequest, alert_id: int) -> dict[str, Any]:
    user = _user(request)
    alert = services_alerts.get_issued_alert(user, alert_id)
    return alert_out(services_alerts.publish_alert(acting_user=user, alert=alert))
