"""Writes of the alerting side of the crisis module: alert rules (the Centre's editors), marking
an in-app notification read (its recipient), and the Centre's own CAP alerts.

A CAP alert of the Centre's is an `IssuedAlert`, a protected record owned by the Centre's
agency. It is drafted by one Centre editor, approved by another (`access.can_approve`: never its
drafter), and published by a Centre editor: publication freezes its CAP 1.2 XML, which must
validate against the OASIS schema, or nothing is published. An Update or Cancel is a new draft
that references the published alert it changes; the earlier message stays as it was sent.

Scope and marking go together:
- Public: any marking; a Public alert marked TLP:CLEAR is on the anonymous feed.
- Restricted (inter-state traffic): needs a `restriction` text and is marked TLP:AMBER; on
  publication it is shared with every member state, so that their agencies' users see it.
- Private: needs `addresses` and may not be TLP:CLEAR or TLP:GREEN; it is not shared further.
Until published, an alert is seen by the Centre only (`issued_alerts_for`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from concord.core import audit
from concord.core.access import AnyUser
from concord.core.markings import MarkingError, Tlp, parse_tlp
from concord.core.models import Agency, MemberState, Role, User

from . import access, cap_write
from .cap_geometry import geojson_to_cap_polygons
from .models import (
    AlertRule,
    CapScope,
    Certainty,
    Dispatch,
    Event,
    EventType,
    IssuedAlert,
    Origin,
    Region,
    Urgency,
)

CAP_CATEGORIES = (
    "Geo",
    "Met",
    "Safety",
    "Security",
    "Rescue",
    "Fire",
    "Health",
    "Env",
    "Transport",
    "Infra",
    "CBRNE",
    "Other",
)
CAP_SEVERITIES = ("Extreme", "Severe", "Moderate", "Minor", "Unknown")
MSG_TYPES = ("Alert", "Update", "Cancel")
DEFAULT_RESTRICTION = "CSTO member states' competent authorities"
IDENTIFIER_PREFIX = "CSTO-CRC"


def _summary_rule(rule: AlertRule) -> dict[str, Any]:
    return {
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


# Alert rules ------------------------------------------------------------------------------------


def _event_types(codes: Iterable[str]) -> list[EventType]:
    wanted = list(dict.fromkeys(code.strip() for code in codes if code.strip()))
    found = {t.code: t for t in EventType.objects.filter(code__in=wanted)}
    unknown = [code for code in wanted if code not in found]
    if unknown:
        raise ValidationError(
            _("unknown event type %(codes)s") % {"codes": ", ".join(map(repr, unknown))}
        )
    return [found[code] for code in wanted]


def _agencies(codes: Iterable[str]) -> list[Agency]:
    wanted = list(dict.fromkeys(code.strip() for code in codes if code.strip()))
    found = {a.code: a for a in Agency.objects.filter(code__in=wanted)}
    unknown = [code for code in wanted if code not in found]
    if unknown:
        raise ValidationError(
            _("unknown agency %(codes)s") % {"codes": ", ".join(map(repr, unknown))}
        )
    return [found[code] for code in wanted]


def _roles(roles: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(str(role) for role in roles))
    unknown = [role for role in chosen if role not in Role.values]
    if unknown:
        raise ValidationError(
            _("unknown role %(roles)s (known: %(known)s)")
            % {"roles": ", ".join(map(repr, unknown)), "known": ", ".join(Role.values)}
        )
    return chosen


def _check_rule(rule: AlertRule, *, agencies: list[Agency]) -> None:
    name = " ".join(rule.name.split())
    if not name:
        raise ValidationError(_("an alert rule needs a name"))
    rule.name = name
    if not 1 <= int(rule.min_severity) <= 5:
        raise ValidationError(_("the minimum severity is a number from 1 to 5"))
    if rule.origin and rule.origin not in Origin.values:
        raise ValidationError(
            _("unknown source %(origin)r (known: %(known)s)")
            % {"origin": rule.origin, "known": ", ".join(Origin.values)}
        )
    if not rule.roles and not agencies:
        raise ValidationError(_("an alert rule needs at least one role or agency to notify"))
    if not rule.notify_in_app and not rule.notify_email:
        raise ValidationError(_("an alert rule needs a channel: in the application or e-mail"))


@transaction.atomic
def create_rule(
    *,
    acting_user: User,
    name: str,
    event_type_codes: Iterable[str],
    min_severity: int,
    region: Region | None = None,
    origin: str = "",
    keyword: str = "",
    roles: Iterable[str] = (),
    agency_codes: Iterable[str] = (),
    notify_in_app: bool = True,
    notify_email: bool = False,
    include_exercises: bool = False,
) -> AlertRule:
    """A new active rule (Centre editors only)."""
    person = access.require_centre_editor(acting_user)
    types = _event_types(event_type_codes)
    agencies = _agencies(agency_codes)
    rule = AlertRule(
        name=name,
        min_severity=min_severity,
        region=region,
        origin=origin,
        keyword=keyword.strip(),
        roles=_roles(roles),
        notify_in_app=notify_in_app,
        notify_email=notify_email,
        include_exercises=include_exercises,
        created_by=person,
    )
    _check_rule(rule, agencies=agencies)
    rule.save()
    rule.event_types.set(types)
    rule.agencies.set(agencies)
    audit.record(
        actor=person, action="crisis.alert_rule.create", obj=rule, summary=_summary_rule(rule)
    )
    return rule


RULE_FIELDS = frozenset(
    {
        "name",
        "event_type_codes",
        "min_severity",
        "region",
        "origin",
        "keyword",
        "roles",
        "agency_codes",
        "notify_in_app",
        "notify_email",
        "include_exercises",
    }
)


@transaction.atomic
def update_rule(*, acting_user: User, rule: AlertRule, **changes: Any) -> AlertRule:
    """Change a rule (Centre editors only); fields as in `create_rule`. Events already
    notified are not notified again under the changed rule."""
    person = access.require_centre_editor(acting_user)
    unknown = set(changes) - RULE_FIELDS
    if unknown:
        raise TypeError(f"update_rule() got unexpected fields {sorted(unknown)}")
    rule = AlertRule.objects.select_for_update().get(pk=rule.pk)
    before = _summary_rule(rule)
    types = _event_types(changes.pop("event_type_codes")) if "event_type_codes" in changes else None
    agencies = (
        _agencies(changes.pop("agency_codes"))
        if "agency_codes" in changes
        else list(rule.agencies.all())
    )
    if "roles" in changes:
        changes["roles"] = _roles(changes["roles"])
    if "keyword" in changes:
        changes["keyword"] = str(changes["keyword"]).strip()
    for field, value in changes.items():
        setattr(rule, field, value)
    _check_rule(rule, agencies=agencies)
    rule.save()
    if types is not None:
        rule.event_types.set(types)
    rule.agencies.set(agencies)
    after = _summary_rule(rule)
    audit.record(
        actor=person,
        action="crisis.alert_rule.update",
        obj=rule,
        summary={key: [before[key], after[key]] for key in after if before[key] != after[key]},
    )
    return rule


@transaction.atomic
def deactivate_rule(*, acting_user: User, rule: AlertRule) -> AlertRule:
    """Stop a rule (Centre editors only); its dispatch log stays."""
    person = access.require_centre_editor(acting_user)
    AlertRule.objects.filter(pk=rule.pk).update(active=False)
    rule.active = False
    audit.record(actor=person, action="crisis.alert_rule.deactivate", obj=rule, summary={})
    return rule


@transaction.atomic
def mark_read(*, acting_user: User, dispatch: Dispatch) -> Dispatch:
    """Mark one of the user's own in-app notifications read (idempotent)."""
    person = access.reader(acting_user)
    if not access.inbox_for(person).filter(pk=dispatch.pk).exists():
        raise Http404(_("no such notification"))
    now = timezone.now()
    changed = Dispatch.objects.filter(pk=dispatch.pk, read_at__isnull=True).update(read_at=now)
    if changed:
        dispatch.read_at = now
        audit.record(actor=person, action="crisis.notification.read", obj=dispatch, summary={})
    return dispatch


# Reading the Centre's alerts --------------------------------------------------------------------


def visible_issued_alerts(user: AnyUser) -> QuerySet[IssuedAlert]:
    """The alerts the user may see (`access.issued_alerts_for`), with what the lists show."""
    return access.issued_alerts_for(user).select_related("owner_agency", "author", "references")


def published_alerts(user: AnyUser) -> QuerySet[IssuedAlert]:
    """The published alerts the user may see, newest first (the feed)."""
    return (
        access.issued_alerts_for(user)
        .filter(state=IssuedAlert.State.PUBLISHED)
        .select_related("references")
        .order_by("-published_at", "-id")
    )


def get_issued_alert(user: AnyUser, pk: object) -> IssuedAlert:
    """One alert the user may see, or 404 (a draft is not shown outside the Centre)."""
    return access.get_issued_alert(user, pk)


def _choice(value: str, allowed: Iterable[str], what: str) -> str:
    options = list(allowed)
    if value not in options:
        raise ValidationError(
            _("%(what)s %(value)r is not one of CAP's values: %(known)s")
            % {"what": what, "value": value, "known": ", ".join(options)}
        )
    return value


def _marking(scope: str, tlp: str) -> Tlp:
    try:
        marking = parse_tlp(tlp)
    except MarkingError as error:
        raise ValidationError(str(error)) from None
    if scope == CapScope.RESTRICTED and marking != Tlp.AMBER:
        raise ValidationError(
            _("a Restricted alert goes to the member states' authorities: mark it TLP:AMBER")
        )
    if scope == CapScope.PRIVATE and marking in (Tlp.CLEAR, Tlp.GREEN):
        raise ValidationError(_("a Private alert cannot be marked TLP:CLEAR or TLP:GREEN"))
    return marking


def _check_scope(scope: str, restriction: str, addresses: str) -> None:
    _choice(scope, CapScope.values, _("scope"))
    if scope == CapScope.RESTRICTED and not restriction.strip():
        raise ValidationError(
            _("a Restricted alert needs a restriction text: who may receive it (CAP 1.2 §3.2.1)")
        )
    if scope == CapScope.PRIVATE and not addresses.strip():
        raise ValidationError(
            _("a Private alert needs its addresses: the intended recipients (CAP 1.2 §3.2.1)")
        )


def _check_area(area: dict[str, Any] | None) -> None:
    if area is None:
        return
    if not isinstance(area, dict) or area.get("type") not in ("Polygon", "MultiPolygon"):
        raise ValidationError(_("the alert area must be a GeoJSON Polygon or MultiPolygon"))
    try:
        polygons = geojson_to_cap_polygons(area)
    except (ValueError, TypeError, IndexError) as error:
        raise ValidationError(_("the alert area: %(error)s") % {"error": error}) from None
    for polygon in polygons:
        pairs = polygon.split()
        if len(pairs) < 4 or pairs[0] != pairs[-1]:
            raise ValidationError(
                _("the alert area: a polygon needs at least 4 positions and must be closed")
            )


def _required(value: str, what: str) -> str:
    text = " ".join(value.split())
    if not text:
        raise ValidationError(_("the alert needs %(what)s") % {"what": what})
    return text


def _next_identifier() -> str:
    year = timezone.now().year
    prefix = f"{IDENTIFIER_PREFIX}-{year}-"
    last = (
        IssuedAlert.objects.filter(identifier__startswith=prefix)
        .order_by("-identifier")
        .values_list("identifier", flat=True)
        .first()
    )
    number = int(last.removeprefix(prefix)) + 1 if last else 1
    return f"{prefix}{number:05d}"


def _save_new(alert: IssuedAlert) -> None:
    """Save with the next free identifier; two drafts at once cannot take the same one (the
    unique constraint decides, and the loser takes the next number)."""
    for _attempt in range(5):
        alert.identifier = _next_identifier()
        try:
            with transaction.atomic():
                alert.save()
        except IntegrityError:
            continue
        return
    raise IntegrityError("could not allocate an alert identifier")


def _alert_summary(alert: IssuedAlert) -> dict[str, Any]:
    return {
        "identifier": alert.identifier,
        "msg_type": alert.msg_type,
        "scope": alert.scope,
        "state": alert.state,
        "tlp": alert.tlp,
        "headline": alert.headline,
        "references": alert.references.identifier if alert.references else None,
        "event": str(alert.event.uid) if alert.event else None,
    }


@transaction.atomic
def draft_alert(
    *,
    acting_user: User,
    headline: str,
    event_text: str,
    category: str,
    urgency: str,
    severity: str,
    certainty: str,
    area_desc: str,
    area: dict[str, Any] | None,
    description: str = "",
    instruction: str = "",
    scope: str = CapScope.RESTRICTED,
    restriction: str = DEFAULT_RESTRICTION,
    addresses: str = "",
    language: str = "ru-RU",
    event: Event | None = None,
    references: IssuedAlert | None = None,
    msg_type: str = "Alert",
    tlp: str = Tlp.AMBER,
) -> IssuedAlert:
    """A new draft of a CAP alert by a Centre editor, owned by their agency."""
    person = access.require_centre_editor(acting_user)
    _choice(msg_type, MSG_TYPES, _("message type"))
    if msg_type != "Alert":
        if references is None or references.state != IssuedAlert.State.PUBLISHED:
            raise ValidationError(
                _("an %(type)s must reference a published alert") % {"type": msg_type}
            )
    elif references is not None:
        raise ValidationError(_("a new Alert references no earlier alert; use Update or Cancel"))
    _check_scope(scope, restriction, addresses)
    marking = _marking(scope, tlp)
    _check_area(area)
    if event is not None and not access.can_view_event(person, event):
        raise Http404(_("no such record"))
    alert = IssuedAlert(
        msg_type=msg_type,
        scope=scope,
        restriction=restriction.strip() if scope == CapScope.RESTRICTED else "",
        addresses=addresses.strip(),
        references=references,
        event=event,
        category=_choice(category, CAP_CATEGORIES, _("category")),
        event_text=_required(event_text, _("an event (what kind of event it is)")),
        urgency=_choice(urgency, Urgency.values, _("urgency")),
        severity=_choice(severity, CAP_SEVERITIES, _("severity")),
        certainty=_choice(certainty, Certainty.values, _("certainty")),
        headline=_required(headline, _("a headline")),
        description=description.strip(),
        instruction=instruction.strip(),
        language=_required(language, _("a language")),
        area_desc=_required(area_desc, _("an area description")),
        area=area,
        tlp=marking,
        owner_agency=person.agency,
        author=person,
    )
    _save_new(alert)
    audit.record(
        actor=person, action="crisis.issued_alert.draft", obj=alert, summary=_alert_summary(alert)
    )
    return alert


def _locked(alert: IssuedAlert) -> IssuedAlert:
    return (
        IssuedAlert.objects.select_for_update(of=("self",))
        .select_related("references")
        .get(pk=alert.pk)
    )


@transaction.atomic
def approve_alert(*, acting_user: User, alert: IssuedAlert) -> IssuedAlert:
    """The second person's approval of a draft."""
    person = access.require_centre_editor(acting_user)
    alert = _locked(alert)
    if alert.author_id == person.pk:
        raise PermissionDenied(
            _("you drafted this alert: a second person of the Centre must approve it")
        )
    if not access.can_approve(person, alert):
        raise PermissionDenied(_("only another editor of the Centre may approve this alert"))
    if alert.state != IssuedAlert.State.DRAFT:
        raise ValidationError(
            _("only a draft can be approved; this alert is %(state)s")
            % {"state": alert.get_state_display()}
        )
    alert.state = IssuedAlert.State.APPROVED
    alert.approved_by = person
    alert.approved_at = timezone.now()
    alert.save(update_fields=["state", "approved_by", "approved_at"])
    audit.record(
        actor=person,
        action="crisis.issued_alert.approve",
        obj=alert,
        summary={"identifier": alert.identifier},
    )
    return alert


@transaction.atomic
def publish_alert(*, acting_user: User, alert: IssuedAlert) -> IssuedAlert:
    """Publish an approved alert: its CAP XML is rendered, validated and frozen. A Restricted
    alert is shared with every member state. Nothing changes when the XML does not validate."""
    person = access.require_centre_editor(acting_user)
    alert = _locked(alert)
    if alert.state != IssuedAlert.State.APPROVED:
        raise ValidationError(
            _("only an approved alert can be published; this alert is %(state)s")
            % {"state": alert.get_state_display()}
        )
    alert.published_at = timezone.now().replace(microsecond=0)
    xml = cap_write.render(alert)
    cap_write.validate(xml)
    alert.xml = xml
    alert.state = IssuedAlert.State.PUBLISHED
    alert.save(update_fields=["published_at", "xml", "state"])
    if alert.scope == CapScope.RESTRICTED:
        alert.shared_states.set(MemberState.objects.all())
    audit.record(
        actor=person,
        action="crisis.issued_alert.publish",
        obj=alert,
        summary={
            **_alert_summary(alert),
            "sent": cap_write.sent_of(alert),
            "shared_states": sorted(alert.shared_states.values_list("code", flat=True)),
        },
    )
    return alert


UPDATE_FIELDS = frozenset(
    {
        "headline",
        "event_text",
        "category",
        "urgency",
        "severity",
        "certainty",
        "area_desc",
        "area",
        "description",
        "instruction",
        "scope",
        "restriction",
        "addresses",
        "language",
        "tlp",
    }
)


def update_or_cancel(
    *, acting_user: User, alert: IssuedAlert, msg_type: str = "Update", **changes: Any
) -> IssuedAlert:
    """A new draft that updates or cancels a published alert (referencing it); unchanged
    fields are copied from it. It goes through approval and publication like any alert."""
    if msg_type not in ("Update", "Cancel"):
        raise ValidationError(_("a follow-up message is an Update or a Cancel"))
    unknown = set(changes) - UPDATE_FIELDS
    if unknown:
        raise TypeError(f"update_or_cancel() got unexpected fields {sorted(unknown)}")
    fields = {name: getattr(alert, name) for name in UPDATE_FIELDS}
    fields.update(changes)
    return draft_alert(
        acting_user=acting_user,
        event=alert.event,
        references=alert,
        msg_type=msg_type,
        **fields,
    )
