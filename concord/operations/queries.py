"""The statistics of a joint operation: totals per year, stage, country and substance, cumulative
since the start, year-on-year change, and which figures include corrected lines.

Statistics are GREEN by the rules: they count every current line (the latest revision of each
figure) whatever each line's own marking, so they are computed here from `ResultLine.objects`
directly and never through the per-line chokepoint. They are computed by the database with a
constant number of grouped queries whose results are bounded by the operation's shape (stages ×
figures, participants × figures), never by its number of lines (see "The database" below);
every slice (year, stage, country, substance) is a roll-up of those groups.

Figures are kept per *measure*: "kg" for masses (grams and tonnes normalised to kilograms) and
the unit itself otherwise (litres, tablets and doses of drugs; items, rounds, cases, persons).
Masses are normalised per group: the sum of the quantities reported in one unit times that
unit's factor, which equals the sum of the lines' `mass_kg` exactly.

`Statistics.as_dict()` is JSON-ready: every amount is a JSON number, an `int` when it is whole
and otherwise a `float` rounded to 3 decimal places (a gram); a change is a percentage rounded to
one decimal place, or null when the previous year has no figure to compare with.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import F, Sum
from django.utils.translation import gettext as _

from concord.core.models import localized
from concord.cyber import queries_registry

from .models import (
    KG_PER_UNIT,
    FigureTotal,
    Operation,
    OperationKind,
    ResultKind,
    Stage,
    Substance,
    Unit,
)

KG = "kg"  # the measure of normalised masses
ZERO = Decimal(0)
_KIND_ORDER = {kind: n for n, kind in enumerate(ResultKind.values)}
_MEASURE_ORDER = {KG: 0} | {
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


class _Sums:
    """A Totals being added up."""

    def __init__(self) -> None:
        self.amounts: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        self.lines = 0

    def add(self, kind: str, measure: str, amount: Decimal, lines: int) -> None:
        self.amounts[kind, measure] += amount
        self.lines += lines

    def merge(self, other: _Sums) -> None:
        for key, amount in other.amounts.items():
            self.amounts[key] += amount
        self.lines += other.lines

    def copy(self) -> _Sums:
        twin = _Sums()
        twin.merge(self)
        return twin

    def totals(self) -> Totals:
        ordered = sorted(
            self.amounts.items(),
            key=lambda item: (
                _KIND_ORDER.get(item[0][0], 99),
                _MEASURE_ORDER.get(item[0][1], 99),
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
        keys, key=lambda k: (_KIND_ORDER.get(k[0], 99), _MEASURE_ORDER.get(k[1], 99))
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


@dataclass(frozen=True)
class _StageInfo:
    pk: int
    number: int
    year: int
    starts_on: date
    ends_on: date
    status: str


@dataclass(frozen=True)
class _ParticipantInfo:
    pk: int
    code: str
    kind: str
    name_ru: str
    name_en: str
    has_country: bool


@dataclass(frozen=True)
class _Group:
    stage: int  # pk
    kind: str
    substance: str
    measure: str
    amount: Decimal
    lines: int


Scope = tuple[int | None, int | None]  # (year, stage number); (None, None) is all years


@dataclass
class _Material:
    """What the database returns for an operation: its stages (those up to the end of the
    widest scope), participants, who took part in which stage, the lines grouped by stage and
    by participant (per scope), and the revised figures."""

    operation: OperationInfo
    illustrative: bool
    stages: list[_StageInfo]
    participants: dict[int, _ParticipantInfo]
    taking_part: dict[int, set[int]]  # stage pk → participant pks
    groups: list[_Group]
    by_participant: dict[Scope, dict[int, _Sums]]
    revised: set[tuple[int, int, str]]  # (stage pk, participant pk, kind)


def _stages(operation: Operation) -> list[_StageInfo]:
    return [
        _StageInfo(**row)
        for row in Stage.objects.filter(operation=operation)
        .order_by("number")
        .values("pk", "number", "year", "starts_on", "ends_on", "status")
    ]


def _in_scope(stages: list[_StageInfo], scope: Scope) -> list[_StageInfo]:
    year, number = scope
    if number is not None:
        return [s for s in stages if s.number == number]
    if year is not None:
        return [s for s in stages if s.year == year]
    return list(stages)


def _up_to(stages: list[_StageInfo], scope: Scope) -> list[_StageInfo]:
    """The stages up to the end of a scope: the cumulative totals count them all."""
    year, number = scope
    if number is not None:
        return [s for s in stages if s.number <= number]
    if year is not None:
        return [s for s in stages if s.year <= year]
    return list(stages)


def _participants(operation: Operation) -> dict[int, _ParticipantInfo]:
    fields = ("pk", "code", "kind", "name_ru", "name_en", "country_id")
    names = ("country__name_ru", "country__name_en")
    return {
        row["pk"]: _ParticipantInfo(
            pk=row["pk"],
            code=row["code"],
            kind=row["kind"],
            name_ru=row["country__name_ru"] or row["name_ru"],
            name_en=row["country__name_en"] or row["name_en"],
            has_country=row["country_id"] is not None,
        )
        for row in operation.participants.values(*fields, *names)
    }


def _amount(quantity: Decimal, unit: str) -> Decimal:
    return quantity * KG_PER_UNIT.get(unit, Decimal(1))


def _add_rows(sums: dict[Any, _Sums], key: str, rows: Iterable[dict[str, Any]]) -> None:
    for row in rows:
        sums[row[key]].add(
            row["kind"], measure_of(row["unit"]), _amount(row["total"], row["unit"]), row["lines"]
        )


def _by_participant(
    scopes: dict[Scope, list[int]], extra: list[dict[str, Any]]
) -> dict[Scope, dict[int, _Sums]]:
    """Per scope, each participant's sums: the figure totals of the scope's stages, summed by
    the database (rows: participants × figures), plus the registry's rows."""
    found: dict[Scope, dict[int, _Sums]] = {}
    for scope, stage_ids in scopes.items():
        sums: dict[int, _Sums] = defaultdict(_Sums)
        _add_rows(
            sums,
            "participant_id",
            FigureTotal.objects.filter(stage_id__in=stage_ids)
            .values("participant_id", "kind", "unit")
            .annotate(total=Sum("quantity"), lines=Sum("lines"))
            .order_by(),
        )
        wanted = set(stage_ids)
        _add_rows(sums, "participant_id", (row for row in extra if row["stage_id"] in wanted))
        found[scope] = sums
    return found


def _registry_rows(
    stages: list[_StageInfo], participants: dict[int, _ParticipantInfo]
) -> list[dict[str, Any]]:
    """An information-security operation's resources identified and blocked, per stage and
    member state, counted from the cyber module's registry (actions dated within the stage):
    they are never entered here as well. One query per stage."""
    by_code = {p.code: pk for pk, p in participants.items() if p.has_country}
    kinds = {
        "identified": ResultKind.RESOURCES_IDENTIFIED,
        "blocked": ResultKind.RESOURCES_BLOCKED,
    }
    rows: list[dict[str, Any]] = []
    for stage in stages:
        counts = queries_registry.action_counts(start=stage.starts_on, end=stage.ends_on)
        for code, figures in sorted(counts.items()):
            if code not in by_code:
                continue
            rows.extend(
                {
                    "stage_id": stage.pk,
                    "participant_id": by_code[code],
                    "kind": kinds[action],
                    "substance": "",
                    "unit": "items",
                    "total": Decimal(count),
                    "lines": 0,
                }
                for action, count in figures.items()
                if count
            )
    return rows


def _material(
    operation: Operation, scopes: list[Scope], every: list[_StageInfo] | None = None
) -> _Material:
    every = _stages(operation) if every is None else every
    for _year, number in scopes:
        if number is not None and not any(s.number == number for s in every):
            raise Stage.DoesNotExist(_("stage %(number)s not found") % {"number": number})
    history = {s.pk: s for scope in scopes for s in _up_to(every, scope)}
    stages = [s for s in every if s.pk in history]
    stage_ids = [s.pk for s in stages]
    scoped = {scope: [s.pk for s in _in_scope(stages, scope)] for scope in scopes}
    taking_part: dict[int, set[int]] = defaultdict(set)
    through = Stage.participants.through.objects.filter(stage_id__in=stage_ids)
    for stage_id, participant_id in through.values_list("stage_id", "participant_id"):
        taking_part[stage_id].add(participant_id)
    # The figure totals the services keep (one row per stage × participant × figure), summed by
    # the database per stage and figure: rows bounded by stages × figures, never by lines.
    rows: list[dict[str, Any]] = list(
        FigureTotal.objects.filter(stage_id__in=stage_ids)
        .values("stage_id", "kind", "substance", "unit")
        .annotate(total=Sum("quantity"), lines=Sum("lines"))
        .order_by()
    )
    participants = _participants(operation)
    extra = (
        _registry_rows(stages, participants)
        if operation.kind == OperationKind.INFORMATION_SECURITY
        else []
    )
    rows += extra
    groups = [
        _Group(
            stage=row["stage_id"],
            kind=row["kind"],
            substance=row["substance"],
            measure=measure_of(row["unit"]),
            amount=_amount(row["total"], row["unit"]),
            lines=row["lines"],
        )
        for row in rows
    ]
    revised = set(
        FigureTotal.objects.filter(stage_id__in=stage_ids, revised=True)
        .values_list("stage_id", "participant_id", "kind")
        .distinct()
        .order_by()
    )
    info = OperationInfo(
        operation.slug, operation.name_ru, operation.name_en, operation.kind, operation.since_year
    )
    return _Material(
        operation=info,
        illustrative=operation.illustrative_splits,
        stages=stages,
        participants=participants,
        taking_part=taking_part,
        groups=groups,
        by_participant=_by_participant(scoped, extra),
        revised=revised,
    )


def statistics(
    operation: Operation, *, year: int | None = None, stage: int | None = None
) -> Statistics:
    """The operation's statistics for all years, one year, or one stage (by its number;
    `Stage.DoesNotExist` when there is none)."""
    scope = (None, stage) if stage is not None else (year, None)
    return _build(_material(operation, [scope]), scope)


def latest_year(stages: Iterable[_StageInfo]) -> int | None:
    held = [s.year for s in stages if s.status != Stage.Status.PLANNED]
    every = [s.year for s in stages]
    return max(held or every) if every else None


def dashboard(operation: Operation) -> Dashboard:
    """All years and the latest year with a stage under way or done, from the same pass over
    the lines."""
    stages = _stages(operation)
    latest = latest_year(stages)
    everything: Scope = (None, None)
    if latest is None:
        return Dashboard(_build(_material(operation, [everything], stages), everything), None)
    material = _material(operation, [everything, (latest, None)], stages)
    return Dashboard(_build(material, everything), _build(material, (latest, None)))


def detail(
    operation: Operation, *, year: int | None = None, stage: int | None = None
) -> list[DetailRow]:
    """The finest figures of a scope (stage × participant × kind × substance × measure), for
    the exports; `revised` when a current line of the figure is a correction."""
    stages = {s.pk: s for s in _in_scope(_stages(operation), (year, stage))}
    codes = dict(operation.participants.values_list("pk", "code"))
    rows = (
        FigureTotal.objects.filter(stage_id__in=list(stages))
        .values("stage_id", "participant_id", "kind", "substance", "unit", "quantity", "lines")
        .annotate(revision=F("revised"))
        .order_by()
    )
    merged: dict[tuple[int, int, str, str, str], list[Any]] = {}
    for row in rows:
        key = (
            row["stage_id"],
            row["participant_id"],
            row["kind"],
            row["substance"],
            measure_of(row["unit"]),
        )
        figure = merged.setdefault(key, [ZERO, 0, False])
        figure[0] += _amount(row["quantity"], row["unit"])
        figure[1] += row["lines"]
        figure[2] = figure[2] or bool(row["revision"])
    found = [
        DetailRow(
            stages[s].number,
            stages[s].year,
            codes[p],
            kind,
            substance,
            measure,
            amount,
            lines,
            revised,
        )
        for (s, p, kind, substance, measure), (amount, lines, revised) in merged.items()
    ]
    found.sort(
        key=lambda r: (
            r.stage,
            r.participant,
            _KIND_ORDER.get(r.kind, 99),
            r.substance,
            _MEASURE_ORDER.get(r.measure, 99),
        )
    )
    return found


# Roll-ups ----------------------------------------------------------------------------------


def _build(material: _Material, scope: Scope) -> Statistics:
    year, number = scope
    stages = {s.pk: s for s in material.stages}
    chosen = _in_scope(material.stages, scope)
    if number is not None:
        year = chosen[0].year
    in_scope = {s.pk for s in chosen}

    total = _Sums()
    per_stage: dict[int, _Sums] = defaultdict(_Sums)
    substances: dict[str, _Sums] = defaultdict(_Sums)
    for g in material.groups:
        if g.stage not in in_scope:
            continue
        total.add(g.kind, g.measure, g.amount, g.lines)
        per_stage[g.stage].add(g.kind, g.measure, g.amount, g.lines)
        if g.substance:
            substances[g.substance].add(g.kind, g.measure, g.amount, g.lines)
    per_participant = material.by_participant[scope]
    revised = {(s, p, kind) for s, p, kind in material.revised if s in in_scope}

    taking_part = set().union(*(material.taking_part.get(pk, set()) for pk in in_scope))
    taking_part |= set(per_participant)
    people = [material.participants[pk] for pk in taking_part if pk in material.participants]
    lead = headline(material.operation.kind, total.totals())
    people.sort(key=lambda p: (-per_participant[p.pk].amounts.get(lead, ZERO), p.code))

    by_stage_revised: dict[int, set[str]] = defaultdict(set)
    by_participant_revised: dict[int, set[str]] = defaultdict(set)
    for s, p, kind in revised:
        by_stage_revised[s].add(kind)
        by_participant_revised[p].add(kind)

    return Statistics(
        operation=material.operation,
        year=year,
        stage=number,
        stages=len(chosen),
        countries=sum(1 for p in people if p.has_country),
        participants=len(people),
        totals=total.totals(),
        by_substance=_by_substance(substances),
        by_stage=[
            StageRow(
                s.number,
                s.year,
                s.starts_on,
                s.ends_on,
                s.status,
                per_stage[s.pk].totals(),
                frozenset(by_stage_revised.get(s.pk, ())),
            )
            for s in chosen
        ],
        by_country=[
            ParticipantRow(
                p.code,
                p.kind,
                p.name_ru,
                p.name_en,
                per_participant[p.pk].totals(),
                frozenset(by_participant_revised.get(p.pk, ())),
            )
            for p in people
        ],
        by_year=[] if number is not None else _by_year(material, stages, chosen),
        cumulative=_cumulative(material, stages, last_year=year),
        revised=sorted(
            (
                RevisedFigure(stages[s].number, stages[s].year, material.participants[p].code, kind)
                for s, p, kind in revised
            ),
            key=lambda r: (r.stage, r.participant, _KIND_ORDER.get(r.kind, 99)),
        ),
        illustrative=material.illustrative,
    )


# The figure an operation is known by, per kind of operation (charts and orderings use it).
HEADLINES: dict[str, tuple[tuple[str, str], ...]] = {
    OperationKind.ANTI_DRUG: ((ResultKind.DRUG_SEIZURE, KG),),
    OperationKind.ILLEGAL_MIGRATION: (
        (ResultKind.WANTED_FOUND, Unit.PERSONS),
        (ResultKind.ILLEGAL_MIGRANTS, Unit.PERSONS),
    ),
    OperationKind.INFORMATION_SECURITY: (
        (ResultKind.RESOURCES_BLOCKED, Unit.ITEMS),
        (ResultKind.RESOURCES_IDENTIFIED, Unit.ITEMS),
    ),
}


def headline(operation_kind: str, totals: Totals) -> tuple[str, str]:
    """The (kind, measure) an operation is known by: its kind's usual figure when it has one,
    else its first figure, else drugs in kg."""
    for kind, measure in HEADLINES.get(operation_kind, ()):
        if totals.amount(kind, measure):
            return kind, measure
    for figure in totals.figures:
        return figure.kind, figure.measure
    preferred = HEADLINES.get(operation_kind)
    return preferred[0] if preferred else (ResultKind.DRUG_SEIZURE, KG)


def _by_substance(substances: dict[str, _Sums]) -> list[SubstanceRow]:
    rows = []
    for substance, sums in substances.items():
        other = {m: a for (_, m), a in sums.amounts.items() if m != KG}
        kg = sum((a for (_, m), a in sums.amounts.items() if m == KG), ZERO)
        rows.append(
            SubstanceRow(
                substance,
                kg,
                dict(sorted(other.items(), key=lambda i: _MEASURE_ORDER.get(i[0], 99))),
            )
        )
    order = {s: n for n, s in enumerate(Substance.values)}
    rows.sort(key=lambda r: (-r.mass_kg, order.get(r.substance, 99)))
    return rows


def _per_year(material: _Material, stages: dict[int, _StageInfo]) -> dict[int, _Sums]:
    years: dict[int, _Sums] = defaultdict(_Sums)
    for g in material.groups:
        years[stages[g.stage].year].add(g.kind, g.measure, g.amount, g.lines)
    return years


def _by_year(
    material: _Material, stages: dict[int, _StageInfo], scope: list[_StageInfo]
) -> list[YearRow]:
    sums = _per_year(material, stages)
    held: dict[int, int] = defaultdict(int)
    for s in material.stages:
        held[s.year] += 1
    rows = []
    for year in sorted({s.year for s in scope}):
        totals = sums[year].totals()
        change = change_percent(totals, sums[year - 1].totals()) if held.get(year - 1) else {}
        rows.append(YearRow(year, held[year], totals, change))
    return rows


def _cumulative(
    material: _Material, stages: dict[int, _StageInfo], *, last_year: int | None
) -> list[CumulativeRow]:
    sums = _per_year(material, stages)
    running = _Sums()
    rows = []
    for year in sorted({s.year for s in material.stages}):
        if last_year is not None and year > last_year:
            break
        running.merge(sums[year])
        rows.append(CumulativeRow(year, running.copy().totals()))
    return rows
