"""What a benchmark module hands back, the table printed for it, and the JSON kept of it."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from .harness import REPO_ROOT, BenchContext, Measurement

RESULTS_DIR = Path(__file__).with_name("results")


@dataclass
class Check:
    description: str
    passed: bool
    detail: str = ""


@dataclass
class ModuleResult:
    name: str
    baseline: str  # name of the measurement the ratios are taken against
    measurements: list[Measurement]
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)

    def get(self, name: str) -> Measurement:
        return next(m for m in self.measurements if m.name == name)

    def ratio(self, name: str) -> float:
        """Req/s relative to the baseline: the median of the per-round ratios when the targets
        were measured in interleaved rounds (each pair ran seconds apart under the same
        background load), else the ratio of the totals."""
        base, this = self.get(self.baseline).result, self.get(name).result
        if len(base.rounds) > 1 and len(base.rounds) == len(this.rounds):
            return statistics.median(
                t / b if b else 0.0 for t, b in zip(this.rounds, base.rounds, strict=True)
            )
        return this.rps / base.rps if base.rps else 0.0


def errors_check(measurements: list[Measurement]) -> Check:
    """Every response must be a 2xx: any error fails the module."""
    bad = {m.name: m.result.error_detail for m in measurements if m.result.errors}
    return Check("every response 2xx, no socket errors or timeouts", not bad, json.dumps(bad))


def render(result: ModuleResult) -> str:
    header = (
        f"{'target':<14} {'auth':<8} {'req/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
        f"{'errors':>7} {'× ' + result.baseline:>10} {'other CPU':>9}"
    )
    lines = [f"== {result.name} ==", header, "-" * len(header)]
    for m in result.measurements:
        r = m.result
        lines.append(
            f"{m.name:<14} {m.auth:<8} {r.rps:9.1f} {r.p50_ms:8.2f} {r.p95_ms:8.2f} "
            f"{r.p99_ms:8.2f} {r.errors:7d} {result.ratio(m.name):10.1%} "
            f"{'' if r.other_cpu is None else format(r.other_cpu, '.0%'):>9}"
        )
    lines += [f"  note: {note}" for note in result.notes]
    idle = [
        m.name
        for m in result.measurements
        for split in (m.result.round_connections or [m.result.connections_per_worker])
        if split and min(split) == 0
    ]
    if idle:
        lines.append(
            f"  note: {len(idle)} round(s) ran with an idle server worker after every retry "
            f"({', '.join(sorted(set(idle)))}): those numbers are of half a server"
        )
    for check in result.checks:
        mark = "PASS" if check.passed else "FAIL"
        extra = f" ({check.detail})" if check.detail and not check.passed else ""
        lines.append(f"{mark}  {check.description}{extra}")
    return "\n".join(lines)


def _git_revision() -> str:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except OSError:
        return ""
    return done.stdout.strip()


def save(results: list[ModuleResult], ctx: BenchContext) -> Path:
    RESULTS_DIR.mkdir(exist_ok=True)
    now = datetime.now(UTC)
    path = RESULTS_DIR / f"{now:%Y%m%dT%H%M%SZ}.json"
    payload = {
        "at": now.isoformat(),
        "git": _git_revision(),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "loadavg_before": ctx.load_before,
            "loadavg_after": ctx.load_after,
        },
        "server": {
            "workers": ctx.server.workers,
            "threads": ctx.server.threads,
            "settings": ctx.server.settings,
            "database": "DATABASE_URL" if ctx.server.database_url else "sqlite (temp)",
        },
        "load": {**vars(ctx.load), "generator": ctx.generator},
        "modules": [
            {
                "name": r.name,
                "baseline": r.baseline,
                "passed": r.passed,
                "measurements": [
                    {
                        "name": m.name,
                        "path": m.path,
                        "auth": m.auth,
                        "ratio_to_baseline": round(r.ratio(m.name), 4),
                        **m.result.as_dict(),
                    }
                    for m in r.measurements
                ],
                "checks": [vars(c) for c in r.checks],
                "notes": r.notes,
            }
            for r in results
        ],
    }
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    return path
