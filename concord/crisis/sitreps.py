"""Situation reports: requested by an editor for a period and a region (or a crisis, or
everything the author sees), generated in the background as an HTML body and a PDF, stored,
marked and shared like any record.

What a sitrep contains, and who may read it:
- Its events are exactly those its AUTHOR may see (`access.events_for(sitrep.author)`) that start
  in the period (`period_start` ≤ start < `period_end`), lie in the region (by `RegionMembership`)
  or belong to the crisis; cancelled events are left out, exercises are kept and labelled.
- The sitrep is owned by the author's agency. Its marking is never wider than the narrowest
  marking among its events: asked GREEN, a sitrep that includes an AMBER event is marked AMBER
  (and its progress note says so). The audit chain records the marking it was given.
- A sitrep holds what its author could see when it was generated; the events it holds are kept
  (`Sitrep.events`). Sharing it (`share_states`, `share_agencies` at request, `share_sitrep`
  later, by the owner agency's editors, audited) never shows an event to someone its own
  marking does not admit: `share_sitrep` refuses a state or agency that may not see every one
  of them (decided by core's `audience` of each event), and a share given at request that
  fails this test is withdrawn when the sitrep is generated, with a note saying so.

Generation (`generate`, run by `tasks.generate_sitrep`) is safe to retry: a finished sitrep is
left alone, a failed or interrupted one is generated again. Progress is saved as it goes
(collecting events, map, charts, HTML, PDF); an error leaves the sitrep failed, with the error
text, and is logged with its traceback. The content is rendered in the sitrep's language
(`sitrep_render`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from concord.core import access as core_access
from concord.core import audit, markings
from concord.core.models import Agency, MemberState, User

from . import access, sitrep_render
from .models import Crisis, Event, Region, Sitrep

logger = logging.getLogger(__name__)

LANGUAGES = ("ru", "en")
_NOTE_LENGTH = Sitrep._meta.get_field("progress_note").max_length or 200


# Requesting and sharing ---------------------------------------------------------------------


def _clean_request(
    *,
    title: str,
    period_start: datetime,
    period_end: datetime,
    region: Region | None,
    crisis: Crisis | None,
    language: str,
    tlp: str,
) -> markings.Tlp:
    """The sitrep's marking, once the request is known to be sound; ValidationError otherwise."""
    errors: dict[str, str] = {}
    if not title.strip():
        errors["title"] = _("a sitrep needs a title")
    if timezone.is_naive(period_start) or timezone.is_naive(period_end):
        errors["period_start"] = _("the period's dates need a time zone (UTC offset)")
    elif period_end <= period_start:
        errors["period_end"] = _("the period must end after it starts")
    if region is not None and crisis is not None:
        errors["crisis"] = _("choose a region or a crisis, not both")
    if language not in LANGUAGES:
        errors["language"] = _("the language must be ru or en, not %(value)s") % {
            "value": repr(language)
        }
    try:
        marking = markings.parse_tlp(tlp)
    except markings.MarkingError as error:
        errors["tlp"] = str(error)
        marking = markings.Tlp.AMBER
    if errors:
        raise ValidationError(errors)
    return marking


def _share_codes(sitrep: Sitrep) -> dict[str, list[str]]:
    return {
        "shared_states": sorted(sitrep.shared_states.values_list("code", flat=True)),
        "shared_agencies": sorted(sitrep.shared_agencies.values_list("code", flat=True)),
    }


@transaction.atomic
def request_sitrep(
    *,
    acting_user: User,
    title: str,
    period_start: datetime,
    period_end: datetime,
    region: Region | None = None,
    crisis: Crisis | None = None,
    summary: str = "",
    language: str = "ru",
    tlp: str = "AMBER",
    share_states: Iterable[MemberState] = (),
    share_agencies: Iterable[Agency] = (),
) -> Sitrep:
    """Queue a sitrep for the period and the region, the crisis, or neither (everything the
    author sees). It is generated once the request is committed."""
    author = access.require_editor(acting_user)
    marking = _clean_request(
        title=title,
        period_start=period_start,
        period_end=period_end,
        region=region,
        crisis=crisis,
        language=language,
        tlp=tlp,
    )
    sitrep = Sitrep.objects.create(
        title=title.strip(),
        period_start=period_start,
        period_end=period_end,
        region=region,
        crisis=crisis,
        summary=summary.strip(),
        language=language,
        tlp=marking,
        owner_agency=author.agency,
        author=author,
        progress_note=_("queued"),
    )
    sitrep.shared_states.set(share_states)
    sitrep.shared_agencies.set(share_agencies)
    audit.record(
        actor=author,
        action="crisis.sitrep.request",
        obj=sitrep,
        summary={
            "uid": sitrep.uid,
            "title": sitrep.title,
            "period_start": period_start,
            "period_end": period_end,
            "region": region.slug if region else None,
            "crisis": crisis.slug if crisis else None,
            "language": language,
            "tlp": sitrep.tlp,
            **_share_codes(sitrep),
        },
    )
    from . import tasks  # imported here: tasks imports this module

    sitrep_id = sitrep.pk
    transaction.on_commit(lambda: tasks.generate_sitrep.enqueue(sitrep_id))
    return sitrep


@transaction.atomic
def share_sitrep(
    *,
    acting_user: User,
    sitrep: Sitrep,
    states: Iterable[MemberState] = (),
    agencies: Iterable[Agency] = (),
) -> Sitrep:
    """Add states and agencies to a sitrep's audience (the owner agency's editors only; shares
    are only ever added, and the marking is unchanged). See the module's note on audiences."""
    if not core_access.can_edit(sitrep, acting_user):
        raise PermissionDenied(_("only the owner agency's editors share this sitrep"))
    if sitrep.state != Sitrep.State.DONE:
        raise ValidationError(_("a sitrep is shared once it has been generated"))
    states, agencies = list(states), list(agencies)
    blind = unseen_by(sitrep.events.all(), states=states, agencies=agencies)
    if blind:
        raise ValidationError(
            _("not shared: %(who)s may not see every event of this sitrep")
            % {"who": ", ".join(f"{code} ({count})" for code, count in blind.items())}
        )
    sitrep.shared_states.add(*states)
    sitrep.shared_agencies.add(*agencies)
    audit.record(
        actor=acting_user,
        action="crisis.sitrep.share",
        obj=sitrep,
        summary={"uid": sitrep.uid, "tlp": sitrep.tlp, **_share_codes(sitrep)},
    )
    return sitrep


def _sees(lines: list[core_access.Audience], *, state: str, body: str, agency: str) -> bool:
    for line in lines:
        if line.kind in ("everyone", "signed_in"):
            return True
        if (line.kind, line.code) in (("state", state), ("body", body), ("agency", agency)):
            return True
    return False


def unseen_by(
    events: QuerySet[Event], *, states: Iterable[MemberState], agencies: Iterable[Agency]
) -> dict[str, int]:
    """For each state or agency (by code) that may not see every one of these events, how many
    it may not see. A state counts only when its whole audience is admitted (an AMBER+STRICT
    event admits agencies, not states). Decided from core's `audience` of each event."""
    targets = [(state.code, state.code, "", "") for state in states] + [
        (
            agency.code,
            agency.state.code if agency.state is not None else "",
            agency.body.code if agency.body is not None else "",
            agency.code,
        )
        for agency in agencies
    ]
    if not targets:
        return {}
    blind: dict[str, int] = {}
    prefetched = events.select_related("owner_agency__state", "owner_agency__body", "author")
    for event in prefetched.prefetch_related(
        "shared_states", "shared_bodies", "shared_agencies", "shared_users"
    ):
        lines = core_access.audience(event)
        for code, state, body, agency in targets:
            if not _sees(lines, state=state, body=body, agency=agency):
                blind[code] = blind.get(code, 0) + 1
    return blind


def _withdraw_blind_shares(sitrep: Sitrep, events: QuerySet[Event]) -> str:
    """Withdraw the request's shares that may not see every event; the note that says so."""
    states = list(sitrep.shared_states.all())
    agencies = list(sitrep.shared_agencies.select_related("state", "body"))
    blind = unseen_by(events, states=states, agencies=agencies)
    if not blind:
        return ""
    sitrep.shared_states.remove(*[s for s in states if s.code in blind])
    sitrep.shared_agencies.remove(*[a for a in agencies if a.code in blind])
    return _("Not shared with %(who)s: they may not see every event it includes.") % {
        "who": ", ".join(sorted(blind))
    }


# Generating ---------------------------------------------------------------------------------


def sitrep_events(sitrep: Sitrep) -> QuerySet[Event]:
    """The sitrep's events: seen by its author, starting in the period, in its region or crisis,
    not cancelled; the earliest first."""
    events = (
        access.events_for(sitrep.author)
        .filter(cancelled_at__isnull=True)
        .filter(starts_at__gte=sitrep.period_start, starts_at__lt=sitrep.period_end)
    )
    if sitrep.region_id is not None:
        events = events.filter(memberships__region_id=sitrep.region_id)
    if sitrep.crisis_id is not None:
        events = events.filter(crisis_id=sitrep.crisis_id)
    return events.order_by("starts_at", "id")


def narrowest_marking(events: QuerySet[Event]) -> markings.Tlp | None:
    """The narrowest marking among the events (None when there are none)."""
    found = set(events.order_by().values_list("tlp", flat=True).distinct())
    if not found:
        return None
    return markings.Tlp(min(found, key=markings.width))


def _progress(sitrep: Sitrep, percent: int, note: str, **fields: object) -> None:
    sitrep.progress = percent
    sitrep.progress_note = note[:_NOTE_LENGTH]
    for name, value in fields.items():
        setattr(sitrep, name, value)
    sitrep.save(update_fields=["progress", "progress_note", *fields])


def _claim(sitrep_id: int) -> bool:
    """Mark the sitrep running, unless it is done (then there is nothing to do)."""
    claimed = (
        Sitrep.objects.filter(pk=sitrep_id)
        .exclude(state=Sitrep.State.DONE)
        .update(state=Sitrep.State.RUNNING, progress=0, error="", progress_note="")
    )
    return claimed == 1


def _mark(sitrep: Sitrep, events: QuerySet[Event]) -> str:
    """Narrow the sitrep's marking to its narrowest event's; the note that says so, or ""."""
    narrowest = narrowest_marking(events)
    if narrowest is None or not markings.is_wider(sitrep.tlp, narrowest):
        return ""
    asked = sitrep.tlp
    sitrep.tlp = narrowest
    note = _("Marked TLP:%(tlp)s, not TLP:%(asked)s as asked: it includes events marked so.")
    return note % {"tlp": narrowest, "asked": asked}


def _build(sitrep: Sitrep) -> None:
    asked = sitrep.tlp
    _progress(sitrep, 10, _("collecting events"))
    events = sitrep_events(sitrep)
    marking_note = _mark(sitrep, events)
    report = sitrep_render.collect(sitrep, events, marking_note=marking_note)
    _progress(sitrep, 30, _("drawing the map"), tlp=sitrep.tlp, event_count=report.event_count)
    report.map_svg = sitrep_render.map_image(sitrep, events)
    _progress(sitrep, 50, _("drawing the charts"))
    sitrep_render.add_charts(report, events)
    _progress(sitrep, 70, _("writing the report"))
    html = sitrep_render.render_body(report)
    _progress(sitrep, 90, _("laying out the PDF"), html=html)
    pdf = sitrep_render.render_pdf(sitrep, html)
    with transaction.atomic():
        sitrep.events.set(events)
        share_note = _withdraw_blind_shares(sitrep, events)
        _progress(
            sitrep,
            100,
            " ".join(note for note in (marking_note, share_note) if note) or _("ready"),
            pdf=pdf,
            state=Sitrep.State.DONE,
            generated_at=timezone.now(),
        )
        audit.record(
            actor=None,
            action="crisis.sitrep.generate",
            obj=sitrep,
            summary={
                "uid": sitrep.uid,
                "events": sitrep.event_count,
                "tlp": sitrep.tlp,
                "asked_tlp": asked,
            },
        )


def _fail(sitrep_id: int, error: Exception) -> None:
    text = f"{type(error).__name__}: {error}"
    Sitrep.objects.filter(pk=sitrep_id).update(
        state=Sitrep.State.FAILED, error=text[:4000], progress_note=_("failed")[:_NOTE_LENGTH]
    )


def generate(sitrep_id: int) -> None:
    """Render the sitrep's HTML and PDF, saving progress as it goes (see the module's note)."""
    if not _claim(sitrep_id):
        return
    sitrep = Sitrep.objects.select_related("author__agency", "region", "crisis").get(pk=sitrep_id)
    try:
        with translation.override(sitrep.language):
            _build(sitrep)
    except Exception as error:  # the sitrep shows why it failed; the log keeps the traceback
        logger.exception("sitrep %s failed", sitrep_id)
        _fail(sitrep_id, error)


def pdf_filename(sitrep: Sitrep) -> str:
    """`sitrep-2025-01-01-<title in ASCII letters>.pdf`: safe in a Content-Disposition."""
    words = re.sub(r"[^A-Za-z0-9]+", "-", sitrep.title).strip("-").lower()[:60].strip("-")
    stem = f"sitrep-{sitrep.period_start:%Y-%m-%d}"
    return f"{stem}-{words}.pdf" if words else f"{stem}-{str(sitrep.uid)[:8]}.pdf"
