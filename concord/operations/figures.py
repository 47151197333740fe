"""The figures of a joint operation's statistics: totals per measure, the rows of each slice
(stage, country, substance, year, cumulative), and `Statistics` itself with its JSON form.
`queries.py` fills them.

Figures are kept per *measure*: "kg" for masses (grams and tonnes normalised to kilograms) and
the unit itself otherwise (litres, tablets and doses of drugs; items, rounds, cases, persons).

`Statistics.as_dict()` is JSON-ready: every amount is a JSON number, an `int` when it is whole
and otherwise a `float` rounded to 3 decimal places (a gram); a change is a percentage rounded to
one decimal place, or null when the previous year has no figure to compare with.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from concord.core.models import localized

from .models import KG_PER_UNIT, ResultKind, Stage, Substance, Unit

KG = "kg"  # the measure of normalised masses
ZERO = Decimal(0)
KIND_ORDER = {kind: n for n, kind in enumerate(ResultKind.values)}
MEASURE_ORDER = {KG: 0} | {
    unit: n + 1 for n, unit in enumerate(Unit.values) if unit not in KG_PER_UNIT
}


def measure_of(unit: str) -> str:
    """The measure a unit counts in: "kg" for masses, else the unit itself."""
    return KG if unit in KG_PER_UNIT else unit


def measure_label(measure: str) -> str:
    return str(Unit(measure).label) if measure in Unit.values else measure


def kind_label(kind: str) -> str:
    return str(ResultKind(kind).label) if kind in ResultKind.values else kind


def substance_label(substance: str) -> str:
    return str(Substance(substance).label) if substance in Substance.values else substance


def json_number(value: Decimal) -> int | float:
    """An amount as a JSON number: whole amounts as int, others as float rounded to a gram."""
    if value == value.to_integral_value():
        return int(value)
    return float(round(value, 3))


# Totals ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    kind: str
    measure: str
    amount: Decimal

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)

    @property
    def measure_label(self) -> str:
        return measure_label(self.measure)


@dataclass(frozen=True)
class Totals:
    """Sums of one slice: kind → measure → amount (kinds and measures in a fixed order), and the
    number of current lines counted."""

    amounts: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    lines: int = 0

    def amount(self, kind: str, measure: str = KG) -> Decimal:
        return self.amounts.get(kind, {}).get(measure, ZERO)

    @property
    def drugs_kg(self) -> Decimal:
        return self.amount(ResultKind.DRUG_SEIZURE, KG)

    @property
    def figures(self) -> list[Figure]:
        return [
            Figure(kind, measure, amount)
            for kind, measures in self.amounts.items()
            for measure, amount in measures.items()
        ]

    def as_dict(self) -> dict[str, dict[str, int | float]]:
        return {
            kind: {measure: json_number(amount) for measure, amount in measures.items()}
            for kind, measures in self.amounts.items()
        }


class Sums:
    """A Totals being added up."""

    def __init__(self) -> None:
        self.amounts: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        self.lines = 0

    def add(self, kind: str, measure: str, amount: Decimal, lines: int) -> None:
        self.amounts[kind, measure] += amount
        self.lines += lines

    def merge(self, other: Sums) -> None:
        for key, amount in other.amounts.items():
            self.amounts[key] += amount
        self.lines += other.lines

    def copy(self) -> Sums:
        twin = Sums()
        twin.merge(self)
        return twin

    def totals(self) -> Totals:
        ordered = sorted(
            self.amounts.items(),
            key=lambda item: (
                KIND_ORDER.get(item[0][0], 99),
                MEASURE_ORDER.get(item[0][1], 99),
            ),
        )
        amounts: dict[str, dict[str, Decimal]] = {}
        for (kind, measure), amount in ordered:
            amounts.setdefault(kind, {})[measure] = amount
        return Totals(amounts, self.lines)


def change_percent(current: Totals, previous: Totals) -> dict[str, dict[str, Decimal | None]]:
    """Per kind and measure, the change from `previous` to `current` in percent (one decimal
    place); None when the previous amount is zero or missing."""
    change: dict[str, dict[str, Decimal | None]] = {}
    keys = {(f.kind, f.measure) for f in current.figures} | {
        (f.kind, f.measure) for f in previous.figures
    }
    for kind, measure in sorted(
        keys, key=lambda k: (KIND_ORDER.get(k[0], 99), MEASURE_ORDER.get(k[1], 99))
    ):
        before = previous.amount(kind, measure)
        now = current.amount(kind, measure)
        percent = None if before == 0 else round((now - before) * 100 / before, 1)
        change.setdefault(kind, {})[measure] = percent
    return change


# Rows --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OperationInfo:
    slug: str
    name_ru: str
    name_en: str
    kind: str
    since_year: int

    @property
    def name(self) -> str:
        return localized(self.name_ru, self.name_en)


@dataclass(frozen=True)
class StageRow:
    number: int
    year: int
    starts_on: date
    ends_on: date
    status: str
    totals: Totals
    revised_kinds: frozenset[str] = frozenset()

    @property
    def status_label(self) -> str:
        return str(Stage.Status(self.status).label)


@dataclass(frozen=True)
class ParticipantRow:
    code: str
    kind: str  # ParticipantKind
    name_ru: str
    name_en: str
    totals: Totals
    revised_kinds: frozenset[str] = frozenset()

    @property
    def name(self) -> str:
        return localized(self.name_ru, self.name_en) or self.code


@dataclass(frozen=True)
class SubstanceRow:
    substance: str
    mass_kg: Decimal
    other: dict[str, Decimal]  # litres, tablets, doses

    @property
    def label(self) -> str:
        return substance_label(self.substance)


@dataclass(frozen=True)
class YearRow:
    year: int
    stages: int
    totals: Totals
    # Change against the previous calendar year (kind → measure → percent); a kind and measure
    # is None when that year had no such figure, and the whole dict is empty when it had no
    # stage.
    change: dict[str, dict[str, Decimal | None]] = field(default_factory=dict)


@dataclass(frozen=True)
class CumulativeRow:
    year: int
    totals: Totals  # everything from the first stage up to the end of this year


@dataclass(frozen=True)
class RevisedFigure:
    """A figure (stage, participant, kind) that includes at least one corrected line."""

    stage: int
    year: int
    participant: str
    kind: str

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)


@dataclass(frozen=True)
class DetailRow:
    """The finest figure: one stage, participant, kind, substance and measure."""

    stage: int
    year: int
    participant: str
    kind: str
    substance: str
    measure: str
    amount: Decimal
    lines: int
    revised: bool


@dataclass(frozen=True)
class Statistics:
    operation: OperationInfo
    year: int | None  # None: all years
    stage: int | None  # a stage number when the scope is one stage
    stages: int
    countries: int  # participating countries (participants with a country)
    participants: int  # countries and international organisations
    totals: Totals
    by_substance: list[SubstanceRow]
    by_stage: list[StageRow]
    by_country: list[ParticipantRow]
    by_year: list[YearRow]  # the years in scope (empty for one stage)
    cumulative: list[CumulativeRow]  # every year from the start to the end of the scope
    revised: list[RevisedFigure]
    illustrative: bool

    def as_dict(self) -> dict[str, Any]:
        def change(row: YearRow) -> dict[str, dict[str, float | None]]:
            return {
                kind: {m: None if p is None else float(p) for m, p in measures.items()}
                for kind, measures in row.change.items()
            }

        return {
            "operation": {
                "slug": self.operation.slug,
                "name_ru": self.operation.name_ru,
                "name_en": self.operation.name_en,
                "kind": self.operation.kind,
            },
            "year": self.year,
            "stage": self.stage,
            "stages": self.stages,
            "countries": self.countries,
            "participants": self.participants,
            "totals": self.totals.as_dict(),
            "by_substance": [
                {
                    "substance": row.substance,
                    "mass_kg": json_number(row.mass_kg),
                    **{unit: json_number(amount) for unit, amount in row.other.items()},
                }
                for row in self.by_substance
            ],
            "by_stage": [
                {
                    "number": row.number,
                    "year": row.year,
                    "starts_on": row.starts_on.isoformat(),
                    "ends_on": row.ends_on.isoformat(),
                    "status": row.status,
                    "totals": row.totals.as_dict(),
                    "revised": sorted(row.revised_kinds),
                }
                for row in self.by_stage
            ],
            "by_country": [
                {
                    "code": row.code,
                    "kind": row.kind,
                    "name_ru": row.name_ru,
                    "name_en": row.name_en,
                    "totals": row.totals.as_dict(),
                    "revised": sorted(row.revised_kinds),
                }
                for row in self.by_country
            ],
            "by_year": [
                {
                    "year": row.year,
                    "stages": row.stages,
                    "totals": row.totals.as_dict(),
                    "change_percent": change(row),
                }
                for row in self.by_year
            ],
            "cumulative": [
                {"year": row.year, "totals": row.totals.as_dict()} for row in self.cumulative
            ],
            "revised": [
                {"stage": r.stage, "year": r.year, "participant": r.participant, "kind": r.kind}
                for r in self.revised
            ],
            "illustrative": self.illustrative,
        }


@dataclass(frozen=True)
class Dashboard:
    all_years: Statistics
    latest: Statistics | None  # the latest year with a stage under way or done

    @property
    def latest_year(self) -> int | None:
        return self.latest.year if self.latest is not None else None


# The database ------------------------------------------------------------------------------
#
# Grouped sums of the current lines, whatever their number:
# - by stage, kind, substance and unit: totals, stages, years, cumulative, substances;
# - by participant, kind and unit, once per scope asked for (the dashboard asks for all years
#   and the latest year);
# - the current corrections (revision > 1) by stage, participant and kind: the revised marks.
# A sum of current lines is the sum of every line less that of the superseded lines (found from
# the few corrections), so each big query is a plain grouped scan, which a covering index on
# the grouped columns and `quantity` makes an index-only scan in group order (see
# bench/operations/statistics.py). Statistics make 5 line queries (the dashboard 7) and 3 small
# ones (stages, participants, who took part).
