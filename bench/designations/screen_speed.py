"""Screening speed against 10,000 synthetic organisations with 50,000 names: queries/s on one
core and p95 latency, next to brute-force logic-v2 over all names (measured on a sample and
reported per query). Targets: ≥ 100 queries/s per core and p95 ≤ 30 ms."""

from __future__ import annotations

import time

from bench.harness import BenchContext, Measurement, latency_result
from bench.report import Check, ModuleResult
from concord.designations.matching.engine import Record, Screener, logic_v2, warm_up
from concord.designations.matching.names import prepare_all

from ._data import Generator, load_aliases, timed

ORGANISATIONS = 10_000
QUERIES = 2_000
BRUTE_FORCE_QUERIES = 5
QPS_TARGET = 100.0
P95_TARGET_MS = 30.0


def build(count: int = ORGANISATIONS) -> tuple[Screener, list[str], Generator]:
    generator = Generator(seed=11)
    orgs = generator.orgs(count)
    records = [
        Record(
            f"org-{i}",
            tuple(p for name in org.names for p in prepare_all(name)),
            "",
            {"organisation_id": f"org-{i}"},
        )
        for i, org in enumerate(orgs)
    ]
    screener = Screener(records, load_aliases())
    queries: list[str] = []
    rng = generator.rng
    for i in range(QUERIES):
        kind = i % 5
        org = rng.choice(orgs)
        if kind == 0:
            queries.append(org.ru)
        elif kind == 1:
            queries.append(generator.typo(org.en))
        elif kind == 2:
            queries.append(org.quoted.upper())
        else:  # names on no list
            queries.append(generator.org().ru if kind == 3 else generator.org().en)
    return screener, queries, generator


def run(ctx: BenchContext | None) -> ModuleResult:
    warm_up()
    started = time.perf_counter()
    screener, queries, _ = build()
    names = sum(len(r.names) for r in screener.index.records)
    built = time.perf_counter() - started
    for query in queries[:50]:  # warm the caches the way a running server has them
        screener.screen(query)
    latencies = timed(screener.screen, queries[50:])
    every_name = [n for record in screener.index.records for n in record.names]

    def brute_force(query: str) -> None:
        prepared = prepare_all(query)[0]
        for name in every_name:
            logic_v2(prepared, name)

    brute = timed(brute_force, queries[:BRUTE_FORCE_QUERIES])
    measurements = [
        Measurement("brute-force", "screen", "none", latency_result(brute)),
        Measurement("indexed", "screen", "none", latency_result(latencies)),
    ]
    result = ModuleResult("designations.screen_speed", "brute-force", measurements)
    indexed = measurements[1].result
    result.notes += [
        (
            f"{len(screener)} organisations, {names} names (alias-store names included); "
            f"index built in {built:.1f} s"
        ),
        (
            "rows are queries/s on one core; brute-force = logic-v2 against every name, "
            f"{BRUTE_FORCE_QUERIES} queries"
        ),
    ]
    result.checks = [
        Check(
            f"≥ {QPS_TARGET:.0f} queries/s on one core",
            indexed.rps >= QPS_TARGET,
            f"{indexed.rps:.0f}",
        ),
        Check(
            f"p95 ≤ {P95_TARGET_MS:.0f} ms",
            indexed.p95_ms <= P95_TARGET_MS,
            f"{indexed.p95_ms:.1f} ms",
        ),
    ]
    return result
