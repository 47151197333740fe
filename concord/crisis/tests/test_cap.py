"""Reading CAP 1.2 messages: the real alerts, and every kind of bad input refused clearly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.utils import translation

from concord.crisis.cap import CapReference, parse_cap
from concord.crisis.records import ImportRefused
from concord.crisis.tests.conftest import DATA

CAP_DIR = DATA / "cap"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def read(name: str) -> bytes:
    return (CAP_DIR / name).read_bytes()


def refusal(data: bytes, name: str = "x.cap") -> list[str]:
    with pytest.raises(ImportRefused) as caught:
        parse_cap(data, filename=name)
    return [str(problem) for problem in caught.value.problems]


def test_canada_update_with_two_areas_and_two_languages():
    alert = parse_cap(read("canada.cap"), filename="canada.cap")
    assert alert.key == "cap@ec.gc.ca,2.49.0.1.124.6bddbc91.2012,2012-05-02T23:21:04-00:00"
    assert alert.sent_at == datetime(2012, 5, 2, 23, 21, 4, tzinfo=UTC)
    assert (alert.status, alert.msg_type, alert.scope) == ("Actual", "Update", "Public")
    assert alert.references == [
        CapReference("cap@ec.gc.ca", "2.49.0.1.124.a3f342a4.2012", "2012-05-02T21:45:05-00:00"),
        CapReference("cap@ec.gc.ca", "2.49.0.1.124.60f31a3a.2012", "2012-05-02T21:55:21-00:00"),
    ]
    assert [info.language for info in alert.infos] == ["en-CA", "fr-CA"]
    english = alert.infos[0]
    assert (english.category, english.event, english.urgency, english.severity) == (
        "Met",
        "thunderstorm",
        "Past",
        "Minor",
    )
    assert english.headline == "severe thunderstorm watch"
    assert english.expires == datetime(2012, 5, 3, 0, 20, tzinfo=UTC)
    assert english.event_codes == [("profile:CAP-CP:Event:0.4", "thunderstorm"), ("SAME", "SVA")]
    assert english.parameters[0] == ("layer:EC-MSC-SMC:1.0:Alert_Type", "watch")
    assert [area.area_desc for area in english.areas] == [
        "Windsor - Leamington - Essex County",
        "Chatham-Kent - Rondeau Park",
    ]
    assert [len(area.geocodes) for area in english.areas] == [10, 3]
    assert english.areas[0].polygons[0].startswith("42.3481,-82.9314 42.3363,-82.6937 ")
    assert alert.xml.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<alert xmlns=')


def test_the_cap_prefixed_australian_alert():
    alert = parse_cap(read("australia_bom.cap"), filename="australia_bom.cap")
    assert alert.identifier == "AusBoM-IDN21033-2019-01-16T03:15:58+00:00"
    assert alert.sender == "CAP.Message@bom.gov.au"
    assert alert.msg_type == "Alert"
    assert alert.source == "New South Wales, New South Wales Regional Office"
    (info,) = alert.infos
    assert (info.language, info.event, info.severity) == ("en-AU", "Thunderstorm", "Unknown")
    assert info.effective == datetime(2019, 1, 16, 3, 15, 52, tzinfo=UTC)
    (area,) = info.areas
    assert area.geocodes[0] == ("http://www.iso.org/iso/country_codes.html", "AU-NSW")
    assert len(area.geocodes) == 7
    assert area.polygons == []


def test_the_other_real_alerts():
    mexico = parse_cap(read("mexico.xml"), filename="mexico.xml")
    assert mexico.msg_type == "Update"
    assert mexico.sent_at.utcoffset() == timedelta(hours=-5)
    assert mexico.references == [
        CapReference("smn.cna.gob.mx", "avisossmn-ciclontropical-4061", "2018-10-20T04:15:00-05:00")
    ]
    assert mexico.infos[0].areas[0].area_desc == "Chis,Oax"
    philippines = parse_cap(read("ph.cap"), filename="ph.cap")
    assert (philippines.status, philippines.sender) == ("Test", "PAGASA-DOST")
    assert philippines.sent_at.tzinfo == timezone(timedelta(hours=8))
    iceland = parse_cap(read("iceland_met_office.cap"), filename="iceland_met_office.cap")
    assert [info.language for info in iceland.infos] == ["is-IS", "en-US"]
    assert iceland.infos[1].event == "Weather Warning: Wind"
    assert iceland.infos[1].onset == datetime(2021, 9, 12, 18, 0, tzinfo=UTC)


def test_a_cancel_without_info_is_valid():
    alert = parse_cap(read("no_info_tag.cap"), filename="no_info_tag.cap")
    assert alert.msg_type == "Cancel"
    assert alert.infos == []
    assert [r.key for r in alert.references] == [
        "AtHoc,1017033100951096-517189320160225203219800,2016-02-25T12:32:19-08:00"
    ]


def test_an_invalid_file_is_refused_with_the_validators_message_naming_scope():
    assert refusal(read("invalid.cap"), "invalid.cap") == [
        (
            "invalid.cap:9: invalid CAP 1.2: Element '{urn:oasis:names:tc:emergency:cap:1.2}info': "
            "This element is not expected. Expected is one of "
            "( {urn:oasis:names:tc:emergency:cap:1.2}source, "
            "{urn:oasis:names:tc:emergency:cap:1.2}scope )."
        )
    ]


def test_cap_1_1_is_refused():
    assert refusal(read("earthquake.cap"), "earthquake.cap") == [
        "earthquake.cap:3: CAP 1.1 is not accepted; send CAP 1.2"
    ]


def test_a_billion_laughs_is_refused():
    laughs = "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10))
    bomb = (
        '<?xml version="1.0"?>\n<!DOCTYPE alert [<!ENTITY lol0 "lol">' + laughs + "]>\n"
        '<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&lol9;</identifier>'
        "</alert>"
    ).encode()
    assert refusal(bomb, "bomb.cap") == [
        (
            "bomb.cap: a DOCTYPE (entity declarations) is not accepted: XML bombs are built that "
            "way, and the file needs none"
        )
    ]


def test_an_external_entity_is_refused():
    xxe = (
        b'<?xml version="1.0"?>\n<!DOCTYPE alert [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
        b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&x;</identifier></alert>'
    )
    assert refusal(xxe, "xxe.cap") == [
        (
            "xxe.cap: a DOCTYPE (entity declarations) is not accepted: XML bombs are built that "
            "way, and the file needs none"
        )
    ]
    # Also when the prolog hides it from a quick look (UTF-16): the parsed document is checked
    (problem,) = refusal(
        xxe.replace(b'"1.0"?>', b'"1.0" encoding="UTF-16"?>').decode().encode("utf-16"), "x16.cap"
    )
    assert problem.startswith("x16.cap")


def test_xml_that_is_not_well_formed_is_refused_with_its_line():
    (problem,) = refusal(b"<?xml version='1.0'?>\n<alert>\n<identifier>x</alert>", "broken.cap")
    assert problem.startswith("broken.cap:3: not well-formed XML: ")


def test_a_sent_without_offset_is_refused():
    data = read("australia_bom.cap").replace(
        b"<cap:sent>2019-01-16T03:15:58+00:00</cap:sent>",
        b"<cap:sent>2019-01-16T03:15:58</cap:sent>",
    )
    assert refusal(data, "au.cap") == [
        (
            "au.cap:5: sent: 2019-01-16T03:15:58 has no UTC offset "
            "(CAP writes e.g. 2025-01-15T06:00:00+05:00)"
        )
    ]


def test_an_update_with_empty_references_is_refused():
    data = read("mexico.xml").replace(
        b"<references>smn.cna.gob.mx,avisossmn-ciclontropical-4061,2018-10-20T04:15:00-05:00"
        b"</references>",
        b"<references></references>",
    )
    assert refusal(data, "mexico.xml") == [
        (
            "mexico.xml:10: references: an Update must name the message(s) it changes in "
            "references; it names none"
        )
    ]


def test_malformed_references_are_refused():
    data = read("no_info_tag.cap").replace(
        b"<references>AtHoc,1017033100951096-517189320160225203219800,2016-02-25T12:32:19-08:00",
        b"<references>AtHoc,1017033100951096-517189320160225203219800",
    )
    assert refusal(data, "cancel.cap") == [
        (
            "cancel.cap:1: references: 'AtHoc,1017033100951096-517189320160225203219800' is not a "
            "reference: CAP writes sender,identifier,sent (sent with its UTC offset)"
        )
    ]


def test_a_polygon_not_closed_is_refused_with_its_line():
    data = read("iceland_met_office.cap").replace(
        b"64.04,-22.04 64.09,-22.07 64.17,-22.04<", b"64.04,-22.04 64.09,-22.07<", 1
    )
    assert refusal(data, "is.cap") == [
        (
            "is.cap:41: polygon: the CAP polygon is not closed: it starts at 64.17,-22.04 and ends "
            "at 64.09,-22.07"
        )
    ]


def test_swapped_coordinates_are_refused():
    data = read("ph.cap").replace(
        b"21,120 21,130 5,130 5,121.5 9.5,113 15,113 21,120",
        b"120,21 130,21 130,5 121.5,5 113,9.5 113,15 120,21",
    )
    assert refusal(data, "ph.cap") == [
        (
            "ph.cap:2: polygon: pair 120,21: latitude 120 is out of range (-90…90) and the "
            "longitude would fit as a latitude: latitude and longitude swapped? CAP writes lat,lon."
        )
    ]


def test_a_file_that_is_not_cap_is_refused():
    assert refusal(b"<rss version='2.0'><channel/></rss>", "feed.xml") == [
        "feed.xml:1: not a CAP 1.2 alert: the root element is rss"
    ]
    assert refusal(b"  ", "empty.cap") == ["empty.cap: the file is empty"]
