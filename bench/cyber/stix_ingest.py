"""STIX ingest: a 100,000-indicator bundle imported with `services_stix.ingest_bundle` into a fresh
database (streamed with ijson, checked, stored as StixObject rows, mapped to indicators, one
audit record), next to the naive way — `json.load` of the file and `stix2.parse` of each
object, timed on a 5,000-object sample and extrapolated (it does not even write anything).
Peak memory (resident size sampled during the import, above its size before it) is measured
for the bundle and for one a tenth of its size: streaming keeps it flat. Target ≥ 5,000
objects/s. BENCH_STIX_N scales the bundle down (e.g. BENCH_STIX_N=20000);
`python -m bench.cyber.stix_ingest` runs it alone."""

from __future__ import annotations

import json
import os
import random
import resource
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from bench.harness import BenchContext, Measurement, child_env, rate_result, run_child
from bench.report import Check, ModuleResult, render

SIZE = int(os.environ.get("BENCH_STIX_N", "100000"))
SMALL = max(1000, SIZE // 10)
SAMPLE = min(5000, SIZE)
TARGET = 5000.0
AMBER = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
SOURCE = "identity--f690c992-8e7d-4b9a-9303-3312616c0220"  # an external source, not an agency
USERNAME = "bench-stix-analyst"


# The bundle -----------------------------------------------------------------------------------


def _pattern(rng: random.Random, i: int) -> tuple[str, str]:
    pick = i % 4
    if pick == 0:
        return (
            "ipv4-addr:value",
            f"{rng.randrange(1, 224)}.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}",
        )
    if pick == 1:
        return "domain-name:value", f"x{i:07d}-{rng.randrange(10**6):06d}.example.net"
    if pick == 2:
        return "url:value", f"http://phish{i}.example.org/login/{rng.randrange(10**9)}?u={i}"
    return "file:hashes.'SHA-256'", f"{rng.getrandbits(256):064x}"


def write_bundle(path: Path, count: int, seed: int) -> int:
    """A bundle of `count` indicators (each a simple pattern, half AMBER, half GREEN, from an
    external source), written object by object. Returns its size in bytes."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as handle:
        bundle_id = f"bundle--{uuid.UUID(int=rng.getrandbits(128), version=4)}"
        handle.write(f'{{"type": "bundle", "id": "{bundle_id}", "objects": [\n')
        for i in range(count):
            path_, value = _pattern(rng, i)
            stamp = f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00.000Z"
            obj = {
                "type": "indicator",
                "spec_version": "2.1",
                "id": f"indicator--{uuid.UUID(int=rng.getrandbits(128), version=4)}",
                "created": stamp,
                "modified": stamp,
                "created_by_ref": SOURCE,
                "name": value[:60],
                "indicator_types": ["malicious-activity"],
                "pattern": f"[{path_} = '{value}']",
                "pattern_type": "stix",
                "pattern_version": "2.1",
                "valid_from": stamp,
                "confidence": rng.randrange(101),
                "object_marking_refs": [AMBER if i % 2 else GREEN],
            }
            handle.write(("," if i else "") + json.dumps(obj, separators=(",", ":")) + "\n")
        handle.write("]}\n")
    return path.stat().st_size


# The child: a fresh database, one import ------------------------------------------------------


def _rss_bytes() -> int:
    """The process's resident size now (Linux: /proc/self/statm, in pages)."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize()


class _PeakRss:
    """Samples the resident size every 20 ms while the import runs: `ru_maxrss` is a high-water
    mark of the whole process (set by the setup before the import), so it cannot show growth."""

    def __init__(self) -> None:
        self.peak = _rss_bytes()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, _rss_bytes())

    def __enter__(self) -> _PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_bytes())


def child(var_dir: Path, bundle: Path) -> dict[str, Any]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ["CONCORD_VAR_DIR"] = str(var_dir)
    os.environ["CONCORD_STIX_MAX_BYTES"] = str(2**40)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.DEBUG = False
    call_command("migrate", verbosity=0)
    from concord.core import demo
    from concord.core.models import Agency, Role, User
    from concord.cyber import services_stix, stix_export  # noqa: F401 - imported before measuring

    demo.load_countries()
    demo.load_organisation()
    agency = Agency.objects.filter(state__code="KZ").order_by("code").first()
    user, _ = User.objects.get_or_create(
        username=USERNAME, defaults={"agency": agency, "role": Role.ANALYST}
    )
    before = _rss_bytes()
    started = time.perf_counter()
    with bundle.open("rb") as handle, _PeakRss() as memory:
        report = services_stix.ingest_bundle(
            acting_user=user, source=handle, tlp=None, filename=bundle.name
        )
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "objects": report.total,
        "stored": report.stored,
        "indicators": report.indicators_created,
        "rss_before": before,
        "rss_peak": memory.peak,
        "vendor": django.db.connection.vendor,
    }


# The baseline ---------------------------------------------------------------------------------


def naive_seconds(bundle: Path) -> float:
    """`json.load` of the sample file and `stix2.parse` of every object in it."""
    import stix2

    started = time.perf_counter()
    with bundle.open(encoding="utf-8") as handle:
        data = json.load(handle)
    for obj in data["objects"]:
        stix2.parse(obj, allow_custom=True)
    return time.perf_counter() - started


def run(ctx: BenchContext | None) -> ModuleResult:
    env = child_env(ctx, fresh_sqlite=True)  # a fresh SQLite database in each child's directory
    base = ctx.var_dir if ctx is not None and ctx.var_dir is not None else None
    with tempfile.TemporaryDirectory(prefix="concord-stix-bench-", dir=base) as tmp:
        root = Path(tmp)
        big, small, sample = root / "big.json", root / "small.json", root / "sample.json"
        big_bytes = write_bundle(big, SIZE, seed=1)
        small_bytes = write_bundle(small, SMALL, seed=2)
        write_bundle(sample, SAMPLE, seed=3)
        naive = naive_seconds(sample)
        for name in ("db-small", "db-big"):
            (root / name).mkdir()
        little = run_child(env, "bench.cyber.stix_ingest", root / "db-small", small)
        full = run_child(env, "bench.cyber.stix_ingest", root / "db-big", big)
    naive_full = naive * SIZE / SAMPLE
    ours = rate_result(full["objects"], full["seconds"], "in-process")
    measurements = [
        Measurement(
            "naive-parse",
            "json.load+stix2.parse",
            "none",
            rate_result(SIZE, naive_full, "estimate"),
        ),
        Measurement("ingest", "ingest_bundle", "none", ours),
    ]
    result = ModuleResult("cyber.stix_ingest", "naive-parse", measurements)
    grew_small = little["rss_peak"] - little["rss_before"]
    grew_big = full["rss_peak"] - full["rss_before"]
    mib = 1024 * 1024
    result.notes += [
        (
            f"{SIZE:,} indicators ({big_bytes / mib:.1f} MiB) ingested into a fresh "
            f"{full['vendor']} database in {full['seconds']:.1f} s: {full['stored']:,} objects "
            f"stored, {full['indicators']:,} indicators created, one transaction, one audit record"
        ),
        (
            f"naive baseline: json.load + stix2.parse of {SAMPLE:,} objects took {naive:.2f} s, "
            f"≈ {naive_full:.0f} s for {SIZE:,} (parsing only, nothing stored); ingest is "
            f"{naive_full / full['seconds']:.1f}× faster while also storing"
        ),
        (
            f"peak memory above start: {grew_big / mib:.0f} MiB for the {big_bytes / mib:.1f} MiB "
            f"bundle, {grew_small / mib:.0f} MiB for the {small_bytes / mib:.1f} MiB one "
            f"({SMALL:,} objects)"
        ),
    ]
    bounded = grew_big <= max(2 * grew_small, 64 * mib)
    result.checks = [
        Check(f"ingest ≥ {TARGET:,.0f} objects/s", ours.rps >= TARGET, f"{ours.rps:,.0f}/s"),
        Check(
            "bounded memory: a bundle 10× larger needs < 2× the memory (or < 64 MiB)",
            bounded,
            f"{grew_small / mib:.0f} MiB → {grew_big / mib:.0f} MiB",
        ),
    ]
    return result


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        print(json.dumps(child(Path(sys.argv[2]), Path(sys.argv[3]))))
    else:
        outcome = run(None)
        print(render(outcome))
        print(f"OVERALL: {'PASS' if outcome.passed else 'FAIL'}")
        sys.exit(0 if outcome.passed else 1)
