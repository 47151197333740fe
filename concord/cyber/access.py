"""Who may see and do what in the cyber module. Built on core's chokepoint and fail-closed.

- Incidents, indicators, TAXII collections and stored STIX objects are protected records:
  `core.access` decides who sees them. Timeline entries, comments, attachments and sightings
  are seen by whoever sees their incident or indicator.
- Editors (analyst, coordinator, secretariat) of the owner agency change a record; any active
  user who sees an incident may comment on it, and any editor who sees an indicator may report
  a sighting of it.
- Sharing groups are inspectable by every signed-in user; their owner agency's editors change them.
- A TAXII collection is read by whoever sees it; editors who see a writable one add to it.
- The registry of harmful resources is the joint operation's register: every active signed-in
  user reads it; editors record resources; only a state's own agencies record that state's
  actions on them.
"""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from concord.core import access as core_access
from concord.core.access import AnyUser, Audience
from concord.core.access import active_user as _active_user
from concord.core.models import MemberState, User

from .models import Collection, Incident, Indicator, SharingGroup, Sighting, StixObject


def reader(user: AnyUser) -> User:
    """The active user, or 403."""
    person = _active_user(user)
    if person is None:
        raise PermissionDenied(_("sign in to use the cyber module"))
    return person


def editor(user: AnyUser) -> User:
    """The active user with an editing role, or 403."""
    person = reader(user)
    if not person.can_edit_records:
        raise PermissionDenied(_("your role cannot create records"))
    return person


# Incidents -------------------------------------------------------------------------------------


def incidents_for(user: AnyUser) -> QuerySet[Incident]:
    return core_access.visible(Incident.objects.all(), user)


def _pk_by_uid(model: type[Incident] | type[Indicator], uid: UUID | str) -> int:
    """The primary key for a uid, or -1 (a malformed or unknown uid is simply not found)."""
    try:
        key = uid if isinstance(uid, UUID) else UUID(str(uid))
    except ValueError:
        return -1
    pk = model.objects.filter(uid=key).values_list("pk", flat=True).first()
    return pk if pk is not None else -1


def get_incident(user: AnyUser, uid: UUID | str, *, write: bool = False) -> Incident:
    """One incident by its uid, or 404 (unseen) / 403 (seen, not editable)."""
    return core_access.get_for_user(
        Incident.objects.select_related("owner_agency__state", "owner_agency__body", "author"),
        user,
        _pk_by_uid(Incident, uid),
        write=write,
    )


def can_view(obj: object, user: AnyUser) -> bool:
    return core_access.can_view(obj, user)


def can_edit(obj: object, user: AnyUser) -> bool:
    return core_access.can_edit(obj, user)


def can_comment(incident: Incident, user: AnyUser) -> bool:
    return _active_user(user) is not None and core_access.can_view(incident, user)


def audience(obj: Incident | Indicator | StixObject) -> list[Audience]:
    """Who may see the record and why (core's rule, listed), with the sharing groups each
    shared state, body or agency came from when an incident was released to groups."""
    lines = core_access.audience(obj)
    if not isinstance(obj, Incident):
        return lines
    via: dict[tuple[str, str], list[str]] = {}
    for group in obj.sharing_groups.prefetch_related("states", "bodies", "agencies"):
        for kind, members in (
            ("state", group.states.all()),
            ("body", group.bodies.all()),
            ("agency", group.agencies.all()),
        ):
            for member in members:
                via.setdefault((kind, member.code), []).append(group.name)
    return [
        Audience(
            line.kind,
            line.label,
            line.reason
            + (
                " — " + _("via %(groups)s") % {"groups": ", ".join(via[(line.kind, line.code)])}
                if (line.kind, line.code) in via
                else ""
            ),
            line.code,
        )
        for line in lines
    ]


# Indicators ------------------------------------------------------------------------------------


def indicators_for(user: AnyUser) -> QuerySet[Indicator]:
    return core_access.visible(Indicator.objects.all(), user)


def get_indicator(user: AnyUser, uid: UUID | str, *, write: bool = False) -> Indicator:
    return core_access.get_for_user(
        Indicator.objects.select_related("owner_agency__state", "author"),
        user,
        _pk_by_uid(Indicator, uid),
        write=write,
    )


def sightings_for(user: AnyUser, indicator: Indicator) -> QuerySet[Sighting]:
    """The sightings of an indicator the user sees (all of them, or none)."""
    if not core_access.can_view(indicator, user):
        return Sighting.objects.none()
    return indicator.sightings.select_related("agency", "author")


def can_report_sighting(indicator: Indicator, user: AnyUser) -> bool:
    person = _active_user(user)
    return (
        person is not None and person.can_edit_records and core_access.can_view(indicator, person)
    )


# Sharing groups --------------------------------------------------------------------------------


def sharing_groups_for(user: AnyUser) -> QuerySet[SharingGroup]:
    if _active_user(user) is None:
        return SharingGroup.objects.none()
    return SharingGroup.objects.select_related("owner_agency")


def can_edit_group(group: SharingGroup, user: AnyUser) -> bool:
    person = _active_user(user)
    return (
        person is not None and person.can_edit_records and group.owner_agency_id == person.agency_id
    )


# TAXII -----------------------------------------------------------------------------------------


def collections_for(user: AnyUser) -> QuerySet[Collection]:
    return core_access.visible(Collection.objects.all(), user)


def can_write_collection(collection: Collection, user: AnyUser) -> bool:
    person = _active_user(user)
    return (
        person is not None
        and collection.writable
        and person.can_edit_records
        and core_access.can_view(collection, person)
    )


def writable_collections_for(user: AnyUser) -> QuerySet[Collection]:
    """The collections the user may add objects to (see `can_write_collection`)."""
    person = _active_user(user)
    if person is None or not person.can_edit_records:
        return Collection.objects.none()
    return collections_for(person).filter(writable=True)


def objects_for(user: AnyUser, collection: Collection) -> QuerySet[StixObject]:
    """The stored objects of a collection the user sees: none unless the collection is seen."""
    if not core_access.can_view(collection, user):
        return StixObject.objects.none()
    return core_access.visible(StixObject.objects.filter(collection=collection), user)


# Registry of harmful information resources -----------------------------------------------------


def registry_reader(user: AnyUser) -> User:
    return reader(user)


def can_register(user: AnyUser) -> bool:
    person = _active_user(user)
    return person is not None and person.can_edit_records


def can_act_for(user: AnyUser, state: MemberState) -> bool:
    """Only the state's own agencies record that state's actions on a resource."""
    person = _active_user(user)
    return (
        person is not None
        and person.can_edit_records
        and person.agency.state_id is not None
        and person.agency.state_id == state.pk
    )


def require_act_for(user: AnyUser, state: MemberState) -> User:
    if not can_act_for(user, state):
        raise PermissionDenied(
            _("only the agencies of %(state)s record its actions") % {"state": state.code}
        )
    return reader(user)
