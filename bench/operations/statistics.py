"""Statistics of an operation over 1,000,000 generated result lines: the operation dashboard (all
years and the latest year, `queries.dashboard`) and the year report (`queries.statistics` for
one year), read from the figure totals the services keep and rolled up by the database and in
Python, p50/p95 next to a naive Python-side aggregation of
the same figures (every current line loaded as a model instance and added up in Python) in the
same run; the two must agree to the gram. Target: dashboard p95 ≤ 300 ms and ≥ 10× faster than
the naive version. The year's PDF report (statistics, charts, WeasyPrint) is timed for
information. BENCH_OPS_N scales the lines down (e.g. BENCH_OPS_N=100000); `python -m
bench.operations.statistics` runs it alone.

The data: "Channel" 2007–2017 (44 stages, four a year) with 22 participants; every stage and
participant reports every (kind, substance, unit) a line may carry (78) from as many reporting
agencies as the lines need (13 for a million); one line in fifty is corrected by a second
revision. The measuring
runs in a child process with its own database under the run's data directory (or the run's
--database-url), so a million rows never touch what the other benchmarks measure.
"""

from __future__ import annotations

import json
import os
import random
import sys
import tempfile
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.harness import (
    BenchContext,
    Measurement,
    child_env,
    latency_result,
    run_child,
    setup_child_django,
)
from bench.operations import _data
from bench.report import Check, ModuleResult, render

SIZE = int(os.environ.get("BENCH_OPS_N", "1000000"))
STAGES = 44  # "Channel" 2007–2017: four stages a year
REVISED_SHARE = 0.02  # corrections after a stage closed are rare, and audited
SAMPLES = 30  # timed calls of each database target
NAIVE_RUNS = 3  # the naive aggregation takes seconds a run
TARGET_P95_MS = 300.0
TARGET_SPEEDUP = 10.0
SLUG = "bench-channel"


# The child: data and measurements -----------------------------------------------------------


def _fill(size: int) -> tuple[Any, float]:
    """The operation and `size` lines inserted with executemany (model instances would take
    minutes); explicit ids, so that a correction can point at the line it supersedes."""
    from django.db import connection, transaction
    from django.utils import timezone

    from concord.operations.models import KG_PER_UNIT, ResultLine, Stage

    started = time.perf_counter()
    figures = _data.figures()
    per_agency = STAGES * _data.PARTICIPANTS * len(figures) * (1 + REVISED_SHARE)
    people = _data.people(max(1, -(-size // int(per_agency))))
    operation = _data.operation(SLUG, stages=STAGES)
    stages = list(Stage.objects.filter(operation=operation).order_by("number"))
    participants = list(operation.participants.order_by("code"))
    table = connection.ops.quote_name(ResultLine._meta.db_table)
    columns = (
        "id, tlp, owner_agency_id, author_id, stage_id, participant_id, kind, substance, "
        "quantity, unit, mass_kg, note, revision, supersedes_id, reason, created_at"
    )
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * 16)})"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(id) FROM {table}")  # noqa: S608
        next_id = (cursor.fetchone()[0] or 0) + 1
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    rng = random.Random(5)
    batch: list[tuple[Any, ...]] = []
    made = 0

    def rows() -> Any:
        """Agency by agency (many reporting units), so that a smaller run still covers every
        stage and participant."""
        for agency, author in zip(people["agencies"], people["authors"], strict=True):
            for stage in stages:
                for participant in participants:
                    for kind, substance, unit in figures:
                        yield stage, participant, agency, author, kind, substance, unit

    with transaction.atomic(), connection.cursor() as cursor:
        for stage, participant, agency, author, kind, substance, unit in rows():
            if made >= size:
                break
            revisions = 2 if rng.random() < REVISED_SHARE and made + 1 < size else 1
            previous = None
            for revision in range(1, revisions + 1):
                amount = _data.quantity(unit, rng.random())
                factor = KG_PER_UNIT.get(unit)
                batch.append(
                    (
                        next_id, "AMBER", agency.pk, author.pk, stage.pk, participant.pk, kind,
                        substance, amount, unit, None if factor is None else amount * factor, "",
                        revision, previous, "" if previous is None else "corrected", now,
                    )
                )  # fmt: skip
                previous = next_id
                next_id += 1
                made += 1
            if len(batch) >= 10_000:
                cursor.executemany(sql, batch)
                batch.clear()
        if batch:
            cursor.executemany(sql, batch)
    from concord.operations import services

    with transaction.atomic():  # what the services do after every write, here once for all
        services.refresh_totals(stage_ids=[stage.pk for stage in stages])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)",
                [ResultLine._meta.db_table, next_id],
            )
    return operation, time.perf_counter() - started


def naive_dashboard(operation: Any) -> dict[str, Any]:
    """What a naive page does: every current line as a model instance, added up in Python
    (totals, stages, participants, substances, years; and the latest year's totals)."""
    from concord.operations.models import KG_PER_UNIT, ResultLine

    superseded = set(
        ResultLine.objects.filter(stage__operation=operation, supersedes__isnull=False)
        .values_list("supersedes_id", flat=True)
        .iterator()
    )
    totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    slices: dict[str, dict[Any, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    latest: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    lines = ResultLine.objects.filter(stage__operation=operation).select_related(
        "stage", "participant"
    )
    last_year = max(operation.stages.values_list("year", flat=True))
    for line in lines.iterator(chunk_size=5000):
        if line.pk in superseded:
            continue
        mass = line.unit in KG_PER_UNIT
        key = (line.kind, "kg" if mass else line.unit)
        amount = (line.mass_kg if mass else line.quantity) or Decimal(0)
        totals[key] += amount
        slices["stage"][line.stage.number, *key] += amount
        slices["participant"][line.participant.code, *key] += amount
        slices["year"][line.stage.year, *key] += amount
        if line.substance:
            slices["substance"][line.substance, key[1]] += amount
        if line.stage.year == last_year:
            latest[key] += amount
    return {"totals": totals, "latest": latest, "slices": slices}


def _flat(totals: Any) -> dict[str, str]:
    return {
        f"{kind}/{measure}": str(amount.quantize(Decimal("0.001")))
        for kind, measures in totals.amounts.items()
        for measure, amount in measures.items()
    }


def _refresh_seconds(operation: Any) -> float:
    """What keeping the totals costs a write: rewriting one stage × participant's totals from
    its lines, as every report, correction and import does in its transaction."""
    from django.db import transaction

    from concord.operations import services

    stage = operation.stages.order_by("number").first()
    participant = operation.participants.order_by("code").first()
    began = time.perf_counter()
    with transaction.atomic():
        services.refresh_totals(stage_ids=[stage.pk], participant_ids=[participant.pk])
    return time.perf_counter() - began


def _timed(operation: Any, year: int) -> dict[str, list[float]]:
    """Dashboard and year report, interleaved, SAMPLES calls each."""
    from concord.operations import queries

    timings: dict[str, list[float]] = {"dashboard": [], "year-report": []}
    for _round in range(SAMPLES):
        for name, call in (
            ("dashboard", lambda: queries.dashboard(operation)),
            ("year-report", lambda: queries.statistics(operation, year=year)),
        ):
            began = time.perf_counter()
            call()
            timings[name].append(time.perf_counter() - began)
    return timings


def _amounts(sums: dict[tuple[str, str], Decimal]) -> dict[str, str]:
    return {
        f"{kind}/{measure}": str(amount.quantize(Decimal("0.001")))
        for (kind, measure), amount in sums.items()
        if amount
    }


def child(var_dir: Path, size: int) -> dict[str, Any]:
    setup_child_django(var_dir)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from concord.operations import queries, reports
    from concord.operations.models import ResultLine

    operation, inserted_s = _fill(size)
    rows = ResultLine.objects.filter(stage__operation=operation).count()
    current = ResultLine.objects.current().filter(stage__operation=operation).count()
    board = queries.dashboard(operation)  # warm up: imports, page cache
    assert board.latest is not None
    assert board.latest.year is not None
    year = board.latest.year
    with CaptureQueriesContext(connection) as captured:
        queries.dashboard(operation)
    timings = _timed(operation, year)
    naive: list[float] = []
    reference: dict[str, Any] = {}
    for _run in range(NAIVE_RUNS):
        began = time.perf_counter()
        reference = naive_dashboard(operation)
        naive.append(time.perf_counter() - began)
    pdf: list[float] = []
    for _run in range(3):
        began = time.perf_counter()
        reports.render_pdf(operation, year=year, language="ru")
        pdf.append(time.perf_counter() - began)
    agree = _amounts(reference["totals"]) == _flat(board.all_years.totals) and _amounts(
        reference["latest"]
    ) == _flat(board.latest.totals)
    refresh = _refresh_seconds(operation)
    if connection.vendor == "postgresql":  # the run's shared database, left as it was
        _data.remove(SLUG)
    return {
        "rows": rows,
        "current": current,
        "stages": board.all_years.stages,
        "years": len(board.all_years.by_year),
        "latest_year": year,
        "inserted_s": inserted_s,
        "timings": timings,
        "refresh_s": refresh,
        "naive": naive,
        "pdf": pdf,
        "queries": len(captured),
        "agree": agree,
        "drugs_t": float(board.all_years.totals.drugs_kg) / 1000,
        "vendor": connection.vendor,
    }


# The parent: run the child, report ------------------------------------------------------------


def run(ctx: BenchContext | None) -> ModuleResult:
    env = child_env(ctx)
    base = ctx.var_dir if ctx is not None and ctx.var_dir is not None else None
    with tempfile.TemporaryDirectory(prefix="concord-ops-bench-", dir=base) as tmp:
        data = run_child(env, "bench.operations.statistics", Path(tmp), SIZE)
    naive = latency_result(data["naive"])
    board = latency_result(data["timings"]["dashboard"])
    year = latency_result(data["timings"]["year-report"])
    pdf = latency_result(data["pdf"])
    measurements = [
        Measurement("naive-python", "dashboard", "-", naive),
        Measurement("dashboard", "queries.dashboard", "-", board),
        Measurement("year-report", "queries.statistics", "-", year),
        Measurement("year-pdf", "reports.render_pdf", "-", pdf),
    ]
    result = ModuleResult("operations.statistics", "naive-python", measurements)
    speedup = naive.p50_ms / board.p50_ms if board.p50_ms else 0.0
    result.notes += [
        (
            f"{data['rows']:,} result lines ({data['current']:,} current) on {data['vendor']}, "
            f"{data['stages']} stages over {data['years']} years, inserted in "
            f"{data['inserted_s']:.0f} s; {data['drugs_t']:,.0f} t of drugs in all"
        ),
        (
            f"rows are calls/s: dashboard = all years + {data['latest_year']} from the same "
            f"grouped queries ({data['queries']} SQL queries in all); year-report = statistics for "
            f"{data['latest_year']}; naive-python = every current line as a model instance "
            f"added up in Python ({len(data['naive'])} runs); year-pdf = the {data['latest_year']}"
            f" report in Russian with charts ({len(data['pdf'])} runs, information only)"
        ),
        (
            f"dashboard {speedup:.0f}× faster than naive (median {board.p50_ms:.0f} ms vs "
            f"{naive.p50_ms:.0f} ms)"
        ),
        (
            "statistics read the figure totals the services keep (one row per stage × "
            f"participant × figure); keeping them costs a write {data['refresh_s'] * 1000:.0f} ms "
            "(one stage × participant rewritten from its lines)"
        ),
    ]
    result.checks = [
        Check(
            f"dashboard p95 ≤ {TARGET_P95_MS:.0f} ms",
            board.p95_ms <= TARGET_P95_MS,
            f"p50 {board.p50_ms:.0f} ms, p95 {board.p95_ms:.0f} ms",
        ),
        Check(
            f"dashboard ≥ {TARGET_SPEEDUP:.0f}× faster than the naive aggregation",
            speedup >= TARGET_SPEEDUP,
            f"{speedup:.1f}×",
        ),
        Check(
            "database and naive totals agree to the gram (all years and the latest year)",
            bool(data["agree"]),
        ),
    ]
    return result


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        print(json.dumps(child(Path(sys.argv[2]), int(sys.argv[3]))))
    else:
        outcome = run(None)
        print(render(outcome))
        print(f"OVERALL: {'PASS' if outcome.passed else 'FAIL'}")
        sys.exit(0 if outcome.passed else 1)
