"""Alert rules applied to new and changed events, and the notifications they send.

Writers (imports, forms, the API) call `events_recorded(ids)` inside their transaction; after
commit the task `tasks.evaluate_alert_rules` runs `evaluate(ids)` in the background.

A rule matches an event when every condition it sets holds: the event's type is one of the
rule's types or a subtype of one (by code: `acled.explosions` matches
`acled.explosions.suicide_bomb`; a rule without types matches every type), its severity is at
least the rule's minimum, it lies in the rule's region (a `RegionMembership` row), it came from
the rule's source, and the keyword occurs (ignoring case) in its title, description, place or
actors. Cancelled events never match; exercises match only rules that include them.

Recipients are the active users holding one of the rule's roles plus every active user of the
rule's agencies. Each receives only the events they may see (the crisis access chokepoint,
`access.events_for`; an e-mail, which leaves the system, is checked once more with
`access.can_view_event` just before it is sent) — and an e-mail holds only that event's own
fields and a link to its page.

Every dispatch is logged (`Dispatch`: rule, event, recipient, channel, time, delivered or
failed). The unique (rule, event, recipient, channel) makes evaluation idempotent: running it
again for the same events sends nothing new, so an event that is later updated does not notify
again, and a failed e-mail is not retried automatically.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import make_msgid
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from concord.core import audit
from concord.core.models import User

from . import access
from .models import AlertRule, Channel, Dispatch, Event, RegionMembership

logger = logging.getLogger("concord.crisis.alerting")

# Events are matched this many at a time (bounded memory, and SQLite's limit on parameters).
CHUNK = 500
NO_ADDRESS = "no e-mail address"
# An e-mail dispatch is claimed (its row written) before the message is sent, so that two
# workers never send the same one; a worker that dies in between leaves this error behind.
NOT_SENT = "interrupted before sending"

EVENT_FIELDS = (
    "id",
    "uid",
    "title",
    "description",
    "event_type",
    "severity",
    "starts_at",
    "country",
    "admin1_name",
    "admin2_name",
    "place_name",
    "actor1",
    "actor2",
    "origin",
    "exercise",
    "cancelled_at",
    "tlp",
    "owner_agency",
    "author",
)


def events_recorded(event_ids: Sequence[int]) -> None:
    """Call inside the writing transaction: after commit, the rules are evaluated for these
    events in the background (`tasks.evaluate_alert_rules`) and notifications dispatched."""
    ids = sorted({int(pk) for pk in event_ids})
    if not ids:
        return
    from . import tasks  # imported here: tasks imports this module

    transaction.on_commit(lambda: tasks.evaluate_alert_rules.enqueue(ids))


def evaluate(event_ids: Sequence[int]) -> int:
    """Apply every active rule to these events; dispatch to each recipient who may see the
    event, by the rule's channels; log each dispatch. The number of dispatches made (delivered
    or failed); dispatches made by an earlier evaluation are not made again."""
    ids = sorted({int(pk) for pk in event_ids})
    rules = list(
        AlertRule.objects.filter(active=True)
        .select_related("region")
        .prefetch_related("event_types", "agencies")
    )
    if not ids or not rules:
        return 0
    recipients = {rule.pk: _recipients(rule) for rule in rules}
    outcome = _Outcome()
    for chunk in _chunks(ids, CHUNK):
        events = list(
            Event.objects.filter(pk__in=chunk)
            .current()
            .select_related("event_type", "owner_agency")
            .only(*EVENT_FIELDS, "event_type__code", "event_type__name_ru", "event_type__name_en")
        )
        places = _memberships(chunk, rules)
        for rule in rules:
            matched = [event for event in events if matches(rule, event, places)]
            if matched and recipients[rule.pk]:
                _dispatch(rule, matched, recipients[rule.pk], outcome)
    if outcome.total:
        with transaction.atomic():
            audit.record(
                actor=None,
                action="crisis.alerts.dispatch",
                object_type="crisis.dispatch",
                summary={
                    "events": len(ids),
                    "in_app": outcome.in_app,
                    "email_delivered": outcome.email_delivered,
                    "email_failed": outcome.email_failed,
                },
            )
    return outcome.total


# Matching ---------------------------------------------------------------------------------------


def type_matches(rule_codes: Iterable[str], code: str) -> bool:
    """The event type `code` is one of `rule_codes` or a subtype of one; no codes: any type."""
    codes = list(rule_codes)
    return not codes or any(code == c or code.startswith(c + ".") for c in codes)


def keyword_matches(keyword: str, event: Event) -> bool:
    """The keyword occurs, ignoring case, in the event's title, description, place or actors."""
    needle = keyword.strip().casefold()
    if not needle:
        return True
    haystack = (
        event.title,
        event.description,
        event.place_name,
        event.admin1_name,
        event.admin2_name,
        event.actor1,
        event.actor2,
    )
    return any(needle in text.casefold() for text in haystack if text)


def matches(rule: AlertRule, event: Event, places: set[tuple[int, int]]) -> bool:
    """Whether `event` satisfies every condition of `rule`. `places` holds the (region id,
    event id) pairs of the regions the rules name."""
    if event.cancelled_at is not None or (event.exercise and not rule.include_exercises):
        return False
    if event.severity < rule.min_severity:
        return False
    if rule.origin and event.origin != rule.origin:
        return False
    if rule.region_id is not None and (rule.region_id, event.pk) not in places:
        return False
    codes = [event_type.code for event_type in rule.event_types.all()]
    return type_matches(codes, event.event_type.code) and keyword_matches(rule.keyword, event)


def _memberships(event_ids: Sequence[int], rules: Sequence[AlertRule]) -> set[tuple[int, int]]:
    region_ids = {rule.region_id for rule in rules if rule.region_id is not None}
    if not region_ids:
        return set()
    rows = RegionMembership.objects.filter(event_id__in=event_ids, region_id__in=region_ids)
    return set(rows.values_list("region_id", "event_id"))


def _recipients(rule: AlertRule) -> list[User]:
    agencies = [agency.pk for agency in rule.agencies.all()]
    chosen = Q(role__in=list(rule.roles)) | Q(agency_id__in=agencies)
    people = User.objects.filter(chosen, is_active=True).select_related("agency").order_by("pk")
    return list(people)


def _channels(rule: AlertRule) -> list[str]:
    channels = []
    if rule.notify_in_app:
        channels.append(Channel.IN_APP.value)
    if rule.notify_email:
        channels.append(Channel.EMAIL.value)
    return channels


# Dispatching ------------------------------------------------------------------------------------


@dataclass
class _Outcome:
    in_app: int = 0
    email_delivered: int = 0
    email_failed: int = 0

    @property
    def total(self) -> int:
        return self.in_app + self.email_delivered + self.email_failed


def _dispatch(
    rule: AlertRule, events: list[Event], recipients: list[User], outcome: _Outcome
) -> None:
    channels = _channels(rule)
    if not channels:
        return
    by_id = {event.pk: event for event in events}
    done = set(
        Dispatch.objects.filter(rule=rule, event_id__in=list(by_id)).values_list(
            "event_id", "recipient_id", "channel"
        )
    )
    in_app: list[Dispatch] = []
    mails: list[tuple[User, Event]] = []
    for person in recipients:
        seen = access.events_for(person).filter(pk__in=list(by_id)).values_list("pk", flat=True)
        for event_id in sorted(seen):
            if Channel.IN_APP in channels and (event_id, person.pk, Channel.IN_APP) not in done:
                in_app.append(
                    Dispatch(
                        rule=rule,
                        event_id=event_id,
                        recipient=person,
                        channel=Channel.IN_APP,
                        status=Dispatch.Status.DELIVERED,
                    )
                )
            if Channel.EMAIL in channels and (event_id, person.pk, Channel.EMAIL) not in done:
                mails.append((person, by_id[event_id]))
    if in_app:
        # A concurrent evaluation may have written some of these: the unique constraint keeps
        # one row each, and nobody is notified twice.
        Dispatch.objects.bulk_create(in_app, batch_size=CHUNK, ignore_conflicts=True)
        outcome.in_app += len(in_app)
    if mails:
        _send_mails(rule, mails, outcome)


def _send_mails(rule: AlertRule, mails: list[tuple[User, Event]], outcome: _Outcome) -> None:
    connection = get_connection()
    for person, event in mails:
        row = _claim(rule, event, person)
        if row is None:
            continue
        error = _send_one(connection, rule, event, person)
        Dispatch.objects.filter(pk=row.pk).update(
            status=Dispatch.Status.FAILED if error else Dispatch.Status.DELIVERED,
            error=error,
            sent_at=timezone.now(),
        )
        if error:
            outcome.email_failed += 1
            logger.warning(
                "alert e-mail to %s for event %s failed: %s", person.username, event.pk, error
            )
        else:
            outcome.email_delivered += 1


def _claim(rule: AlertRule, event: Event, person: User) -> Dispatch | None:
    """The e-mail dispatch row, written before sending; None when another run already has it."""
    try:
        with transaction.atomic():
            return Dispatch.objects.create(
                rule=rule,
                event=event,
                recipient=person,
                channel=Channel.EMAIL,
                status=Dispatch.Status.FAILED,
                error=NOT_SENT,
            )
    except IntegrityError:
        return None


def _send_one(connection: BaseEmailBackend, rule: AlertRule, event: Event, person: User) -> str:
    """Send one alert e-mail; the error text, or "" when it went."""
    if not person.email:
        return NO_ADDRESS
    # The chokepoint once more, for the one thing that leaves the system: fail closed.
    if not access.can_view_event(person, event):
        return "recipient may not see this event"
    subject, body = render_mail(rule, event)
    message = EmailMessage(
        subject=subject,
        body=body,
        to=[person.email],
        connection=connection,
        # Named after the sender's domain rather than this host's name, which Django would
        # look up (and which may hang where there is no resolver).
        headers={"Message-ID": make_msgid(domain=_mail_domain())},
    )
    try:
        message.send()
    except Exception as error:  # any backend failure is logged on the dispatch
        return f"{type(error).__name__}: {error}"
    return ""


def _mail_domain() -> str:
    sender = str(settings.DEFAULT_FROM_EMAIL)
    return sender.rpartition("@")[2].strip("> ") or "localhost"


def render_mail(rule: AlertRule, event: Event) -> tuple[str, str]:
    """The subject and body of an alert e-mail: the rule's name, the event's own fields (which
    the recipient may see) and a link to the event's page — nothing from other records."""
    context = {"rule": rule, "event": event, "url": event_url(event)}
    subject = render_to_string("crisis/email/alert_subject.txt", context)
    body = render_to_string("crisis/email/alert_body.txt", context)
    return " ".join(subject.split()), body


def event_url(event: Event) -> str:
    """The event page's address: absolute when `CONCORD_BASE_URL` is set, else a path."""
    path = reverse("crisis:event", kwargs={"uid": event.uid})
    base = str(getattr(settings, "CONCORD_BASE_URL", "") or "").rstrip("/")
    return base + path


def _chunks(items: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
