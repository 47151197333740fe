"""Alert rules as the Centre's editors write them (`services_alerts`), and marking an in-app
notification read."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from concord.core.markings import Tlp
from concord.core.models import AuditEvent, Role, User
from concord.crisis import alerting, services_alerts
from concord.crisis.models import AlertRule, Dispatch, Region
from concord.crisis.tests.factories import EventFactory

pytestmark = pytest.mark.django_db


def _new_rule(user: User, **overrides: object) -> AlertRule:
    arguments: dict[str, object] = {
        "name": "  Terror   in the north ",
        "event_type_codes": ["crime.terrorism", "acled.explosions"],
        "min_severity": 3,
        "keyword": " Kunduz ",
        "roles": [Role.COORDINATOR],
        "agency_codes": ["KZ-KNB"],
        "notify_email": True,
    }
    arguments.update(overrides)
    return services_alerts.create_rule(acting_user=user, **arguments)  # type: ignore[arg-type]


def test_a_centre_editor_creates_a_rule(crc_officer, agency_kz):
    rule = _new_rule(crc_officer)

    rule.refresh_from_db()
    assert (rule.name, rule.min_severity, rule.keyword, rule.roles, rule.active) == (
        "Terror in the north",
        3,
        "Kunduz",
        ["coordinator"],
        True,
    )
    assert sorted(rule.event_types.values_list("code", flat=True)) == [
        "acled.explosions",
        "crime.terrorism",
    ]
    assert list(rule.agencies.values_list("code", flat=True)) == ["KZ-KNB"]
    assert (rule.notify_in_app, rule.notify_email, rule.include_exercises) == (True, True, False)
    entry = AuditEvent.objects.get(action="crisis.alert_rule.create")
    assert (entry.actor_username, entry.object_id) == ("crc-officer", str(rule.pk))
    assert json.loads(entry.summary) == {
        "name": "Terror in the north",
        "event_types": ["acled.explosions", "crime.terrorism"],
        "min_severity": 3,
        "region": None,
        "origin": "",
        "keyword": "Kunduz",
        "roles": ["coordinator"],
        "agencies": ["KZ-KNB"],
        "notify_in_app": True,
        "notify_email": True,
        "include_exercises": False,
        "active": True,
    }


@pytest.mark.parametrize(
    ("persona", "message"),
    [
        pytest.param("crc_viewer", "only the Crisis Response Centre manages this", id="viewer"),
        pytest.param("kz_analyst", "only the Crisis Response Centre manages this", id="state"),
    ],
)
def test_only_centre_editors_write_rules(request, persona, message, crc_officer, agency_kz):
    user = request.getfixturevalue(persona)

    with pytest.raises(PermissionDenied, match=message):
        _new_rule(user)

    rule = _new_rule(crc_officer)
    with pytest.raises(PermissionDenied, match=message):
        services_alerts.update_rule(acting_user=user, rule=rule, min_severity=1)
    with pytest.raises(PermissionDenied, match=message):
        services_alerts.deactivate_rule(acting_user=user, rule=rule)
    rule.refresh_from_db()
    assert (AlertRule.objects.count(), rule.min_severity, rule.active) == (1, 3, True)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        pytest.param(
            {"event_type_codes": ["crime.nonsense"]},
            "unknown event type 'crime.nonsense'",
            id="type",
        ),
        pytest.param({"agency_codes": ["XX-NONE"]}, "unknown agency 'XX-NONE'", id="agency"),
        pytest.param({"roles": ["general"]}, "unknown role 'general'", id="role"),
        pytest.param({"name": "   "}, "an alert rule needs a name", id="name"),
        pytest.param(
            {"min_severity": 6}, "the minimum severity is a number from 1 to 5", id="severity"
        ),
        pytest.param({"origin": "twitter"}, "unknown source 'twitter'", id="origin"),
        pytest.param(
            {"roles": [], "agency_codes": []},
            "an alert rule needs at least one role or agency to notify",
            id="nobody",
        ),
        pytest.param(
            {"notify_in_app": False, "notify_email": False},
            "an alert rule needs a channel",
            id="no-channel",
        ),
    ],
)
def test_a_bad_rule_is_refused_with_a_clear_message(crc_officer, agency_kz, overrides, message):
    with pytest.raises(ValidationError, match=message):
        _new_rule(crc_officer, **overrides)

    assert AlertRule.objects.count() == 0


def test_a_rule_is_updated_and_the_change_audited(crc_officer, crc_duty, agency_kz):
    region = Region.objects.create(
        slug="north-afg",
        kind=Region.Kind.ADMIN_AREAS,
        name_ru="Север",
        name_en="North",
        created_by=crc_officer,
    )
    rule = _new_rule(crc_officer)

    services_alerts.update_rule(
        acting_user=crc_duty,
        rule=rule,
        min_severity=4,
        region=region,
        event_type_codes=["geophysical.earthquake"],
        agency_codes=[],
    )

    rule.refresh_from_db()
    assert (rule.min_severity, rule.region, rule.agencies.count()) == (4, region, 0)
    assert list(rule.event_types.values_list("code", flat=True)) == ["geophysical.earthquake"]
    entry = AuditEvent.objects.get(action="crisis.alert_rule.update")
    assert json.loads(entry.summary) == {
        "agencies": [["KZ-KNB"], []],
        "event_types": [["acled.explosions", "crime.terrorism"], ["geophysical.earthquake"]],
        "min_severity": [3, 4],
        "region": [None, "north-afg"],
    }


def test_a_deactivated_rule_notifies_nobody(crc_officer, crc_duty, agency_kz):
    rule = _new_rule(crc_officer, event_type_codes=[], keyword="")

    services_alerts.deactivate_rule(acting_user=crc_duty, rule=rule)

    rule.refresh_from_db()
    assert rule.active is False
    assert AuditEvent.objects.filter(action="crisis.alert_rule.deactivate").count() == 1
    event = EventFactory(author=crc_officer, tlp=Tlp.GREEN)
    assert alerting.evaluate([event.pk]) == 0


def test_a_recipient_marks_their_notification_read(crc_officer, crc_duty, kz_analyst):
    rule = _new_rule(crc_officer, event_type_codes=[], keyword="", agency_codes=[])
    event = EventFactory(author=crc_officer, tlp=Tlp.GREEN)
    alerting.evaluate([event.pk])
    mine = Dispatch.objects.get(recipient=crc_duty, channel="in_app")

    with pytest.raises(Http404):
        services_alerts.mark_read(acting_user=kz_analyst, dispatch=mine)
    services_alerts.mark_read(acting_user=crc_duty, dispatch=mine)
    services_alerts.mark_read(acting_user=crc_duty, dispatch=mine)  # again: nothing changes

    mine.refresh_from_db()
    assert mine.read_at is not None
    assert AuditEvent.objects.filter(action="crisis.notification.read").count() == 1
    assert rule.dispatches.filter(channel="in_app", read_at__isnull=True).count() == 0
