"""Harmonising six national lists of 2,000 entries each (synthetic, overlapping, written the
way different states write names: nominative or quoted with a descriptor, Latin, acronyms,
typos): `concord import_list` ×6 then `concord harmonise`, timed end to end. The baseline is
logic-v2 over all cross-list pairs, timed on a sample and extrapolated. Target: ≤ 60 s."""

from __future__ import annotations

import csv
import itertools
import random
import re
import time
from pathlib import Path

from bench.harness import BenchContext, Measurement, rate_result
from bench.report import Check, ModuleResult
from concord.designations.matching.engine import logic_v2, warm_up
from concord.designations.matching.names import prepare

from ._data import Generator

STATES = ("AM", "BY", "KG", "KZ", "RU", "TJ")
PER_LIST = 2_000
POOL = 3_000
TARGET_S = 60.0
SAMPLE_PAIRS = 2_000
COLUMNS = (
    "entry_id,name,aliases,language,category,listed_on,legal_basis,reasons,status,source_url,notes"
)


def write_lists(directory: Path, seed: int = 5) -> dict[str, Path]:
    generator = Generator(seed=seed)
    pool = generator.orgs(POOL)
    rng = random.Random(seed)
    files = {}
    for code in STATES:
        chosen = rng.sample(range(POOL), PER_LIST)
        path = directory / f"synthetic-{code}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(COLUMNS.split(","))
            for number, index in enumerate(chosen, start=1):
                org = pool[index]
                style = rng.randrange(4)
                name = (org.ru, org.quoted, org.en, generator.typo(org.ru))[style]
                language = "en" if style == 2 else "ru"
                aliases = [f"{org.acronym}@ru"] if rng.random() < 0.5 else []
                if rng.random() < 0.3:
                    aliases.append(f"{org.en}@en")
                writer.writerow(
                    [f"{code}-{number:05d}", name, ";".join(aliases), language, "terrorist",
                     "2020-01-01", f"Synthetic decision {code}/{number}", "", "listed", "", ""]
                )  # fmt: skip
        files[code] = path
    return files


def _all_pairs_estimate(files: dict[str, Path]) -> tuple[float, int]:
    """Seconds logic-v2 would take over every cross-list pair of primary names."""
    names: dict[str, list[str]] = {}
    for code, path in files.items():
        with path.open(encoding="utf-8") as handle:
            names[code] = [row["name"] for row in csv.DictReader(handle)]
    pairs = sum(len(a) * len(b) for a, b in itertools.combinations(names.values(), 2))
    rng = random.Random(3)
    codes = list(names)
    sample = []
    for _ in range(SAMPLE_PAIRS):
        left, right = rng.sample(codes, 2)
        sample.append((rng.choice(names[left]), rng.choice(names[right])))
    started = time.perf_counter()
    for left, right in sample:
        logic_v2(prepare(left), prepare(right))
    per_pair = (time.perf_counter() - started) / SAMPLE_PAIRS
    return per_pair * pairs, pairs


def run(ctx: BenchContext) -> ModuleResult:
    assert ctx.var_dir is not None
    warm_up()
    files = write_lists(ctx.var_dir)
    started = time.perf_counter()
    for code, path in files.items():
        ctx.concord("import_list", "--state", code, "--format", "csv", str(path), timeout=600)
    imported = time.perf_counter() - started
    started = time.perf_counter()
    out = ctx.concord("harmonise", timeout=1200)
    harmonised = time.perf_counter() - started
    estimate, pairs = _all_pairs_estimate(files)
    entries = PER_LIST * len(STATES)
    measurements = [
        Measurement("all-pairs", "estimate", "none", rate_result(entries, estimate, "estimate")),
        Measurement("harmonise", "concord", "none", rate_result(entries, harmonised, "cli")),
    ]
    result = ModuleResult("designations.harmonise", "all-pairs", measurements)
    summary = re.sub(r"\s+", " ", out.strip())
    result.notes += [
        "rows are entries harmonised per second",
        (
            f"6 lists × {PER_LIST} entries imported in {imported:.1f} s; harmonise took "
            f"{harmonised:.1f} s: {summary}"
        ),
        (
            f"all-pairs baseline: {pairs:,} cross-list pairs of primary names with logic-v2 ≈ "
            f"{estimate:,.0f} s (sampled {SAMPLE_PAIRS} pairs)"
        ),
    ]
    result.checks = [
        Check(
            f"harmonising 6 × {PER_LIST} entries in ≤ {TARGET_S:.0f} s",
            harmonised <= TARGET_S,
            f"{harmonised:.1f} s",
        )
    ]
    return result
