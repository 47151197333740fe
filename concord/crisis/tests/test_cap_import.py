"""Importing CAP alerts as events: Alerts create, Updates and Cancels change the same event,
re-imports change nothing, and a bad file in a batch writes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.utils import translation

from concord.crisis.cap_import import import_cap
from concord.crisis.models import CapMessage, Event
from concord.crisis.records import ImportRefused
from concord.crisis.tests.conftest import DATA

CAP_DIR = DATA / "cap"
VALID = (
    "australia_bom.cap",
    "canada.cap",
    "iceland_met_office.cap",
    "mexico.xml",
    "no_info_tag.cap",
    "ph.cap",
)
CANADA_ALERT_KEY = "cap@ec.gc.ca,2.49.0.1.124.a3f342a4.2012,2012-05-02T21:45:05-00:00"
MEXICO_ALERT_KEY = "smn.cna.gob.mx,avisossmn-ciclontropical-4061,2018-10-20T04:15:00-05:00"
ATHOC_ALERT_KEY = "AtHoc,1017033100951096-517189320160225203219800,2016-02-25T12:32:19-08:00"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def file(name: str) -> tuple[str, bytes]:
    return name, (CAP_DIR / name).read_bytes()


def canada_alert() -> tuple[str, bytes]:
    """The Alert that canada.cap (an Update) names first in its references."""
    data = (CAP_DIR / "canada.cap").read_bytes()
    for old, new in (
        (b"6bddbc91", b"a3f342a4"),
        (b"<sent>2012-05-02T23:21:04-00:00</sent>", b"<sent>2012-05-02T21:45:05-00:00</sent>"),
        (b"<msgType>Update</msgType>", b"<msgType>Alert</msgType>"),
        (b"<effective>2012-05-02T23:20:00-00:00", b"<effective>2012-05-02T21:45:00-00:00"),
        (b"<severity>Minor</severity>", b"<severity>Moderate</severity>"),
        (b"<urgency>Past</urgency>", b"<urgency>Immediate</urgency>"),
        (b"severe thunderstorm watch", b"severe thunderstorm warning"),
    ):
        data = data.replace(old, new)
    start, end = data.index(b"<references>"), data.index(b"</references>")
    return "canada-alert.cap", data[:start] + data[end + len(b"</references>") :]


def mexico_alert() -> tuple[str, bytes]:
    data = (CAP_DIR / "mexico.xml").read_bytes()
    for old, new in (
        (b"avisossmn-ciclontropical-4063", b"avisossmn-ciclontropical-4061"),
        (b"<sent>2018-10-20T07:15:00-05:00", b"<sent>2018-10-20T04:15:00-05:00"),
        (b"<msgType>Update</msgType>", b"<msgType>Alert</msgType>"),
        (b"<effective>2018-10-20T07:15:00-05:00", b"<effective>2018-10-20T04:15:00-05:00"),
        (b"SE LOCALIZA AL SUR DE CHIAPAS", b"SE FORMA AL SUR DE CHIAPAS"),
    ):
        data = data.replace(old, new)
    start, end = data.index(b"<references>"), data.index(b"</references>")
    return "mexico-alert.xml", data[:start] + data[end + len(b"</references>") :]


ATHOC_ALERT = b"""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>1017033100951096-517189320160225203219800</identifier>
  <sender>AtHoc</sender>
  <sent>2016-02-25T12:32:19-08:00</sent>
  <status>Actual</status>
  <msgType>Alert</msgType>
  <scope>Restricted</scope>
  <restriction>County emergency services</restriction>
  <info>
    <category>Safety</category>
    <event>Civil Emergency</event>
    <urgency>Immediate</urgency>
    <severity>Severe</severity>
    <certainty>Observed</certainty>
    <headline>Shelter in place</headline>
    <area>
      <areaDesc>Downtown</areaDesc>
      <circle>37.77,-122.42 5</circle>
    </area>
  </info>
</alert>
"""


def event_of(external_id: str) -> Event:
    return Event.objects.select_related("event_type").get(origin="cap", external_id=external_id)


@pytest.mark.parametrize(
    ("name", "external_id", "type_code", "severity", "exercise", "country", "precision"),
    [
        (
            "australia_bom.cap",
            ("CAP.Message@bom.gov.au,AusBoM-IDN21033-2019-01-16T03:15:58+00:00,"
            "2019-01-16T03:15:58+00:00"),
            "meteorological.thunderstorm", 3, False, "AUS", "unknown",
        ),
        (
            "iceland_met_office.cap",
            ("IMO-Icelandic_Met_Office,is-IMO-2a4c2db8-07fd-4a0f-b372-9667280d46d1,"
            "2021-09-10T13:30:26-00:00"),
            "wind.strongWind", 3, False, "", "area",
        ),
        (
            "ph.cap",
            "PAGASA-DOST,103ff55e-b538-49a2-a94a-64470ddea2cc,2014-11-03T14:57:33+08:00",
            "meteorological.tropicalStorm", 2, True, "", "area",
        ),
    ],
    ids=["australia", "iceland", "philippines"],
)  # fmt: skip
def test_an_alert_creates_one_event(
    crc_officer, name, external_id, type_code, severity, exercise, country, precision
):
    report = import_cap(files=[file(name)], acting_user=crc_officer)

    assert (report.created, report.updated, report.unchanged, report.cancelled) == (1, 0, 0, 0)
    assert report.unmatched_references == []
    event = event_of(external_id)
    assert report.event_ids == {external_id: event.pk}
    assert (event.event_type.code, event.severity, event.exercise, event.country) == (
        type_code,
        severity,
        exercise,
        country,
    )
    assert event.location_precision == precision
    assert event.tlp == "GREEN"
    assert event.owner_agency == crc_officer.agency
    (source,) = event.sources.all()
    assert (source.kind, source.name, source.reference) == (
        "feed",
        external_id.split(",")[0],
        external_id,
    )
    (message,) = CapMessage.objects.all()
    assert (message.event, message.msg_type) == (event, "Alert")


def test_the_icelandic_alert_in_detail(crc_officer):
    import_cap(files=[file("iceland_met_office.cap")], acting_user=crc_officer)

    event = Event.objects.get()
    # English is chosen over Icelandic (no Russian block)
    assert event.title == "Southeast gales"
    assert event.place_name == "Reykjavik - Capital Region"
    assert event.starts_at == datetime(2021, 9, 12, 18, 0, tzinfo=UTC)
    assert event.ends_at == datetime(2021, 9, 13, 10, 0, tzinfo=UTC)
    assert (event.urgency, event.certainty, event.severity) == ("Unknown", "Likely", 3)
    assert event.area == {
        "type": "Polygon",
        "coordinates": [
            [[-22.04, 64.17], [-21.7, 64.19], [-21.68, 64.15], [-21.78, 64.09],
             [-21.93, 64.05], [-22.04, 64.04], [-22.07, 64.09], [-22.04, 64.17]]
        ],
    }  # fmt: skip
    assert (event.latitude, event.longitude) == (64.122114, -21.894322)
    assert event.details["headlines"] == {"is-IS": "Hvöss suðaustanátt", "en-US": "Southeast gales"}
    assert event.details["parameters"] == [["Color", "Yellow"]]


def test_all_real_alerts_in_one_batch(crc_officer):
    report = import_cap(files=[file(name) for name in VALID], acting_user=crc_officer)

    # Australia, Iceland and the Philippines create their events; the Canadian and Mexican
    # Updates name alerts we do not hold, so they create the event under the first reference;
    # the Cancel names an alert we do not hold and carries no info: nothing to cancel.
    assert (report.created, report.updated, report.unchanged, report.cancelled) == (5, 0, 0, 0)
    assert report.unmatched_references == [CANADA_ALERT_KEY, ATHOC_ALERT_KEY, MEXICO_ALERT_KEY]
    assert Event.objects.count() == 5
    assert CapMessage.objects.count() == 6
    assert CapMessage.objects.get(sender="AtHoc").event is None
    canada = event_of(CANADA_ALERT_KEY)
    assert canada.area["type"] == "MultiPolygon"
    assert len(canada.area["coordinates"]) == 2
    assert canada.place_name == "Windsor - Leamington - Essex County; Chatham-Kent - Rondeau Park"
    assert (canada.latitude, canada.longitude) == (42.205575, -82.391125)
    assert canada.details["cap_message"] == (
        "cap@ec.gc.ca,2.49.0.1.124.6bddbc91.2012,2012-05-02T23:21:04-00:00"
    )


def test_re_importing_the_same_messages_changes_nothing(crc_officer):
    import_cap(files=[file(name) for name in VALID], acting_user=crc_officer)
    before = list(Event.objects.order_by("pk").values("pk", "updated_at", "title"))

    report = import_cap(files=[file(name) for name in VALID], acting_user=crc_officer)

    assert (report.created, report.updated, report.unchanged, report.cancelled) == (0, 0, 6, 0)
    assert len(report.event_ids) == 5
    assert list(Event.objects.order_by("pk").values("pk", "updated_at", "title")) == before
    assert CapMessage.objects.count() == 6


def test_the_canadian_update_changes_the_event_of_its_alert(crc_officer):
    first = import_cap(files=[canada_alert()], acting_user=crc_officer)
    assert (first.created, first.updated) == (1, 0)
    event = event_of(CANADA_ALERT_KEY)
    assert (event.title, event.severity, event.urgency) == (
        "severe thunderstorm warning",
        3,
        "Immediate",
    )

    second = import_cap(files=[file("canada.cap")], acting_user=crc_officer)

    assert (second.created, second.updated, second.unchanged, second.cancelled) == (0, 1, 0, 0)
    assert second.unmatched_references == []
    assert second.event_ids == {CANADA_ALERT_KEY: event.pk}
    event.refresh_from_db()
    assert Event.objects.count() == 1
    assert (event.title, event.severity, event.urgency, event.certainty) == (
        "severe thunderstorm watch",
        2,
        "Past",
        "Observed",
    )
    # The event began with the first alert
    assert event.starts_at == datetime(2012, 5, 2, 21, 45, tzinfo=UTC)
    assert event.ends_at == datetime(2012, 5, 3, 0, 20, tzinfo=UTC)
    assert list(event.cap_messages.order_by("sent_at").values_list("identifier", "msg_type")) == [
        ("2.49.0.1.124.a3f342a4.2012", "Alert"),
        ("2.49.0.1.124.6bddbc91.2012", "Update"),
    ]


def test_an_alert_and_its_update_in_one_batch_in_any_order(crc_officer):
    report = import_cap(files=[file("canada.cap"), canada_alert()], acting_user=crc_officer)

    assert (report.created, report.updated, report.unchanged) == (1, 0, 0)
    assert report.unmatched_references == []
    event = Event.objects.get()
    assert (event.external_id, event.title) == (CANADA_ALERT_KEY, "severe thunderstorm watch")
    assert event.cap_messages.count() == 2


def test_the_original_alert_after_its_update_changes_nothing(crc_officer):
    import_cap(files=[file("canada.cap")], acting_user=crc_officer)
    event = event_of(CANADA_ALERT_KEY)

    report = import_cap(files=[canada_alert()], acting_user=crc_officer)

    assert (report.created, report.updated, report.unchanged) == (0, 0, 1)
    event.refresh_from_db()
    assert event.title == "severe thunderstorm watch"
    assert event.cap_messages.count() == 2


def test_the_mexican_update(crc_officer):
    import_cap(files=[mexico_alert()], acting_user=crc_officer)
    event = event_of(MEXICO_ALERT_KEY)
    assert event.title == 'LA TORMENTA TROPICAL "VICENTE" SE FORMA AL SUR DE CHIAPAS'
    assert event.event_type.code == "meteorological.tropicalStorm"

    report = import_cap(files=[file("mexico.xml")], acting_user=crc_officer)

    assert (report.created, report.updated) == (0, 1)
    event.refresh_from_db()
    assert event.title == 'LA TORMENTA TROPICAL "VICENTE" SE LOCALIZA AL SUR DE CHIAPAS'
    assert event.place_name == "Chis,Oax"
    assert (event.latitude, event.longitude) == (16.936393, -94.262415)
    assert Event.objects.count() == 1


def test_a_cancel_without_info_cancels_the_event(crc_officer):
    created = import_cap(files=[("athoc.cap", ATHOC_ALERT)], acting_user=crc_officer)
    assert created.created == 1
    event = event_of(ATHOC_ALERT_KEY)
    assert (event.event_type.code, event.severity, event.tlp) == ("civil.emergency", 4, "AMBER")
    assert event.area["type"] == "Polygon"
    assert event.details["circles"] == ["37.77,-122.42 5"]
    assert event.details["restriction"] == "County emergency services"

    report = import_cap(files=[file("no_info_tag.cap")], acting_user=crc_officer)

    assert (report.created, report.updated, report.unchanged, report.cancelled) == (0, 0, 0, 1)
    event.refresh_from_db()
    assert event.cancelled_at is not None
    assert (event.title, event.severity) == ("Shelter in place", 4)
    assert Event.objects.current().count() == 0
    cancel = CapMessage.objects.get(msg_type="Cancel")
    assert cancel.event == event
    assert cancel.references == ATHOC_ALERT_KEY


def test_a_bad_file_in_a_batch_writes_nothing(crc_officer):
    files = [file("australia_bom.cap"), file("iceland_met_office.cap"), file("invalid.cap")]

    with pytest.raises(ImportRefused) as refused:
        import_cap(files=files, acting_user=crc_officer)

    assert [str(p) for p in refused.value.problems] == [
        (
            "invalid.cap:9: invalid CAP 1.2: Element '{urn:oasis:names:tc:emergency:cap:1.2}info': "
            "This element is not expected. Expected is one of ( "
            "{urn:oasis:names:tc:emergency:cap:1.2}source, "
            "{urn:oasis:names:tc:emergency:cap:1.2}scope )."
        )
    ]
    assert Event.objects.count() == 0
    assert CapMessage.objects.count() == 0


def test_cap_1_1_in_a_batch_is_refused_by_name(crc_officer):
    with pytest.raises(
        ImportRefused, match=r"earthquake.cap:3: CAP 1.1 is not accepted; send CAP 1.2"
    ):
        import_cap(files=[file("ph.cap"), file("earthquake.cap")], acting_user=crc_officer)
    assert Event.objects.count() == 0


def test_a_dry_run_stores_nothing(crc_officer):
    report = import_cap(files=[file(name) for name in VALID], acting_user=crc_officer, dry_run=True)

    assert (report.created, report.updated, report.unchanged) == (5, 0, 0)
    assert Event.objects.count() == 0
    assert CapMessage.objects.count() == 0


def test_a_different_message_under_a_stored_key_is_refused(crc_officer):
    import_cap(files=[file("ph.cap")], acting_user=crc_officer)
    changed = file("ph.cap")[1].replace(b"Typhoon Paeng", b"Typhoon Queenie")

    with pytest.raises(ImportRefused, match="a different message with the same sender"):
        import_cap(files=[("ph2.cap", changed)], acting_user=crc_officer)
    assert Event.objects.get().title == "Tropical Cyclone Alert : Typhoon Paeng  [TEST]"


def test_a_marking_given_for_the_import_applies(crc_officer):
    import_cap(files=[file("ph.cap")], acting_user=crc_officer, tlp="AMBER")

    assert Event.objects.get().tlp == "AMBER"
