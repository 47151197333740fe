"""Geography: the shipped basemap layers, member-state border distances (geodesic), drawn-polygon
validation, border buffers in kilometres and the outline of admin-area regions. Expected
distances were computed once by brute force (the borders densified to 0.002°, every vertex
measured with pyproj's Geod) and are pinned here."""

from __future__ import annotations

import json

import pytest
import shapely
from django.core.exceptions import ValidationError

from concord.crisis import geo

DUSHANBE = (68.78, 38.56)
KABUL = (69.17, 34.53)
KUNDUZ = (68.86, 36.73)
MAZAR_I_SHARIF = (67.11, 36.71)
TASHKENT = (69.24, 41.31)
SHERKHAN_BANDAR = (68.566, 37.192)  # on the Panj (Amu Darya), the Afghan–Tajik border
SOUTH_OF_SHERKHAN = (68.566, 36.7415)  # 50.0 km due south of it (Geod.fwd, azimuth 180°)


@pytest.mark.parametrize(
    ("name", "count"),
    [("countries", 18), ("world", 177), ("places", 321), ("admin1", 1008)],
    ids=["countries", "world", "places", "admin1"],
)
def test_basemap_layers_are_geojson_with_every_feature(name, count):
    layer = json.loads(geo.basemap_layer(name))

    assert layer["type"] == "FeatureCollection"
    assert layer["attribution"] == "Made with Natural Earth (public domain)"
    assert len(layer["features"]) == count


def test_basemap_countries_carry_iso_codes_even_where_natural_earth_has_minus_99():
    world = {
        f["properties"]["ADM0_A3"]: f["properties"]
        for f in json.loads(geo.basemap_layer("world"))["features"]
    }
    region = json.loads(geo.basemap_layer("countries"))["features"]

    assert world["FRA"]["ISO_A3"] == "FRA"  # ISO_A3 is -99 in Natural Earth
    assert world["NOR"]["ISO_A3"] == "NOR"
    assert sorted(f["properties"]["ISO_A3"] for f in region)[:4] == ["AFG", "ARM", "AZE", "BLR"]
    assert set(region[0]["properties"]) == {"ISO_A3", "ADM0_A3", "NAME", "NAME_LONG"}


def test_an_unknown_basemap_layer_is_refused():
    with pytest.raises(KeyError):
        geo.basemap_layer("tiles")


def test_member_states_default_to_the_csto_and_follow_the_setting(settings):
    assert geo.member_states_iso3() == ("ARM", "BLR", "KAZ", "KGZ", "RUS", "TJK")

    settings.CRISIS_MEMBER_STATES_ISO3 = ("UZB",)

    assert geo.member_states_iso3() == ("UZB",)
    assert geo.distance_to_member_border_km(*TASHKENT).inside is True


def test_member_state_borders_are_prepared_lines():
    borders = geo.member_state_borders()

    assert borders.geom_type == "MultiLineString"
    assert shapely.is_prepared(borders)


@pytest.mark.parametrize(
    ("point", "km", "inside"),
    [
        # Dushanbe: nearest is the Tajik–Uzbek border south-west of the city (68.333, 38.238).
        (DUSHANBE, 52.936, True),
        (KABUL, 286.173, False),  # nearest: the Panj, Tajikistan's border
        (KUNDUZ, 55.165, False),
        (TASHKENT, 14.368, False),  # Uzbekistan is not a member; Kazakhstan is near
        (SOUTH_OF_SHERKHAN, 40.586, False),  # the river bends west towards it
    ],
    ids=["dushanbe", "kabul", "kunduz", "tashkent", "south-of-sherkhan-bandar"],
)
def test_geodesic_distance_to_the_nearest_member_state_border(point, km, inside):
    found = geo.distance_to_member_border_km(*point)

    assert found.km == pytest.approx(km, abs=0.01)
    assert found.inside is inside


def test_border_distances_are_vectorised_and_agree_with_one_by_one():
    lons = [DUSHANBE[0], KABUL[0], 37.6]  # and Moscow
    lats = [DUSHANBE[1], KABUL[1], 55.75]

    km, inside = geo.border_distances_km(lons, lats)

    assert km.round(1).tolist() == [52.9, 286.2, 403.0]
    assert inside.tolist() == [True, False, True]


# Drawn polygons --------------------------------------------------------------------------------

SQUARE = [[68.0, 36.0], [70.0, 36.0], [70.0, 38.0], [68.0, 38.0], [68.0, 36.0]]


def test_a_closed_polygon_is_accepted():
    assert geo.validate_polygon({"type": "Polygon", "coordinates": [SQUARE]}) is None


@pytest.mark.parametrize(
    ("coordinates", "message"),
    [
        (
            [SQUARE[:-1]],
            "ring 1 is not closed: its last position must repeat the first",
        ),
        (
            [[[68.0, 36.0], [70.0, 36.0], [68.0, 36.0]]],
            "ring 1 has 3 positions; a closed ring needs at least 4",
        ),
        (
            [[[47.9, 106.9], [47.9, 108.0], [49.0, 108.0], [47.9, 106.9]]],
            (
                "ring 1, position 1: latitude 106.9 is out of range and the pair looks swapped "
                r"\(GeoJSON wants \[longitude, latitude\]\)"
            ),
        ),
        (
            [[[68.0, 36.0], [200.0, 36.0], [70.0, 38.0], [68.0, 36.0]]],
            r"ring 1, position 2: longitude 200.0 is out of range \(-180…180\)",
        ),
        (
            [[[68.0, 36.0], [70.0, 38.0], [70.0, 36.0], [68.0, 38.0], [68.0, 36.0]]],
            r"the polygon is not valid: Self-intersection\[69 37\]",
        ),
        (
            [[[68.0, 36.0], ["70", 36.0], [70.0, 38.0], [68.0, 36.0]]],
            r'ring 1, position 2: expected \[longitude, latitude\], got \["70", 36.0\]',
        ),
    ],
    ids=["not-closed", "too-few", "swapped", "out-of-range", "self-intersection", "not-numbers"],
)
def test_bad_polygons_are_refused_with_a_clear_message(coordinates, message):
    with pytest.raises(ValidationError, match=message):
        geo.validate_polygon({"type": "Polygon", "coordinates": coordinates})


def test_only_polygons_are_areas():
    with pytest.raises(
        ValidationError, match="must be a GeoJSON Polygon or MultiPolygon, not Point"
    ):
        geo.validate_polygon({"type": "Point", "coordinates": [68.0, 36.0]})


# Borders and buffers ---------------------------------------------------------------------------


def test_shared_borders_have_their_geodesic_lengths():
    lengths = {
        n: geo.WGS84.geometry_length(geo.shared_border("AFG", n)) / 1000
        for n in ("TJK", "UZB", "TKM")
    }

    assert lengths == pytest.approx({"TJK": 1037.7, "UZB": 122.2, "TKM": 662.2}, abs=0.1)


def test_the_100_km_border_buffer_holds_the_border_zone_and_not_kabul():
    zone = geo.border_buffer("AFG", ["TJK", "UZB", "TKM"], 100)

    def holds(point: tuple[float, float]) -> bool:
        return bool(shapely.contains_xy(zone, *point))

    assert holds(SOUTH_OF_SHERKHAN)
    assert holds(KUNDUZ)
    assert holds(MAZAR_I_SHARIF)  # 58 km from the Uzbek border
    assert not holds(KABUL)
    assert not holds(DUSHANBE)  # 128 km from the Afghan border
    assert not holds(TASHKENT)


def test_the_buffer_edge_lies_100_km_from_the_border():
    zone = geo.border_buffer("AFG", ["TJK"], 100)
    border = shapely.get_coordinates(shapely.segmentize(geo.shared_border("AFG", "TJK"), 0.002))
    edge = shapely.get_coordinates(zone.exterior)[::7]

    distances = []
    for lon, lat in edge:
        _, _, metres = geo.WGS84.inv(
            [lon] * len(border), [lat] * len(border), border[:, 0], border[:, 1]
        )
        distances.append(min(metres) / 1000)

    assert min(distances) == pytest.approx(100, abs=0.1)
    assert max(distances) == pytest.approx(100, abs=0.1)


def test_a_buffer_between_countries_without_a_border_is_refused():
    with pytest.raises(ValidationError, match="AFG and KAZ share no border"):
        geo.border_buffer("AFG", ["KAZ"], 50)


def test_an_unknown_country_code_is_refused():
    with pytest.raises(ValidationError, match=r"unknown country code\(s\): XXX"):
        geo.border_buffer("AFG", ["XXX"], 50)


def test_admin_areas_are_drawn_around_their_label_points():
    outline = geo.admin_areas_outline(["AF17", "AF18", "AF19", "AF21", "AF28", "AF29"])

    assert outline is not None
    # Faryab's label point (64.85, 36.20) to Badakhshan's (72.45, 36.88), 30 km around.
    west, _south, east, _north = outline.bounds
    assert (round(west, 1), round(east, 1)) == (64.5, 72.8)
    assert bool(shapely.contains_xy(outline, *KUNDUZ))
    assert not bool(shapely.contains_xy(outline, *KABUL))


def test_to_geojson_rounds_to_a_metre():
    shape = shapely.Point(68.123456789, 36.987654321).buffer(0.1)

    data = geo.to_geojson(shape)

    assert data["type"] == "Polygon"
    assert all(len(str(x).split(".")[-1]) <= 5 for x, _ in data["coordinates"][0])
