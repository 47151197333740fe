"""CAP 1.2 area geometry ↔ GeoJSON (RFC 7946).

CAP writes a polygon as whitespace-separated "lat,lon" pairs, first pair = last, at least four
pairs, WGS 84 decimal degrees; a circle as "lat,lon radius_km". GeoJSON writes [lon, lat].

The conversion keeps every coordinate exactly: a number is read as an int when written without
a decimal point and as a float otherwise, and written back in the shortest form that reads as
the same float (Python's `repr`, never in exponent notation). Every real feed writes its
numbers that way, so their polygons come back as the very same text. When a polygon spells a
number otherwise ("64.10", "+21", more digits than a double holds), its whitespace-normalised
text rides along in the geometry's foreign member `"cap"` (RFC 7946 §6.1 allows foreign
members; map libraries ignore them), and `geojson_to_cap_polygons` gives that text back as long
as the coordinates still match it.

A circle becomes a 64-vertex geodesic polygon (pyproj on the WGS 84 ellipsoid); its CAP text is
kept in the foreign member `"cap_circle"`, so that it can be published again as a circle.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from pyproj import Geod
from shapely.affinity import translate
from shapely.geometry import MultiPolygon, Polygon, box, mapping
from shapely.geometry.polygon import orient

CIRCLE_VERTICES = 64
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_INTEGER = re.compile(r"[+-]?\d+")
_GEOD = Geod(ellps="WGS84")

Number = int | float


def _number(text: str, what: str) -> Number:
    if not _NUMBER.fullmatch(text):
        raise ValueError(
            _("%(what)s: %(text)r is not a decimal number") % {"what": what, "text": text}
        )
    return int(text) if _INTEGER.fullmatch(text) else float(text)


def _text(value: Number) -> str:
    """The shortest decimal text that reads back as this number, never in exponent form."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(_("coordinate %(value)r is not a number") % {"value": value})
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        raise ValueError(_("coordinate %(value)r is not a finite number") % {"value": value})
    return format(Decimal(repr(value)), "f")


def check_position(lat: Number, lon: Number, pair: str) -> None:
    """Raise ValueError unless (lat, lon) is in range; say "swapped?" when it looks so."""
    if abs(lat) > 90 and abs(lon) <= 90:
        raise ValueError(
            _(
                "pair %(pair)s: latitude %(lat)s is out of range (-90…90) and the longitude "
                "would fit as a latitude: latitude and longitude swapped? CAP writes lat,lon."
            )
            % {"pair": pair, "lat": _text(lat)}
        )
    if abs(lat) > 90:
        raise ValueError(
            _("pair %(pair)s: latitude %(lat)s is out of range (-90…90)")
            % {"pair": pair, "lat": _text(lat)}
        )
    if abs(lon) > 180:
        raise ValueError(
            _("pair %(pair)s: longitude %(lon)s is out of range (-180…180)")
            % {"pair": pair, "lon": _text(lon)}
        )


def _pair(text: str) -> tuple[Number, Number]:
    parts = text.split(",")
    if len(parts) != 2:
        raise ValueError(
            _("pair %(pair)r is not of the form lat,lon") % {"pair": text},
        )
    lat = _number(parts[0], _("latitude in %(pair)s") % {"pair": text})
    lon = _number(parts[1], _("longitude in %(pair)s") % {"pair": text})
    check_position(lat, lon, text)
    return lat, lon


def _ring_text(ring: list[list[Number]]) -> str:
    return " ".join(f"{_text(lat)},{_text(lon)}" for lon, lat in ring)


def cap_polygon_to_geojson(text: str) -> dict[str, Any]:
    """A CAP polygon ("lat,lon lat,lon …", closed, ≥ 4 pairs) as a GeoJSON Polygon.

    Raises ValueError, saying what is wrong: a pair not "lat,lon", a number that is not
    decimal, latitude or longitude out of range (or apparently swapped), fewer than 4 pairs,
    a ring not closed."""
    pairs = text.split()
    if len(pairs) < 4:
        raise ValueError(
            _("a CAP polygon needs at least 4 lat,lon pairs (first = last); this one has %(n)d")
            % {"n": len(pairs)}
        )
    ring = [[lon, lat] for lat, lon in (_pair(pair) for pair in pairs)]
    if pairs[0] != pairs[-1] and ring[0] != ring[-1]:
        raise ValueError(
            _("the CAP polygon is not closed: it starts at %(first)s and ends at %(last)s")
            % {"first": pairs[0], "last": pairs[-1]}
        )
    geometry: dict[str, Any] = {"type": "Polygon", "coordinates": [ring]}
    normalised = " ".join(pairs)
    if _ring_text(ring) != normalised:
        geometry["cap"] = normalised
    return geometry


def _polygon_texts(coordinates: list[Any], kept: str | None) -> str:
    if len(coordinates) != 1:
        raise ValueError(
            _("a CAP polygon has no holes: this polygon has %(n)d rings") % {"n": len(coordinates)}
        )
    ring = coordinates[0]
    for position in ring:
        if len(position) < 2:
            raise ValueError(_("position %(p)r has no longitude and latitude") % {"p": position})
        check_position(position[1], position[0], f"{position[1]},{position[0]}")
    if kept is not None and _same_ring(kept, ring):
        return kept
    return _ring_text([[p[0], p[1]] for p in ring])


def _same_ring(text: str, ring: list[list[Number]]) -> bool:
    try:
        parsed = cap_polygon_to_geojson(text)["coordinates"][0]
    except ValueError:
        return False
    return len(parsed) == len(ring) and all(
        a[0] == b[0] and a[1] == b[1] for a, b in zip(parsed, ring, strict=True)
    )


def geojson_to_cap_polygons(geometry: dict[str, Any]) -> list[str]:
    """A GeoJSON Polygon or MultiPolygon as CAP polygon texts, one per polygon: the exact
    inverse of `cap_polygon_to_geojson` (and of `merge_areas`). CAP polygons have no holes:
    a polygon with interior rings is refused (ValueError)."""
    kind = geometry.get("type")
    coordinates = geometry.get("coordinates")
    if not isinstance(coordinates, list):
        raise ValueError(_("the geometry has no coordinates"))
    kept = geometry.get("cap")
    if kind == "Polygon":
        return [_polygon_texts(coordinates, kept if isinstance(kept, str) else None)]
    if kind == "MultiPolygon":
        kept_list = kept if isinstance(kept, list) and len(kept) == len(coordinates) else None
        return [
            _polygon_texts(polygon, kept_list[i] if kept_list else None)
            for i, polygon in enumerate(coordinates)
        ]
    raise ValueError(
        _("only a Polygon or MultiPolygon can be written as CAP polygons, not %(kind)s")
        % {"kind": kind}
    )


def cap_circle_to_geojson(text: str) -> dict[str, Any]:
    """A CAP circle ("lat,lon radius_km") as a GeoJSON Polygon of 64 geodesic vertices
    (a MultiPolygon when it crosses the antimeridian), with the CAP text kept in the foreign
    member "cap_circle". A circle of radius 0 is a Point. Raises ValueError on bad input."""
    parts = text.split()
    if len(parts) != 2:
        raise ValueError(
            _("a CAP circle is written 'lat,lon radius_km', not %(text)r") % {"text": text}
        )
    lat, lon = _pair(parts[0])
    radius_km = _number(parts[1], _("radius in %(text)s") % {"text": text})
    if radius_km < 0:
        raise ValueError(_("the circle radius %(r)s km is negative") % {"r": parts[1]})
    normalised = " ".join(parts)
    if radius_km == 0:
        return {"type": "Point", "coordinates": [lon, lat], "cap_circle": normalised}
    azimuths = [360.0 * i / CIRCLE_VERTICES for i in range(CIRCLE_VERTICES)]
    lons, lats, _back = _GEOD.fwd(
        [float(lon)] * CIRCLE_VERTICES,
        [float(lat)] * CIRCLE_VERTICES,
        azimuths,
        [float(radius_km) * 1000.0] * CIRCLE_VERTICES,
    )
    # Unwrap the longitudes around the centre, then cut what lies past ±180° back into range.
    ring = [(lon + ((x - lon + 180.0) % 360.0) - 180.0, y) for x, y in zip(lons, lats, strict=True)]
    shape = Polygon([*ring, ring[0]])
    world = box(-180, -90, 180, 90)
    pieces = [shape.intersection(world)]
    for shift in (-360.0, 360.0):
        part = shape.intersection(box(-180 - shift, -90, 180 - shift, 90))
        if not part.is_empty:
            pieces.append(translate(part, xoff=shift))
    polygons = [
        p
        for piece in pieces
        for p in getattr(piece, "geoms", [piece])
        if isinstance(p, Polygon) and not p.is_empty
    ]
    polygons = [orient(p, sign=1.0) for p in polygons]  # RFC 7946: exterior counterclockwise
    geometry = dict(mapping(polygons[0] if len(polygons) == 1 else MultiPolygon(polygons)))
    geometry["coordinates"] = _as_lists(geometry["coordinates"])
    geometry["cap_circle"] = normalised
    return geometry


def _as_lists(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [_as_lists(v) for v in value]
    return value


def merge_areas(geometries: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Several areas (CAP polygons and circles of one alert) as one geometry: the polygon
    itself when there is one, else a MultiPolygon. Kept CAP texts follow (see module doc).
    Points (circles of radius 0) are left out; None when nothing is left."""
    polygons: list[tuple[list[Any], str | None]] = []
    for geometry in geometries:
        if geometry["type"] == "Polygon":
            polygons.append((geometry["coordinates"], geometry.get("cap")))
        elif geometry["type"] == "MultiPolygon":
            polygons.extend((coords, None) for coords in geometry["coordinates"])
    if not polygons:
        return None
    if len(polygons) == 1:
        coords, kept = polygons[0]
        single: dict[str, Any] = {"type": "Polygon", "coordinates": coords}
        if kept is not None:
            single["cap"] = kept
        return single
    merged: dict[str, Any] = {"type": "MultiPolygon", "coordinates": [c for c, _k in polygons]}
    if any(kept is not None for _c, kept in polygons):
        merged["cap"] = [kept for _c, kept in polygons]
    return merged
