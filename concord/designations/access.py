"""Who may do what with the lists. Built on core's chokepoint (`core.access`) and fail-closed:
an inactive user, a user without an agency or a role not named here is refused.

- National lists, the single list and its published versions are public legal acts inside the
  organisation: every active signed-in user may read them and screen names.
- A state's list is imported and edited only by a coordinator of that state's agencies; the UN
  reference list only by the Secretariat.
- Analysts (of any state or body) and the Secretariat work the review queue and the alias store.
- The Secretariat opens and closes rounds and publishes; each state's coordinator answers for
  that state only.
- A bulk screening run and its result belong to the user who started it.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from concord.core.access import AnyUser
from concord.core.access import active_user as _active_user
from concord.core.models import MemberState, Role, User

from .models import NationalList, RoundItem, ScreeningRun

REVIEW_ROLES = frozenset({Role.ANALYST, Role.COORDINATOR, Role.SECRETARIAT})


def reader(user: AnyUser) -> User:
    person = _active_user(user)
    if person is None:
        raise PermissionDenied(_("sign in to use the lists"))
    return person


def user_state(user: AnyUser) -> MemberState | None:
    person = _active_user(user)
    return person.agency.state if person is not None else None


def can_edit_list(user: AnyUser, national_list: NationalList) -> bool:
    person = _active_user(user)
    if person is None:
        return False
    if national_list.state_id is None:
        return person.role == Role.SECRETARIAT
    return person.role == Role.COORDINATOR and person.agency.state_id == national_list.state_id


def require_list_editor(user: AnyUser, national_list: NationalList) -> User:
    if not can_edit_list(user, national_list):
        raise PermissionDenied(
            _("only a coordinator of %(code)s may change the %(code)s list")
            % {"code": national_list.code}
        )
    return reader(user)


def can_review(user: AnyUser) -> bool:
    person = _active_user(user)
    return person is not None and person.role in REVIEW_ROLES


def require_reviewer(user: AnyUser) -> User:
    if not can_review(user):
        raise PermissionDenied(_("only analysts, coordinators and the Secretariat review matches"))
    return reader(user)


def is_secretariat(user: AnyUser) -> bool:
    person = _active_user(user)
    return person is not None and person.role == Role.SECRETARIAT


def require_secretariat(user: AnyUser) -> User:
    if not is_secretariat(user):
        raise PermissionDenied(_("only the Secretariat may do this"))
    return reader(user)


def answerable_state(user: AnyUser, item: RoundItem) -> MemberState:
    """The state `user` answers for on this item: a coordinator of a state the item asks."""
    person = _active_user(user)
    state = person.agency.state if person is not None else None
    if person is None or person.role != Role.COORDINATOR or state is None:
        raise PermissionDenied(_("only a member state's coordinator answers in a round"))
    if state.code not in item.missing:
        raise PermissionDenied(_("%(code)s already lists this organisation") % {"code": state.code})
    return state


def own_runs(user: AnyUser) -> QuerySet[ScreeningRun]:
    """The screening runs `user` may see: their own (none for an inactive user)."""
    person = _active_user(user)
    if person is None:
        return ScreeningRun.objects.none()
    return ScreeningRun.objects.filter(user=person)
