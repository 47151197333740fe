"""Geography of the crisis module: the basemap the app ships, member-state borders, border
distances, drawn-polygon validation and the geometry of regions of concern.

Data: Natural Earth (public domain; "Made with Natural Earth", naturalearthdata.com), shipped in
`data/geo/`: admin-0 countries of the region at 1:50m (coordinates rounded to 3 decimals), world
countries at 1:110m, populated places and admin-1 label points. Everything is read once per
process and kept (`functools.cache`); nothing is fetched at run time.

Coordinates are GeoJSON's [longitude, latitude] on WGS 84. Distances are geodesic on the WGS 84
ellipsoid (pyproj `Geod`); buffers in kilometres are drawn in a local azimuthal equidistant
projection centred on the line they surround (exact distances from its centre), then projected
back.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pycountry
import shapely
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from pyproj import CRS, Geod, Transformer
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

if TYPE_CHECKING:
    from .models import Region

DATA_DIR = Path(__file__).resolve().parent / "data" / "geo"
BASEMAP_FILES = {
    "countries": "ne_50m_admin_0_countries_region.geojson",
    "world": "ne_110m_admin_0_countries.geojson",
    "places": "ne_50m_populated_places_simple_region.geojson",
    "admin1": "ne_10m_admin_1_label_points_region.geojson",
}
BASEMAP_LAYERS = tuple(BASEMAP_FILES)
# The properties each served layer keeps (the 1:110m file carries 70 per country).
_SERVED_PROPERTIES = {
    "countries": ("ISO_A3", "ADM0_A3", "NAME", "NAME_LONG"),
    "world": ("ISO_A3", "ADM0_A3", "NAME", "NAME_LONG"),
    "places": ("name", "nameascii", "adm0_a3", "adm1name", "pop_max", "scalerank", "featurecla"),
    "admin1": ("name", "admin", "sr_adm0_a3", "iso_a2", "adm1_code", "scalerank"),
}
ATTRIBUTION = "Made with Natural Earth (public domain)"

# The CSTO's member states (the default; a deployment for another organisation sets
# CRISIS_MEMBER_STATES_ISO3 in its settings). Alpha-3, as Country.alpha3 and Natural Earth.
MEMBER_STATES_ISO3 = ("ARM", "BLR", "KAZ", "KGZ", "RUS", "TJK")

# Natural Earth 1:50m is rounded to 3 decimals, so two neighbours' edges do not coincide
# exactly: a border is the part of one country's outline within this distance of the other.
BORDER_TOLERANCE_DEG = 0.002
# Lines are densified before projecting, so that their straight lon/lat segments stay lines.
DENSIFY_DEG = 0.1
DENSIFY_M = 10_000.0
# Border distance: points are grouped in blocks this size, each measured in its own local
# projection; the nearest border point found there is then measured geodesically.
BLOCK_DEGREES = 5.0
PIECE_VERTICES = 8
BUFFER_PIECE_VERTICES = 26
ADMIN_AREA_DRAWING_KM = 30.0

WGS84 = Geod(ellps="WGS84")


# Reading the shipped files --------------------------------------------------------------------


@cache
def _collection(name: str) -> dict[str, Any]:
    if name not in BASEMAP_FILES:
        raise KeyError(name)
    path = DATA_DIR / BASEMAP_FILES[name]
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def iso3_of(properties: dict[str, Any]) -> str:
    """A Natural Earth feature's ISO alpha-3 code. ISO_A3 is "-99" where Natural Earth splits a
    country differently from ISO (France, Norway, Kosovo…): fall back to ISO_A3_EH, then to
    ADM0_A3 (Natural Earth's own code, equal to ISO's for every member state)."""
    for key in ("ISO_A3", "ISO_A3_EH", "ADM0_A3"):
        value = str(properties.get(key) or "")
        if value and value != "-99":
            return value
    return ""


def basemap_layer(name: str) -> bytes:
    """A basemap layer as serve-ready GeoJSON bytes (compact; a few properties per feature):
    "countries" (the region, 1:50m; ISO_A3, ADM0_A3, NAME, NAME_LONG), "world" (1:110m; the
    same properties), "places" (populated places) or "admin1" (admin-1 label points).
    Natural Earth, public domain. KeyError for another name."""
    return _served(name)


@cache
def _served(name: str) -> bytes:
    keep = _SERVED_PROPERTIES[name]
    features = []
    for feature in _collection(name)["features"]:
        properties = {key: feature["properties"].get(key) for key in keep}
        if "ISO_A3" in properties:
            properties["ISO_A3"] = iso3_of(feature["properties"])
        features.append(
            {"type": "Feature", "properties": properties, "geometry": feature["geometry"]}
        )
    collection = {"type": "FeatureCollection", "attribution": ATTRIBUTION, "features": features}
    return json.dumps(collection, separators=(",", ":"), ensure_ascii=False).encode()


def _by_iso3(name: str) -> dict[str, BaseGeometry]:
    found: dict[str, BaseGeometry] = {}
    for feature in _collection(name)["features"]:
        code = iso3_of(feature["properties"])
        if code and code not in found:
            found[code] = shape(feature["geometry"])
    return found


@cache
def region_countries() -> dict[str, BaseGeometry]:
    """Countries of the region (1:50m) by ISO alpha-3."""
    return _by_iso3("countries")


@cache
def world_countries() -> dict[str, BaseGeometry]:
    """Countries of the world (1:110m) by ISO alpha-3."""
    return _by_iso3("world")


def known_country(code: str) -> bool:
    return code in region_countries() or code in world_countries()


def countries_of(codes: Iterable[str]) -> dict[str, BaseGeometry]:
    """These countries from one scale, so that their shared edges match: the region's 1:50m
    when it holds them all, else the world's 1:110m. ValidationError for an unknown code."""
    wanted = list(codes)
    unknown = [code for code in wanted if not known_country(code)]
    if unknown:
        raise ValidationError(
            _("unknown country code(s): %(codes)s (ISO 3166-1 alpha-3 expected)")
            % {"codes": ", ".join(unknown)}
        )
    region = region_countries()
    source = region if all(code in region for code in wanted) else world_countries()
    return {code: source[code] for code in wanted}


# Member states and the distance to their borders ---------------------------------------------


def member_states_iso3() -> tuple[str, ...]:
    return tuple(getattr(settings, "CRISIS_MEMBER_STATES_ISO3", MEMBER_STATES_ISO3))


def member_state_borders() -> BaseGeometry:
    """The member states' outlines as lines (prepared; lon/lat). Natural Earth outlines include
    coasts (the Caspian shore, the Arctic coast), so these count as borders too."""
    return _borders(member_states_iso3())


def member_states_area() -> BaseGeometry:
    """The member states' territory as one prepared (multi)polygon."""
    return _territory(member_states_iso3())


@lru_cache(maxsize=4)
def _territory(codes: tuple[str, ...]) -> BaseGeometry:
    geometry = shapely.union_all(list(countries_of(codes).values()))
    shapely.prepare(geometry)
    return geometry


@lru_cache(maxsize=4)
def _borders(codes: tuple[str, ...]) -> BaseGeometry:
    lines = shapely.line_merge(
        shapely.union_all([shapely.boundary(g) for g in countries_of(codes).values()])
    )
    shapely.prepare(lines)
    return lines


@lru_cache(maxsize=4)
def _border_pieces(codes: tuple[str, ...]) -> tuple[BaseGeometry, ...]:
    """The borders densified and cut into short lines, for a spatial index."""
    dense = shapely.segmentize(_borders(codes), DENSIFY_DEG)
    pieces: list[BaseGeometry] = []
    for line in shapely.get_parts(dense):
        coords = shapely.get_coordinates(line)
        for start in range(0, len(coords) - 1, PIECE_VERTICES - 1):
            chunk = coords[start : start + PIECE_VERTICES]
            if len(chunk) >= 2:
                pieces.append(shapely.linestrings(chunk))
    return tuple(pieces)


def _local_crs(lon: float, lat: float) -> CRS:
    return CRS.from_proj4(
        f"+proj=aeqd +lat_0={lat:.6f} +lon_0={lon:.6f} +datum=WGS84 +units=m +no_defs"
    )


@lru_cache(maxsize=512)
def _transformers(lon: float, lat: float) -> tuple[Transformer, Transformer]:
    """(to, from) the azimuthal equidistant projection centred at (lon, lat), in metres."""
    local = _local_crs(lon, lat)
    return (
        Transformer.from_crs("EPSG:4326", local, always_xy=True),
        Transformer.from_crs(local, "EPSG:4326", always_xy=True),
    )


def _project(geometry: Any, transformer: Transformer) -> Any:
    def move(xy: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geometry, move)


@dataclass(frozen=True)
class _Block:
    forward: Transformer
    backward: Transformer
    pieces: np.ndarray  # projected border pieces
    tree: shapely.STRtree


@lru_cache(maxsize=128)
def _block(codes: tuple[str, ...], row: int, col: int) -> _Block:
    lat = -90.0 + (row + 0.5) * BLOCK_DEGREES
    lon = -180.0 + (col + 0.5) * BLOCK_DEGREES
    forward, backward = _transformers(lon, lat)
    pieces = np.asarray(_project(np.asarray(_border_pieces(codes), dtype=object), forward))
    return _Block(forward, backward, pieces, shapely.STRtree(pieces))


@dataclass(frozen=True)
class BorderDistance:
    km: float  # to the nearest point of a member state's border
    inside: bool  # the point lies in a member state


def border_distances_km(
    lons: Sequence[float] | np.ndarray, lats: Sequence[float] | np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Geodesic distances (km) from each point to the nearest member-state border, and whether
    each point lies inside a member state (vectorised).

    The nearest border point is found in a local azimuthal equidistant projection shared by the
    points of one 5° block (an STRtree of short border pieces); the distance to it is then
    measured on the ellipsoid (`Geod.inv`). Away from the block's centre the projection bends
    directions slightly, which moves the nearest point along the border, not the distance to a
    given point: errors stay well under a kilometre within a few hundred kilometres."""
    codes = member_states_iso3()
    lon = np.asarray(lons, dtype=float)
    lat = np.asarray(lats, dtype=float)
    km = np.zeros(lon.shape, dtype=float)
    if lon.size == 0:
        return km, np.zeros(lon.shape, dtype=bool)
    inside = shapely.contains_xy(_territory(codes), lon, lat)
    rows = np.clip(((lat + 90.0) // BLOCK_DEGREES).astype(int), 0, int(180 / BLOCK_DEGREES) - 1)
    cols = np.clip(((lon + 180.0) // BLOCK_DEGREES).astype(int), 0, int(360 / BLOCK_DEGREES) - 1)
    keys = rows * 1000 + cols
    for key in np.unique(keys):
        where = np.nonzero(keys == key)[0]
        block = _block(codes, int(key // 1000), int(key % 1000))
        x, y = block.forward.transform(lon[where], lat[where])
        points = shapely.points(x, y)
        found, nearest = block.tree.query_nearest(points, all_matches=False)
        order = np.argsort(found)
        lines = shapely.shortest_line(points[found[order]], block.pieces[nearest[order]])
        feet = shapely.get_coordinates(shapely.get_point(lines, 1))
        foot_lon, foot_lat = block.backward.transform(feet[:, 0], feet[:, 1])
        _, _, metres = WGS84.inv(lon[where], lat[where], foot_lon, foot_lat)
        km[where] = np.asarray(metres) / 1000.0
    return km, inside


def distance_to_member_border_km(lon: float, lat: float) -> BorderDistance:
    """The geodesic distance from (lon, lat) to the nearest member-state border, and whether
    the point lies in a member state."""
    km, inside = border_distances_km([lon], [lat])
    return BorderDistance(float(km[0]), bool(inside[0]))


# Validating drawn polygons --------------------------------------------------------------------


def _position(ring: int, index: int, value: Any) -> tuple[float, float]:
    where = _("ring %(ring)d, position %(index)d") % {"ring": ring + 1, "index": index + 1}
    if (
        not isinstance(value, list | tuple)
        or len(value) not in (2, 3)
        or not all(isinstance(n, int | float) and not isinstance(n, bool) for n in value)
    ):
        raise ValidationError(
            _("%(where)s: expected [longitude, latitude], got %(value)s")
            % {"where": where, "value": json.dumps(value)[:60]}
        )
    lon, lat = float(value[0]), float(value[1])
    if not -90.0 <= lat <= 90.0 and -90.0 <= lon <= 90.0 and -180.0 <= lat <= 180.0:
        raise ValidationError(
            _(
                "%(where)s: latitude %(lat)s is out of range and the pair looks swapped "
                "(GeoJSON wants [longitude, latitude])"
            )
            % {"where": where, "lat": value[1]}
        )
    if not -180.0 <= lon <= 180.0:
        raise ValidationError(
            _("%(where)s: longitude %(lon)s is out of range (-180…180)")
            % {"where": where, "lon": value[0]}
        )
    if not -90.0 <= lat <= 90.0:
        raise ValidationError(
            _("%(where)s: latitude %(lat)s is out of range (-90…90)")
            % {"where": where, "lat": value[1]}
        )
    return lon, lat


def _rings(coordinates: Any, offset: int = 0) -> list[list[tuple[float, float]]]:
    if not isinstance(coordinates, list) or not coordinates:
        raise ValidationError(_("a polygon needs at least one ring of positions"))
    rings = []
    for number, ring in enumerate(coordinates, start=offset):
        if not isinstance(ring, list):
            raise ValidationError(
                _("ring %(ring)d is not a list of positions") % {"ring": number + 1}
            )
        positions = [_position(number, index, value) for index, value in enumerate(ring)]
        if len(positions) < 4:
            raise ValidationError(
                _("ring %(ring)d has %(count)d positions; a closed ring needs at least 4")
                % {"ring": number + 1, "count": len(positions)}
            )
        if positions[0] != positions[-1]:
            raise ValidationError(
                _("ring %(ring)d is not closed: its last position must repeat the first")
                % {"ring": number + 1}
            )
        rings.append(positions)
    return rings


def validate_polygon(geojson: dict[str, Any]) -> None:
    """Refuse a drawn GeoJSON Polygon or MultiPolygon with a clear message: a ring not closed or
    with fewer than 4 positions, a coordinate out of range or swapped ([lat, lon]), a ring that
    crosses itself or another (shapely's `explain_validity`)."""
    if not isinstance(geojson, dict):
        raise ValidationError(_("the area must be a GeoJSON object"))
    kind = geojson.get("type")
    coordinates = geojson.get("coordinates")
    if kind == "Polygon":
        _rings(coordinates)
    elif kind == "MultiPolygon":
        if not isinstance(coordinates, list) or not coordinates:
            raise ValidationError(_("a multipolygon needs at least one polygon"))
        offset = 0
        for polygon in coordinates:
            offset += len(_rings(polygon, offset))
    else:
        raise ValidationError(
            _("the area must be a GeoJSON Polygon or MultiPolygon, not %(kind)s")
            % {"kind": str(kind)[:40]}
        )
    geometry = shape(geojson)
    if not shapely.is_valid(geometry):
        raise ValidationError(
            _("the polygon is not valid: %(reason)s")
            % {"reason": shapely.is_valid_reason(geometry)}
        )


# Buffers and region geometry ------------------------------------------------------------------


def _lines(geometry: BaseGeometry) -> BaseGeometry:
    parts = [
        part
        for part in shapely.get_parts(geometry)
        if part.geom_type in ("LineString", "MultiLineString")
    ]
    return shapely.line_merge(shapely.union_all(parts)) if parts else shapely.MultiLineString()


def shared_border(country: str, neighbour: str) -> BaseGeometry:
    """The border between two countries as lines (lon/lat): `country`'s outline where it runs
    within BORDER_TOLERANCE_DEG of `neighbour` (Natural Earth's edges differ by rounding)."""
    shapes = countries_of([country, neighbour])
    return _lines(
        shapely.intersection(
            shapely.boundary(shapes[country]),
            shapely.buffer(shapes[neighbour], BORDER_TOLERANCE_DEG),
        )
    )


def _short_parts(geometry: BaseGeometry) -> list[BaseGeometry]:
    """Lines cut into pieces of at most BUFFER_PIECE_VERTICES densified vertices (≈ 250 km),
    so that each is buffered close to its own projection centre; polygons and points whole."""
    parts: list[BaseGeometry] = []
    for part in shapely.get_parts(geometry):
        if part.geom_type != "LineString":
            parts.append(part)
            continue
        coords = shapely.get_coordinates(shapely.segmentize(part, DENSIFY_DEG))
        step = BUFFER_PIECE_VERTICES - 1
        parts.extend(
            shapely.linestrings(coords[start : start + BUFFER_PIECE_VERTICES])
            for start in range(0, max(len(coords) - 1, 1), step)
        )
    return parts


def buffer_km(geometry: BaseGeometry, km: float) -> BaseGeometry:
    """`geometry` (lon/lat) buffered by `km` kilometres: lines in pieces of ≈ 250 km, each
    projected to an azimuthal equidistant projection centred on it (distances from the centre
    are exact), buffered in metres, densified and projected back; then the union. Within 150 km
    of a piece's centre the projection's scale errs by under 0.03 %."""
    pieces = []
    for part in _short_parts(geometry):
        centre = part.centroid
        forward, backward = _transformers(round(centre.x, 6), round(centre.y, 6))
        local = _project(shapely.segmentize(part, DENSIFY_DEG), forward)
        drawn = shapely.segmentize(shapely.buffer(local, km * 1000.0, quad_segs=32), DENSIFY_M)
        pieces.append(_project(drawn, backward))
    return shapely.make_valid(shapely.union_all(pieces)) if pieces else shapely.Polygon()


def border_buffer(country: str, neighbours: Sequence[str], km: float) -> BaseGeometry:
    """The zone within `km` kilometres of `country`'s borders with each of `neighbours` (both
    sides of the border). ValidationError when a pair shares no border."""
    lines = []
    for neighbour in neighbours:
        line = shared_border(country, neighbour)
        if line.is_empty:
            raise ValidationError(
                _("%(country)s and %(neighbour)s share no border")
                % {"country": country, "neighbour": neighbour}
            )
        lines.append(line)
    return buffer_km(_lines(shapely.union_all(lines)), km)


def _plain(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z]", "", folded)


@cache
def _admin1_points() -> dict[tuple[str, str], tuple[float, float]]:
    """(ISO alpha-2, plain name) → admin-1 label point."""
    found: dict[tuple[str, str], tuple[float, float]] = {}
    for feature in _collection("admin1")["features"]:
        props = feature["properties"]
        lon, lat = feature["geometry"]["coordinates"][:2]
        found.setdefault((str(props.get("iso_a2") or ""), _plain(str(props["name"]))), (lon, lat))
    return found


def admin1_point(pcode: str) -> tuple[float, float] | None:
    """(lat, lon) of the Natural Earth label point of the province a P-code names (an admin-2
    P-code counts as its province); None when the P-code or the point is unknown. The two
    sources are joined by the province's name within its country."""
    from . import gazetteer  # the P-code gazetteer: names and countries of admin areas

    unit = gazetteer.unit(pcode)
    while unit is not None and unit.level > 1:
        unit = gazetteer.unit(unit.parent)
    if unit is None:
        return None
    country = pycountry.countries.get(alpha_3=unit.country)
    if country is None:
        return None
    point = _admin1_points().get((country.alpha_2, _plain(unit.name)))
    return None if point is None else (point[1], point[0])


def admin_areas_outline(pcodes: Iterable[str]) -> BaseGeometry | None:
    """For drawing only (membership goes by P-code): the convex hull of the admin areas' label
    points (Natural Earth admin-1; an admin-2 P-code counts as its province) buffered 30 km.
    None when no label point is found."""
    points = [(lon, lat) for lat, lon in filter(None, map(admin1_point, pcodes))]
    if not points:
        return None
    return buffer_km(shapely.convex_hull(shapely.multipoints(points)), ADMIN_AREA_DRAWING_KM)


def definition_geometry(kind: str, definition: dict[str, Any]) -> BaseGeometry | None:
    """The geometry a region's definition gives (None for a drawn polygon: it has no
    definition beyond its geometry)."""
    if kind == "border_buffer":
        return border_buffer(
            definition["country"], list(definition["neighbours"]), float(definition["km"])
        )
    if kind == "admin_areas":
        return admin_areas_outline(definition.get("pcodes", []))
    return None


def region_geometry(region: Region) -> BaseGeometry | None:
    """A region's geometry (lon/lat): the drawn polygon, the computed border buffer, or for
    admin-area regions the outline used for drawing (their events are matched by P-code).
    The geometry saved with the region is used when there is one."""
    if region.geometry:
        return shape(region.geometry)
    return definition_geometry(region.kind, region.definition or {})


def to_geojson(geometry: BaseGeometry, *, decimals: int = 5) -> dict[str, Any]:
    """GeoJSON for a geometry, coordinates rounded (1e-5° ≈ 1 m) without losing validity."""
    snapped = shapely.set_precision(geometry, 10.0**-decimals)
    data: dict[str, Any] = json.loads(shapely.to_geojson(snapped))
    return data
