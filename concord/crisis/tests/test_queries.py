"""Event reads: the filter's parsing (each refusal's message), each filter, visibility in every
read, the map's GeoJSON and clusters, one event's page, figures by source, type choices."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404, QueryDict

from concord.core.markings import Tlp
from concord.crisis import queries
from concord.crisis.models import (
    Crisis,
    EventFigure,
    EventSource,
    EventType,
    Region,
    RegionMembership,
)
from concord.crisis.queries import EventFilter
from concord.crisis.tests.factories import EventFactory

pytestmark = pytest.mark.django_db


def when(day: int, month: int = 1, hour: int = 6) -> datetime:
    return datetime(2025, month, day, hour, 0, tzinfo=UTC)


def titles(found) -> list[str]:
    return sorted(found.values_list("title", flat=True))


@pytest.fixture
def green(kz_analyst):
    """Open-source events the whole community sees, in three places and types."""
    return [
        EventFactory(author=kz_analyst, title="Kunduz clash", tlp=Tlp.GREEN),
        EventFactory(
            author=kz_analyst,
            title="Mazar IED",
            tlp=Tlp.GREEN,
            event_type=EventType.objects.get(code="acled.explosions.remote_explosive_landmine_ied"),
            latitude=36.70,
            longitude=67.11,
            admin1_name="Balkh",
            starts_at=when(20),
            severity=4,
            origin="acled",
            external_id="AFG1",
        ),
        EventFactory(
            author=kz_analyst,
            title="Dushanbe quake",
            tlp=Tlp.GREEN,
            event_type=EventType.objects.get(code="geophysical.earthquake"),
            country="TJK",
            latitude=38.56,
            longitude=68.78,
            admin1_name="Dushanbe",
            starts_at=when(3, month=2),
            severity=5,
            origin="gdacs",
            external_id="EQ1",
        ),
    ]


# Parsing --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"bbox": "1,2,3"}, "bbox must be four numbers west,south,east,north; got '1,2,3'"),
        ({"bbox": "a,b,c,d"}, "bbox must be four numbers west,south,east,north; got 'a,b,c,d'"),
        ({"bbox": "170,10,-170,20"}, "bbox west > east (170.0 > -170.0): split the box at 180°"),
        (
            {"bbox": "60,95,70,30"},
            "bbox latitude 95.0 is outside -90…90 (is the box west,south,east,north?)",
        ),
        ({"bbox": "60,40,190,45"}, "bbox longitude 190.0 is outside -180…180"),
        ({"bbox": "60,40,70,30"}, "bbox south > north (40.0 > 30.0)"),
        (
            {"since": "2025-01-01T00:00"},
            "since: 2025-01-01T00:00 has no UTC offset (add Z or e.g. +05:00)",
        ),
        ({"until": "yesterday"}, "until: 'yesterday' is not an ISO 8601 date or time"),
        ({"since": "2025-02-01", "until": "2025-01-31T00:00Z"}, "until must be later than since"),
        ({"type": "crime.nope"}, "unknown event type 'crime.nope'"),
        ({"region": "nowhere"}, "unknown region of concern 'nowhere'"),
        ({"crisis": "nothing"}, "unknown crisis 'nothing'"),
        ({"country": "AF"}, "'AF' is not an ISO 3166-1 alpha-3 country code"),
        ({"country": "XXX"}, "'XXX' is not an ISO 3166-1 alpha-3 country code"),
        ({"source": "rss"}, "unknown source 'rss' (known: manual, cap, gdacs, ucdp, acled, hxl)"),
        ({"min_severity": "6"}, "min_severity must be a whole number from 1 to 5; got '6'"),
        ({"exercises": "maybe"}, "exercises must be 0 or 1; got maybe"),
    ],
    ids=lambda value: next(iter(value)) if isinstance(value, dict) else "",
)
def test_parse_filter_refuses_with_a_clear_message(params, message):
    with pytest.raises(ValidationError) as refused:
        queries.parse_filter(params)
    assert refused.value.messages == [message]


def test_parse_filter_reads_every_parameter(kz_analyst):
    Crisis.objects.create(slug="north", name_ru="Север", name_en="North", started_on="2025-01-01")
    Region.objects.create(
        slug="north-afg", kind="polygon", name_ru="Север", name_en="North", created_by=kz_analyst
    )
    params = QueryDict(
        "bbox=60,30,75,40&since=2025-01-01&until=2025-01-31&type=acled.battles&type=crime"
        "&region=north-afg&country=afg,TJK&source=ACLED&source=gdacs&min_severity=2&q=+Kunduz+"
        "&crisis=north&exercises=0"
    )
    assert queries.parse_filter(params) == EventFilter(
        bbox=(60.0, 30.0, 75.0, 40.0),
        since=datetime(2025, 1, 1, tzinfo=UTC),
        until=datetime(2025, 2, 1, tzinfo=UTC),  # a plain date: the whole day, in UTC
        types=("acled.battles", "crime"),
        region="north-afg",
        countries=("AFG", "TJK"),
        origins=("acled", "gdacs"),
        min_severity=2,
        q="Kunduz",
        crisis="north",
        include_exercises=False,
    )


def test_parse_filter_turns_offsets_to_utc():
    flt = queries.parse_filter({"since": "2025-01-01T05:00+05:00", "until": "2025-01-02T00:00Z"})
    assert (flt.since, flt.until) == (when(1, hour=0), when(2, hour=0))
    assert queries.parse_filter({}) == EventFilter()


# Filters --------------------------------------------------------------------------------------


def test_bbox_filter(green, kz_analyst):
    found = queries.events(kz_analyst, EventFilter(bbox=(66.0, 36.0, 69.0, 37.0)))
    assert titles(found) == ["Kunduz clash", "Mazar IED"]
    # A box over more than MAX_BBOX_CELLS cells is searched by its lat/lon range alone.
    assert queries.bbox_cells((-180.0, -90.0, 180.0, 90.0)) is None
    found = queries.events(kz_analyst, EventFilter(bbox=(-180.0, 38.0, 180.0, 90.0)))
    assert titles(found) == ["Dushanbe quake"]


def test_bbox_cells_of_a_small_box():
    # Row 126 (36°N–37°N) and 127, columns 246 (66°E) to 248 (68°E…69°E).
    assert queries.bbox_cells((66.5, 36.2, 68.9, 37.5)) == [
        126 * 360 + 246,
        126 * 360 + 247,
        126 * 360 + 248,
        127 * 360 + 246,
        127 * 360 + 247,
        127 * 360 + 248,
    ]


def test_time_filter_is_half_open(green, kz_analyst):
    flt = EventFilter(since=when(15), until=when(3, month=2))
    assert titles(queries.events(kz_analyst, flt)) == ["Kunduz clash", "Mazar IED"]
    flt = EventFilter(since=when(16))
    assert titles(queries.events(kz_analyst, flt)) == ["Dushanbe quake", "Mazar IED"]


def test_type_filter_includes_subtypes(green, kz_analyst):
    assert titles(queries.events(kz_analyst, EventFilter(types=("acled",)))) == [
        "Kunduz clash",
        "Mazar IED",
    ]
    assert titles(queries.events(kz_analyst, EventFilter(types=("acled.explosions",)))) == [
        "Mazar IED"
    ]
    # "acled.battles" must not match a sibling whose code merely starts the same way.
    assert titles(queries.events(kz_analyst, EventFilter(types=("acled.battles",)))) == [
        "Kunduz clash"
    ]
    assert titles(queries.events(kz_analyst, EventFilter(types=("geophysical", "crime")))) == [
        "Dushanbe quake"
    ]


def test_country_source_severity_and_text_filters(green, kz_analyst):
    assert titles(queries.events(kz_analyst, EventFilter(countries=("TJK",)))) == ["Dushanbe quake"]
    assert titles(queries.events(kz_analyst, EventFilter(origins=("acled", "gdacs")))) == [
        "Dushanbe quake",
        "Mazar IED",
    ]
    assert titles(queries.events(kz_analyst, EventFilter(min_severity=4))) == [
        "Dushanbe quake",
        "Mazar IED",
    ]
    assert titles(queries.events(kz_analyst, EventFilter(q="balkh"))) == ["Mazar IED"]


def test_region_crisis_exercise_and_cancelled_filters(green, kz_analyst):
    region = Region.objects.create(
        slug="north-afg", kind="polygon", name_ru="Север", name_en="North", created_by=kz_analyst
    )
    RegionMembership.objects.create(region=region, event=green[1])
    crisis = Crisis.objects.create(
        slug="quake", name_ru="Землетрясение", name_en="Quake", started_on="2025-02-03"
    )
    green[2].crisis = crisis
    green[2].save()
    drill = EventFactory(author=kz_analyst, title="Drill", tlp=Tlp.GREEN, exercise=True)
    EventFactory(author=kz_analyst, title="Withdrawn", tlp=Tlp.GREEN, cancelled_at=when(16))

    assert titles(queries.events(kz_analyst, EventFilter(region="north-afg"))) == ["Mazar IED"]
    assert titles(queries.events(kz_analyst, EventFilter(crisis="quake"))) == ["Dushanbe quake"]
    everything = queries.events(kz_analyst, EventFilter())
    assert titles(everything) == ["Drill", "Dushanbe quake", "Kunduz clash", "Mazar IED"]
    real = queries.events(kz_analyst, EventFilter(include_exercises=False))
    assert drill.title not in titles(real)
    assert len(titles(real)) == 3
    with_cancelled = queries.events(kz_analyst, EventFilter(include_cancelled=True))
    assert "Withdrawn" in titles(with_cancelled)
    assert with_cancelled.count() == 5


# Visibility -----------------------------------------------------------------------------------


def test_amber_event_of_kz_is_invisible_to_russia_everywhere(kz_analyst, ru_analyst):
    amber = EventFactory(author=kz_analyst, title="KZ report")
    EventFactory(author=kz_analyst, title="Open", tlp=Tlp.GREEN, latitude=36.74, longitude=68.87)

    assert titles(queries.events(kz_analyst, EventFilter())) == ["KZ report", "Open"]
    assert titles(queries.events(ru_analyst, EventFilter())) == ["Open"]
    assert titles(queries.events(None, EventFilter())) == []

    collection = queries.feature_collection(ru_analyst, EventFilter())
    assert [f["properties"]["title"] for f in collection["features"]] == ["Open"]
    assert collection["total"] == 1

    clustered = queries.clusters(ru_analyst, EventFilter(), zoom=4)
    assert clustered["total"] == 1
    assert [f["properties"]["title"] for f in clustered["features"]] == ["Open"]
    assert queries.clusters(kz_analyst, EventFilter(), zoom=4)["total"] == 2

    with pytest.raises(Http404):
        queries.event_page(ru_analyst, amber.uid)
    assert queries.event_page(kz_analyst, str(amber.uid)) == amber
    with pytest.raises(Http404):
        queries.event_page(kz_analyst, "not-a-uuid")


# GeoJSON --------------------------------------------------------------------------------------


def _source(event, kind, name, **figures):
    source = EventSource.objects.create(event=event, kind=kind, name=name)
    for figure, (low, best, high) in figures.items():
        EventFigure.objects.create(source=source, figure=figure, low=low, best=best, high=high)
    return source


def test_feature_collection(green, kz_analyst):
    _source(green[0], "national", "MVD", dead=(None, 4, None), injured=(None, 9, None))
    _source(green[0], "open", "ACLED", dead=(5, 6, 8))
    collection = queries.feature_collection(kz_analyst, EventFilter(bbox=(68.0, 36.0, 69.0, 37.0)))
    uid = str(green[0].uid)
    assert collection == {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": uid,
                "geometry": {"type": "Point", "coordinates": [68.86, 36.73]},
                "properties": {
                    "uid": uid,
                    "title": "Kunduz clash",
                    "type": "acled.battles",
                    "type_name": "Battles",
                    "severity": 3,
                    "starts_at": "2025-01-15T06:00:00+00:00",
                    "country": "AFG",
                    "admin1_name": "Kunduz",
                    "origin": "manual",
                    "tlp": "GREEN",
                    "dead": 6,  # the largest best figure of its sources, not their sum
                    "url": f"/crisis/events/{uid}/",
                },
            }
        ],
        "total": 1,
        "truncated": False,
    }
    assert queries.feature(queries.event_page(kz_analyst, uid)) == collection["features"][0]


def test_feature_collection_truncates_the_oldest(green, kz_analyst):
    EventFactory(author=kz_analyst, title="No place", tlp=Tlp.GREEN, latitude=None, longitude=None)
    collection = queries.feature_collection(kz_analyst, EventFilter(), limit=2)
    assert [f["properties"]["title"] for f in collection["features"]] == [
        "Dushanbe quake",
        "Mazar IED",
    ]
    assert (collection["total"], collection["truncated"]) == (3, True)  # unplaced left out


def test_feature_collection_query_count_is_constant(kz_analyst, django_assert_num_queries):
    for n in range(30):
        event = EventFactory(author=kz_analyst, tlp=Tlp.GREEN, latitude=36 + n / 100)
        _source(event, "open", "ACLED", dead=(None, n, None))
    with django_assert_num_queries(2):  # the rows, then the count (the rows fill the limit)
        collection = queries.feature_collection(kz_analyst, EventFilter(), limit=10)
    assert (collection["total"], len(collection["features"])) == (30, 10)
    with django_assert_num_queries(1):  # fewer rows than the limit: they are the total
        collection = queries.feature_collection(kz_analyst, EventFilter(), limit=100)
    assert collection["total"] == 30
    assert sorted(f["properties"]["dead"] for f in collection["features"]) == list(range(30))


# Clusters -------------------------------------------------------------------------------------


def test_clusters_group_on_a_grid_that_shrinks_with_zoom(green, kz_analyst):
    EventFactory(author=kz_analyst, title="Kunduz 2", tlp=Tlp.GREEN, severity=5, latitude=36.75)
    # Zoom 1: cells of 45°: everything in one cell, at the mean position.
    wide = queries.clusters(kz_analyst, EventFilter(), zoom=1)
    assert wide["grid_degrees"] == 45.0
    assert wide["features"] == [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [68.4025, 37.185]},
            "properties": {"cluster": True, "count": 4, "max_severity": 5},
        }
    ]
    assert queries.grid_degrees(8) == 0.3515625
    # Zoom 8: cells of 0.35°: the two Kunduz events together, the others alone as themselves.
    close = queries.clusters(kz_analyst, EventFilter(), zoom=8)
    assert close["total"] == 4
    assert (
        sum(f["properties"].get("count", 1) for f in close["features"])
        == queries.feature_collection(kz_analyst, EventFilter())["total"]
    )
    shapes = sorted(
        (f["properties"].get("count", 1), f["properties"].get("title", ""))
        for f in close["features"]
    )
    assert shapes == [(1, "Dushanbe quake"), (1, "Mazar IED"), (2, "")]
    cluster = next(f for f in close["features"] if f["properties"].get("cluster"))
    assert cluster["properties"] == {"cluster": True, "count": 2, "max_severity": 5}
    assert cluster["geometry"]["coordinates"] == [68.86, 36.74]


# Figures by source, types ---------------------------------------------------------------------


def test_figures_by_source(green, kz_analyst, ru_analyst):
    _source(green[0], "national", "MVD", dead=(None, 4, None))
    _source(green[0], "open", "ACLED", dead=(5, 6, 8))
    _source(green[1], "open", "ACLED", dead=(1, 2, 3), injured=(None, 7, None))
    hidden = EventFactory(author=kz_analyst, title="Amber")
    _source(hidden, "open", "ACLED", dead=(None, 100, None))

    rows = queries.figures_by_source(queries.events(ru_analyst, EventFilter()))
    assert rows == [
        queries.SourceTotal("national", "MVD", "dead", None, 4, None, 1),
        queries.SourceTotal("open", "ACLED", "dead", 6, 8, 11, 2),
        queries.SourceTotal("open", "ACLED", "injured", None, 7, None, 1),
    ]


def test_type_choices_put_parents_before_children():
    choices = queries.type_choices()
    assert len(choices) == EventType.objects.count()
    codes = [code for code, _label in choices]
    assert codes[:3] == ["acled", "acled.battles", "acled.battles.armed_clash"]
    labels = dict(choices)
    assert labels["acled"] == "Armed conflict (ACLED)"
    assert labels["acled.battles"] == "\u00a0\u00a0Battles"
    assert labels["acled.battles.armed_clash"] == "\u00a0\u00a0\u00a0\u00a0Armed clash"
