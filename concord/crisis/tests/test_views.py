"""Event pages: the Centre's dashboard, the list with its filters, an event's page, and the
forms that record and correct events, add sources with figures, attach files and verify —
each for the personas who may, and may not, use it."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

import lxml.html
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from concord.core.markings import Tlp
from concord.core.models import AuditEvent
from concord.core.tests.matrix import Endpoint, assert_matrix
from concord.crisis.models import (
    Event,
    EventAttachment,
    EventFigure,
    EventSource,
    EventType,
    Region,
    RegionMembership,
)
from concord.crisis.tests.factories import EventFactory

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def html(response) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(response.content.decode())


def text(tree: lxml.html.HtmlElement, xpath: str) -> str:
    """The whitespace-normalised text of the one element at `xpath`."""
    (node,) = tree.xpath(xpath)
    return " ".join(node.text_content().split())


def listed_uids(response) -> list[str]:
    return [
        row.get("data-uid") for row in html(response).xpath('//*[@id="events"]/tbody/tr[@data-uid]')
    ]


# --- the list ------------------------------------------------------------------------------------


def test_list_shows_a_green_event_to_another_state_but_not_an_amber_one(
    client_for, kz_analyst, ru_analyst
):
    green = EventFactory(author=kz_analyst, title="Flash flood in Kunduz", tlp=Tlp.GREEN)
    EventFactory(author=kz_analyst, title="Shooting at the border post", tlp=Tlp.AMBER)

    response = client_for(ru_analyst).get(reverse("crisis:events"), **EN)

    assert response.status_code == 200
    assert listed_uids(response) == [str(green.uid)]
    page = response.content.decode()
    assert "Flash flood in Kunduz" in page
    assert "Shooting at the border post" not in page
    assert text(html(response), '//*[@id="events-count"]') == "1 event"


def test_list_shows_both_to_the_owner_newest_first(client_for, kz_analyst):
    older = EventFactory(
        author=kz_analyst, tlp=Tlp.GREEN, starts_at=datetime(2025, 1, 10, tzinfo=UTC)
    )
    newer = EventFactory(
        author=kz_analyst, tlp=Tlp.AMBER, starts_at=datetime(2025, 1, 20, tzinfo=UTC)
    )
    response = client_for(kz_analyst).get(reverse("crisis:events"), **EN)
    assert listed_uids(response) == [str(newer.uid), str(older.uid)]
    assert text(html(response), '//*[@id="events-count"]') == "2 events"


def test_list_filters_by_type_severity_and_date(client_for, kz_analyst):
    earthquake = EventType.objects.get(code="geophysical.earthquake")
    quake = EventFactory(
        author=kz_analyst,
        event_type=earthquake,
        severity=4,
        starts_at=datetime(2025, 2, 3, 12, 0, tzinfo=UTC),
    )
    in_range = datetime(2025, 2, 2, tzinfo=UTC)
    EventFactory(author=kz_analyst, event_type=earthquake, severity=2, starts_at=in_range)
    EventFactory(author=kz_analyst, severity=5, starts_at=in_range)  # another type
    EventFactory(
        author=kz_analyst,
        event_type=earthquake,
        severity=5,
        starts_at=datetime(2025, 2, 4, 0, 0, tzinfo=UTC),  # after `until`'s day
    )
    response = client_for(kz_analyst).get(
        reverse("crisis:events"),
        {"type": "geophysical", "min_severity": "4", "since": "2025-02-01", "until": "2025-02-03"},
        **EN,
    )
    assert response.status_code == 200
    assert listed_uids(response) == [str(quake.uid)]


def test_a_bad_filter_is_explained_and_lists_nothing(client_for, kz_analyst):
    EventFactory(author=kz_analyst)
    response = client_for(kz_analyst).get(reverse("crisis:events"), {"bbox": "60,30,70"}, **EN)
    assert response.status_code == 400
    assert listed_uids(response) == []
    assert text(html(response), '//*[@id="events-table"]//ul[@class="messages"]/li') == (
        "bbox must be four numbers west,south,east,north; got '60,30,70'"
    )


def test_an_htmx_request_gets_only_the_table(client_for, kz_analyst):
    event = EventFactory(author=kz_analyst)
    response = client_for(kz_analyst).get(
        reverse("crisis:events"), {"q": "Event"}, HTTP_HX_REQUEST="true", **EN
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="events-table">')
    assert "<html" not in body
    assert listed_uids(response) == [str(event.uid)]


def test_the_list_is_paginated_and_keeps_its_filter(client_for, kz_analyst):
    base = datetime(2025, 3, 1, tzinfo=UTC)
    events = [
        EventFactory(author=kz_analyst, starts_at=base + timedelta(hours=n)) for n in range(51)
    ]
    client = client_for(kz_analyst)
    first = client.get(reverse("crisis:events"), {"min_severity": "3"}, **EN)
    assert len(listed_uids(first)) == 50
    (next_link,) = html(first).xpath('//nav[@class="pager"]/a')
    assert next_link.get("href") == "?min_severity=3&page=2"
    second = client.get(reverse("crisis:events"), {"min_severity": "3", "page": "2"}, **EN)
    assert listed_uids(second) == [str(events[0].uid)]  # the oldest, last
    assert text(html(second), '//nav[@class="pager"]/span') == "page 2 of 2"


# --- the dashboard -------------------------------------------------------------------------------


def test_home_lists_recent_visible_events_and_counts_by_type(client_for, kz_analyst, ru_analyst):
    now = timezone.now()
    quake = EventType.objects.get(code="geophysical.earthquake")
    EventFactory(author=kz_analyst, tlp=Tlp.GREEN, starts_at=now - timedelta(days=2))
    EventFactory(author=kz_analyst, tlp=Tlp.GREEN, starts_at=now - timedelta(days=3))
    EventFactory(
        author=kz_analyst, tlp=Tlp.GREEN, event_type=quake, starts_at=now - timedelta(days=1)
    )
    EventFactory(author=kz_analyst, tlp=Tlp.GREEN, starts_at=now - timedelta(days=45))  # older
    hidden = EventFactory(author=kz_analyst, tlp=Tlp.AMBER, starts_at=now)

    response = client_for(ru_analyst).get(reverse("crisis:home"), **EN)

    assert response.status_code == 200
    tree = html(response)
    assert len(tree.xpath('//*[@id="recent"]//li[@data-uid]')) == 4
    assert str(hidden.uid) not in response.content.decode()
    counts = [
        (row.get("data-type"), row.xpath('td[@class="num"]')[0].text)
        for row in tree.xpath('//*[@id="counts"]//tbody/tr[@data-type]')
    ]
    assert counts == [("acled.battles", "2"), ("geophysical.earthquake", "1")]
    assert text(tree, '//*[@id="count-total"]') == "3"
    links = {a.get("href") for a in tree.xpath('//*[@id="sections"]//a')}
    assert {reverse("crisis:map"), reverse("crisis:events"), reverse("crisis:event_new")} <= links


# --- one event -----------------------------------------------------------------------------------


@pytest.fixture
def reported(kz_analyst) -> Event:
    """A KZ event with two sources, figures, a region and an attachment."""
    event = EventFactory(
        author=kz_analyst,
        title="Clash near Imam Sahib",
        tlp=Tlp.AMBER,
        exercise=True,
        admin2_pcode="AF1703",
        admin2_name="Imam Sahib",
        place_name="Shir Khan Bandar",
        actor1="Border guards",
        actor2="Armed group",
        severity=4,
        urgency="Past",
        certainty="Observed",
        start_precision="hour",
        starts_at=datetime(2025, 1, 15, 6, 40, tzinfo=UTC),
        border_distance_km=12.345,
    )
    national = EventSource.objects.create(event=event, kind="national", name="KNB report 17")
    EventFigure.objects.create(source=national, figure="dead", best=3)
    EventFigure.objects.create(source=national, figure="injured", low=4, best=5, high=7)
    press = EventSource.objects.create(event=event, kind="open", name="Regional press")
    EventFigure.objects.create(source=press, figure="dead", low=2, best=4, high=6)
    region = Region.objects.create(
        slug="north-afghanistan",
        name_en="Northern Afghanistan",
        name_ru="Северный Афганистан",
        kind=Region.Kind.ADMIN_AREAS,
        created_by=kz_analyst,
    )
    RegionMembership.objects.create(region=region, event=event)
    EventAttachment.objects.create(
        event=event,
        filename="report.txt",
        content_type="text/plain",
        size=5,
        sha256=hashlib.sha256(b"hello").hexdigest(),
        content=b"hello",
        uploaded_by=kz_analyst,
    )
    return event


def test_event_page_shows_place_figures_per_source_and_audience(client_for, kz_analyst, reported):
    response = client_for(kz_analyst).get(reverse("crisis:event", args=[reported.uid]), **EN)

    assert response.status_code == 200
    tree = html(response)
    assert text(tree, "//main//h1") == "TLP:AMBER Clash near Imam Sahib EXERCISE"
    assert text(tree, '//*[@id="type"]') == "Battles acled.battles"
    assert text(tree, '//*[@id="start"]') == "15.01.2025 06:00 UTC (to the hour)"
    assert text(tree, '//*[@id="severity"]') == "4 / 5"
    assert text(tree, '//*[@id="urgency"]') == "past"
    assert text(tree, '//*[@id="certainty"]') == "observed"
    assert text(tree, '//*[@id="verification"]') == "unverified"
    assert text(tree, '//*[@id="actors"]') == "Border guards — Armed group"
    assert text(tree, '//*[@id="admin1"]') == "Kunduz AF19"
    assert text(tree, '//*[@id="admin2"]') == "Imam Sahib AF1703"
    assert text(tree, '//*[@id="place-name"]') == "Shir Khan Bandar"
    assert text(tree, '//*[@id="coordinates"]') == "36.73000, 68.86000 (exact location)"
    assert text(tree, '//*[@id="regions"]') == "Northern Afghanistan"
    assert text(tree, '//*[@id="border-distance"]') == "12.3 km"
    figures = [
        [" ".join(td.text_content().split()) for td in row.xpath("td")]
        for row in tree.xpath('//*[@id="figures"]//tbody/tr')
    ]
    assert figures == [
        ["KNB report 17", "national report", "dead", "—", "3", "—"],
        ["KNB report 17", "national report", "injured", "4", "5", "7"],
        ["Regional press", "open source", "dead", "2", "4", "6"],
    ]
    (download,) = tree.xpath('//*[@id="attachments"]//a')
    assert download.text == "report.txt"
    audience = [
        (r.get("data-kind"), r.get("data-code")) for r in tree.xpath('//*[@id="audience"]//tr')
    ]
    assert audience == [
        (None, None),
        ("state", "KZ"),
        ("agency", "KZ-KNB"),
        ("user", "kz-analyst"),
    ]
    assert tree.xpath('//*[@id="edit-link"]')
    assert tree.xpath('//*[@id="source-form"]')


def test_an_unseen_event_is_404(client_for, ru_analyst, reported):
    client = client_for(ru_analyst)
    assert client.get(reverse("crisis:event", args=[reported.uid]), **EN).status_code == 404
    attachment = reported.attachments.get()
    url = reverse("crisis:event_attachment", args=[reported.uid, attachment.pk])
    assert client.get(url, **EN).status_code == 404


def test_attachment_downloads_as_a_file(client_for, kz_analyst, reported):
    attachment = reported.attachments.get()
    url = reverse("crisis:event_attachment", args=[reported.uid, attachment.pk])
    response = client_for(kz_analyst).get(url, **EN)
    assert response.status_code == 200
    assert response.content == b"hello"
    assert response["Content-Type"] == "text/plain"
    assert response["Content-Disposition"] == 'attachment; filename="report.txt"'


# --- recording and correcting --------------------------------------------------------------------

FORM = {
    "title": "Mudflow on the Pyanj road",
    "event_type": "geophysical.landslide",
    "starts_at": "2025-04-02T05:30",
    "start_precision": "minute",
    "country": "tjk",
    "admin1_name": "Khatlon",
    "place_name": "Panj",
    "latitude": "37.236",
    "longitude": "69.099",
    "location_precision": "near",
    "severity": "3",
    "urgency": "Immediate",
    "certainty": "Observed",
    "tlp": "AMBER",
}


def test_an_analyst_records_an_amber_event_for_their_agency(client_for, kz_analyst, agency_kz):
    response = client_for(kz_analyst).post(reverse("crisis:event_new"), FORM, **EN)

    event = Event.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("crisis:event", args=[event.uid])
    assert event.title == "Mudflow on the Pyanj road"
    assert event.event_type.code == "geophysical.landslide"
    assert event.starts_at == datetime(2025, 4, 2, 5, 30, tzinfo=UTC)
    assert event.country == "TJK"
    assert (event.latitude, event.longitude) == (37.236, 69.099)
    assert event.tlp == Tlp.AMBER
    assert event.owner_agency == agency_kz
    assert event.author == kz_analyst
    assert event.origin == "manual"
    assert AuditEvent.objects.filter(action="crisis.event.create").count() == 1


def test_a_bad_form_is_refused_with_its_reasons(client_for, kz_analyst):
    data = FORM | {"latitude": "95", "country": "XXX", "event_type": "nope"}
    response = client_for(kz_analyst).post(reverse("crisis:event_new"), data, **EN)
    assert response.status_code == 400
    tree = html(response)
    errors = [
        " ".join(li.text_content().split())
        for li in tree.xpath('//ul[contains(@class, "errorlist")]/li')
    ]
    assert errors == [
        "Select a valid choice. nope is not one of the available choices.",
        "XXX is not an ISO 3166-1 alpha-3 country code",
        "Ensure this value is less than or equal to 90.0.",
    ]
    assert Event.objects.count() == 0


def test_the_type_select_is_indented_by_depth(client_for, kz_analyst):
    response = client_for(kz_analyst).get(reverse("crisis:event_new"), **EN)
    tree = html(response)
    options = {o.get("value"): o.text for o in tree.xpath('//*[@id="id_event_type"]/option')}
    assert options["geophysical"] == "Geophysical"
    assert options["geophysical.earthquake"] == "\u00a0\u00a0Earthquake"


def test_editing_another_agencys_event_is_403_and_changes_nothing(
    client_for, kz_analyst, ru_analyst
):
    event = EventFactory(author=kz_analyst, title="Shared flood", tlp=Tlp.GREEN, severity=2)
    url = reverse("crisis:event_edit", args=[event.uid])
    client = client_for(ru_analyst)
    assert client.get(url, **EN).status_code == 403
    response = client.post(url, FORM | {"title": "Taken over", "severity": "5"}, **EN)
    assert response.status_code == 403
    event.refresh_from_db()
    assert (event.title, event.severity) == ("Shared flood", 2)


def test_the_owner_agency_corrects_an_event(client_for, kz_analyst, kz_coordinator):
    event = EventFactory(author=kz_analyst, title="Clash", tlp=Tlp.AMBER)
    client = client_for(kz_coordinator)
    url = reverse("crisis:event_edit", args=[event.uid])
    form = html(client.get(url, **EN))
    assert form.xpath('//*[@id="id_title"]')[0].get("value") == "Clash"
    assert form.xpath('//*[@id="id_starts_at"]')[0].get("value") == "2025-01-15T06:00"

    data = {
        "title": "Clash at Sherkhan Bandar",
        "event_type": "acled.battles",
        "starts_at": "2025-01-15T06:00",
        "start_precision": "day",
        "country": "AFG",
        "admin1_pcode": "AF19",
        "admin1_name": "Kunduz",
        "latitude": "36.73",
        "longitude": "68.86",
        "location_precision": "exact",
        "severity": "5",
        "urgency": "Unknown",
        "certainty": "Unknown",
        "tlp": "AMBER",
    }
    response = client.post(url, data, **EN)
    assert response.status_code == 302
    event.refresh_from_db()
    assert (event.title, event.severity) == ("Clash at Sherkhan Bandar", 5)
    (record,) = AuditEvent.objects.filter(action="crisis.event.update")
    assert json.loads(record.summary)["after"] == {
        "title": "Clash at Sherkhan Bandar",
        "severity": 5,
    }


def test_a_source_with_figures_is_added(client_for, kz_analyst):
    event = EventFactory(author=kz_analyst)
    data = {
        "kind": "open",
        "name": "Regional press",
        "url": "https://press.example/clash",
        "dead_low": "2",
        "dead_best": "3",
        "dead_high": "5",
        "displaced_best": "120",
    }
    response = client_for(kz_analyst).post(
        reverse("crisis:event_source_add", args=[event.uid]), data, **EN
    )
    assert response.status_code == 302
    source = EventSource.objects.get(event=event)
    assert (source.kind, source.name, source.url) == (
        "open",
        "Regional press",
        "https://press.example/clash",
    )
    assert list(source.figures.values_list("figure", "low", "best", "high")) == [
        ("dead", 2, 3, 5),
        ("displaced", None, 120, None),
    ]


def test_figures_out_of_order_are_refused(client_for, kz_analyst):
    event = EventFactory(author=kz_analyst)
    client = client_for(kz_analyst)
    data = {"kind": "open", "name": "Press", "dead_low": "9", "dead_best": "3"}
    response = client.post(
        reverse("crisis:event_source_add", args=[event.uid]), data, follow=True, **EN
    )
    assert EventSource.objects.count() == 0
    messages = [str(m) for m in response.context["messages"]]
    assert messages == ["dead: low ≤ best ≤ high is not true of 9 / 3 / —"]


def test_a_file_is_attached(client_for, kz_analyst):
    event = EventFactory(author=kz_analyst)
    content = b"\xff\xd8\xff\xe0 not really a photo"
    upload = SimpleUploadedFile("photo.jpg", content)
    response = client_for(kz_analyst).post(
        reverse("crisis:event_attachment_add", args=[event.uid]), {"file": upload}, **EN
    )
    assert response.status_code == 302
    attachment = EventAttachment.objects.get(event=event)
    assert (attachment.filename, attachment.content_type, attachment.size) == (
        "photo.jpg",
        "image/jpeg",
        23,
    )
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()


def test_another_agency_cannot_add_sources_or_files(client_for, kz_analyst, ru_analyst):
    event = EventFactory(author=kz_analyst, tlp=Tlp.GREEN)
    client = client_for(ru_analyst)
    source = client.post(
        reverse("crisis:event_source_add", args=[event.uid]),
        {"kind": "open", "name": "Press"},
        **EN,
    )
    upload = SimpleUploadedFile("a.txt", b"data")
    attach = client.post(
        reverse("crisis:event_attachment_add", args=[event.uid]), {"file": upload}, **EN
    )
    assert (source.status_code, attach.status_code) == (403, 403)
    assert (EventSource.objects.count(), EventAttachment.objects.count()) == (0, 0)


def test_the_centre_verifies_another_agencys_event(client_for, kz_analyst, ru_analyst, crc_duty):
    event = EventFactory(author=kz_analyst, tlp=Tlp.GREEN)
    url = reverse("crisis:event_verify", args=[event.uid])
    refused = client_for(ru_analyst).post(url, {"verification": "confirmed"}, **EN)
    assert refused.status_code == 403
    event.refresh_from_db()
    assert event.verification == "unverified"

    response = client_for(crc_duty).post(
        url, {"verification": "confirmed", "note": "two sources agree"}, **EN
    )
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.verification == "confirmed"
    (record,) = AuditEvent.objects.filter(action="crisis.event.verify")
    assert json.loads(record.summary)["note"] == "two sources agree"


# --- the authorization matrix --------------------------------------------------------------------


def test_authorization_matrix(personas, client_for, kz_analyst):
    amber = EventFactory(author=kz_analyst, tlp=Tlp.AMBER)
    green = EventFactory(author=kz_analyst, tlp=Tlp.GREEN)
    signed_in = {"anonymous": 302}
    assert_matrix(
        personas,
        client_for,
        [
            Endpoint("GET", reverse("crisis:home"), signed_in),
            Endpoint("GET", reverse("crisis:events"), signed_in),
            Endpoint("GET", reverse("crisis:map"), signed_in),
            # Editors record events; an administrator's role does not.
            Endpoint("GET", reverse("crisis:event_new"), {"anonymous": 302, "admin": 403}),
            Endpoint(
                "GET",
                reverse("crisis:event", args=[amber.uid]),
                {"anonymous": 302, "ru_analyst": 404, "secretariat": 404, "admin": 404},
            ),
            Endpoint(
                "GET",
                reverse("crisis:event_edit", args=[green.uid]),
                {"anonymous": 302, "ru_analyst": 403, "secretariat": 403, "admin": 403},
            ),
            Endpoint(
                "POST",
                reverse("crisis:event_new"),
                {"anonymous": 302, "admin": 403},
                default=400,
                data={"title": ""},
                json_body=False,
            ),
        ],
    )
