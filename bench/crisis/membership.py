"""Region membership: 100,000 random points in a box around Central Asia (30°–46° N, 55°–80° E)
tested against the two default regions of concern — the 100 km buffer along Afghanistan's
border with Tajikistan, Uzbekistan and Turkmenistan, and northern Afghanistan (its drawing
outline; in the app that region matches events by P-code, timed here too) — with prepared
geometries and `shapely.contains_xy` over whole arrays, as `placement` does, next to a same-run
baseline of unprepared geometries tested point by point (`geometry.contains(Point)`) on a
5,000-point sample, extrapolated. The border distance that placement computes for each point
(`geo.border_distances_km`) is timed for information. Target: ≥ 50,000 points/s (both regions
per point). BENCH_MEMBERSHIP_N scales the points; `python -m bench.crisis.membership` runs it
alone. Pure computation: no server, no database.
"""

from __future__ import annotations

import gc
import os
import random
import time
from collections.abc import Callable

import numpy as np

from bench.harness import BenchContext, Measurement, rate_result
from bench.report import Check, ModuleResult, render

SIZE = int(os.environ.get("BENCH_MEMBERSHIP_N", "100000"))
SAMPLE = 5000
ROUNDS = 5
TARGET = 50_000.0
SOUTH, NORTH, WEST, EAST = 30.0, 46.0, 55.0, 80.0
NORTHERN_PCODES = frozenset({"AF17", "AF18", "AF19", "AF21", "AF28", "AF29"})


def _django() -> None:
    from django.conf import settings

    if not settings.configured:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
        import django

        django.setup()


def _rate(name: str, items: int, seconds: float, rounds: list[float] | None = None) -> Measurement:
    result = rate_result(items, seconds, rounds=rounds)
    return Measurement(name, "membership", "none", result)


def _timed(function: Callable[[], object]) -> float:
    gc.disable()
    try:
        started = time.perf_counter()
        function()
        return time.perf_counter() - started
    finally:
        gc.enable()


def run(ctx: BenchContext | None) -> ModuleResult:
    _django()
    import shapely

    from concord.crisis import geo

    started = time.perf_counter()
    buffer = geo.border_buffer("AFG", ["TJK", "UZB", "TKM"], 100)
    outline = geo.admin_areas_outline(sorted(NORTHERN_PCODES))
    assert outline is not None
    built = time.perf_counter() - started
    # Unprepared copies for the baseline; the app's geometries are prepared once per region.
    plain = [shapely.from_wkb(shapely.to_wkb(g)) for g in (buffer, outline)]
    prepared = [shapely.from_wkb(shapely.to_wkb(g)) for g in (buffer, outline)]
    for geometry in prepared:
        shapely.prepare(geometry)

    rng = random.Random(17)
    lons = np.array([rng.uniform(WEST, EAST) for _ in range(SIZE)])
    lats = np.array([rng.uniform(SOUTH, NORTH) for _ in range(SIZE)])
    provinces = [f"AF{rng.randint(1, 34):02d}" for _ in range(SIZE)]

    step = -(-SIZE // ROUNDS)
    found: list[np.ndarray] = []
    prepared_rounds = []
    for start in range(0, SIZE, step):
        part = slice(start, start + step)

        def test(part: slice = part) -> None:
            found.append(
                np.stack([shapely.contains_xy(g, lons[part], lats[part]) for g in prepared])
            )

        prepared_rounds.append(_timed(test))
    held = np.concatenate(found, axis=1)
    prepared_seconds = sum(prepared_rounds)

    pcode_seconds = _timed(lambda: [code in NORTHERN_PCODES for code in provinces])

    sample = range(0, SIZE, max(1, SIZE // SAMPLE))
    sample_ids = list(sample)[:SAMPLE]
    plain_found: list[list[bool]] = []

    def one_by_one() -> None:
        for i in sample_ids:
            point = shapely.Point(lons[i], lats[i])
            plain_found.append([g.contains(point) for g in plain])

    plain_seconds = _timed(one_by_one)
    agree = sum(plain_found[n] == held[:, i].tolist() for n, i in enumerate(sample_ids))

    distance_seconds = _timed(lambda: geo.border_distances_km(lons, lats))

    size_rounds = [min(step, SIZE - s) for s in range(0, SIZE, step)]
    measurements = [
        _rate("unprepared", len(sample_ids), plain_seconds),
        _rate(
            "prepared",
            SIZE,
            prepared_seconds,
            [n / t for n, t in zip(size_rounds, prepared_rounds, strict=True)],
        ),
        _rate("pcode-set", SIZE, pcode_seconds),
        _rate("border-km", SIZE, distance_seconds),
    ]
    rate = measurements[1].result.rps
    baseline = measurements[0].result.rps
    result = ModuleResult("crisis.membership", "unprepared", measurements)
    result.notes += [
        (
            f"{SIZE:,} random points in {WEST:.0f}–{EAST:.0f}° E, {SOUTH:.0f}–{NORTH:.0f}° N; "
            "rows are points per second, each point tested against both regions (prepared = "
            "shapely.contains_xy over arrays; unprepared = geometry.contains(Point) per point "
            f"on a {len(sample_ids):,}-point sample, extrapolated); pcode-set = the northern "
            "region's real rule (a P-code in a set); border-km = geodesic distance to the "
            "nearest member-state border for every point"
        ),
        (
            f"regions built in {built:.2f} s: the buffer has "
            f"{shapely.get_num_coordinates(buffer):,} vertices, the outline "
            f"{shapely.get_num_coordinates(outline):,}; points inside: buffer "
            f"{int(held[0].sum()):,}, northern outline {int(held[1].sum()):,}"
        ),
        (
            f"prepared is {rate / baseline:,.0f}× the unprepared per-point baseline; "
            f"100,000 points take {100_000 / rate * 1000:.0f} ms"
        ),
    ]
    result.checks = [
        Check(
            f"≥ {TARGET:,.0f} points/s, prepared, both regions",
            rate >= TARGET,
            f"{rate:,.0f} points/s (best round {max(measurements[1].result.rounds):,.0f}/s)",
        ),
        Check(
            "prepared and unprepared agree on the sample",
            agree == len(sample_ids),
            f"{agree}/{len(sample_ids)}",
        ),
    ]
    return result


if __name__ == "__main__":
    print(render(run(None)))
