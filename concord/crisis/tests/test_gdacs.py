"""Importing the GDACS RSS feed: one event per GDACS event, updated by later episodes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.utils import translation

from concord.crisis.gdacs import import_gdacs, parse_gdacs
from concord.crisis.models import Event
from concord.crisis.records import ImportRefused
from concord.crisis.tests.conftest import DATA

GDACS_DIR = DATA / "gdacs"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def feed(name: str) -> tuple[str, bytes]:
    return name, (GDACS_DIR / name).read_bytes()


def later_episode() -> tuple[str, bytes]:
    """gdacs-1.xml with CALVINIA-19 at a later, Orange episode."""
    data = (GDACS_DIR / "gdacs-1.xml").read_bytes()
    start = data.index(b"<item>")
    end = data.index(b"</item>", start)
    item = data[start:end]
    for old, new in (
        (b"<gdacs:episodeid>1</gdacs:episodeid>", b"<gdacs:episodeid>2</gdacs:episodeid>"),
        (
            b"<gdacs:alertlevel>Green</gdacs:alertlevel>",
            b"<gdacs:alertlevel>Orange</gdacs:alertlevel>",
        ),
        (b'unit="Pop74" value="0">', b'unit="Pop74" value="125000">'),
        (b"wind speeds or higher is 0<", b"wind speeds or higher is 125000<"),
        (
            b"<gdacs:todate>Sun, 29 Dec 2019 12:00:00 GMT",
            b"<gdacs:todate>Mon, 30 Dec 2019 06:00:00 GMT",
        ),
    ):
        assert old in item
        item = item.replace(old, new)
    return "gdacs-later.xml", data[:start] + item + data[end:]


@pytest.mark.parametrize(("name", "count"), [("gdacs-rss.xml", 16), ("gdacs-1.xml", 4)])
def test_every_item_of_a_feed_is_read(name, count):
    items = parse_gdacs(feed(name)[1], filename=name)
    assert len(items) == count


def test_the_first_feed_imports_sixteen_events(crc_officer):
    report = import_gdacs(files=[feed("gdacs-rss.xml")], acting_user=crc_officer)

    assert (report.created, report.updated, report.unchanged, report.cancelled) == (16, 0, 0, 0)
    assert Event.objects.filter(origin="gdacs").count() == 16
    assert set(Event.objects.values_list("event_type__code", flat=True)) == {
        "meteorological.tropicalStorm",
        "geophysical.earthquake",
        "meteorological.drought",
    }
    assert sorted(Event.objects.values_list("severity", flat=True)) == [2] * 8 + [4] * 8


def test_the_second_feed_imports_four_events(crc_officer):
    report = import_gdacs(files=[feed("gdacs-1.xml")], acting_user=crc_officer)

    assert (report.created, report.updated, report.unchanged) == (4, 0, 0)
    assert sorted(report.event_ids) == ["DR1013588", "DR1013682", "EQ1199929", "TC1000643"]


def test_a_known_cyclone_in_detail(crc_officer):
    import_gdacs(files=[feed("gdacs-rss.xml")], acting_user=crc_officer)

    event = Event.objects.get(origin="gdacs", external_id="TC1000641")
    assert event.title == (
        "Orange alert for tropical cyclone PHANFONE-19. Population affected by Category 1 "
        "(120 km/h) wind speeds or higher is 0.795 million."
    )
    assert event.event_type.code == "meteorological.tropicalStorm"
    assert event.severity == 4
    assert (event.country, event.place_name) == ("PHL", "Philippines")
    assert (event.latitude, event.longitude) == (14.6, 112.1)
    assert event.starts_at == datetime(2019, 12, 21, 18, 0, tzinfo=UTC)
    assert event.ends_at == datetime(2019, 12, 28, 18, 0, tzinfo=UTC)
    assert event.tlp == "GREEN"
    assert event.details["alert_level"] == "Orange"
    assert event.details["episode_id"] == 29
    assert event.details["population"] == {
        "value": "4476940",
        "unit": "Pop74",
        "text": (
            "Population affected by Category 1 (120 km/h) wind speeds or higher is 4.477 million"
        ),
    }
    assert event.details["severity"] == {
        "value": "175.9248",
        "unit": "km/h",
        "text": "Tropical Depression (maximum wind speed of 46 km/h)",
    }
    assert event.details["bbox"] == [
        113.731183749581,
        139.731183749581,
        -1.79240103309317,
        24.2075989669068,
    ]
    (source,) = event.sources.all()
    assert (source.kind, source.name, source.url) == (
        "international",
        "GDACS",
        "http://www.gdacs.org/report.aspx?eventtype=TC&eventid=1000641",
    )
    assert list(source.figures.values_list("figure", "low", "best", "high")) == [
        ("affected", None, 4476940, None)
    ]


def test_an_earthquake_keeps_exposure_out_of_its_figures(crc_officer):
    import_gdacs(files=[feed("gdacs-1.xml")], acting_user=crc_officer)

    event = Event.objects.get(external_id="EQ1199929")
    assert (event.severity, event.country, event.location_precision) == (2, "ZAF", "exact")
    assert event.details["severity"]["text"] == "Magnitude 5.5M, Depth:10km"
    assert event.details["population"]["text"] == "No people within 100km"
    assert event.area == {
        "type": "Polygon",
        "coordinates": [
            [[33.087, -48.5653], [41.087, -48.5653], [41.087, -40.5653], [33.087, -40.5653],
             [33.087, -48.5653]]
        ],
    }  # fmt: skip
    assert not event.sources.get().figures.exists()


def test_a_later_episode_updates_the_same_event(crc_officer):
    import_gdacs(files=[feed("gdacs-1.xml")], acting_user=crc_officer)
    event = Event.objects.get(external_id="TC1000643")
    assert (event.severity, event.details["episode_id"]) == (2, 1)

    report = import_gdacs(files=[later_episode()], acting_user=crc_officer)

    assert (report.created, report.updated, report.unchanged) == (0, 1, 3)
    assert Event.objects.count() == 4
    event.refresh_from_db()
    assert (event.severity, event.details["episode_id"], event.details["alert_level"]) == (
        4,
        2,
        "Orange",
    )
    assert event.ends_at == datetime(2019, 12, 30, 6, 0, tzinfo=UTC)
    assert list(event.sources.get().figures.values_list("figure", "best")) == [("affected", 125000)]


def test_an_older_episode_after_a_newer_one_changes_nothing(crc_officer):
    import_gdacs(files=[later_episode()], acting_user=crc_officer)

    report = import_gdacs(files=[feed("gdacs-1.xml")], acting_user=crc_officer)

    assert (report.created, report.updated, report.unchanged) == (0, 0, 4)
    assert Event.objects.get(external_id="TC1000643").details["episode_id"] == 2


def test_both_feeds_in_one_batch_and_again(crc_officer):
    report = import_gdacs(
        files=[feed("gdacs-rss.xml"), feed("gdacs-1.xml")], acting_user=crc_officer
    )
    assert (report.created, report.updated, report.unchanged) == (16, 0, 4)

    again = import_gdacs(files=[feed("gdacs-rss.xml")], acting_user=crc_officer)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 16)
    assert Event.objects.count() == 16


def test_a_dry_run_stores_nothing(crc_officer):
    report = import_gdacs(files=[feed("gdacs-1.xml")], acting_user=crc_officer, dry_run=True)

    assert report.created == 4
    assert Event.objects.count() == 0


def test_a_bad_item_refuses_the_whole_batch(crc_officer):
    _name, data = feed("gdacs-1.xml")
    bad = data.replace(
        b"<gdacs:eventtype>DR</gdacs:eventtype>", b"<gdacs:eventtype>XX</gdacs:eventtype>", 1
    )
    bad = bad.replace(b"<geo:lat>-44.5653</geo:lat>", b"<geo:lat>144.5653</geo:lat>")

    with pytest.raises(ImportRefused) as refused:
        import_gdacs(files=[feed("gdacs-rss.xml"), ("bad.xml", bad)], acting_user=crc_officer)

    assert [str(p) for p in refused.value.problems] == [
        (
            "bad.xml:285: geo:Point: pair 144.5653,37.087: latitude 144.5653 is out of range "
            "(-90…90) "
            "and the longitude would fit as a latitude: latitude and longitude swapped? "
            "CAP writes lat,lon."
        ),
        (
            "bad.xml:471: gdacs:eventtype: unknown GDACS event type 'XX' "
            "(known: EQ, TC, FL, VO, DR, WF)"
        ),
    ]
    assert Event.objects.count() == 0


def test_a_date_without_offset_and_an_xml_bomb_are_refused(crc_officer):
    _name, data = feed("gdacs-1.xml")
    naive = data.replace(
        b"<gdacs:fromdate>Sun, 29 Dec 2019 12:00:00 GMT",
        b"<gdacs:fromdate>Sun, 29 Dec 2019 12:00:00 -0000",
    )
    with pytest.raises(
        ImportRefused, match="fromdate: Sun, 29 Dec 2019 12:00:00 -0000 has no UTC offset"
    ):
        import_gdacs(files=[("naive.xml", naive)], acting_user=crc_officer)

    bomb = b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaa">]><rss><channel/></rss>'
    with pytest.raises(ImportRefused, match=r"a DOCTYPE .* is not accepted"):
        import_gdacs(files=[("bomb.xml", bomb)], acting_user=crc_officer)

    with pytest.raises(ImportRefused, match="not an RSS feed"):
        import_gdacs(files=[("cap.xml", b"<alert/>")], acting_user=crc_officer)
    assert Event.objects.count() == 0
