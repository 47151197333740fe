"""Pages and API of the alerts: rules and the dispatch log (the Centre), the inbox, the Centre's
CAP alerts and the CAP feed — with the authorization matrix."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from lxml import etree

from concord.core.markings import Tlp
from concord.core.models import Role, User
from concord.core.tests.matrix import Endpoint, assert_matrix
from concord.crisis import alerting, cap_write, services_alerts
from concord.crisis.models import AlertRule, Dispatch, EventType, IssuedAlert
from concord.crisis.tests.factories import EventFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 29, 10, 0, 0, tzinfo=UTC)
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ATOM = {"atom": cap_write.ATOM_NS}


def page(client: Client, name: str, *args: object, **query: str) -> tuple[int, str]:
    response = client.get(reverse(name, args=args), query, **EN)
    return response.status_code, response.content.decode()


def make_rule(creator: User, **fields: object) -> AlertRule:
    fields.setdefault("name", "Explosions in the north")
    fields.setdefault("roles", [Role.ANALYST])
    rule = AlertRule.objects.create(created_by=creator, **fields)  # type: ignore[misc]
    rule.event_types.set(EventType.objects.filter(code="acled.explosions"))
    return rule


@pytest.fixture
def dispatched(crc_officer, kz_analyst, ru_analyst) -> AlertRule:
    """A rule for analysts by e-mail and in the app; an AMBER event of Kazakhstan (seen by the
    KZ analyst only) and a GREEN one of the Centre (seen by all); no one has an address but the
    Centre's officer."""
    rule = make_rule(crc_officer, notify_email=True)
    amber = EventFactory(
        author=kz_analyst,
        title="IED at the KZ post",
        event_type=EventType.objects.get(code="acled.explosions.grenade"),
    )
    green = EventFactory(
        author=crc_officer,
        title="Shelling near Kunduz",
        tlp=Tlp.GREEN,
        event_type=EventType.objects.get(code="acled.explosions.shelling_artillery_missile_attack"),
    )
    alerting.evaluate([amber.pk, green.pk])
    return rule


# Rules ------------------------------------------------------------------------------------------


def test_the_centre_lists_rules_and_others_are_refused(client_for, crc_officer, kz_analyst):
    make_rule(crc_officer)

    status, html = page(client_for(crc_officer), "crisis:alert_rules")
    assert status == 200
    assert "Explosions in the north" in html
    assert "<code>acled.explosions</code>" in html
    assert reverse("crisis:alert_rule_new") in html

    assert page(client_for(kz_analyst), "crisis:alert_rules")[0] == 403
    assert page(client_for(None), "crisis:alert_rules")[0] == 302  # to the sign-in page


def test_a_centre_editor_creates_a_rule_by_form(client_for, crc_officer, agency_kz):
    response = client_for(crc_officer).post(
        reverse("crisis:alert_rule_new"),
        {
            "name": "Terror",
            "event_types": ["crime.terrorism", "acled.explosions"],
            "min_severity": "4",
            "keyword": "border",
            "roles": ["coordinator"],
            "agencies": ["KZ-KNB"],
            "notify_in_app": "on",
            "notify_email": "on",
        },
        **EN,
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("crisis:alert_rules")
    rule = AlertRule.objects.get()
    assert (rule.name, rule.min_severity, rule.keyword, rule.roles, rule.notify_email) == (
        "Terror",
        4,
        "border",
        ["coordinator"],
        True,
    )
    assert sorted(rule.event_types.values_list("code", flat=True)) == [
        "acled.explosions",
        "crime.terrorism",
    ]


def test_a_rule_form_without_recipients_shows_the_services_message(client_for, crc_officer):
    response = client_for(crc_officer).post(
        reverse("crisis:alert_rule_new"), {"name": "Nobody", "min_severity": "1"}, **EN
    )

    assert response.status_code == 200
    assert "an alert rule needs at least one role or agency to notify" in response.content.decode()
    assert AlertRule.objects.count() == 0


def test_a_rule_is_edited_and_stopped(client_for, crc_officer, crc_viewer):
    rule = make_rule(crc_officer)
    editor = client_for(crc_officer)

    form = editor.get(reverse("crisis:alert_rule_edit", args=[rule.pk]), **EN)
    assert form.status_code == 200
    assert 'value="Explosions in the north"' in form.content.decode()
    response = editor.post(
        reverse("crisis:alert_rule_edit", args=[rule.pk]),
        {"name": "Renamed", "min_severity": "5", "roles": ["analyst"], "notify_in_app": "on"},
        **EN,
    )
    assert response.status_code == 302
    viewer = client_for(crc_viewer)
    assert viewer.post(reverse("crisis:alert_rule_deactivate", args=[rule.pk])).status_code == 403
    assert editor.post(reverse("crisis:alert_rule_deactivate", args=[rule.pk])).status_code == 302

    rule.refresh_from_db()
    assert (rule.name, rule.min_severity, rule.active, rule.event_types.count()) == (
        "Renamed",
        5,
        False,
        0,
    )


# The dispatch log and the inbox -----------------------------------------------------------------


def test_the_dispatch_log_is_the_centres(client_for, dispatched, crc_officer, kz_analyst):
    status, html = page(client_for(crc_officer), "crisis:dispatch_log")

    assert status == 200
    assert "8 dispatches" in html
    assert html.count('class="delivered"') == 5
    assert html.count('class="failed"') == 3
    assert "no e-mail address" in html
    assert page(client_for(kz_analyst), "crisis:dispatch_log")[0] == 403


@pytest.mark.parametrize(
    ("query", "count"),
    [
        pytest.param({"status": "failed"}, "3 dispatches", id="failed"),
        pytest.param({"channel": "email"}, "4 dispatches", id="email"),
        pytest.param({"recipient": "kz-"}, "4 dispatches", id="recipient"),
        pytest.param({"rule": "999999"}, "0 dispatches", id="other-rule"),
    ],
)
def test_the_dispatch_log_filters(client_for, dispatched, crc_officer, query, count):
    status, html = page(client_for(crc_officer), "crisis:dispatch_log", **query)

    assert status == 200
    assert count in html


def test_the_inbox_shows_ones_own_notifications_and_marks_them_read(
    client_for, dispatched, kz_analyst, ru_analyst
):
    client = client_for(kz_analyst)

    status, html = page(client, "crisis:inbox")
    assert status == 200
    assert "2 unread notifications" in html
    assert "IED at the KZ post" in html
    assert "Shelling near Kunduz" in html

    ru_status, ru_html = page(client_for(ru_analyst), "crisis:inbox")
    assert ru_status == 200
    assert "IED at the KZ post" not in ru_html
    assert "1 unread notification" in ru_html

    mine = Dispatch.objects.get(
        recipient=kz_analyst, channel="in_app", event__title__startswith="IED"
    )
    assert (
        client_for(ru_analyst).post(reverse("crisis:inbox_read", args=[mine.pk])).status_code == 404
    )
    assert client.post(reverse("crisis:inbox_read", args=[mine.pk])).status_code == 302
    assert "1 unread notification" in page(client, "crisis:inbox")[1]


# The Centre's CAP alerts ------------------------------------------------------------------------


def _alert_form(**overrides: str) -> dict[str, str]:
    data = {
        "headline": "Threat of attacks along the border",
        "event_text": "Terrorist threat",
        "category": "Security",
        "urgency": "Expected",
        "severity": "Severe",
        "certainty": "Likely",
        "area_desc": "Northern Afghanistan",
        "area": json.dumps(
            {"type": "Polygon", "coordinates": [[[68, 36], [70, 36], [70, 38], [68, 36]]]}
        ),
        "scope": "Restricted",
        "restriction": "CSTO member states' competent authorities",
        "language": "ru-RU",
        "tlp": "AMBER",
    }
    data.update(overrides)
    return data


def test_draft_approve_and_publish_through_the_pages(
    client_for, crc_officer, crc_duty, state_kz, kz_analyst
):
    officer, duty = client_for(crc_officer), client_for(crc_duty)
    with time_machine.travel(NOW, tick=False):
        response = officer.post(reverse("crisis:issued_alert_new"), _alert_form(), **EN)
        alert = IssuedAlert.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("crisis:issued_alert", args=[alert.pk])

        status, html = page(officer, "crisis:issued_alert", alert.pk)
        assert status == 200
        assert "You drafted this alert: another editor of the Centre must approve it." in html
        assert 'id="approve"' not in html
        assert 'id="preview"' in html
        assert (
            officer.post(reverse("crisis:issued_alert_approve", args=[alert.pk])).status_code == 403
        )

        assert 'id="approve"' in page(duty, "crisis:issued_alert", alert.pk)[1]
        duty.post(reverse("crisis:issued_alert_approve", args=[alert.pk]))
        assert 'id="publish"' in page(officer, "crisis:issued_alert", alert.pk)[1]
        officer.post(reverse("crisis:issued_alert_publish", args=[alert.pk]))

    alert.refresh_from_db()
    assert (alert.state, alert.approved_by, alert.identifier) == (
        "published",
        crc_duty,
        "CSTO-CRC-2026-00001",
    )
    status, html = page(client_for(kz_analyst), "crisis:issued_alert", alert.pk)
    assert status == 200
    assert "&lt;identifier&gt;CSTO-CRC-2026-00001&lt;/identifier&gt;" in html
    assert 'id="update"' not in html  # not the Centre's editor


def test_a_draft_form_refused_by_the_service_shows_why(client_for, crc_officer):
    response = client_for(crc_officer).post(
        reverse("crisis:issued_alert_new"), _alert_form(restriction=""), **EN
    )

    assert response.status_code == 200
    assert "a Restricted alert needs a restriction text" in response.content.decode()
    assert IssuedAlert.objects.count() == 0


def test_an_update_is_drafted_from_the_published_alert(client_for, crc_officer, crc_duty):
    earlier = services_alerts.draft_alert(acting_user=crc_officer, **_service_fields())
    services_alerts.approve_alert(acting_user=crc_duty, alert=earlier)
    services_alerts.publish_alert(acting_user=crc_duty, alert=earlier)
    url = reverse("crisis:issued_alert_new") + f"?references={earlier.pk}&msg_type=Update"
    client = client_for(crc_duty)

    form = client.get(url, **EN)
    assert 'value="Threat of attacks along the border"' in form.content.decode()
    response = client.post(url, _alert_form(headline="Attacks within 48 hours"), **EN)

    update = IssuedAlert.objects.get(references=earlier)
    assert response.status_code == 302
    assert (update.msg_type, update.headline, update.state) == (
        "Update",
        "Attacks within 48 hours",
        "draft",
    )


def test_drafts_are_not_shown_outside_the_centre(client_for, crc_officer, kz_analyst):
    alert = services_alerts.draft_alert(acting_user=crc_officer, **_service_fields())

    assert page(client_for(kz_analyst), "crisis:issued_alert", alert.pk)[0] == 404
    assert "CSTO-CRC-" not in page(client_for(kz_analyst), "crisis:issued_alerts")[1]
    assert alert.identifier in page(client_for(crc_officer), "crisis:issued_alerts")[1]


def _service_fields(**overrides: object) -> dict[str, object]:
    fields = _alert_form()
    fields.pop("area")
    values: dict[str, object] = {**fields, "area": None}
    values.update(overrides)
    return values


def _publish(officer: User, duty: User, **overrides: object) -> IssuedAlert:
    alert = services_alerts.draft_alert(acting_user=officer, **_service_fields(**overrides))
    services_alerts.approve_alert(acting_user=duty, alert=alert)
    return services_alerts.publish_alert(acting_user=duty, alert=alert)


def test_the_feed_holds_only_what_the_reader_may_see(
    client_for, crc_officer, crc_duty, state_kz, kz_analyst
):
    with time_machine.travel(NOW, tick=False):
        restricted = _publish(crc_officer, crc_duty, headline="Restricted one")
        public = _publish(
            crc_officer, crc_duty, headline="Public one", scope="Public", tlp=Tlp.CLEAR
        )
    services_alerts.draft_alert(acting_user=crc_officer, **_service_fields(headline="Draft"))

    def titles(user: User | None) -> list[str]:
        response = client_for(user).get(reverse("crisis:cap_feed"))
        assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
        root = etree.fromstring(response.content)
        return [e.findtext("atom:title", namespaces=ATOM) for e in root.findall("atom:entry", ATOM)]

    assert titles(None) == ["Public one"]
    assert titles(kz_analyst) == ["Public one", "Restricted one"]
    assert titles(crc_officer) == ["Public one", "Restricted one"]

    anonymous = client_for(None)
    response = anonymous.get(reverse("crisis:cap_alert", args=[public.identifier]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/cap+xml; charset=utf-8"
    assert response.content.decode() == public.xml
    assert (
        anonymous.get(reverse("crisis:cap_alert", args=[restricted.identifier])).status_code == 404
    )
    assert (
        client_for(kz_analyst)
        .get(reverse("crisis:cap_alert", args=[restricted.identifier]))
        .status_code
        == 200
    )


# API --------------------------------------------------------------------------------------------


@pytest.fixture
def api_en(settings):
    settings.LANGUAGE_CODE = "en"


def test_api_authorization_matrix(personas, client_for, crc_officer, api_en):
    rule_body = {"name": "R", "roles": ["analyst"]}
    assert_matrix(
        personas,
        client_for,
        [
            Endpoint(
                "GET", reverse("api:crisis_alert_rules"), {"anonymous": 401, "admin": 200}, 403
            ),
            Endpoint(
                "POST",
                reverse("api:crisis_alert_rule_create"),
                {"anonymous": 401, "admin": 201},
                403,
                data=rule_body,
            ),
            Endpoint(
                "GET", reverse("api:crisis_alert_dispatches"), {"anonymous": 401, "admin": 200}, 403
            ),
            Endpoint("GET", reverse("api:crisis_alert_inbox"), {"anonymous": 401}, 200),
            Endpoint("GET", reverse("api:crisis_issued_alerts"), {"anonymous": 401}, 200),
            Endpoint(
                "POST",
                reverse("api:crisis_issued_alert_draft"),
                {"anonymous": 401, "admin": 201},
                403,
                data={**_service_fields()},
            ),
        ],
    )


def test_api_creates_a_rule_and_reads_the_log(client_for, crc_officer, kz_analyst, api_en):
    client = client_for(crc_officer)
    response = client.post(
        reverse("api:crisis_alert_rule_create"),
        {
            "name": "Quakes",
            "event_types": ["geophysical.earthquake"],
            "min_severity": 4,
            "roles": ["coordinator"],
            "agencies": ["KZ-KNB"],
        },
        content_type="application/json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body == {
        "id": body["id"],
        "name": "Quakes",
        "event_types": ["geophysical.earthquake"],
        "min_severity": 4,
        "region": None,
        "origin": "",
        "keyword": "",
        "roles": ["coordinator"],
        "agencies": ["KZ-KNB"],
        "notify_in_app": True,
        "notify_email": False,
        "include_exercises": False,
        "active": True,
    }
    event = EventFactory(
        author=kz_analyst,
        title="Quake",
        severity=5,
        event_type=EventType.objects.get(code="geophysical.earthquake"),
    )
    alerting.evaluate([event.pk])
    log = client.get(reverse("api:crisis_alert_dispatches"), {"channel": "in_app"}).json()
    assert log["total"] == 1
    item = log["items"][0]
    assert (item["rule_name"], item["event_title"], item["recipient"], item["status"]) == (
        "Quakes",
        "Quake",
        "kz-analyst",
        "delivered",
    )
    inbox = client_for(kz_analyst).get(reverse("api:crisis_alert_inbox")).json()
    assert [(n["event"], n["read_at"]) for n in inbox] == [(str(event.uid), None)]
    read = client_for(kz_analyst).post(
        reverse("api:crisis_alert_inbox_read", args=[inbox[0]["id"]])
    )
    assert read.status_code == 200
    assert read.json()["read_at"] is not None


def test_api_refuses_a_bad_rule_and_a_bad_filter(client_for, crc_officer, api_en):
    client = client_for(crc_officer)

    response = client.post(
        reverse("api:crisis_alert_rule_create"),
        {"name": "R", "roles": ["analyst"], "region": "atlantis"},
        content_type="application/json",
    )
    assert (response.status_code, response.json()["detail"]) == (400, "unknown region 'atlantis'")
    response = client.get(reverse("api:crisis_alert_dispatches"), {"status": "lost"})
    assert (response.status_code, response.json()["detail"]) == (400, "unknown status 'lost'")
    assert AlertRule.objects.count() == 0


def test_api_draft_approve_publish(client_for, crc_officer, crc_duty, state_kz, api_en):
    officer, duty = client_for(crc_officer), client_for(crc_duty)
    with time_machine.travel(NOW, tick=False):
        drafted = officer.post(
            reverse("api:crisis_issued_alert_draft"),
            _service_fields(),
            content_type="application/json",
        )
        assert drafted.status_code == 201
        alert_id = drafted.json()["id"]
        approve = reverse("api:crisis_issued_alert_approve", args=[alert_id])
        publish = reverse("api:crisis_issued_alert_publish", args=[alert_id])

        refused = officer.post(approve)
        assert (refused.status_code, refused.json()["detail"]) == (
            403,
            "you drafted this alert: a second person of the Centre must approve it",
        )
        early = officer.post(publish)
        assert (early.status_code, early.json()["detail"]) == (
            400,
            "only an approved alert can be published; this alert is draft",
        )
        assert duty.post(approve).json()["state"] == "approved"
        published = officer.post(publish)

    body = published.json()
    assert published.status_code == 200
    assert (body["identifier"], body["state"], body["approved_by"], body["published_at"]) == (
        "CSTO-CRC-2026-00001",
        "published",
        "crc-duty",
        "2026-11-29T10:00:00Z",
    )
    assert body["cap_url"] == "/crisis/alerts/cap/CSTO-CRC-2026-00001.xml"
    cap_write.validate(body["xml"])
    assert mail.outbox == []


def test_api_refuses_a_restricted_alert_without_restriction(client_for, crc_officer, api_en):
    response = client_for(crc_officer).post(
        reverse("api:crisis_issued_alert_draft"),
        _service_fields(restriction=""),
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["detail"].startswith("a Restricted alert needs a restriction text")
    assert IssuedAlert.objects.count() == 0
