"""Regions of concern: who defines them and how a definition is checked (services), and the
monitoring figures over the events a reader may see (queries)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from concord.core.markings import Tlp
from concord.core.models import AuditEvent
from concord.crisis import placement, queries_regions, services_regions
from concord.crisis.models import Event, EventFigure, EventSource, Region
from concord.crisis.tests.factories import EventFactory

pytestmark = pytest.mark.django_db

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[68.0, 36.0], [70.0, 36.0], [70.0, 38.0], [68.0, 38.0], [68.0, 36.0]]],
}


@pytest.fixture(autouse=True)
def _fresh_compiled_regions():
    placement.forget_compiled()
    yield
    placement.forget_compiled()


def _create(user, **overrides) -> Region:
    values = {
        "slug": "square",
        "name_ru": "Квадрат",
        "name_en": "Square",
        "kind": Region.Kind.POLYGON,
        "definition": {},
        "geometry": SQUARE,
    } | overrides
    return services_regions.create_region(acting_user=user, **values)


# Services ----------------------------------------------------------------------------------------


def test_a_centre_editor_creates_a_region_with_an_audit_record(crc_officer):
    region = _create(crc_officer)

    assert (region.slug, region.kind, region.geometry, region.created_by) == (
        "square",
        "polygon",
        SQUARE,
        crc_officer,
    )
    audit = AuditEvent.objects.get(action="crisis.region.create")
    assert audit.object_id == str(region.pk)
    assert audit.actor_username == "crc-officer"


@pytest.mark.parametrize("who", ["kz_analyst", "kz_coordinator", "crc_viewer", "secretariat_user"])
def test_only_centre_editors_manage_regions(who, request):
    user = request.getfixturevalue(who)

    with pytest.raises(PermissionDenied, match="only the Crisis Response Centre manages this"):
        _create(user)

    assert Region.objects.count() == 0
    assert not AuditEvent.objects.filter(action__startswith="crisis.region").exists()


def test_an_administrator_manages_regions(admin_user):
    assert _create(admin_user).slug == "square"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"geometry": {"type": "Polygon", "coordinates": [SQUARE["coordinates"][0][:-1]]}},
            "ring 1 is not closed",
        ),
        ({"geometry": None}, "a drawn region needs its polygon"),
        (
            {
                "kind": "border_buffer",
                "definition": {"country": "AFG", "neighbours": ["TJK"], "km": 0},
            },
            "the buffer width must be between 1 and 500 km",
        ),
        (
            {
                "kind": "border_buffer",
                "definition": {"country": "AFG", "neighbours": ["TJK"], "km": 501},
            },
            "the buffer width must be between 1 and 500 km",
        ),
        (
            {
                "kind": "border_buffer",
                "definition": {"country": "AFG", "neighbours": ["XYZ"], "km": 50},
            },
            "unknown country code XYZ",
        ),
        (
            {"kind": "border_buffer", "definition": {"country": "AFG", "neighbours": [], "km": 5}},
            "name at least one neighbouring country",
        ),
        (
            {"kind": "admin_areas", "definition": {"pcodes": ["AF19", "AF99", "XX01"]}},
            r"unknown P-code\(s\): AF99, XX01",
        ),
        ({"kind": "admin_areas", "definition": {"pcodes": []}}, "name at least one admin area"),
        ({"kind": "circle"}, "unknown kind of region 'circle'"),
        ({"name_ru": " ", "name_en": ""}, "a region needs a name"),
        ({"slug": "new"}, "'new' is reserved"),
        ({"slug": "two words"}, "Enter a valid “slug”"),
    ],
    ids=[
        "polygon-not-closed",
        "polygon-missing",
        "buffer-zero",
        "buffer-too-wide",
        "unknown-country",
        "no-neighbour",
        "unknown-pcode",
        "no-pcode",
        "unknown-kind",
        "no-name",
        "reserved-slug",
        "bad-slug",
    ],
)
def test_bad_definitions_are_refused_and_nothing_is_written(crc_officer, overrides, message):
    with pytest.raises(ValidationError, match=message):
        _create(crc_officer, **overrides)

    assert Region.objects.count() == 0


def test_a_slug_is_used_once(crc_officer):
    _create(crc_officer)

    with pytest.raises(ValidationError, match="a region with the slug 'square' already exists"):
        _create(crc_officer, name_en="Another")


def test_definitions_are_normalised(crc_officer):
    buffer = _create(
        crc_officer,
        slug="buffer",
        kind="border_buffer",
        definition={"country": "afg", "neighbours": "tjk, UZB, tjk", "km": "25"},
    )
    areas = _create(
        crc_officer, slug="areas", kind="admin_areas", definition={"pcodes": "af19; AF1801"}
    )

    assert buffer.definition == {"country": "AFG", "neighbours": ["TJK", "UZB"], "km": 25}
    assert areas.definition == {"pcodes": ["AF1801", "AF19"]}


def test_update_changes_names_and_definition_audited_before_and_after(crc_officer):
    region = _create(crc_officer, slug="areas", kind="admin_areas", definition={"pcodes": ["AF19"]})

    services_regions.update_region(
        acting_user=crc_officer,
        region=region,
        name_en="Kunduz and Takhar",
        definition={"pcodes": ["AF19", "AF18"]},
    )

    region.refresh_from_db()
    assert (region.name_en, region.definition) == (
        "Kunduz and Takhar",
        {"pcodes": ["AF18", "AF19"]},
    )
    audit = AuditEvent.objects.get(action="crisis.region.update")
    assert audit.summary == (
        '{"after":{"definition":{"pcodes":["AF18","AF19"]},"geometry":"…",'
        '"name_en":"Kunduz and Takhar"},"before":{"definition":{"pcodes":["AF19"]},'
        '"geometry":"…","name_en":"Square"},"events":0}'
    )


def test_an_update_that_changes_nothing_writes_nothing(crc_officer):
    region = _create(crc_officer)

    services_regions.update_region(acting_user=crc_officer, region=region, name_en="Square")

    assert not AuditEvent.objects.filter(action="crisis.region.update").exists()


def test_delete_region_is_audited(crc_officer):
    region = _create(crc_officer)

    services_regions.delete_region(acting_user=crc_officer, region=region)

    assert Region.objects.count() == 0
    assert AuditEvent.objects.filter(action="crisis.region.delete").count() == 1


def test_ensure_default_regions_is_idempotent(crc_officer):
    first = services_regions.ensure_default_regions(acting_user=crc_officer)
    second = services_regions.ensure_default_regions(acting_user=crc_officer)

    assert [r.pk for r in first] == [r.pk for r in second]
    assert [r.slug for r in second] == ["northern-afghanistan", "afghan-border-100km"]
    assert AuditEvent.objects.filter(action="crisis.region.create").count() == 2


# Monitoring queries ------------------------------------------------------------------------------


def _report(event: Event, kind: str, name: str, dead: int | None) -> None:
    source = EventSource.objects.create(event=event, kind=kind, name=name)
    if dead is not None:
        EventFigure.objects.create(source=source, figure="dead", low=None, best=dead)


@pytest.fixture
def monitored(crc_officer, kz_analyst, ru_analyst) -> Region:
    """Northern Afghanistan with seven events over three weeks of January 2025.

    week of 6 Jan: Kunduz ×2 (dead 3 — sources say 3 and 2 —, and 0), Takhar ×1 (dead 5)
    week of 13 Jan: Balkh ×1 (dead 1); a cancelled Kunduz event (ignored)
    week of 27 Jan: Kunduz ×1 (no figure), an exercise in Takhar (left out unless asked)
    and a RED event of the Russian analyst's that the others do not see (Balkh, 27 Jan).
    """
    region = services_regions.ensure_default_regions(acting_user=crc_officer)[0]

    def event(day: int, pcode: str, name: str, **extra) -> Event:
        values = {
            "author": crc_officer,
            "starts_at": datetime(2025, 1, day, 6, 0, tzinfo=UTC),
            "admin1_pcode": pcode,
            "admin1_name": name,
            "tlp": Tlp.GREEN,
        } | extra
        return EventFactory(**values)

    first = event(6, "AF19", "Kunduz", actor1="Taliban", actor2="Civilians")
    _report(first, "national", "MoI", 3)
    _report(first, "open", "Press", 2)
    second = event(7, "AF19", "Kunduz", actor1="Taliban", actor2="Taliban")
    _report(second, "open", "Press", 0)
    third = event(8, "AF18", "Takhar", actor1="ISKP", actor2="Taliban")
    _report(third, "open", "Press", 5)
    fourth = event(14, "AF21", "Balkh", actor1="Unidentified armed group")
    _report(fourth, "national", "MoI", 1)
    cancelled = event(15, "AF19", "Kunduz", cancelled_at=datetime(2025, 1, 16, tzinfo=UTC))
    _report(cancelled, "open", "Press", 40)
    event(29, "AF19", "Kunduz", actor1="Taliban")
    drill = event(30, "AF18", "Takhar", exercise=True)
    _report(drill, "national", "MoI", 9)
    secret = event(27, "AF21", "Balkh", author=ru_analyst, tlp=Tlp.RED, actor1="Secret actor")
    _report(secret, "national", "MVD", 100)
    placement.place_events(list(Event.objects.values_list("pk", flat=True)))
    return region


def _january(user, region, *, exercises: bool = False):
    return queries_regions.period_events(
        user, region, since=date(2025, 1, 1), until=date(2025, 1, 31), exercises=exercises
    )


def test_weekly_counts_events_and_dead_without_double_counting_sources(monitored, kz_analyst):
    assert queries_regions.weekly(_january(kz_analyst, monitored)) == [
        queries_regions.WeekRow(date(2025, 1, 6), 3, 8),
        queries_regions.WeekRow(date(2025, 1, 13), 1, 1),
        queries_regions.WeekRow(date(2025, 1, 27), 1, 0),
    ]


def test_exercises_count_when_asked(monitored, kz_analyst):
    weeks = queries_regions.weekly(_january(kz_analyst, monitored, exercises=True))

    assert weeks[-1] == queries_regions.WeekRow(date(2025, 1, 27), 2, 9)


def test_the_author_of_a_red_event_sees_it_counted(monitored, ru_analyst):
    weeks = queries_regions.weekly(_january(ru_analyst, monitored))

    assert weeks[-1] == queries_regions.WeekRow(date(2025, 1, 27), 2, 100)


def test_by_province_counts_per_p_code(monitored, kz_analyst):
    assert queries_regions.by_province(_january(kz_analyst, monitored)) == [
        queries_regions.ProvinceRow("AFG", "AF19", "Kunduz", 3, 3),
        queries_regions.ProvinceRow("AFG", "AF18", "Takhar", 1, 5),
        queries_regions.ProvinceRow("AFG", "AF21", "Balkh", 1, 1),
    ]


def test_top_actors_count_an_event_once_per_actor(monitored, kz_analyst):
    assert queries_regions.top_actors(_january(kz_analyst, monitored)) == [
        ("Taliban", 4),
        ("Civilians", 1),
        ("ISKP", 1),
        ("Unidentified armed group", 1),
    ]
    assert queries_regions.top_actors(_january(kz_analyst, monitored), limit=1) == [("Taliban", 4)]


def test_region_summary_counts_what_the_reader_sees(monitored, kz_analyst, ru_analyst):
    # All time, exercises included (the summary is the region's whole record), cancelled not.
    assert queries_regions.region_summary(kz_analyst, monitored) == {
        "events": 6,
        "dead": 18,
        "last_event": datetime(2025, 1, 30, 6, 0, tzinfo=UTC),
    }
    assert queries_regions.region_summary(ru_analyst, monitored)["events"] == 7


def test_regions_for_needs_a_signed_in_user(monitored, kz_analyst):
    assert [r.slug for r in queries_regions.regions_for(kz_analyst)] == [
        "afghan-border-100km",
        "northern-afghanistan",
    ]
    with pytest.raises(PermissionDenied):
        queries_regions.regions_for(None)
