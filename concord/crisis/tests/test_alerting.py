"""Alert rules applied to recorded events (`alerting.evaluate`): matching, recipients, what each
recipient may see, the two channels, failures, and idempotence."""

from __future__ import annotations

import smtplib
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend

from concord.core.markings import Tlp
from concord.core.models import AuditEvent, Role, User
from concord.crisis import alerting
from concord.crisis.models import AlertRule, Dispatch, Event, EventType, Region, RegionMembership
from concord.crisis.tests.factories import EventFactory

pytestmark = pytest.mark.django_db


class RefusingBackend(BaseEmailBackend):
    """A mail server that refuses every message."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        raise smtplib.SMTPRecipientsRefused({"x@y": (550, b"relay refused")})


class DisconnectingBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        raise smtplib.SMTPServerDisconnected("mail server went away")


def make_rule(creator: User, *, types: Sequence[str] = (), **fields: object) -> AlertRule:
    fields.setdefault("name", "Explosions")
    rule = AlertRule.objects.create(created_by=creator, **fields)  # type: ignore[misc]
    rule.event_types.set(EventType.objects.filter(code__in=types))
    return rule


def bomb(author: User, **fields: object) -> Event:
    values: dict[str, object] = {
        "title": "Suicide attack in Kunduz",
        "event_type": EventType.objects.get(code="acled.explosions.suicide_bomb"),
        "severity": 4,
        "tlp": Tlp.GREEN,
        "place_name": "Kunduz city",
        "actor1": "IS-K",
        "description": "A suicide bomber attacked a checkpoint.",
    }
    values.update(fields)
    return EventFactory(author=author, **values)


def rows() -> list[tuple[str, str, str, str]]:
    """The dispatch log as (event title, recipient, channel, status), sorted."""
    return sorted(
        Dispatch.objects.values_list("event__title", "recipient__username", "channel", "status")
    )


@pytest.fixture
def centre(crc_officer: User, crc_duty: User) -> User:
    return crc_officer


# Matching ---------------------------------------------------------------------------------------


def test_a_rule_on_a_type_matches_its_subtypes_above_the_minimum_severity(centre, kz_analyst):
    make_rule(centre, types=["acled.explosions"], min_severity=3, roles=[Role.COORDINATOR])
    matching = bomb(centre)
    battle = bomb(centre, title="Battle", event_type=EventType.objects.get(code="acled.battles"))
    minor = bomb(centre, title="Grenade", severity=2)
    parent_only = bomb(
        centre, title="Explosion", event_type=EventType.objects.get(code="acled.explosions")
    )
    # Same prefix, different type: "acled.explosionsX" is not a subtype of "acled.explosions".
    assert not alerting.type_matches(["acled.explosions"], "acled.explosionsX")

    made = alerting.evaluate([matching.pk, battle.pk, minor.pk, parent_only.pk])

    assert made == 2
    assert rows() == [
        ("Explosion", "crc-duty", "in_app", "delivered"),
        ("Suicide attack in Kunduz", "crc-duty", "in_app", "delivered"),
    ]


def test_a_rule_without_types_matches_every_type(centre):
    make_rule(centre, roles=[Role.COORDINATOR])
    event = bomb(centre, event_type=EventType.objects.get(code="geophysical.earthquake"))

    assert alerting.evaluate([event.pk]) == 1


def test_the_region_condition_uses_region_membership(centre):
    region = Region.objects.create(
        slug="north-afg",
        kind=Region.Kind.ADMIN_AREAS,
        name_ru="Север Афганистана",
        name_en="Northern Afghanistan",
        definition={"pcodes": ["AF17"]},
        created_by=centre,
    )
    make_rule(centre, region=region, roles=[Role.COORDINATOR])
    inside = bomb(centre, title="Inside")
    outside = bomb(centre, title="Outside")
    RegionMembership.objects.create(region=region, event=inside)

    assert alerting.evaluate([inside.pk, outside.pk]) == 1
    assert rows() == [("Inside", "crc-duty", "in_app", "delivered")]


@pytest.mark.parametrize(
    ("keyword", "expected"),
    [
        pytest.param("suicide", 1, id="title"),
        pytest.param("CHECKPOINT", 1, id="description-any-case"),
        pytest.param("kunduz CITY", 1, id="place"),
        pytest.param("is-k", 1, id="actor"),
        pytest.param("Taliban", 0, id="absent"),
    ],
)
def test_the_keyword_is_found_in_title_description_place_or_actors(centre, keyword, expected):
    make_rule(centre, keyword=keyword, roles=[Role.COORDINATOR])
    event = bomb(centre, title="Attack", admin1_name="Province")

    assert alerting.evaluate([event.pk]) == expected


def test_the_source_condition(centre):
    make_rule(centre, origin="acled", roles=[Role.COORDINATOR])
    from_acled = bomb(centre, title="ACLED", origin="acled")
    by_form = bomb(centre, title="Form", origin="manual")

    assert alerting.evaluate([from_acled.pk, by_form.pk]) == 1
    assert rows() == [("ACLED", "crc-duty", "in_app", "delivered")]


def test_exercises_are_left_out_unless_the_rule_includes_them(centre):
    drill = bomb(centre, title="Drill", exercise=True)
    make_rule(centre, name="Real only", roles=[Role.COORDINATOR])
    assert alerting.evaluate([drill.pk]) == 0

    make_rule(centre, name="With exercises", roles=[Role.COORDINATOR], include_exercises=True)
    assert alerting.evaluate([drill.pk]) == 1


def test_cancelled_events_never_match(centre):
    make_rule(centre, roles=[Role.COORDINATOR], include_exercises=True)
    cancelled = bomb(centre, cancelled_at=datetime(2025, 1, 16, tzinfo=UTC))

    assert alerting.evaluate([cancelled.pk]) == 0
    assert rows() == []


def test_inactive_rules_are_not_applied(centre):
    make_rule(centre, roles=[Role.COORDINATOR], active=False)

    assert alerting.evaluate([bomb(centre).pk]) == 0


# Recipients and what they may see ---------------------------------------------------------------


def test_recipients_by_role_and_by_agency(centre, kz_coordinator, ru_analyst, agency_ru):
    rule = make_rule(centre, roles=[Role.COORDINATOR])
    rule.agencies.set([agency_ru])
    inactive = User.objects.create(
        username="ru-retired", agency=agency_ru, role=Role.COORDINATOR, is_active=False
    )
    event = bomb(centre)

    assert alerting.evaluate([event.pk]) == 3
    assert [r[1] for r in rows()] == ["crc-duty", "kz-coordinator", "ru-analyst"]
    assert not Dispatch.objects.filter(recipient=inactive).exists()


def test_a_recipient_who_cannot_see_the_amber_event_gets_nothing(centre, kz_analyst, ru_analyst):
    # An AMBER event of Kazakhstan's KNB: seen in Kazakhstan only.
    kz_analyst.email = "analyst@knb.kz"
    kz_analyst.save()
    ru_analyst.email = "analyst@fsb.ru"
    ru_analyst.save()
    make_rule(centre, roles=[Role.ANALYST], notify_email=True)
    event = bomb(kz_analyst, tlp=Tlp.AMBER)

    assert alerting.evaluate([event.pk]) == 2

    assert rows() == [
        ("Suicide attack in Kunduz", "kz-analyst", "email", "delivered"),
        ("Suicide attack in Kunduz", "kz-analyst", "in_app", "delivered"),
    ]
    assert [m.to for m in mail.outbox] == [["analyst@knb.kz"]]


def test_the_email_holds_the_event_and_a_link_to_it(centre, settings):
    settings.CONCORD_BASE_URL = "https://concord.example/"
    make_rule(centre, name="Explosions", roles=[Role.ANALYST], notify_email=True)
    event = bomb(centre)

    alerting.evaluate([event.pk])

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["officer@crc.test"]
    assert message.subject == "[TLP:GREEN] Concord alert “Explosions”: Suicide attack in Kunduz"
    url = f"https://concord.example/crisis/events/{event.uid}/"
    assert alerting.event_url(event) == url
    assert message.body == (
        "TLP:GREEN\n"
        "An event matching your alert rule “Explosions” has been recorded.\n"
        "\n"
        "Suicide attack in Kunduz\n"
        "Type: Suicide bomb (acled.explosions.suicide_bomb)\n"
        "Severity: 4/5\n"
        "Start: 2025-01-15 06:00 UTC\n"
        "Place: Kunduz city, Kunduz, AFG\n"
        "Actors: IS-K\n"
        "\n"
        "A suicide bomber attacked a checkpoint.\n"
        "\n"
        f"Open the event: {url}\n"
        "\n"
        "-- \n"
        "This message may be shared only as its marking (TLP:GREEN) allows. You receive it "
        "because an alert rule of the Crisis Response Centre names your role or your agency.\n"
    )


def test_one_email_per_recipient_per_event(centre, crc_duty):
    make_rule(centre, roles=[Role.ANALYST, Role.COORDINATOR], notify_email=True)
    first, second = bomb(centre, title="First"), bomb(centre, title="Second")

    assert alerting.evaluate([first.pk, second.pk]) == 8

    assert sorted((m.to[0], m.subject.rsplit(": ", 1)[1]) for m in mail.outbox) == [
        ("duty@crc.test", "First"),
        ("duty@crc.test", "Second"),
        ("officer@crc.test", "First"),
        ("officer@crc.test", "Second"),
    ]


# Failures ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("backend", "error"),
    [
        pytest.param(
            "RefusingBackend",
            "SMTPRecipientsRefused: {'x@y': (550, b'relay refused')}",
            id="refused",
        ),
        pytest.param(
            "DisconnectingBackend", "SMTPServerDisconnected: mail server went away", id="gone"
        ),
    ],
)
def test_a_failing_mail_backend_is_logged_as_failed(centre, settings, backend, error):
    settings.EMAIL_BACKEND = f"{__name__}.{backend}"
    make_rule(centre, roles=[Role.ANALYST], notify_email=True)
    event = bomb(centre)

    assert alerting.evaluate([event.pk]) == 2

    failed = Dispatch.objects.get(channel="email")
    assert (failed.recipient.username, failed.status, failed.error) == (
        "crc-officer",
        "failed",
        error,
    )
    assert Dispatch.objects.get(channel="in_app").status == "delivered"


def test_a_recipient_without_an_address_is_logged_as_failed(centre, crc_viewer):
    make_rule(centre, roles=[Role.VIEWER], notify_email=True, notify_in_app=False)
    event = bomb(centre)

    assert alerting.evaluate([event.pk]) == 1

    assert list(Dispatch.objects.values_list("recipient__username", "status", "error")) == [
        ("crc-viewer", "failed", "no e-mail address")
    ]
    assert mail.outbox == []


# Idempotence, the task, the audit ---------------------------------------------------------------


def test_evaluating_again_sends_nothing_new_even_after_an_update(centre):
    make_rule(centre, roles=[Role.ANALYST], notify_email=True)
    event = bomb(centre)
    assert alerting.evaluate([event.pk]) == 2

    event.title = "Suicide attack in Kunduz (updated)"
    event.severity = 5
    event.save()

    assert alerting.evaluate([event.pk, event.pk]) == 0
    assert Dispatch.objects.count() == 2
    assert len(mail.outbox) == 1


def test_events_recorded_evaluates_after_commit(centre, django_capture_on_commit_callbacks):
    make_rule(centre, roles=[Role.ANALYST])
    event = bomb(centre)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        alerting.events_recorded([event.pk])
        assert Dispatch.objects.count() == 0  # nothing before the commit

    assert len(callbacks) == 1
    assert rows() == [("Suicide attack in Kunduz", "crc-officer", "in_app", "delivered")]


def test_events_recorded_with_no_events_enqueues_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        alerting.events_recorded([])

    assert callbacks == []


def test_an_evaluation_that_dispatches_is_audited(centre, settings):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    make_rule(centre, roles=[Role.ANALYST], notify_email=True)
    event = bomb(centre)

    alerting.evaluate([event.pk])

    entry = AuditEvent.objects.filter(action="crisis.alerts.dispatch").get()
    assert entry.summary == '{"email_delivered":0,"email_failed":1,"events":1,"in_app":1}'


def test_nothing_to_do_without_rules_or_events(centre):
    assert alerting.evaluate([bomb(centre).pk]) == 0
    make_rule(centre, roles=[Role.ANALYST])
    assert alerting.evaluate([]) == 0
    assert not AuditEvent.objects.filter(action="crisis.alerts.dispatch").exists()
