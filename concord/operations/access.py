"""Who may see and do what in the operations module. Built on core's chokepoint; fails closed.

- Operations, stages and participants are the organisation's working data: every active
  signed-in user reads them. The Secretariat defines operations, stages and participants and
  closes stages.
- Result lines are protected records (AMBER by default, shared with the Secretariat): core's
  chokepoint decides who reads each line. Aggregated statistics are GREEN: every signed-in user
  sees the totals, computed from all current lines.
- An editor of a member state's agency reports figures for that state's country only; the
  Secretariat reports for observer and partner countries and international organisations
  (their agencies have no accounts here). Nobody edits another state's figures: a correction
  is a new revision by the line's owner agency (or the Secretariat for the lines it entered).
- Press summaries are TLP:CLEAR and public.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from concord.core import access as core_access
from concord.core.access import AnyUser
from concord.core.access import active_user as _active_user
from concord.core.models import Role, User

from .models import Participant, PressSummary, ResultLine, Stage


def reader(user: AnyUser) -> User:
    person = _active_user(user)
    if person is None:
        raise PermissionDenied(_("sign in to see the joint operations"))
    return person


def is_secretariat(user: AnyUser) -> bool:
    person = _active_user(user)
    return person is not None and person.role == Role.SECRETARIAT


def require_secretariat(user: AnyUser) -> User:
    if not is_secretariat(user):
        raise PermissionDenied(_("only the Secretariat manages operations and stages"))
    return reader(user)


def can_report_for(user: AnyUser, participant: Participant) -> bool:
    """Whether the user may report figures for this participant."""
    person = _active_user(user)
    if person is None or not person.can_edit_records:
        return False
    state = person.agency.state
    if state is not None:
        return participant.country_id is not None and participant.country_id == state.country_id
    # A body's agency: the Secretariat enters the figures of non-member participants.
    return person.role == Role.SECRETARIAT and participant.kind != "member_state"


def reportable(user: AnyUser, stage: Stage) -> QuerySet[Participant]:
    """The stage's participants this user may report for."""
    taking_part = list(stage.participants.select_related("country"))
    allowed = [p.pk for p in taking_part if can_report_for(user, p)]
    return Participant.objects.filter(pk__in=allowed).select_related("country")


def require_report_for(user: AnyUser, participant: Participant) -> User:
    if not can_report_for(user, participant):
        raise PermissionDenied(
            _("you may not report figures for %(who)s") % {"who": participant.name}
        )
    return reader(user)


def can_correct(user: AnyUser, line: ResultLine) -> bool:
    """Only the owner agency's editors correct a line (core's edit rule)."""
    return core_access.can_edit(line, user)


def get_line(user: AnyUser, pk: int, *, write: bool = False) -> ResultLine:
    """One result line, or 404 (unseen) / 403 (seen, not the user's agency's to correct)."""
    return core_access.get_for_user(
        ResultLine.objects.select_related("stage__operation", "participant", "owner_agency"),
        user,
        pk,
        write=write,
    )


def lines_for(user: AnyUser) -> QuerySet[ResultLine]:
    """The result lines the user may read, line by line (core's chokepoint)."""
    return core_access.visible(ResultLine.objects.all(), user)


def press_for(user: AnyUser) -> QuerySet[PressSummary]:
    """Press summaries the user sees: the CLEAR ones are public."""
    return core_access.visible(PressSummary.objects.all(), user)
