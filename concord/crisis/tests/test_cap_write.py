"""CAP 1.2 written by the Centre (`cap_write.render`), checked against the OASIS schema
(`cap_write.validate`), and the Atom feed of published alerts (`cap_write.feed`)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from lxml import etree

from concord.crisis import cap_geometry, cap_write
from concord.crisis.models import IssuedAlert

SENT = datetime(2026, 11, 29, 10, 0, 0, 123456, tzinfo=UTC)
ATOM = {"atom": cap_write.ATOM_NS}


def alert(**fields: object) -> IssuedAlert:
    values: dict[str, object] = {
        "identifier": "CSTO-CRC-2026-00007",
        "msg_type": "Alert",
        "scope": "Restricted",
        "restriction": "CSTO member states' competent authorities",
        "category": "Security",
        "event_text": "Terrorist threat",
        "urgency": "Expected",
        "severity": "Severe",
        "certainty": "Likely",
        "headline": "Threat & warning <border>",
        "language": "ru-RU",
        "area_desc": "Kunduz",
        "area": None,
        "tlp": "AMBER",
        "state": "published",
        "published_at": SENT,
    }
    values.update(fields)
    return IssuedAlert(**values)


def test_render_writes_the_whole_message_in_schema_order(settings):
    settings.CRISIS_CAP_SENDER = "crc@odkb-csto.example"
    earlier = alert(
        identifier="CSTO-CRC-2026-00006", published_at=datetime(2026, 11, 28, 6, 30, tzinfo=UTC)
    )
    message = alert(
        msg_type="Update",
        references=earlier,
        description="Armed groups near the border.",
        instruction="Raise readiness.",
        area={
            "type": "MultiPolygon",
            "coordinates": [
                [[[68, 36], [69, 36], [69, 37], [68, 36]]],
                [[[70.25, 37.5], [71, 37.5], [71, 38], [70.25, 37.5]]],
            ],
        },
    )

    xml = cap_write.render(message)

    assert xml == (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        '<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">\n'
        "  <identifier>CSTO-CRC-2026-00007</identifier>\n"
        "  <sender>crc@odkb-csto.example</sender>\n"
        "  <sent>2026-11-29T10:00:00+00:00</sent>\n"
        "  <status>Actual</status>\n"
        "  <msgType>Update</msgType>\n"
        "  <scope>Restricted</scope>\n"
        "  <restriction>CSTO member states' competent authorities</restriction>\n"
        "  <code>TLP:AMBER</code>\n"
        "  <references>"
        "crc@odkb-csto.example,CSTO-CRC-2026-00006,2026-11-28T06:30:00+00:00"
        "</references>\n"
        "  <info>\n"
        "    <language>ru-RU</language>\n"
        "    <category>Security</category>\n"
        "    <event>Terrorist threat</event>\n"
        "    <urgency>Expected</urgency>\n"
        "    <severity>Severe</severity>\n"
        "    <certainty>Likely</certainty>\n"
        "    <senderName>CSTO Crisis Response Centre</senderName>\n"
        "    <headline>Threat &amp; warning &lt;border&gt;</headline>\n"
        "    <description>Armed groups near the border.</description>\n"
        "    <instruction>Raise readiness.</instruction>\n"
        "    <area>\n"
        "      <areaDesc>Kunduz</areaDesc>\n"
        "      <polygon>36,68 36,69 37,69 36,68</polygon>\n"
        "      <polygon>37.5,70.25 37.5,71 38,71 37.5,70.25</polygon>\n"
        "    </area>\n"
        "  </info>\n"
        "</alert>\n"
    )
    cap_write.validate(xml)


def test_polygons_go_back_to_the_same_geometry():
    area = {
        "type": "Polygon",
        "coordinates": [[[66.5, 36.2], [71.6, 36.2], [71.6, 38.5], [66.5, 38.5], [66.5, 36.2]]],
    }
    root = etree.fromstring(cap_write.render(alert(area=area)).encode())

    polygons = root.findall(".//{urn:oasis:names:tc:emergency:cap:1.2}polygon")

    assert [cap_geometry.cap_polygon_to_geojson(p.text) for p in polygons] == [area]


def test_a_private_alert_carries_addresses_and_no_restriction():
    root = etree.fromstring(
        cap_write.render(alert(scope="Private", restriction="", addresses="ops@mchs.kz")).encode()
    )

    ns = {"cap": cap_write.CAP_NS}
    assert root.findtext("cap:addresses", namespaces=ns) == "ops@mchs.kz"
    assert root.find("cap:restriction", ns) is None


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        pytest.param(
            b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>x</identifier>',
            "not well-formed XML",
            id="truncated",
        ),
        pytest.param(
            b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.1"/>',
            r"does not validate against CAP 1.2 \(line 1\): .*No matching global declaration",
            id="cap-1.1",
        ),
    ],
)
def test_validate_refuses_with_the_validators_message(xml, message):
    with pytest.raises(ValidationError, match=message):
        cap_write.validate(xml)


def test_validate_refuses_a_wrong_message_type():
    xml = cap_write.render(alert()).replace("<msgType>Alert</msgType>", "<msgType>Notice</msgType>")

    with pytest.raises(ValidationError, match=r"\(line 7\): .*msgType.*'Notice'"):
        cap_write.validate(xml)


def test_validate_does_not_expand_entities():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">'
        b"<identifier>&lol2;</identifier></alert>"
    )

    with pytest.raises(ValidationError, match="a CAP message may not have a DOCTYPE"):
        cap_write.validate(bomb)


@pytest.mark.django_db
def test_the_feed_links_each_alert_to_its_cap_xml(settings):
    settings.CONCORD_BASE_URL = "https://concord.example"
    first = alert(identifier="CSTO-CRC-2026-00001", published_at=datetime(2026, 11, 28, tzinfo=UTC))
    second = alert(
        identifier="CSTO-CRC-2026-00002",
        headline="Second",
        description="Details",
        msg_type="Update",
    )

    root = etree.fromstring(cap_write.feed([second, first]).encode())

    assert root.tag == f"{{{cap_write.ATOM_NS}}}feed"
    assert root.findtext("atom:updated", namespaces=ATOM) == "2026-11-29T10:00:00+00:00"
    assert root.find("atom:link[@rel='self']", ATOM).get("href") == (
        "https://concord.example/crisis/alerts/cap/feed.xml"
    )
    entries = [
        (
            e.findtext("atom:id", namespaces=ATOM),
            e.findtext("atom:title", namespaces=ATOM),
            e.findtext("atom:updated", namespaces=ATOM),
            e.find("atom:category", ATOM).get("term"),
            e.findtext("atom:summary", namespaces=ATOM),
            e.find("atom:link", ATOM).attrib,
        )
        for e in root.findall("atom:entry", ATOM)
    ]
    assert entries == [
        (
            "urn:concord:crisis:cap:CSTO-CRC-2026-00002",
            "Second",
            "2026-11-29T10:00:00+00:00",
            "Update",
            "Details",
            {
                "rel": "alternate",
                "type": "application/cap+xml",
                "href": "https://concord.example/crisis/alerts/cap/CSTO-CRC-2026-00002.xml",
            },
        ),
        (
            "urn:concord:crisis:cap:CSTO-CRC-2026-00001",
            "Threat & warning <border>",
            "2026-11-28T00:00:00+00:00",
            "Alert",
            None,
            {
                "rel": "alternate",
                "type": "application/cap+xml",
                "href": "https://concord.example/crisis/alerts/cap/CSTO-CRC-2026-00001.xml",
            },
        ),
    ]


@pytest.mark.django_db
def test_an_empty_feed_is_still_a_valid_atom_document():
    root = etree.fromstring(cap_write.feed([]).encode())

    assert root.findall("atom:entry", ATOM) == []
    assert (
        root.findtext("atom:title", namespaces=ATOM) == "Alerts of the CSTO Crisis Response Centre"
    )
