"""The statistics of a joint operation: totals per year, stage, country and substance, cumulative
since the start, year-on-year change, and which figures include corrected lines.

Statistics are GREEN by the rules: they count every current line (the latest revision of each
figure) whatever each line's own marking. They read the figure totals the services keep
(`FigureTotal`, one row per stage × participant × figure, rewritten with every write of lines),
with a constant number of grouped queries whose results are bounded by the operation's shape
(stages × figures, participants × figures), never by its number of lines; every slice (year,
stage, country, substance) is a roll-up of those groups. An information-security operation's
resources identified and blocked come from the cyber registry (`_registry_rows`).

The figures themselves (`Totals`, the rows, `Statistics`) are in `figures.py`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Sum
from django.utils.translation import gettext as _

from concord.cyber import queries_registry

from .figures import (
    KG,
    KIND_ORDER,
    MEASURE_ORDER,
    ZERO,
    CumulativeRow,
    Dashboard,
    DetailRow,
    OperationInfo,
    ParticipantRow,
    RevisedFigure,
    StageRow,
    Statistics,
    SubstanceRow,
    Sums,
    Totals,
    YearRow,
    change_percent,
    measure_of,
)
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
    by_participant: dict[Scope, dict[int, Sums]]
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


def _add_rows(sums: dict[Any, Sums], key: str, rows: Iterable[dict[str, Any]]) -> None:
    for row in rows:
        sums[row[key]].add(
            row["kind"], measure_of(row["unit"]), _amount(row["total"], row["unit"]), row["lines"]
        )


def _by_participant(
    scopes: dict[Scope, list[int]], extra: list[dict[str, Any]]
) -> dict[Scope, dict[int, Sums]]:
    """Per scope, each participant's sums: the figure totals of the scope's stages, summed by
    the database (rows: participants × figures), plus the registry's rows."""
    found: dict[Scope, dict[int, Sums]] = {}
    for scope, stage_ids in scopes.items():
        sums: dict[int, Sums] = defaultdict(Sums)
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


def operations_overview() -> list[dict[str, Any]]:
    """Every operation with its number of stages and participants (for lists)."""
    rows = Operation.objects.values("slug", "name_ru", "name_en", "kind", "since_year").annotate(
        stage_count=Count("stages", distinct=True),
        participant_count=Count("participants", distinct=True),
    )
    return [
        {
            **{k: v for k, v in row.items() if not k.endswith("_count")},
            "stages": row["stage_count"],
            "participants": row["participant_count"],
        }
        for row in rows
    ]


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
            KIND_ORDER.get(r.kind, 99),
            r.substance,
            MEASURE_ORDER.get(r.measure, 99),
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

    total = Sums()
    per_stage: dict[int, Sums] = defaultdict(Sums)
    substances: dict[str, Sums] = defaultdict(Sums)
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
            key=lambda r: (r.stage, r.participant, KIND_ORDER.get(r.kind, 99)),
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


def _by_substance(substances: dict[str, Sums]) -> list[SubstanceRow]:
    rows = []
    for substance, sums in substances.items():
        other = {m: a for (_, m), a in sums.amounts.items() if m != KG}
        kg = sum((a for (_, m), a in sums.amounts.items() if m == KG), ZERO)
        rows.append(
            SubstanceRow(
                substance,
                kg,
                dict(sorted(other.items(), key=lambda i: MEASURE_ORDER.get(i[0], 99))),
            )
        )
    order = {s: n for n, s in enumerate(Substance.values)}
    rows.sort(key=lambda r: (-r.mass_kg, order.get(r.substance, 99)))
    return rows


def _per_year(material: _Material, stages: dict[int, _StageInfo]) -> dict[int, Sums]:
    years: dict[int, Sums] = defaultdict(Sums)
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
    running = Sums()
    rows = []
    for year in sorted({s.year for s in material.stages}):
        if last_year is not None and year > last_year:
            break
        running.merge(sums[year])
        rows.append(CumulativeRow(year, running.copy().totals()))
    return rows
