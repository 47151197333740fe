"""Where events lie: the regions of concern they fall in and their distance to the nearest
member-state border. Called by every write path (forms, imports) after events are saved, and
for one region when its definition changes.

- A drawn-polygon or border-buffer region holds the events whose coordinates lie in its
  geometry (prepared, tested for a whole chunk of points at once with `shapely.contains_xy`).
- An admin-area region holds the events whose admin-1 or admin-2 P-code is in its set, with or
  without coordinates (its geometry is only an outline for maps).
- `border_distance_km` is the geodesic distance to the nearest member-state border, whether
  the event lies inside a member state or not (`geo.border_distances_km`); None without
  coordinates.

Compiled regions are kept per process, keyed on the region's `updated_at`, so that a changed
region is compiled again on its next use.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import shapely
from django.db import connection, transaction

from . import geo
from .models import Event, Region, RegionMembership

CHUNK = 5000
UPDATE_BATCH = 1000


@dataclass(frozen=True)
class _Compiled:
    """A region ready to test points against: a prepared geometry, or a P-code set."""

    region_id: int
    geometry: shapely.Geometry | None
    pcodes: frozenset[str]

    def holds(self, chunk: _Chunk) -> np.ndarray:
        if self.geometry is None:
            return np.fromiter(
                (a1 in self.pcodes or a2 in self.pcodes for a1, a2 in chunk.pcodes),
                dtype=bool,
                count=len(chunk.ids),
            )
        found = np.zeros(len(chunk.ids), dtype=bool)
        found[chunk.located] = shapely.contains_xy(self.geometry, chunk.lons, chunk.lats)
        return found


_compiled: dict[int, tuple[datetime, _Compiled]] = {}
_compiled_lock = threading.Lock()


def _compile(region: Region) -> _Compiled:
    with _compiled_lock:
        cached = _compiled.get(region.pk)
        if cached is not None and cached[0] == region.updated_at:
            return cached[1]
    if region.kind == Region.Kind.ADMIN_AREAS:
        pcodes = frozenset(str(code) for code in (region.definition or {}).get("pcodes", []))
        compiled = _Compiled(region.pk, None, pcodes)
    else:
        geometry = geo.region_geometry(region)
        if geometry is None:
            geometry = shapely.Polygon()
        shapely.prepare(geometry)
        compiled = _Compiled(region.pk, geometry, frozenset())
    with _compiled_lock:
        _compiled[region.pk] = (region.updated_at, compiled)
    return compiled


def forget_compiled() -> None:
    """Drop the compiled regions (tests; a region deleted)."""
    with _compiled_lock:
        _compiled.clear()


@dataclass
class _Chunk:
    ids: list[int]
    pcodes: list[tuple[str, str]]
    located: np.ndarray  # indexes of the events with coordinates
    lons: np.ndarray
    lats: np.ndarray
    distances: list[float | None]  # border_distance_km as stored


_COLUMNS = ("pk", "longitude", "latitude", "admin1_pcode", "admin2_pcode", "border_distance_km")


def _chunk(batch: list[tuple[Any, ...]]) -> _Chunk:
    located = np.array([i for i, row in enumerate(batch) if row[1] is not None], dtype=int)
    return _Chunk(
        ids=[row[0] for row in batch],
        pcodes=[(row[3], row[4]) for row in batch],
        located=located,
        lons=np.array([batch[i][1] for i in located], dtype=float),
        lats=np.array([batch[i][2] for i in located], dtype=float),
        distances=[row[5] for row in batch],
    )


def _chunks(event_ids: Sequence[int]) -> Iterator[_Chunk]:
    """These events, CHUNK at a time."""
    ordered = sorted(set(event_ids))
    rows = Event.objects.order_by("pk").values_list(*_COLUMNS)
    for start in range(0, len(ordered), CHUNK):
        batch = list(rows.filter(pk__in=ordered[start : start + CHUNK]))
        if batch:
            yield _chunk(batch)


def _all_chunks() -> Iterator[_Chunk]:
    """Every event, CHUNK at a time (keyset pagination by primary key)."""
    rows = Event.objects.order_by("pk").values_list(*_COLUMNS)
    last = 0
    while batch := list(rows.filter(pk__gt=last)[:CHUNK]):
        last = batch[-1][0]
        yield _chunk(batch)


def _distances(
    located: np.ndarray, lons: np.ndarray, lats: np.ndarray, count: int
) -> list[float | None]:
    computed: list[float | None] = [None] * count
    if len(located):
        km, _inside = geo.border_distances_km(lons, lats)
        for index, value in zip(located.tolist(), np.round(km, 1).tolist(), strict=True):
            computed[index] = float(value)
    return computed


def border_distances(points: Sequence[tuple[float | None, float | None]]) -> list[float | None]:
    """`border_distance_km` for (longitude, latitude) pairs, as `place_events` stores it (so an
    importer can write it with the row, and placement then finds nothing to change)."""
    located = np.array([i for i, (lon, _lat) in enumerate(points) if lon is not None], dtype=int)
    lons = np.array([points[i][0] for i in located], dtype=float)
    lats = np.array([points[i][1] for i in located], dtype=float)
    return _distances(located, lons, lats, len(points))


def _store_distances(chunk: _Chunk) -> None:
    computed = _distances(chunk.located, chunk.lons, chunk.lats, len(chunk.ids))
    changed = [
        (value, pk)
        for pk, value, stored in zip(chunk.ids, computed, chunk.distances, strict=True)
        if value != stored
    ]
    if changed:
        # Raw statements: `bulk_update` builds a CASE over every row and was the slowest step of
        # a 100,000-event import. A float column needs no conversion. SQLite runs executemany
        # in-process; PostgreSQL gets one statement over two arrays instead of a row each.
        table = connection.ops.quote_name(Event._meta.db_table)
        column = connection.ops.quote_name("border_distance_km")
        with connection.cursor() as cursor:
            if connection.vendor != "postgresql":
                cursor.executemany(f"UPDATE {table} SET {column} = %s WHERE id = %s", changed)  # noqa: S608
                return
            # PostgreSQL: one statement joining two arrays (unnest), not one per row.
            cursor.execute(
                f"UPDATE {table} AS e SET {column} = v.km "  # noqa: S608 (names from the model)
                "FROM unnest(%s::double precision[], %s::bigint[]) AS v(km, id) WHERE e.id = v.id",
                [[km for km, _pk in changed], [pk for _km, pk in changed]],
            )


@transaction.atomic
def place_events(event_ids: Sequence[int]) -> None:
    """Recompute region memberships and `border_distance_km` for these events (bulk)."""
    if not event_ids:
        return
    compiled = [_compile(region) for region in Region.objects.all()]
    for chunk in _chunks(event_ids):
        RegionMembership.objects.filter(event_id__in=chunk.ids).delete()
        rows: list[RegionMembership] = []
        for region in compiled:
            held = np.nonzero(region.holds(chunk))[0]
            rows.extend(
                RegionMembership(region_id=region.region_id, event_id=chunk.ids[i])
                for i in held.tolist()
            )
        RegionMembership.objects.bulk_create(rows, batch_size=UPDATE_BATCH, ignore_conflicts=True)
        _store_distances(chunk)


@transaction.atomic
def refresh_region(region: Region) -> int:
    """Recompute which events lie in this region (after it was created or changed); returns
    how many do."""
    compiled = _compile(region)
    RegionMembership.objects.filter(region=region).delete()
    total = 0
    for chunk in _all_chunks():
        held = np.nonzero(compiled.holds(chunk))[0].tolist()
        RegionMembership.objects.bulk_create(
            [RegionMembership(region_id=region.pk, event_id=chunk.ids[i]) for i in held],
            batch_size=UPDATE_BATCH,
        )
        total += len(held)
    return total
