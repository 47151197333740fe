"""Matching quality on the labelled pairs (bench/designations/pairs.csv): precision, recall and
F1 at the default threshold per category, next to nomenklatura's logic-v2 alone.
Targets: F1 ≥ 0.95 overall; recall ≥ 0.90 on translations and acronyms; false positives ≤ 1 %
on hard negatives."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from followthemoney import model
from nomenklatura.matching.logic_v2.model import LogicV2
from nomenklatura.matching.types import ScoringConfig

from bench.harness import BenchContext, Measurement, latency_result
from bench.report import Check, ModuleResult
from concord.designations.matching.engine import DEFAULT_THRESHOLD, compare_names, warm_up

from ._data import load_aliases, read_pairs, timed

F1_TARGET = 0.95
RECALL_TARGET = 0.90
FP_TARGET = 0.01


def _logic_v2_alone() -> Callable[[str, str], float]:
    config = ScoringConfig.defaults()

    def score(left: str, right: str) -> float:
        a, b = model.make_entity("Organization"), model.make_entity("Organization")
        a.id, b.id = f"l{hash(left)}", f"r{hash(right)}"
        a.add("name", left)
        b.add("name", right)
        return float(LogicV2.compare(a, b, config).score)

    return score


def _stats(rows: list[tuple[int, float]]) -> dict[str, float]:
    tp = sum(1 for label, s in rows if label and s >= DEFAULT_THRESHOLD)
    fp = sum(1 for label, s in rows if not label and s >= DEFAULT_THRESHOLD)
    fn = sum(1 for label, s in rows if label and s < DEFAULT_THRESHOLD)
    negatives = sum(1 for label, _ in rows if not label)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "n": len(rows),
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "fp_rate": fp / negatives if negatives else 0.0,
    }


def _prf(stats: dict[str, float], category: str, scored: dict[str, Any]) -> str:
    """Precision, recall and F1, or dashes for a category of negatives only (there, only the
    false-positive rate means anything)."""
    if not any(label for label, _ in scored["concord"][category]):
        return f"{'—':>6} {'—':>6} {'—':>6}"
    return f"{stats['precision']:6.3f} {stats['recall']:6.3f} {stats['f1']:6.3f}"


def run(ctx: BenchContext) -> ModuleResult:
    pairs = read_pairs()
    store = load_aliases()
    warm_up()
    ours_fn = lambda left, right: compare_names(left, right, store).score  # noqa: E731
    alone_fn = _logic_v2_alone()
    scored: dict[str, dict[str, list[tuple[int, float]]]] = {
        "concord": defaultdict(list),
        "logic-v2": defaultdict(list),
    }
    timings: dict[str, list[float]] = {}
    for name, function in (("concord", ours_fn), ("logic-v2", alone_fn)):
        index = iter(range(len(pairs)))

        def one(_: str, fn: Callable[[str, str], float] = function, key: str = name) -> None:
            row = pairs[next(index)]  # noqa: B023 - consumed within this loop iteration
            result = fn(row["name1"], row["name2"])
            for group in (row["category"], "overall"):
                scored[key][group].append((int(row["label"]), result))

        timings[name] = timed(one, [""] * len(pairs))
    measurements = [
        Measurement("logic-v2", "pairs", "none", latency_result(timings["logic-v2"])),
        Measurement("concord", "pairs", "none", latency_result(timings["concord"])),
    ]
    result = ModuleResult("designations.quality", "logic-v2", measurements)
    result.notes.append("rows are pairs scored per second on one core (req/s column)")
    header = f"{'category':<18} {'n':>4}  {'P':>6} {'R':>6} {'F1':>6} {'FP%':>6}   logic-v2 alone: {'P':>6} {'R':>6} {'F1':>6} {'FP%':>6}"  # noqa: E501
    result.notes.append(header)
    categories = [*sorted(c for c in scored["concord"] if c != "overall"), "overall"]
    stats = {c: _stats(scored["concord"][c]) for c in categories}
    alone = {c: _stats(scored["logic-v2"][c]) for c in categories}
    for c in categories:
        s, a = stats[c], alone[c]
        result.notes.append(
            f"{c:<18} {int(s['n']):>4}  {_prf(s, c, scored)} {100 * s['fp_rate']:5.1f}%"
            f"                   {_prf(a, c, scored)} {100 * a['fp_rate']:5.1f}%"
        )
    recall_groups = [c for c in ("translation", "acronym") if c in stats]
    result.checks = [
        Check(
            f"F1 ≥ {F1_TARGET} overall at threshold {DEFAULT_THRESHOLD}",
            stats["overall"]["f1"] >= F1_TARGET,
            f"{stats['overall']['f1']:.3f}",
        ),
        *(
            Check(
                f"recall ≥ {RECALL_TARGET} on {c}",
                stats[c]["recall"] >= RECALL_TARGET,
                f"{stats[c]['recall']:.3f}",
            )
            for c in recall_groups
        ),
        Check(
            f"false positives ≤ {FP_TARGET:.0%} on hard negatives",
            stats.get("hard_negative", {"fp_rate": 0.0})["fp_rate"] <= FP_TARGET,
            f"{stats.get('hard_negative', {'fp_rate': 0.0})['fp_rate']:.1%}",
        ),
    ]
    return result
