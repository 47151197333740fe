"""The visibility chokepoint: who may see and edit a protected record.

The rule (architecture.md), implemented here once, twice over: `visible()` as a database filter
for lists and `can_view()` in Python for one object; a property test keeps them in agreement.

| marking      | who may see it                                                            |
|--------------|---------------------------------------------------------------------------|
| CLEAR        | anyone, signed in or not                                                  |
| GREEN        | every active signed-in user                                               |
| AMBER        | users of the owner's state (or body), of the states, bodies and agencies   |
|              | it is shared with                                                         |
| AMBER+STRICT | users of the owner agency and of the agencies it is shared with           |
| RED          | its author and the users it is shared with by name                        |

Each level also admits the narrower audiences below it: the author and users named in the share
list see the record at every level, and a shared agency sees an AMBER record. Everything else is
refused: an unknown marking, an inactive or anonymous user, a user without an agency, a missing
attribute.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from . import audit
from .markings import Tlp
from .models import Protected, User

P = TypeVar("P", bound=Protected)
AnyUser = User | AnonymousUser | None


def _active_user(user: AnyUser) -> User | None:
    if isinstance(user, User) and user.is_active and user.agency_id is not None:
        return user
    return None


def active_user(user: AnyUser) -> User | None:
    """The user when active and attached to an agency, else None: the start of every app's own
    access rules, so that they fail closed the same way."""
    return _active_user(user)


def _shared_with(model: type[Model], field_name: str, target_id: int) -> Q:
    """Q for "this record's `field_name` share list contains `target_id`" as an EXISTS subquery,
    so lists need no DISTINCT and keep their order and counts."""
    field = model._meta.get_field(field_name)
    through = field.remote_field.through  # type: ignore[union-attr]
    source = field.m2m_field_name()  # type: ignore[union-attr]
    target = field.m2m_reverse_field_name()  # type: ignore[union-attr]
    rows = through._default_manager.filter(**{source: OuterRef("pk"), target: target_id})
    return Q(Exists(rows))


def visibility_q(model: type[Protected], user: AnyUser) -> Q:
    """The filter that admits exactly the records of `model` that `user` may see."""
    allowed = Q(tlp=Tlp.CLEAR)
    person = _active_user(user)
    if person is None:
        return allowed
    agency = person.agency
    named = Q(author_id=person.pk) | _shared_with(model, "shared_users", person.pk)
    same_agency = Q(owner_agency_id=agency.pk) | _shared_with(model, "shared_agencies", agency.pk)
    same_state_or_body = Q(pk__in=[])
    if agency.state_id is not None:
        same_state_or_body |= Q(owner_agency__state_id=agency.state_id) | _shared_with(
            model, "shared_states", agency.state_id
        )
    if agency.body_id is not None:
        same_state_or_body |= Q(owner_agency__body_id=agency.body_id) | _shared_with(
            model, "shared_bodies", agency.body_id
        )
    allowed |= Q(tlp=Tlp.GREEN)
    allowed |= Q(tlp=Tlp.AMBER) & (named | same_agency | same_state_or_body)
    allowed |= Q(tlp=Tlp.AMBER_STRICT) & (named | same_agency)
    allowed |= Q(tlp=Tlp.RED) & named
    return allowed


def visible(queryset: QuerySet[P], user: AnyUser) -> QuerySet[P]:
    """The records of `queryset` that `user` may see."""
    model = queryset.model
    if not issubclass(model, Protected):
        raise TypeError(f"{model.__name__} is not a protected model")
    return queryset.filter(visibility_q(model, user))


def _ids(obj: Protected, field_name: str) -> set[int]:
    manager = getattr(obj, field_name, None)
    if manager is None:
        return set()
    return set(manager.values_list("pk", flat=True))


def can_view(obj: Any, user: AnyUser) -> bool:
    """Whether `user` may see `obj`; anything unexpected denies."""
    tlp = getattr(obj, "tlp", None)
    if tlp not in Tlp.values:
        return False
    if tlp == Tlp.CLEAR:
        return True
    person = _active_user(user)
    if person is None or not isinstance(obj, Protected):
        return False
    if tlp == Tlp.GREEN:
        return True
    if obj.author_id == person.pk or person.pk in _ids(obj, "shared_users"):
        return True
    if tlp == Tlp.RED:
        return False
    agency = person.agency
    if obj.owner_agency_id == agency.pk or agency.pk in _ids(obj, "shared_agencies"):
        return True
    if tlp != Tlp.AMBER:
        return False
    owner = obj.owner_agency
    if agency.state_id is not None and (
        owner.state_id == agency.state_id or agency.state_id in _ids(obj, "shared_states")
    ):
        return True
    return agency.body_id is not None and (
        owner.body_id == agency.body_id or agency.body_id in _ids(obj, "shared_bodies")
    )


def can_edit(obj: Any, user: AnyUser) -> bool:
    """Whether `user` may change `obj`: an editing role in the owner agency, and able to see it."""
    person = _active_user(user)
    if person is None or not person.can_edit_records:
        return False
    return getattr(obj, "owner_agency_id", None) == person.agency_id and can_view(obj, person)


def get_for_user(queryset: QuerySet[P], user: AnyUser, pk: object, *, write: bool = False) -> P:
    """One protected record for `user`, or 404 (unseen records do not reveal that they exist)
    or 403 (seen but not editable). Every refusal is logged to the audit chain, without content.
    """
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise Http404(_("no such record"))
    actor = _active_user(user)
    if not can_view(obj, user):
        audit.record_denied(actor=actor, obj=obj, reason="read")
        raise Http404(_("no such record"))
    if write and not can_edit(obj, user):
        audit.record_denied(actor=actor, obj=obj, reason="write")
        raise PermissionDenied(_("this record belongs to another agency"))
    return obj


def require_admin(user: AnyUser) -> User:
    """The acting user if they hold the admin role; otherwise 403."""
    person = _active_user(user)
    if person is None or not person.is_admin_role:
        raise PermissionDenied(_("administrators only"))
    return person


@dataclass(frozen=True)
class Audience:
    """One part of a record's audience, and the rule that admits it."""

    kind: str  # "everyone", "signed_in", "state", "body", "agency", "user"
    label: str  # who (a name)
    reason: str  # why, in the active language
    code: str = ""  # state/body/agency code or username, for machines


def audience(obj: Protected) -> list[Audience]:
    """Who may see `obj` and why, in the words of the rule above: the same decisions as
    `can_view`, listed instead of tested (a test keeps the two in agreement)."""
    tlp = obj.tlp
    if tlp == Tlp.CLEAR:
        return [Audience("everyone", _("everyone"), _("TLP:CLEAR: no limit on disclosure"))]
    if tlp == Tlp.GREEN:
        return [
            Audience("signed_in", _("every signed-in user"), _("TLP:GREEN: the whole community"))
        ]
    lines: list[Audience] = []
    owner = obj.owner_agency
    if tlp == Tlp.AMBER:
        if owner.state is not None:
            state = owner.state
            lines.append(Audience("state", str(state), _("owner's state (TLP:AMBER)"), state.code))
        if owner.body is not None:
            body = owner.body
            lines.append(Audience("body", str(body), _("owner's body (TLP:AMBER)"), body.code))
        lines.extend(
            Audience("state", str(state), _("shared with the state"), state.code)
            for state in obj.shared_states.all()
        )
        lines.extend(
            Audience("body", str(body), _("shared with the body"), body.code)
            for body in obj.shared_bodies.all()
        )
    if tlp in (Tlp.AMBER, Tlp.AMBER_STRICT):
        lines.append(Audience("agency", str(owner), _("owner agency"), owner.code))
        lines.extend(
            Audience("agency", str(agency), _("shared with the agency"), agency.code)
            for agency in obj.shared_agencies.all()
        )
    author = obj.author
    lines.append(Audience("user", author.get_username(), _("author"), author.get_username()))
    lines.extend(
        Audience("user", user.get_username(), _("named in the share list"), user.get_username())
        for user in obj.shared_users.all()
    )
    return lines
