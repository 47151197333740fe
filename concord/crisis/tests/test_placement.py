"""Placement: which regions of concern an event lies in (geometry for drawn and buffer regions,
P-codes for admin-area regions) and its distance to the nearest member-state border, kept in
bulk for many events and refreshed for one region when it changes."""

from __future__ import annotations

import pytest

from concord.crisis import placement, services_regions
from concord.crisis.models import Event, Region, RegionMembership
from concord.crisis.tests.factories import EventFactory

pytestmark = pytest.mark.django_db

NORTH = services_regions.NORTHERN_AFGHANISTAN
BUFFER = services_regions.AFGHAN_BORDER_BUFFER


@pytest.fixture(autouse=True)
def _fresh_compiled_regions():
    placement.forget_compiled()
    yield
    placement.forget_compiled()


@pytest.fixture
def defaults(crc_officer) -> dict[str, Region]:
    return {r.slug: r for r in services_regions.ensure_default_regions(acting_user=crc_officer)}


def _event(author, **place) -> Event:
    return EventFactory(author=author, **place)


@pytest.fixture
def events(crc_officer) -> dict[str, Event]:
    return {
        # Kunduz city, in Kunduz province (P-code AF19).
        "kunduz": _event(crc_officer, admin1_pcode="AF19", admin1_name="Kunduz"),
        "kabul": _event(
            crc_officer, admin1_pcode="AF01", admin1_name="Kabul", latitude=34.53, longitude=69.17
        ),
        # Mazar-i-Sharif, Balkh (AF21): 58 km from the Uzbek border.
        "mazar": _event(
            crc_officer, admin1_pcode="AF21", admin1_name="Balkh", latitude=36.71, longitude=67.11
        ),
        # Takhar district reported without coordinates.
        "takhar": _event(
            crc_officer,
            admin1_pcode="AF18",
            admin1_name="Takhar",
            admin2_pcode="AF1801",
            latitude=None,
            longitude=None,
        ),
        "dushanbe": _event(
            crc_officer,
            country="TJK",
            admin1_pcode="",
            admin1_name="",
            latitude=38.56,
            longitude=68.78,
        ),
    }


def _regions_of(event: Event) -> list[str]:
    return sorted(
        RegionMembership.objects.filter(event=event).values_list("region__slug", flat=True)
    )


def test_default_regions_are_as_the_issue_defines_them(defaults):
    north, buffer = defaults[NORTH], defaults[BUFFER]

    assert north.kind == Region.Kind.ADMIN_AREAS
    assert north.definition == {"pcodes": ["AF17", "AF18", "AF19", "AF21", "AF28", "AF29"]}
    assert buffer.kind == Region.Kind.BORDER_BUFFER
    assert buffer.definition == {"country": "AFG", "neighbours": ["TJK", "UZB", "TKM"], "km": 100}
    assert buffer.geometry["type"] == "Polygon"
    assert north.geometry["type"] == "Polygon"  # the outline drawn on maps


def test_place_events_puts_each_event_in_its_regions(defaults, events):
    placement.place_events([e.pk for e in events.values()])

    assert {name: _regions_of(e) for name, e in events.items()} == {
        "kunduz": [BUFFER, NORTH],
        "kabul": [],
        "mazar": [BUFFER, NORTH],
        "takhar": [NORTH],  # by its P-code, without coordinates
        "dushanbe": [],  # 128 km from the Afghan border
    }


def test_place_events_stores_the_border_distance(defaults, events):
    placement.place_events([e.pk for e in events.values()])

    stored = dict(
        Event.objects.filter(pk__in=[e.pk for e in events.values()]).values_list(
            "title", "border_distance_km"
        )
    )
    assert {name: stored[e.title] for name, e in events.items()} == {
        "kunduz": 55.2,
        "kabul": 286.2,
        "mazar": 75.3,
        "takhar": None,
        "dushanbe": 52.9,
    }


def test_regions_created_after_the_events_take_them_in(events, crc_officer):
    services_regions.ensure_default_regions(acting_user=crc_officer)

    assert RegionMembership.objects.filter(region__slug=NORTH).count() == 3
    assert RegionMembership.objects.filter(region__slug=BUFFER).count() == 2


def test_placing_again_replaces_the_memberships(defaults, events):
    kunduz = events["kunduz"]
    placement.place_events([kunduz.pk])
    Event.objects.filter(pk=kunduz.pk).update(
        latitude=34.53, longitude=69.17, admin1_pcode="AF01", admin1_name="Kabul"
    )

    placement.place_events([kunduz.pk])

    assert _regions_of(kunduz) == []
    assert Event.objects.get(pk=kunduz.pk).border_distance_km == 286.2


def test_changing_a_region_moves_its_events(defaults, events, crc_officer):
    placement.place_events([e.pk for e in events.values()])

    services_regions.update_region(
        acting_user=crc_officer, region=defaults[NORTH], definition={"pcodes": ["AF01"]}
    )

    in_north = RegionMembership.objects.filter(region__slug=NORTH)
    assert list(in_north.values_list("event__title", flat=True)) == [events["kabul"].title]


def test_a_drawn_polygon_holds_the_events_inside_it(events, crc_officer):
    around_kabul = {
        "type": "Polygon",
        "coordinates": [[[68.5, 34.0], [70.0, 34.0], [70.0, 35.0], [68.5, 35.0], [68.5, 34.0]]],
    }
    region = services_regions.create_region(
        acting_user=crc_officer,
        slug="kabul-area",
        name_ru="Кабул",
        name_en="Kabul area",
        kind=Region.Kind.POLYGON,
        definition={},
        geometry=around_kabul,
    )

    assert list(region.memberships.values_list("event__title", flat=True)) == [
        events["kabul"].title
    ]


def test_many_events_are_placed_in_chunks(defaults, crc_officer, monkeypatch):
    monkeypatch.setattr(placement, "CHUNK", 7)
    made = [_event(crc_officer) for _ in range(20)]

    placement.place_events([e.pk for e in made])

    assert RegionMembership.objects.filter(region__slug=NORTH).count() == 20
    assert RegionMembership.objects.filter(region__slug=BUFFER).count() == 20
    assert set(Event.objects.values_list("border_distance_km", flat=True)) == {55.2}


def test_placing_nothing_does_nothing(defaults):
    placement.place_events([])

    assert RegionMembership.objects.count() == 0
