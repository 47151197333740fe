"""Charts as SVG: offline (no address but the SVG namespace), titled as the caller asks, the
figures inline in the spec, and a map of events coloured by severity."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.utils import translation

from concord.core import charts as core_charts
from concord.crisis import charts, geo
from concord.crisis.models import Event, Region
from concord.crisis.queries_regions import ProvinceRow, WeekRow

WEEKS = [WeekRow(date(2025, 1, 6), 3, 8), WeekRow(date(2025, 1, 13), 1, 1)]
PROVINCES = [ProvinceRow("AFG", "AF19", "Kunduz", 3, 3), ProvinceRow("AFG", "AF18", "Takhar", 1, 5)]


@pytest.fixture(autouse=True)
def _english_and_fresh_cache():
    core_charts.clear_cache()
    with translation.override("en"):
        yield
    core_charts.clear_cache()


def addresses(svg: str) -> set[str]:
    return set(re.findall(r"https?://[^\"'\s)]+", svg))


def texts(svg: str) -> list[str]:
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg)


def test_weekly_chart_is_titled_and_labels_the_weeks():
    svg = charts.weekly_chart(WEEKS, title="Events per week in the north")

    assert svg.startswith("<svg")
    assert "Events per week in the north" in texts(svg)
    assert {"06.01.2025", "13.01.2025", "Week starting", "Events"} <= set(texts(svg))
    assert addresses(svg) == {"http://www.w3.org/2000/svg"}


def test_fatalities_chart_is_titled():
    svg = charts.fatalities_chart(WEEKS, title="Dead per week")

    assert "Dead per week" in texts(svg)
    assert "Dead" in texts(svg)


def test_province_chart_names_each_province():
    svg = charts.province_chart(PROVINCES, title="Events per province")

    assert {"Events per province", "Kunduz (AFG)", "Takhar (AFG)"} <= set(texts(svg))


def test_map_draws_countries_the_region_and_events_by_severity():
    region = Region(
        slug="buffer",
        kind=Region.Kind.BORDER_BUFFER,
        geometry=geo.to_geojson(geo.border_buffer("AFG", ["TJK"], 100)),
    )
    events = [Event(latitude=36.73, longitude=68.86, severity=s) for s in (1, 3, 5)] + [
        Event(latitude=None, longitude=None, severity=2)
    ]

    svg = charts.map_svg(events=events, region=region, bbox=None, title="Northern border")

    assert "Northern border" in texts(svg)
    assert {"Severity", "1", "2", "3", "4", "5"} <= set(texts(svg))
    assert addresses(svg) == {"http://www.w3.org/2000/svg"}
    # Three event circles (the one without coordinates is left out) and five legend symbols.
    symbols = re.search(r'class="mark-symbol role-mark layer_\d+_marks"[^>]*>(.*?)</g>', svg, re.S)
    assert symbols is not None
    assert symbols.group(1).count("<path") == 3
    for colour in (
        charts.SEVERITY_COLOURS[0],
        charts.SEVERITY_COLOURS[2],
        charts.SEVERITY_COLOURS[4],
    ):
        assert f'fill="{colour}"' in symbols.group(1)


def test_map_of_2000_events_in_a_bounding_box():
    events = [
        Event(latitude=34 + (i % 50) / 10, longitude=61 + (i // 50) / 3, severity=1 + i % 5)
        for i in range(2000)
    ]

    svg = charts.map_svg(
        events=events, region=None, bbox=(60.0, 33.0, 76.0, 40.0), title="Two thousand events"
    )

    symbols = re.search(r'class="mark-symbol role-mark layer_\d+_marks"[^>]*>(.*?)</g>', svg, re.S)
    assert symbols is not None
    assert symbols.group(1).count("<path") == 2000


def test_two_charts_on_one_page_do_not_share_element_ids():
    first = charts.map_svg(events=[], region=None, bbox=None, title="One")
    second = charts.map_svg(events=[], region=None, bbox=None, title="Two")

    first_ids = set(re.findall(r'id="([^"]+)"', first))
    second_ids = set(re.findall(r'id="([^"]+)"', second))
    assert first_ids
    assert not first_ids & second_ids
