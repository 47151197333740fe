"""`python -m bench [APP | APP.MODULE ...] [options]`: run the benchmarks (all by default).

Each app's benchmarks are the modules of `bench/<app>/` that define `run(ctx) -> ModuleResult`.
One server (2 workers × 4 threads by default) serves every module of a run; each module measures
its own baseline, prints a table with ratios and its PASS/FAIL checks. Results are also saved as
JSON under bench/results/ (git-ignored). Exit status 1 if any check fails.

Defaults fit a 2-core machine: 16 keep-alive connections opened by 4 single-threaded wrk
processes 0.15 s apart (so both gunicorn workers get connections), leaving the CPU to the server;
each target gets 2 s of warm-up, then 10 s in 5 rounds interleaved with the other targets. On a
bigger machine raise --workers, --connections and --load-threads.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
from pathlib import Path
from types import ModuleType

from .harness import BenchContext, ServerConfig
from .loadgen import LoadConfig
from .report import ModuleResult, render, save

PACKAGE_DIR = Path(__file__).resolve().parent
OTHER_CPU_WARNING = 0.10  # share of the machine's CPU taken by unrelated processes


def discover() -> dict[str, ModuleType]:
    """All benchmark modules, keyed `app.module`, in name order."""
    found: dict[str, ModuleType] = {}
    for app in sorted(pkgutil.iter_modules([str(PACKAGE_DIR)]), key=lambda m: m.name):
        if not app.ispkg or app.name.startswith("_"):
            continue
        modules = pkgutil.iter_modules([str(PACKAGE_DIR / app.name)])
        for mod in sorted(modules, key=lambda m: m.name):
            if mod.name.startswith("_"):
                continue
            module = importlib.import_module(f"bench.{app.name}.{mod.name}")
            if callable(getattr(module, "run", None)):
                found[f"{app.name}.{mod.name}"] = module
    return found


def select(available: dict[str, ModuleType], wanted: list[str]) -> list[str]:
    if not wanted:
        return list(available)
    chosen: list[str] = []
    for name in wanted:
        matches = [key for key in available if key == name or key.split(".")[0] == name]
        if not matches:
            raise SystemExit(f"no benchmark {name!r}; available: {', '.join(available)}")
        chosen += [key for key in matches if key not in chosen]
    return chosen


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("targets", nargs="*", help="app (e.g. core) or app.module; default: all")
    parser.add_argument(
        "--duration",
        type=float,
        default=10.0,
        help="seconds measured per target, split over the rounds (10)",
    )
    parser.add_argument(
        "--rounds", type=int, default=5, help="interleaved rounds over the targets (5)"
    )
    parser.add_argument("--warmup", type=float, default=2.0, help="warm-up seconds per target (2)")
    parser.add_argument("--connections", type=int, default=16, help="keep-alive connections (16)")
    parser.add_argument(
        "--batches", type=int, default=4, help="connections are opened in this many batches (4)"
    )
    parser.add_argument(
        "--stagger", type=float, default=0.15, help="seconds between two batches (0.15)"
    )
    parser.add_argument("--load-threads", type=int, default=1, help="wrk threads per batch (1)")
    parser.add_argument(
        "--generator",
        choices=["auto", "wrk", "python"],
        default="auto",
        help="load generator: wrk if installed, else python (auto)",
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (4)")
    parser.add_argument(
        "--database-url",
        default=None,
        help="benchmark against this database instead of a temporary SQLite",
    )
    parser.add_argument(
        "--settings",
        default="bench.settings",
        help="settings module of the server (bench.settings)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary data dir")
    parser.add_argument("--no-save", action="store_true", help="do not write bench/results/")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    options = parse(sys.argv[1:] if argv is None else argv)
    available = discover()
    if options.list:
        for name, module in available.items():
            print(f"{name:<24} {(module.__doc__ or '').strip().splitlines()[0]}")
        return 0
    chosen = select(available, options.targets)
    load = LoadConfig(
        duration=options.duration,
        rounds=options.rounds,
        warmup=options.warmup,
        connections=options.connections,
        groups=options.batches,
        stagger=options.stagger,
        threads=options.load_threads,
        generator=options.generator,
    )
    server = ServerConfig(
        workers=options.workers,
        threads=options.threads,
        database_url=options.database_url,
        settings=options.settings,
    )
    results: list[ModuleResult] = []
    with BenchContext(server=server, load=load, keep_dir=options.keep) as ctx:
        ctx.say(
            f"generator {ctx.generator}: {load.connections} keep-alive connections, "
            f"{load.threads} thread(s), {load.warmup:g} s warm-up + {load.duration:g} s per target "
            f"in {load.rounds} interleaved round(s)"
        )
        for name in chosen:
            ctx.say(f"running {name}")
            results.append(available[name].run(ctx))
    print()
    shares = [
        m.result.other_cpu
        for r in results
        for m in r.measurements
        if m.result.other_cpu is not None
    ]
    if shares and max(shares) > OTHER_CPU_WARNING:
        print(
            f"note: other processes used up to {max(shares):.0%} of the machine's "
            f"{os.cpu_count()} CPUs during the measurements (load average "
            f"{ctx.load_before[0]:.1f} before, {ctx.load_after[0]:.1f} after): absolute numbers "
            "are low and noisy; the ratios pair up interleaved rounds of the same run, but for "
            "numbers to compare across runs, run on a quiet machine.\n"
        )
    for result in results:
        print(render(result))
        print()
    if not options.no_save:
        print(f"saved {save(results, ctx).relative_to(PACKAGE_DIR.parent)}")
    failed = [r.name for r in results if not r.passed]
    print(f"OVERALL: {'FAIL (' + ', '.join(failed) + ')' if failed else 'PASS'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
