"""Who may see and do what in the crisis module. Built on core's chokepoint; fails closed.

- Events, issued alerts and situation reports are protected records: core's chokepoint decides
  who reads each one. Every list, map layer, export, chart, sitrep and alert e-mail is built from
  `events_for(user)` (or the recipient's), so it holds only what that person may see.
- An editor of any agency records events for their agency; only the owner agency's editors
  change them (core's edit rule).
- The event taxonomy, crises and regions of concern are the Centre's working data: every active
  signed-in user reads them. Users of the Crisis Response Centre (body `CRC`) with an editing
  role, and administrators, manage crises, regions and alert rules, and read the dispatch log.
- A CAP alert of the Centre's own is drafted by one Centre editor and approved by another;
  until published, only the Centre sees it.
"""

from __future__ import annotations

import uuid

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from concord.core import access as core_access
from concord.core.access import AnyUser
from concord.core.access import active_user as _active_user
from concord.core.models import User

from .models import Dispatch, Event, IssuedAlert, Sitrep

CENTRE_BODY_CODE = "CRC"


def reader(user: AnyUser) -> User:
    """The signed-in user, or 403: the crisis pages are for signed-in users only."""
    person = _active_user(user)
    if person is None:
        raise PermissionDenied(_("sign in to see the crisis picture"))
    return person


def is_centre(user: AnyUser) -> bool:
    """A user of the Crisis Response Centre (any role), or an administrator."""
    person = _active_user(user)
    if person is None:
        return False
    if person.is_admin_role:
        return True
    body = person.agency.body
    return body is not None and body.code == CENTRE_BODY_CODE


def is_centre_editor(user: AnyUser) -> bool:
    person = _active_user(user)
    return (
        person is not None
        and is_centre(person)
        and (person.can_edit_records or person.is_admin_role)
    )


def require_centre_editor(user: AnyUser) -> User:
    if not is_centre_editor(user):
        raise PermissionDenied(_("only the Crisis Response Centre manages this"))
    return reader(user)


def require_centre(user: AnyUser) -> User:
    if not is_centre(user):
        raise PermissionDenied(_("only the Crisis Response Centre sees this"))
    return reader(user)


def require_editor(user: AnyUser) -> User:
    """Any agency's editor may record events (for their own agency)."""
    person = reader(user)
    if not person.can_edit_records:
        raise PermissionDenied(_("your role cannot record events"))
    return person


# Events ---------------------------------------------------------------------------------------


def events_for(user: AnyUser) -> QuerySet[Event]:
    """The events the user may see (core's chokepoint); anonymous users see CLEAR ones only."""
    return core_access.visible(Event.objects.all(), user)


def can_view_event(user: AnyUser, event: Event) -> bool:
    return core_access.can_view(event, user)


def can_edit_event(user: AnyUser, event: Event) -> bool:
    return core_access.can_edit(event, user)


def get_event(user: AnyUser, uid: uuid.UUID | str, *, write: bool = False) -> Event:
    """One event by uid, or 404 (unseen) / 403 (seen, not the user's agency's to change)."""
    event = Event.objects.filter(uid=uid).only("pk").first()
    if event is None:
        return core_access.get_for_user(Event.objects.none(), user, 0)  # raises 404
    return core_access.get_for_user(
        Event.objects.select_related("event_type", "crisis", "owner_agency", "author"),
        user,
        event.pk,
        write=write,
    )


# Issued CAP alerts ------------------------------------------------------------------------------


def issued_alerts_for(user: AnyUser) -> QuerySet[IssuedAlert]:
    """The Centre's alerts the user may see: their marking admits them, and, until published,
    only the Centre sees them (drafts and approved alerts)."""
    alerts = core_access.visible(IssuedAlert.objects.all(), user)
    if is_centre(user):
        return alerts
    return alerts.filter(state=IssuedAlert.State.PUBLISHED)


def get_issued_alert(user: AnyUser, pk: object, *, write: bool = False) -> IssuedAlert:
    """One alert, or 404 (unseen, or a draft outside the Centre) / 403 (not to be changed)."""
    alert = core_access.get_for_user(
        IssuedAlert.objects.select_related("owner_agency", "author", "approved_by"),
        user,
        pk,
        write=write,
    )
    if alert.state != IssuedAlert.State.PUBLISHED and not is_centre(user):
        raise Http404(_("no such record"))
    return alert


def can_approve(user: AnyUser, alert: IssuedAlert) -> bool:
    """A second person: a Centre editor other than the one who drafted it."""
    person = _active_user(user)
    return (
        person is not None
        and is_centre_editor(person)
        and person.pk != alert.author_id
        and core_access.can_view(alert, person)
    )


# Situation reports ------------------------------------------------------------------------------


def sitreps_for(user: AnyUser) -> QuerySet[Sitrep]:
    return core_access.visible(Sitrep.objects.all(), user)


def get_sitrep(user: AnyUser, uid: uuid.UUID | str, *, write: bool = False) -> Sitrep:
    sitrep = Sitrep.objects.filter(uid=uid).only("pk").first()
    if sitrep is None:
        return core_access.get_for_user(Sitrep.objects.none(), user, 0)  # raises 404
    return core_access.get_for_user(
        Sitrep.objects.select_related("owner_agency", "author", "region", "crisis"),
        user,
        sitrep.pk,
        write=write,
    )


# Alert dispatch log -----------------------------------------------------------------------------


def dispatch_log_for(user: AnyUser) -> QuerySet[Dispatch]:
    """The whole log for the Centre; nobody else reads it (their own inbox is `inbox_for`)."""
    if not is_centre(user):
        return Dispatch.objects.none()
    return Dispatch.objects.select_related("rule", "event", "recipient")


def inbox_for(user: AnyUser) -> QuerySet[Dispatch]:
    """The user's own in-app notifications, only for events they can still see."""
    person = _active_user(user)
    if person is None:
        return Dispatch.objects.none()
    return Dispatch.objects.filter(
        recipient=person, channel="in_app", event__in=events_for(person)
    ).select_related("rule", "event")
