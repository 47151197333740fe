"""Charts of the crisis module as SVG strings: events per week, the fatalities trend, events per
province, and a map of events. Vega-Lite specs rendered by vl-convert (Vega bundled, no browser):
all data is inline and no remote address is allowed, so nothing is fetched; text is measured
with the font the PDF is laid out with. The same SVG goes into pages and situation reports.

The map draws the shipped Natural Earth countries (`geo`), clipped around the view, the
region's outline, and the events as circles coloured by severity on a fixed 1–5 scale, in a
Mercator projection fitted to the bounding box. Titles come from the caller (in its language);
axis labels and number/date formats follow the active language.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import shapely
from django.utils.translation import gettext as _

from concord.core import charts as core_charts

from . import geo

if TYPE_CHECKING:
    from .models import Event, Region
    from .queries_regions import ProvinceRow, WeekRow

# 1 (minor) … 5 (extreme): the interactive map's colours (ColorBrewer RdYlGn, reversed).
SEVERITY_COLOURS = ("#1a9850", "#91cf60", "#e6b800", "#fc8d59", "#d73027")
DEFAULT_BBOX = (60.0, 33.0, 76.0, 41.0)  # northern Afghanistan and its northern neighbours
MARGIN = 0.08  # of the box's size, around the events or the region


_BASE: dict[str, Any] = {
    "background": "white",
    "config": {
        "font": core_charts.FONT,
        "view": {"stroke": None},
        "axis": {"labelFontSize": 11, "titleFontSize": 11},
        "title": {"fontSize": 13, "anchor": "start"},
        "bar": {"color": "#2f5f8a"},
        "line": {"color": "#b2182b"},
    },
}


def _week_axis(rows: Sequence[WeekRow]) -> dict[str, Any]:
    """A time axis in UTC dates labelled at week starts (at most about ten labels)."""
    step = max(1, -(-len(rows) // 10))
    ticks = [
        {"year": r.week_start.year, "month": r.week_start.month, "date": r.week_start.day}
        | {"utc": True}
        for r in rows[::step]
    ]
    return {
        "field": "week",
        "type": "temporal",
        "timeUnit": "utcyearmonthdate",
        "title": _("Week starting"),
        "axis": {"format": "%d.%m.%Y", "labelAngle": -40, "values": ticks},
    }


def _weeks(rows: Sequence[WeekRow], measure: str) -> list[dict[str, Any]]:
    return [
        {
            "week": row.week_start.isoformat(),
            "next": (row.week_start + timedelta(days=7)).isoformat(),
            measure: getattr(row, measure),
        }
        for row in rows
    ]


def weekly_chart(rows: Sequence[WeekRow], *, title: str) -> str:
    """Events per week: one bar a week (Monday to Monday), gaps where no event was recorded."""
    spec = {
        **_BASE,
        "title": title,
        "width": 560,
        "height": 220,
        "data": {"values": _weeks(rows, "events")},
        "mark": {"type": "bar", "stroke": "white", "strokeWidth": 1},
        "encoding": {
            "x": _week_axis(rows),
            "x2": {"field": "next"},
            "y2": {"datum": 0},
            "y": {
                "field": "events",
                "type": "quantitative",
                "title": _("Events"),
                "axis": {"tickMinStep": 1, "format": "d"},
            },
        },
    }
    return core_charts.svg(spec)


def fatalities_chart(rows: Sequence[WeekRow], *, title: str) -> str:
    """Dead per week as a line with points (at each week's Monday)."""
    spec = {
        **_BASE,
        "title": title,
        "width": 560,
        "height": 220,
        "data": {"values": _weeks(rows, "dead")},
        "mark": {"type": "line", "point": {"color": "#b2182b"}},
        "encoding": {
            "x": _week_axis(rows),
            "y": {
                "field": "dead",
                "type": "quantitative",
                "title": _("Dead"),
                "axis": {"tickMinStep": 1, "format": "d"},
            },
        },
    }
    return core_charts.svg(spec)


def province_chart(rows: Sequence[ProvinceRow], *, title: str) -> str:
    """Events per province as horizontal bars, most first."""
    values = [
        {
            "label": f"{row.admin1_name or _('unknown')} ({row.country})",
            "events": row.events,
        }
        for row in rows
    ]
    spec = {
        **_BASE,
        "title": title,
        "width": 420,
        "height": 18 * len(values) + 10,
        "data": {"values": values},
        "mark": "bar",
        "encoding": {
            "y": {
                "field": "label",
                "type": "nominal",
                "title": _("Province"),
                "sort": "-x",
                "axis": {"labelLimit": 220},
            },
            "x": {
                "field": "events",
                "type": "quantitative",
                "title": _("Events"),
                "axis": {"tickMinStep": 1, "format": "d"},
            },
        },
    }
    return core_charts.svg(spec)


# The map ---------------------------------------------------------------------------------------


def _feature(geometry: shapely.Geometry, properties: dict[str, Any]) -> dict[str, Any]:
    # d3-geo (Vega) reads polygons wound clockwise as their inside; GeoJSON's are anticlockwise.
    oriented = shapely.orient_polygons(geometry, exterior_cw=True)
    return {
        "type": "Feature",
        "properties": properties,
        "geometry": json.loads(shapely.to_geojson(oriented)),
    }


def _view_box(
    events: Sequence[Event], region_shape: shapely.Geometry | None
) -> tuple[float, float, float, float]:
    if region_shape is not None and not region_shape.is_empty:
        west, south, east, north = region_shape.bounds
    else:
        located = [(e.longitude, e.latitude) for e in events if e.latitude is not None]
        if not located:
            return DEFAULT_BBOX
        lons = [lon for lon, _lat in located if lon is not None]
        lats = [lat for _lon, lat in located]
        west, south, east, north = min(lons), min(lats), max(lons), max(lats)
    pad_x = max(east - west, 1.0) * MARGIN
    pad_y = max(north - south, 1.0) * MARGIN
    return (
        max(west - pad_x, -180.0),
        max(south - pad_y, -85.0),
        min(east + pad_x, 180.0),
        min(north + pad_y, 85.0),
    )


def map_svg(
    *,
    events: Sequence[Event],
    region: Region | None,
    bbox: tuple[float, float, float, float] | None,
    title: str,
    width: int = 800,
    height: int = 560,
) -> str:
    """A map of events: countries, the region's outline, events coloured by severity (1–5).
    `bbox` (west, south, east, north) sets the view; without it the view fits the region, else
    the events, else northern Afghanistan."""
    region_shape = geo.region_geometry(region) if region is not None else None
    west, south, east, north = bbox or _view_box(events, region_shape)
    view = shapely.box(west, south, east, north)
    # Countries are clipped to a frame around the view (the view's aspect is not the box's).
    frame_x, frame_y = (east - west) * 0.6 + 1.0, (north - south) * 0.6 + 1.0
    frame = (
        west - frame_x,
        max(south - frame_y, -89.0),
        east + frame_x,
        min(north + frame_y, 89.0),
    )
    countries = [
        _feature(shapely.clip_by_rect(shape, *frame), {"iso3": code})
        for code, shape in sorted(geo.region_countries().items())
        if shape.intersects(shapely.box(*frame))
    ]
    points = [
        {"lon": e.longitude, "lat": e.latitude, "severity": e.severity}
        for e in events
        if e.latitude is not None and e.longitude is not None
    ]
    layers: list[dict[str, Any]] = [
        {
            "data": {"values": countries},
            "mark": {"type": "geoshape", "fill": "#f1efe8", "stroke": "#8a8a8a", "clip": True},
        }
    ]
    if region_shape is not None and not region_shape.is_empty:
        layers.append(
            {
                "data": {
                    "values": [_feature(region_shape, {"slug": region.slug if region else ""})]
                },
                "mark": {
                    "type": "geoshape",
                    "filled": False,
                    "stroke": "#6a3d9a",
                    "strokeWidth": 2,
                    "strokeDash": [6, 3],
                    "clip": True,
                },
            }
        )
    layers.append(
        {
            "data": {"values": points},
            "mark": {"type": "circle", "size": 36, "opacity": 0.85, "clip": True},
            "encoding": {
                "longitude": {"field": "lon", "type": "quantitative"},
                "latitude": {"field": "lat", "type": "quantitative"},
                "color": {
                    "field": "severity",
                    "type": "ordinal",
                    "title": _("Severity"),
                    "scale": {"domain": [1, 2, 3, 4, 5], "range": list(SEVERITY_COLOURS)},
                },
            },
        }
    )
    spec = {
        **_BASE,
        "title": title,
        "width": width,
        "height": height,
        "projection": {"type": "mercator", "fit": _feature(view, {})},
        "layer": layers,
    }
    return core_charts.svg(spec)
