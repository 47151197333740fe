"""CAP polygons and circles ↔ GeoJSON: exact round trips on the real alerts, clear refusals."""

from __future__ import annotations

import pytest
from django.utils import translation
from lxml import etree
from pyproj import Geod

from concord.crisis.cap_geometry import (
    cap_circle_to_geojson,
    cap_polygon_to_geojson,
    geojson_to_cap_polygons,
    merge_areas,
)
from concord.crisis.tests.conftest import DATA

CAP_DIR = DATA / "cap"
CAP_NAMESPACES = ("urn:oasis:names:tc:emergency:cap:1.2", "urn:oasis:names:tc:emergency:cap:1.1")


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def polygons_of(name: str) -> list[str]:
    root = etree.parse(str(CAP_DIR / name)).getroot()
    return [
        element.text or ""
        for namespace in CAP_NAMESPACES
        for element in root.iter(f"{{{namespace}}}polygon")
    ]


@pytest.mark.parametrize(
    ("name", "count"),
    [
        ("canada.cap", 4),
        ("iceland_met_office.cap", 2),
        ("mexico.xml", 1),
        ("ph.cap", 1),
        ("australia_bom.cap", 0),
        ("no_info_tag.cap", 0),
        ("earthquake.cap", 0),
        ("invalid.cap", 0),
    ],
)
def test_every_polygon_of_the_real_alerts_comes_back_as_the_same_text(name, count):
    # Given the polygons of a real alert (whitespace between pairs is not significant)
    texts = polygons_of(name)
    assert len(texts) == count
    for text in texts:
        # When converted to GeoJSON and back
        geometry = cap_polygon_to_geojson(text)
        # Then the text is the same, digit for digit, and nothing had to ride along
        assert geojson_to_cap_polygons(geometry) == [" ".join(text.split())]
        assert "cap" not in geometry


def test_a_polygon_becomes_geojson_lon_lat_in_the_same_order():
    text = polygons_of("ph.cap")[0]
    assert text == "21,120 21,130 5,130 5,121.5 9.5,113 15,113 21,120"
    assert cap_polygon_to_geojson(text) == {
        "type": "Polygon",
        "coordinates": [
            [[120, 21], [130, 21], [130, 5], [121.5, 5], [113, 9.5], [113, 15], [120, 21]]
        ],
    }


def test_seventeen_digit_coordinates_keep_every_digit():
    geometry = cap_polygon_to_geojson(polygons_of("mexico.xml")[0])
    assert geometry["coordinates"][0][0] == [-91.53354417288199, 18.889628180617784]
    assert geojson_to_cap_polygons(geometry)[0].startswith(
        "18.889628180617784,-91.53354417288199 18.212626807537085,-90.99521409475699 "
    )


def test_an_unusual_spelling_of_a_number_is_kept_alongside():
    # "64.10" and "+21.0" read as 64.1 and 21.0: the text itself rides along in "cap"
    text = "64.10,-22 64.19,-21.7 64.15,-21.68 64.1,-22.0"
    geometry = cap_polygon_to_geojson(text)
    assert geometry == {
        "type": "Polygon",
        "coordinates": [[[-22, 64.1], [-21.7, 64.19], [-21.68, 64.15], [-22.0, 64.1]]],
        "cap": text,
    }
    assert geojson_to_cap_polygons(geometry) == [text]
    # Once the coordinates are edited, the stale text is not used
    geometry["coordinates"][0][1] = [-21.75, 64.19]
    assert geojson_to_cap_polygons(geometry) == ["64.1,-22 64.19,-21.75 64.15,-21.68 64.1,-22.0"]


def test_a_drawn_polygon_is_written_as_cap_text_without_exponents():
    geometry = {
        "type": "MultiPolygon",
        "coordinates": [
            [[[69.1, 37.2], [69.5, 37.2], [69.5, 37.6], [69.1, 37.2]]],
            [[[0.00001, -0.5], [1.0, -0.5], [1.0, 0.25], [0.00001, -0.5]]],
        ],
    }
    assert geojson_to_cap_polygons(geometry) == [
        "37.2,69.1 37.2,69.5 37.6,69.5 37.2,69.1",
        "-0.5,0.00001 -0.5,1.0 0.25,1.0 -0.5,0.00001",
    ]


def test_merged_areas_give_their_texts_back():
    canada = polygons_of("canada.cap")[:2]
    merged = merge_areas([cap_polygon_to_geojson(text) for text in canada])
    assert merged is not None
    assert merged["type"] == "MultiPolygon"
    assert len(merged["coordinates"]) == 2
    assert geojson_to_cap_polygons(merged) == canada


def test_a_circle_becomes_a_geodesic_polygon_keeping_its_text():
    geometry = cap_circle_to_geojson("36.73,68.86  10")
    assert geometry["type"] == "Polygon"
    assert geometry["cap_circle"] == "36.73,68.86 10"
    ring = geometry["coordinates"][0]
    assert len(ring) == 65
    assert ring[0] == ring[-1]
    distances = Geod(ellps="WGS84").inv(
        [68.86] * 64, [36.73] * 64, [p[0] for p in ring[:-1]], [p[1] for p in ring[:-1]]
    )[2]
    assert [round(d, 3) for d in distances] == [10000.0] * 64


def test_a_circle_across_the_antimeridian_is_cut_in_two():
    geometry = cap_circle_to_geojson("-16.053,179.9 50")
    assert geometry["type"] == "MultiPolygon"
    assert len(geometry["coordinates"]) == 2
    longitudes = [p[0] for polygon in geometry["coordinates"] for p in polygon[0]]
    assert min(longitudes) == -180.0
    assert max(longitudes) == 180.0


def test_a_circle_of_radius_zero_is_a_point():
    assert cap_circle_to_geojson("-16.053,-173.274 0.0") == {
        "type": "Point",
        "coordinates": [-173.274, -16.053],
        "cap_circle": "-16.053,-173.274 0.0",
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("21,120 21,130 5,130 5,121.5", "not closed: it starts at 21,120 and ends at 5,121.5"),
        ("21,120 21,130 21,120", "at least 4 lat,lon pairs"),
        ("95,120 21,130 5,130 95,120", "latitude 95 is out of range"),
        ("21,190 21,130 5,130 21,190", "longitude 190 is out of range"),
        ("120,21 130,21 130,5 120,21", r"swapped\?"),
        ("21;120 21,130 5,130 21;120", "is not of the form lat,lon"),
        ("21,1e2 21,130 5,130 21,1e2", "is not a decimal number"),
        ("", "at least 4"),
    ],
    ids=["not-closed", "three-pairs", "latitude", "longitude", "swapped", "separator",
         "exponent", "empty"],
)  # fmt: skip
def test_a_bad_polygon_is_refused_saying_why(text, message):
    with pytest.raises(ValueError, match=message):
        cap_polygon_to_geojson(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("36.73,68.86", "a CAP circle is written 'lat,lon radius_km'"),
        ("36.73,68.86 -5", "negative"),
        ("236.73,68.86 5", r"swapped\?"),
    ],
)
def test_a_bad_circle_is_refused(text, message):
    with pytest.raises(ValueError, match=message):
        cap_circle_to_geojson(text)


def test_a_polygon_with_a_hole_cannot_be_written_as_cap():
    outer = [[0, 0], [10, 0], [10, 10], [0, 0]]
    inner = [[1, 1], [2, 1], [2, 2], [1, 1]]
    with pytest.raises(ValueError, match="no holes"):
        geojson_to_cap_polygons({"type": "Polygon", "coordinates": [outer, inner]})
    with pytest.raises(ValueError, match="not Point"):
        geojson_to_cap_polygons({"type": "Point", "coordinates": [1, 2]})
