"""The Centre's own CAP alerts: draft → approval by a second person → publication as CAP 1.2
XML (valid against the OASIS schema), Update and Cancel, scope rules, and who sees what."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from lxml import etree

from concord.core.markings import Tlp
from concord.core.models import AuditEvent, User
from concord.crisis import access, cap_write, services_alerts
from concord.crisis.models import IssuedAlert

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 29, 10, 0, 0, tzinfo=UTC)
CAP = {"cap": cap_write.CAP_NS}
# Northern Afghanistan along the border (GeoJSON: lon, lat).
AREA = {
    "type": "Polygon",
    "coordinates": [[[66.5, 36.2], [71.6, 36.2], [71.6, 38.5], [66.5, 38.5], [66.5, 36.2]]],
}


def draft(user: User, **overrides: object) -> IssuedAlert:
    arguments: dict[str, object] = {
        "headline": "Threat of attacks along the Afghan–Tajik border",
        "event_text": "Terrorist threat",
        "category": "Security",
        "urgency": "Expected",
        "severity": "Severe",
        "certainty": "Likely",
        "area_desc": "Northern Afghanistan: Badakhshan, Takhar, Kunduz",
        "area": AREA,
        "description": "Armed groups are massing near the border.",
        "instruction": "Raise the readiness of border units.",
    }
    arguments.update(overrides)
    return services_alerts.draft_alert(acting_user=user, **arguments)  # type: ignore[arg-type]


@pytest.fixture
def published(crc_officer, crc_duty, state_kz, state_ru) -> IssuedAlert:
    with time_machine.travel(NOW, tick=False):
        alert = draft(crc_officer)
        services_alerts.approve_alert(acting_user=crc_duty, alert=alert)
        return services_alerts.publish_alert(acting_user=crc_duty, alert=alert)


def test_a_draft_gets_the_next_identifier_and_belongs_to_the_centre(crc_officer, agency_crc):
    with time_machine.travel(NOW, tick=False):
        first = draft(crc_officer)
        second = draft(crc_officer, headline="Second")

    assert (first.identifier, second.identifier) == ("CSTO-CRC-2026-00001", "CSTO-CRC-2026-00002")
    assert (first.state, first.msg_type, first.scope, first.tlp) == (
        "draft",
        "Alert",
        "Restricted",
        "AMBER",
    )
    assert first.restriction == "CSTO member states' competent authorities"
    assert (first.owner_agency, first.author) == (agency_crc, crc_officer)
    entry = AuditEvent.objects.filter(action="crisis.issued_alert.draft").first()
    assert entry is not None
    assert json.loads(entry.summary) == {
        "identifier": "CSTO-CRC-2026-00001",
        "msg_type": "Alert",
        "scope": "Restricted",
        "state": "draft",
        "tlp": "AMBER",
        "headline": "Threat of attacks along the Afghan–Tajik border",
        "references": None,
        "event": None,
    }


def test_the_drafter_cannot_approve_a_second_person_must(crc_officer, crc_duty):
    alert = draft(crc_officer)

    with pytest.raises(PermissionDenied, match="you drafted this alert: a second person"):
        services_alerts.approve_alert(acting_user=crc_officer, alert=alert)
    alert.refresh_from_db()
    assert (alert.state, alert.approved_by) == ("draft", None)

    services_alerts.approve_alert(acting_user=crc_duty, alert=alert)
    alert.refresh_from_db()
    assert (alert.state, alert.approved_by) == ("approved", crc_duty)


@pytest.mark.parametrize("persona", ["crc_viewer", "kz_analyst"])
def test_only_centre_editors_draft_and_approve(request, persona, crc_officer):
    user = request.getfixturevalue(persona)
    alert = draft(crc_officer)

    with pytest.raises(PermissionDenied, match="only the Crisis Response Centre manages this"):
        draft(user)
    with pytest.raises(PermissionDenied, match="only the Crisis Response Centre manages this"):
        services_alerts.approve_alert(acting_user=user, alert=alert)
    assert IssuedAlert.objects.count() == 1


def test_an_approver_must_see_the_draft(crc_officer, admin_user):
    # An administrator of another body edits, but does not see the Centre's AMBER draft.
    alert = draft(crc_officer)

    with pytest.raises(PermissionDenied, match="only another editor of the Centre may approve"):
        services_alerts.approve_alert(acting_user=admin_user, alert=alert)


def test_only_an_approved_alert_is_published(crc_officer):
    alert = draft(crc_officer)

    with pytest.raises(ValidationError, match="only an approved alert can be published"):
        services_alerts.publish_alert(acting_user=crc_officer, alert=alert)
    alert.refresh_from_db()
    assert (alert.state, alert.xml, alert.published_at) == ("draft", "", None)


def test_publication_freezes_valid_cap_xml_that_parses_back(published, state_kz, state_ru):
    published.refresh_from_db()
    assert (published.state, published.published_at) == ("published", NOW)
    cap_write.validate(published.xml)  # raises when invalid

    root = etree.fromstring(published.xml.encode())
    text = {
        tag: root.findtext(f"cap:{tag}", namespaces=CAP)
        for tag in (
            "identifier",
            "sender",
            "sent",
            "status",
            "msgType",
            "scope",
            "restriction",
            "code",
        )
    }
    assert text == {
        "identifier": "CSTO-CRC-2026-00001",
        "sender": "crc@concord.csto.invalid",
        "sent": "2026-11-29T10:00:00+00:00",
        "status": "Actual",
        "msgType": "Alert",
        "scope": "Restricted",
        "restriction": "CSTO member states' competent authorities",
        "code": "TLP:AMBER",
    }
    info = root.find("cap:info", CAP)
    assert [(child.tag.split("}")[1], child.text) for child in info if len(child) == 0] == [
        ("language", "ru-RU"),
        ("category", "Security"),
        ("event", "Terrorist threat"),
        ("urgency", "Expected"),
        ("severity", "Severe"),
        ("certainty", "Likely"),
        ("senderName", "CSTO Crisis Response Centre"),
        ("headline", "Threat of attacks along the Afghan–Tajik border"),
        ("description", "Armed groups are massing near the border."),
        ("instruction", "Raise the readiness of border units."),
    ]
    assert info.findtext("cap:area/cap:areaDesc", namespaces=CAP) == (
        "Northern Afghanistan: Badakhshan, Takhar, Kunduz"
    )
    assert [p.text for p in info.findall("cap:area/cap:polygon", CAP)] == [
        "36.2,66.5 36.2,71.6 38.5,71.6 38.5,66.5 36.2,66.5"
    ]
    # A Restricted alert is shared with every member state.
    assert sorted(published.shared_states.values_list("code", flat=True)) == ["KZ", "RU"]
    assert AuditEvent.objects.filter(action="crisis.issued_alert.publish").count() == 1


def test_an_update_references_the_earlier_alert(published, crc_officer, crc_duty):
    with time_machine.travel(datetime(2026, 11, 30, 8, 30, tzinfo=UTC), tick=False):
        update = services_alerts.update_or_cancel(
            acting_user=crc_duty,
            alert=published,
            msg_type="Update",
            headline="Attacks expected within 48 hours",
            urgency="Immediate",
        )
        services_alerts.approve_alert(acting_user=crc_officer, alert=update)
        services_alerts.publish_alert(acting_user=crc_officer, alert=update)

    update.refresh_from_db()
    assert (update.identifier, update.msg_type, update.references) == (
        "CSTO-CRC-2026-00002",
        "Update",
        published,
    )
    root = etree.fromstring(update.xml.encode())
    assert root.findtext("cap:references", namespaces=CAP) == (
        "crc@concord.csto.invalid,CSTO-CRC-2026-00001,2026-11-29T10:00:00+00:00"
    )
    assert root.findtext("cap:sent", namespaces=CAP) == "2026-11-30T08:30:00+00:00"
    assert root.findtext("cap:info/cap:headline", namespaces=CAP) == (
        "Attacks expected within 48 hours"
    )
    assert root.findtext("cap:info/cap:urgency", namespaces=CAP) == "Immediate"
    assert root.findtext("cap:info/cap:certainty", namespaces=CAP) == "Likely"  # copied
    cap_write.validate(update.xml)


def test_a_cancel_references_the_earlier_alert(published, crc_duty):
    cancel = services_alerts.update_or_cancel(
        acting_user=crc_duty, alert=published, msg_type="Cancel"
    )

    assert (cancel.msg_type, cancel.references, cancel.headline, cancel.state) == (
        "Cancel",
        published,
        published.headline,
        "draft",
    )


def test_an_update_must_reference_a_published_alert(crc_officer):
    earlier = draft(crc_officer)

    with pytest.raises(ValidationError, match="an Update must reference a published alert"):
        services_alerts.update_or_cancel(acting_user=crc_officer, alert=earlier)
    with pytest.raises(ValidationError, match="an Update must reference a published alert"):
        draft(crc_officer, msg_type="Update")
    assert IssuedAlert.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        pytest.param(
            {"restriction": "  "},
            "a Restricted alert needs a restriction text",
            id="restricted-without-restriction",
        ),
        pytest.param(
            {"scope": "Private", "tlp": "AMBER"},
            "a Private alert needs its addresses",
            id="private-without-addresses",
        ),
        pytest.param(
            {"tlp": "CLEAR"}, "a Restricted alert .* mark it TLP:AMBER", id="restricted-clear"
        ),
        pytest.param(
            {"scope": "Private", "addresses": "crc@mchs.ru", "tlp": "GREEN"},
            "a Private alert cannot be marked TLP:CLEAR or TLP:GREEN",
            id="private-green",
        ),
        pytest.param({"scope": "Secret"}, "scope 'Secret' is not one of CAP's values", id="scope"),
        pytest.param({"severity": "Huge"}, "severity 'Huge' is not one of CAP's", id="severity"),
        pytest.param({"category": "War"}, "category 'War' is not one of CAP's", id="category"),
        pytest.param({"headline": " "}, "the alert needs a headline", id="headline"),
        pytest.param(
            {"area": {"type": "Point", "coordinates": [68.0, 36.0]}},
            "the alert area must be a GeoJSON Polygon or MultiPolygon",
            id="point",
        ),
        pytest.param(
            {"area": {"type": "Polygon", "coordinates": [[[68, 36], [69, 36], [69, 37]]]}},
            "the alert area: a polygon needs at least 4 positions",
            id="open-ring",
        ),
        pytest.param(
            {
                "area": {
                    "type": "Polygon",
                    "coordinates": [[[68, 96], [69, 36], [69, 37], [68, 96]]],
                }
            },
            "the alert area: .*latitude 96 is out of range",
            id="latitude",
        ),
    ],
)
def test_a_bad_draft_is_refused(crc_officer, overrides, message):
    with pytest.raises(ValidationError, match=message):
        draft(crc_officer, **overrides)

    assert IssuedAlert.objects.count() == 0


def test_a_public_clear_alert_and_a_private_one(crc_officer, crc_duty, state_kz):
    public = draft(crc_officer, scope="Public", tlp=Tlp.CLEAR, restriction="ignored")
    private = draft(crc_officer, scope="Private", addresses="ops@mchs.kz ops@mchs.ru")
    for alert in (public, private):
        services_alerts.approve_alert(acting_user=crc_duty, alert=alert)
        services_alerts.publish_alert(acting_user=crc_duty, alert=alert)

    public.refresh_from_db()
    private.refresh_from_db()
    assert (public.restriction, public.shared_states.count()) == ("", 0)
    assert private.shared_states.count() == 0
    root = etree.fromstring(private.xml.encode())
    assert root.findtext("cap:addresses", namespaces=CAP) == "ops@mchs.kz ops@mchs.ru"
    assert root.find("cap:restriction", CAP) is None


def test_an_alert_that_does_not_validate_is_not_published(crc_officer, crc_duty):
    alert = draft(crc_officer, language="ru RU")  # not an xs:language
    services_alerts.approve_alert(acting_user=crc_duty, alert=alert)

    with pytest.raises(ValidationError, match=r"does not validate against CAP 1\.2 .*language"):
        services_alerts.publish_alert(acting_user=crc_duty, alert=alert)

    alert.refresh_from_db()
    assert (alert.state, alert.xml, alert.published_at) == ("approved", "", None)
    assert not AuditEvent.objects.filter(action="crisis.issued_alert.publish").exists()


def test_who_sees_the_centres_alerts(published, crc_officer, kz_analyst, ru_analyst):
    unpublished = draft(crc_officer, headline="Still a draft")

    def headlines(user):
        return sorted(a.headline for a in services_alerts.visible_issued_alerts(user))

    assert headlines(crc_officer) == ["Still a draft", published.headline]
    # A Restricted alert, once published, is shared with the member states: drafts are not.
    assert headlines(kz_analyst) == [published.headline]
    assert headlines(ru_analyst) == [published.headline]
    assert headlines(None) == []
    assert access.can_approve(kz_analyst, unpublished) is False
