"""Bulk screening with `concord screen --file IN --out OUT` on every core, next to the same
command on one worker (same run, a smaller file). The target size is 1,000,000 names: set
BENCH_BULK_NAMES=1000000 to run it in full (about half an hour on 2 cores); by default
100,000 names are screened and the rate is reported."""

from __future__ import annotations

import os
import time

from bench.harness import BenchContext, Measurement, rate_result
from bench.report import Check, ModuleResult

from ._data import Generator

NAMES = int(os.environ.get("BENCH_BULK_NAMES", "100000"))
ONE_WORKER_NAMES = max(1, NAMES // 10)


def _write_names(path: os.PathLike[str], count: int) -> None:
    generator = Generator(seed=23)
    orgs = generator.orgs(2_000)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("name\n")
        for i in range(count):
            org = orgs[i % len(orgs)]
            handle.write(f"{(org.ru, org.en, generator.typo(org.en), org.quoted)[i % 4]}\n")


def _timed(ctx: BenchContext, *args: str) -> float:
    started = time.perf_counter()
    ctx.concord("screen", *args, timeout=4 * 3600)
    return time.perf_counter() - started


def run(ctx: BenchContext) -> ModuleResult:
    assert ctx.var_dir is not None
    many, few = ctx.var_dir / "bulk-names.csv", ctx.var_dir / "bulk-names-small.csv"
    _write_names(many, NAMES)
    _write_names(few, ONE_WORKER_NAMES)
    one = _timed(ctx, "--file", str(few), "--out", str(ctx.var_dir / "o1.csv"), "--workers", "1")
    every = _timed(ctx, "--file", str(many), "--out", str(ctx.var_dir / "o2.csv"))
    measurements = [
        Measurement("one-worker", "cli", "none", rate_result(ONE_WORKER_NAMES, one, "cli")),
        Measurement("all-cores", "cli", "none", rate_result(NAMES, every, "cli")),
    ]
    result = ModuleResult("designations.screen_bulk", "one-worker", measurements)
    rate = NAMES / every
    result.notes += [
        (
            f"rows are names/s including start-up; {NAMES:,} names on {os.cpu_count()} cores, "
            f"{ONE_WORKER_NAMES:,} on one worker"
        ),
        f"at this rate 1,000,000 names take {1_000_000 / rate / 60:.1f} min",
    ]
    result.checks = [
        Check(
            "every core used: all-cores rate above the one-worker rate",
            rate > ONE_WORKER_NAMES / one or (os.cpu_count() or 1) == 1,
            f"{rate:.0f}/s vs {ONE_WORKER_NAMES / one:.0f}/s",
        )
    ]
    return result
