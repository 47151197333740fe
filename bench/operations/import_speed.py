"""Importing a results file: `services.import_results` of a 100,000-line CSV into one stage (read,
checked row by row against the vocabulary and the stage, written in one transaction with its
audit record), in lines per second, next to the same lines reported one by one through
`services.result_report` (a 2,000-line sample, extrapolated) in the same run. Target ≥ 5,000
lines/s. BENCH_OPS_IMPORT_N scales the file down; `python -m bench.operations.import_speed` runs
it alone.

One file names many participants in its `country` column: a stage's lines are unique per
participant and figure (78 figures), so 100,000 lines need about 1,300 participants; they are
international organisations, for which the Secretariat reports. The child process has its own
database under the run's data directory (or the run's --database-url).
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import sys
import tempfile
import time
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

SIZE = int(os.environ.get("BENCH_OPS_IMPORT_N", "100000"))
SAMPLE = 2000  # lines reported one by one for the baseline
TARGET_LINES_PER_S = 5000.0
SLUG = "bench-import"


def _stage(organisations: int, number: int) -> Any:
    from datetime import date

    from concord.operations.models import Operation, Participant, ParticipantKind, Stage

    operation = Operation.objects.get(slug=SLUG)
    stage = Stage.objects.create(
        operation=operation,
        number=number,
        year=2017,
        starts_on=date(2017, 6, 1),
        ends_on=date(2017, 6, 12),
        status=Stage.Status.OPEN,
    )
    Participant.objects.bulk_create(
        [
            Participant(
                operation=operation,
                kind=ParticipantKind.INTERNATIONAL,
                code=f"ORG-{number}-{n:05d}",
                name_en=f"Organisation {n}",
                name_ru=f"Организация {n}",
            )
            for n in range(organisations)
        ]
    )
    stage.participants.set(operation.participants.filter(code__startswith=f"ORG-{number}-"))
    return stage


def _file(stage: Any, size: int) -> bytes:
    """A CSV of `size` lines: every figure of each participant in turn."""
    rng = random.Random(3)
    figures = _data.figures()
    codes = list(stage.participants.order_by("code").values_list("code", flat=True))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["country", "kind", "substance", "quantity", "unit", "note"])
    for n in range(size):
        kind, substance, unit = figures[n % len(figures)]
        quantity = _data.quantity(unit, rng.random())
        writer.writerow([codes[n // len(figures)], kind, substance, quantity, unit, ""])
    return out.getvalue().encode("utf-8")


def child(var_dir: Path, size: int) -> dict[str, Any]:
    setup_child_django(var_dir)
    from decimal import Decimal

    from django.db import connection

    from concord.operations import services
    from concord.operations.models import Operation, ResultLine

    people = _data.people(1)
    secretariat = people["secretariat"]
    _data.remove(SLUG)
    Operation.objects.create(
        slug=SLUG, name_ru="Импорт (бенч)", name_en="Import (bench)", kind="anti_drug",
        since_year=2017,
    )  # fmt: skip
    figures = _data.figures()
    stage = _stage(-(-size // len(figures)), 1)
    data = _file(stage, size)
    began = time.perf_counter()
    report = services.import_results(
        acting_user=secretariat, stage=stage, participant=None, data=data, filename="results.csv"
    )
    imported_s = time.perf_counter() - began
    stored = ResultLine.objects.filter(stage=stage).count()

    sample = _stage(-(-SAMPLE // len(figures)), 2)
    participants = list(sample.participants.order_by("code"))
    rng = random.Random(4)
    began = time.perf_counter()
    for n in range(SAMPLE):
        kind, substance, unit = figures[n % len(figures)]
        services.result_report(
            acting_user=secretariat,
            stage=sample,
            participant=participants[n // len(figures)],
            kind=kind,
            substance=substance,
            quantity=Decimal(_data.quantity(unit, rng.random())),
            unit=unit,
        )
    one_by_one_s = time.perf_counter() - began
    if connection.vendor == "postgresql":
        _data.remove(SLUG)
    return {
        "lines": size,
        "bytes": len(data),
        "created": report.created,
        "stored": stored,
        "imported_s": imported_s,
        "one_by_one_s": one_by_one_s,
        "vendor": connection.vendor,
    }


def run(ctx: BenchContext | None) -> ModuleResult:
    env = child_env(ctx)
    base = ctx.var_dir if ctx is not None and ctx.var_dir is not None else None
    with tempfile.TemporaryDirectory(prefix="concord-ops-import-", dir=base) as tmp:
        data = run_child(env, "bench.operations.import_speed", Path(tmp), SIZE)
    per_line_file = data["imported_s"] / data["lines"]
    per_line_single = data["one_by_one_s"] / SAMPLE
    one_by_one = latency_result([per_line_single] * SAMPLE)
    imported = latency_result([per_line_file] * data["lines"])
    measurements = [
        Measurement("one-by-one", "services.result_report", "-", one_by_one),
        Measurement("file-import", "services.import_results", "-", imported),
    ]
    result = ModuleResult("operations.import_speed", "one-by-one", measurements)
    rate = data["lines"] / data["imported_s"]
    result.notes += [
        (
            f"{data['lines']:,}-line CSV ({data['bytes'] / 1e6:.1f} MB) into one stage on "
            f"{data['vendor']}: {data['imported_s']:.1f} s, {rate:,.0f} lines/s; "
            f"{SAMPLE:,} lines reported one by one: {SAMPLE / data['one_by_one_s']:,.0f} lines/s"
        ),
        "rows are lines/s (p50/p95 are the mean time per line: one call makes every line)",
    ]
    result.checks = [
        Check(
            f"import ≥ {TARGET_LINES_PER_S:,.0f} lines/s",
            rate >= TARGET_LINES_PER_S,
            f"{rate:,.0f} lines/s",
        ),
        Check(
            "every line stored",
            data["created"] == data["stored"] == data["lines"],
            f"{data['created']:,} created, {data['stored']:,} stored",
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
