"""Writes to the joint operations: defining operations, participants and stages, opening and
closing stages, reporting and correcting result lines, importing a file of results, and
publishing a press summary.

Each public function is one transaction with its audit event (an import writes one event for
the whole file). Rules kept here, for every interface alike:
- the Secretariat defines operations, participants and stages and opens and closes stages;
- a result line is reported for a participant of the stage by someone allowed to report for
  it (`access.require_report_for`), owned by the reporter's agency, AMBER by default and shared
  with the Secretariat so the organisation sees it;
- a stage that is closed takes no new lines; any line is changed only by a correction: a new
  revision that supersedes it, by the owner agency, with a reason, audited before and after;
- the same figure (stage, participant, agency, kind, substance, unit) is reported once; a
  second report is refused and points to the correction;
- an import lands whole or not at all, naming every refused row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from concord.core import audit
from concord.core.markings import Tlp, parse_tlp
from concord.core.models import Body, Country, MemberState, User

from . import access, press, queries, results_import
from .models import (
    FigureTotal,
    Operation,
    OperationKind,
    Participant,
    ParticipantKind,
    PressSummary,
    ResultKind,
    ResultLine,
    Stage,
)
from .results_import import ResultsImportRejected, RowError
from .units import Normalised, UnitError, normalise

SECRETARIAT_BODY = "SEC"


# --- operations, participants, stages ----------------------------------------------------------


@transaction.atomic
def operation_create(
    *,
    acting_user: User,
    slug: str,
    name_ru: str,
    name_en: str,
    kind: str,
    since_year: int,
    coordinating_body: Body | None = None,
    description_ru: str = "",
    description_en: str = "",
    illustrative_splits: bool = False,
) -> Operation:
    access.require_secretariat(acting_user)
    if kind not in OperationKind.values:
        raise ValidationError(_("unknown kind of operation '%(kind)s'") % {"kind": kind})
    if not (name_ru.strip() or name_en.strip()):
        raise ValidationError(_("an operation needs a name"))
    try:
        with transaction.atomic():
            operation = Operation.objects.create(
                slug=slug,
                name_ru=name_ru.strip(),
                name_en=name_en.strip(),
                kind=kind,
                since_year=since_year,
                coordinating_body=coordinating_body,
                description_ru=description_ru,
                description_en=description_en,
                illustrative_splits=illustrative_splits,
            )
    except IntegrityError:
        raise ValidationError(
            _("an operation with the slug '%(slug)s' already exists") % {"slug": slug}
        ) from None
    audit.record(
        actor=acting_user,
        action="operations.operation.create",
        obj=operation,
        summary={"slug": slug, "kind": kind, "since_year": since_year},
    )
    return operation


_OPERATION_FIELDS = (
    "name_ru",
    "name_en",
    "kind",
    "since_year",
    "coordinating_body",
    "description_ru",
    "description_en",
    "illustrative_splits",
)


@transaction.atomic
def operation_update(
    *,
    acting_user: User,
    operation: Operation,
    name_ru: str | None = None,
    name_en: str | None = None,
    kind: str | None = None,
    since_year: int | None = None,
    coordinating_body: Body | None = None,
    description_ru: str | None = None,
    description_en: str | None = None,
    illustrative_splits: bool | None = None,
) -> Operation:
    """Change the given fields (None leaves a field as it is); audited before and after."""
    access.require_secretariat(acting_user)
    if kind is not None and kind not in OperationKind.values:
        raise ValidationError(_("unknown kind of operation '%(kind)s'") % {"kind": kind})
    given = {
        "name_ru": name_ru,
        "name_en": name_en,
        "kind": kind,
        "since_year": since_year,
        "coordinating_body": coordinating_body,
        "description_ru": description_ru,
        "description_en": description_en,
        "illustrative_splits": illustrative_splits,
    }
    before: dict[str, object] = {}
    after: dict[str, object] = {}
    for name in _OPERATION_FIELDS:
        value = given[name]
        if value is None or getattr(operation, name) == value:
            continue
        before[name] = _plain(getattr(operation, name))
        after[name] = _plain(value)
        setattr(operation, name, value)
    if not after:
        return operation
    operation.save(update_fields=list(after))
    audit.record(
        actor=acting_user,
        action="operations.operation.update",
        obj=operation,
        summary={"before": before, "after": after},
    )
    return operation


def _plain(value: object) -> object:
    return value.code if isinstance(value, Body) else value


@transaction.atomic
def participant_add(
    *,
    acting_user: User,
    operation: Operation,
    kind: str,
    country: Country | None = None,
    code: str = "",
    name_ru: str = "",
    name_en: str = "",
) -> Participant:
    """A country (code: its ISO alpha-2 code) or an international organisation (a code such as
    INTERPOL, and names) taking part in the operation."""
    access.require_secretariat(acting_user)
    if kind not in ParticipantKind.values:
        raise ValidationError(_("unknown kind of participant '%(kind)s'") % {"kind": kind})
    if kind == ParticipantKind.INTERNATIONAL:
        if not code.strip():
            raise ValidationError(_("an international organisation needs a code"))
    elif country is None:
        raise ValidationError(_("a participating country must be given"))
    elif (
        kind == ParticipantKind.MEMBER_STATE
        and not MemberState.objects.filter(country=country).exists()
    ):
        raise ValidationError(_("%(country)s is not a member state") % {"country": country.name})
    code = (code.strip() or (country.alpha2 if country else "")).upper()
    try:
        with transaction.atomic():
            participant = Participant.objects.create(
                operation=operation,
                kind=kind,
                country=country,
                code=code,
                name_ru=name_ru,
                name_en=name_en,
            )
    except IntegrityError:
        raise ValidationError(
            _("%(code)s already takes part in %(operation)s")
            % {"code": code, "operation": operation.slug}
        ) from None
    audit.record(
        actor=acting_user,
        action="operations.participant.add",
        obj=participant,
        summary={"operation": operation.slug, "code": code, "kind": kind},
    )
    return participant


@transaction.atomic
def stage_create(
    *,
    acting_user: User,
    operation: Operation,
    number: int,
    year: int,
    starts_on: date,
    ends_on: date,
    participants: Iterable[Participant],
    lead_state: MemberState | None = None,
    status: str = Stage.Status.OPEN,
) -> Stage:
    access.require_secretariat(acting_user)
    chosen = list(participants)
    strangers = sorted(p.code for p in chosen if p.operation_id != operation.pk)
    if strangers:
        raise ValidationError(
            _("%(codes)s do not take part in %(operation)s")
            % {"codes": ", ".join(strangers), "operation": operation.slug}
        )
    if ends_on < starts_on:
        raise ValidationError(_("a stage cannot end before it starts"))
    if year not in (starts_on.year, ends_on.year):
        raise ValidationError(
            _("the stage's year %(year)s is not the year of its dates") % {"year": year}
        )
    if status == Stage.Status.CLOSED or status not in Stage.Status.values:
        raise ValidationError(_("a new stage is planned or open"))
    try:
        with transaction.atomic():
            stage = Stage.objects.create(
                operation=operation,
                number=number,
                year=year,
                starts_on=starts_on,
                ends_on=ends_on,
                lead_state=lead_state,
                status=status,
            )
    except IntegrityError:
        raise ValidationError(
            _("%(operation)s already has a stage number %(number)s")
            % {"operation": operation.slug, "number": number}
        ) from None
    stage.participants.set(chosen)
    audit.record(
        actor=acting_user,
        action="operations.stage.create",
        obj=stage,
        summary={
            "operation": operation.slug,
            "number": number,
            "year": year,
            "participants": sorted(p.code for p in chosen),
        },
    )
    return stage


def _locked(stage: Stage) -> Stage:
    return Stage.objects.select_for_update().select_related("operation").get(pk=stage.pk)


@transaction.atomic
def stage_open(*, acting_user: User, stage: Stage) -> Stage:
    """Open a planned stage for reports. A closed stage stays closed: its figures change only
    by corrections."""
    access.require_secretariat(acting_user)
    locked = _locked(stage)
    if locked.status == Stage.Status.OPEN:
        return locked
    if locked.status == Stage.Status.CLOSED:
        raise ValidationError(
            _("stage %(number)s is closed; its figures are changed by corrections")
            % {"number": locked.number}
        )
    locked.status = Stage.Status.OPEN
    locked.save(update_fields=["status"])
    audit.record(
        actor=acting_user,
        action="operations.stage.open",
        obj=locked,
        summary={"operation": locked.operation.slug, "number": locked.number},
    )
    return locked


@transaction.atomic
def stage_close(*, acting_user: User, stage: Stage) -> Stage:
    access.require_secretariat(acting_user)
    locked = _locked(stage)
    if locked.status == Stage.Status.CLOSED:
        raise ValidationError(_("stage %(number)s is already closed") % {"number": locked.number})
    locked.status = Stage.Status.CLOSED
    locked.closed_at = timezone.now()
    locked.closed_by = acting_user
    locked.save(update_fields=["status", "closed_at", "closed_by"])
    audit.record(
        actor=acting_user,
        action="operations.stage.close",
        obj=locked,
        summary={
            "operation": locked.operation.slug,
            "number": locked.number,
            "lines": ResultLine.objects.current().filter(stage=locked).count(),
        },
    )
    return locked


# --- result lines ------------------------------------------------------------------------------


def _normalised(kind: str, substance: str, quantity: Decimal, unit: str) -> Normalised:
    try:
        return normalise(kind, substance, quantity, unit)
    except UnitError as error:
        raise ValidationError(error.message, code=error.code) from None


# Figures an information-security operation takes from the cyber module's registry.
FROM_REGISTRY = frozenset({ResultKind.RESOURCES_IDENTIFIED, ResultKind.RESOURCES_BLOCKED})


def _from_registry(operation: Operation, kind: str) -> str:
    """Why a figure may not be entered by hand ("" when it may)."""
    if operation.kind == OperationKind.INFORMATION_SECURITY and kind in FROM_REGISTRY:
        return _(
            "the information resources of an information-security operation are counted from "
            "the registry of harmful resources; record them there"
        )
    return ""


def _require_open(stage: Stage) -> None:
    if stage.status != Stage.Status.OPEN:
        raise ValidationError(
            _("stage %(number)s is %(status)s: it takes no new lines (correct a line instead)")
            % {"number": stage.number, "status": stage.get_status_display()},
            code="stage_not_open",
        )


def _require_in_stage(stage: Stage, participant: Participant) -> None:
    if not stage.participants.filter(pk=participant.pk).exists():
        raise ValidationError(
            _("%(who)s did not take part in stage %(number)s")
            % {"who": participant.code, "number": stage.number},
            code="not_in_stage",
        )


def _duplicate_message(participant: Participant, figure: Normalised) -> str:
    what = f"{figure.kind}/{figure.substance}" if figure.substance else figure.kind
    return _(
        "%(who)s already reported %(what)s in %(unit)s for this stage: correct that line instead"
    ) % {"who": participant.code, "what": what, "unit": figure.unit}


def _secretariat_bodies() -> list[Body]:
    return list(Body.objects.filter(code=SECRETARIAT_BODY))


@transaction.atomic
def result_report(
    *,
    acting_user: User,
    stage: Stage,
    participant: Participant,
    kind: str,
    substance: str,
    quantity: Decimal,
    unit: str,
    note: str = "",
    tlp: Tlp | str = Tlp.AMBER,
) -> ResultLine:
    """One figure for a participant of an open stage, owned by the reporter's agency and shared
    with the Secretariat."""
    access.require_report_for(acting_user, participant)
    stage = _locked(stage)
    _require_open(stage)
    _require_in_stage(stage, participant)
    if reason := _from_registry(stage.operation, kind):
        raise ValidationError(reason, code="from_registry")
    figure = _normalised(kind, substance, quantity, unit)
    marking = parse_tlp(str(tlp))
    try:
        with transaction.atomic():
            line = ResultLine.objects.create(
                stage=stage,
                participant=participant,
                kind=figure.kind,
                substance=figure.substance,
                quantity=figure.quantity,
                unit=figure.unit,
                mass_kg=figure.mass_kg,
                note=note.strip(),
                tlp=marking,
                owner_agency=acting_user.agency,
                author=acting_user,
            )
    except IntegrityError:
        raise ValidationError(_duplicate_message(participant, figure), code="duplicate") from None
    line.shared_bodies.set(_secretariat_bodies())
    refresh_totals(stage_ids=[stage.pk], participant_ids=[participant.pk])
    audit.record(
        actor=acting_user,
        action="operations.result.report",
        obj=line,
        summary={**_line_summary(line), "tlp": marking},
    )
    return line


def refresh_totals(
    *, stage_ids: Iterable[int], participant_ids: Iterable[int] | None = None
) -> int:
    """Rewrite the figure totals of the given stages (and participants) from their current
    lines; every write of result lines calls it in its own transaction. Returns the rows
    written."""
    stages = sorted(set(stage_ids))
    totals = FigureTotal.objects.filter(stage_id__in=stages)
    lines = ResultLine.objects.current().filter(stage_id__in=stages)
    if participant_ids is not None:
        people = sorted(set(participant_ids))
        totals = totals.filter(participant_id__in=people)
        lines = lines.filter(participant_id__in=people)
    totals.delete()
    rows = (
        lines.values("stage_id", "participant_id", "kind", "substance", "unit")
        .annotate(quantity=Sum("quantity"), lines=Count("pk"), revision=Max("revision"))
        .order_by()
    )
    created = FigureTotal.objects.bulk_create(
        [
            FigureTotal(
                stage_id=row["stage_id"],
                participant_id=row["participant_id"],
                kind=row["kind"],
                substance=row["substance"],
                unit=row["unit"],
                quantity=row["quantity"],
                lines=row["lines"],
                revised=row["revision"] > 1,
            )
            for row in rows
        ],
        batch_size=2000,
    )
    return len(created)


def _line_summary(line: ResultLine) -> dict[str, object]:
    return {
        "operation": line.stage.operation.slug,
        "stage": line.stage.number,
        "participant": line.participant.code,
        "kind": line.kind,
        "substance": line.substance,
        "quantity": line.quantity,
        "unit": line.unit,
        "mass_kg": line.mass_kg,
        "revision": line.revision,
    }


@transaction.atomic
def result_correct(
    *,
    acting_user: User,
    line: ResultLine,
    quantity: Decimal,
    unit: str | None = None,
    reason: str,
) -> ResultLine:
    """A new revision of `line` with the corrected figure; the old line stays, superseded."""
    if not access.can_correct(acting_user, line):
        raise PermissionDenied(_("only the agency that reported a figure corrects it"))
    if not reason.strip():
        raise ValidationError(_("a correction gives its reason"), code="reason_required")
    old = ResultLine.objects.select_for_update().select_related("stage__operation").get(pk=line.pk)
    newer = ResultLine.objects.filter(supersedes=old).first()
    if newer is not None:
        raise ValidationError(
            _("line %(id)s was already corrected by revision %(revision)s: correct that one")
            % {"id": old.pk, "revision": newer.revision},
            code="superseded",
        )
    figure = _normalised(old.kind, old.substance, quantity, unit or old.unit)
    if figure.quantity == old.quantity and figure.unit == old.unit:
        raise ValidationError(_("the correction changes nothing"), code="unchanged")
    try:
        with transaction.atomic():
            corrected = ResultLine.objects.create(
                stage=old.stage,
                participant=old.participant,
                kind=old.kind,
                substance=old.substance,
                quantity=figure.quantity,
                unit=figure.unit,
                mass_kg=figure.mass_kg,
                note=old.note,
                revision=old.revision + 1,
                supersedes=old,
                reason=reason.strip(),
                tlp=old.tlp,
                owner_agency=old.owner_agency,
                author=acting_user,
            )
    except IntegrityError:
        raise ValidationError(
            _duplicate_message(old.participant, figure), code="duplicate"
        ) from None
    corrected.shared_states.set(old.shared_states.all())
    corrected.shared_bodies.set(old.shared_bodies.all())
    corrected.shared_agencies.set(old.shared_agencies.all())
    corrected.shared_users.set(old.shared_users.all())
    refresh_totals(stage_ids=[old.stage_id], participant_ids=[old.participant_id])
    audit.record(
        actor=acting_user,
        action="operations.result.correct",
        obj=corrected,
        summary={
            "supersedes": old.pk,
            "reason": corrected.reason,
            "before": _line_summary(old),
            "after": _line_summary(corrected),
        },
    )
    return corrected


# --- import ------------------------------------------------------------------------------------


@dataclass
class ImportReport:
    filename: str
    sha256: str
    format: str
    rows: int
    created: int = 0
    participants: list[str] = field(default_factory=list)
    dry_run: bool = False

    def summary(self) -> dict[str, object]:
        return {
            "file": self.filename,
            "sha256": self.sha256,
            "format": self.format,
            "rows": self.rows,
            "created": self.created,
            "participants": self.participants,
            "dry_run": self.dry_run,
        }


@transaction.atomic
def import_results(
    *,
    acting_user: User,
    stage: Stage,
    participant: Participant | None,
    data: bytes,
    filename: str,
    dry_run: bool = False,
) -> ImportReport:
    """Every row of a CSV or XLSX file of results as lines of `stage`, or none: a refused file
    raises `ResultsImportRejected` naming each row. Rows are for `participant`, or, in a file
    with a `country` column, for the participant each row names. `dry_run` checks and counts
    and writes nothing."""
    if participant is not None:
        access.require_report_for(acting_user, participant)
    stage = _locked(stage)
    _require_open(stage)
    if participant is not None:
        _require_in_stage(stage, participant)
    parsed = results_import.parse(data, filename=filename)
    errors = list(parsed.errors)
    errors.extend(
        RowError(row.row, "kind", reason)
        for row in parsed.rows
        if (reason := _from_registry(stage.operation, row.kind))
    )
    targets = _row_participants(acting_user, stage, participant, parsed.rows, errors)
    errors.extend(_already_reported(acting_user, stage, parsed.rows, targets))
    if errors:
        raise ResultsImportRejected(filename, sorted(errors, key=lambda e: (e.row, e.column)))
    report = ImportReport(
        filename=filename,
        sha256=parsed.sha256,
        format=parsed.format,
        rows=len(parsed.rows),
        participants=sorted({p.code for p in targets.values()}),
        dry_run=dry_run,
    )
    if dry_run:
        return report
    lines = ResultLine.objects.bulk_create(
        [
            ResultLine(
                stage=stage,
                participant=targets[row.row],
                kind=row.kind,
                substance=row.substance,
                quantity=row.quantity,
                unit=row.unit,
                mass_kg=row.mass_kg,
                note=row.note,
                tlp=Tlp.AMBER,
                owner_agency=acting_user.agency,
                author=acting_user,
            )
            for row in parsed.rows
        ],
        batch_size=2000,
    )
    through = ResultLine.shared_bodies.through
    through._default_manager.bulk_create(
        [
            through(resultline_id=line.pk, body_id=body.pk)
            for body in _secretariat_bodies()
            for line in lines
        ],
        batch_size=5000,
    )
    report.created = len(lines)
    refresh_totals(stage_ids=[stage.pk], participant_ids={line.participant_id for line in lines})
    audit.record(
        actor=acting_user,
        action="operations.result.import",
        obj=stage,
        summary={"operation": stage.operation.slug, "stage": stage.number, **report.summary()},
    )
    return report


def _row_participants(
    acting_user: User,
    stage: Stage,
    participant: Participant | None,
    rows: Iterable[results_import.ResultRow],
    errors: list[RowError],
) -> dict[int, Participant]:
    """Row number → the participant the row reports for; problems appended to `errors`."""
    in_stage = {p.code: p for p in stage.participants.all()}
    known = set(stage.operation.participants.values_list("code", flat=True))
    allowed = {code: access.can_report_for(acting_user, p) for code, p in in_stage.items()}
    targets: dict[int, Participant] = {}
    for row in rows:
        code = row.country or (participant.code if participant else "")
        problem = ""
        if not code:
            problem = _("name the country (the file has no country for this row)")
        elif participant is not None and code != participant.code:
            problem = _("the file is for %(file)s, this row is for %(row)s") % {
                "file": participant.code,
                "row": code,
            }
        elif code not in in_stage:
            problem = (
                _("%(who)s did not take part in stage %(number)s")
                if code in known
                else _("%(who)s does not take part in this operation")
            ) % {"who": code, "number": stage.number}
        elif not allowed[code]:
            problem = _("you may not report figures for %(who)s") % {"who": code}
        if problem:
            errors.append(RowError(row.row, "country", problem))
        else:
            targets[row.row] = in_stage[code]
    return targets


def _already_reported(
    acting_user: User,
    stage: Stage,
    rows: Iterable[results_import.ResultRow],
    targets: dict[int, Participant],
) -> list[RowError]:
    existing = {
        (participant_id, kind, substance, unit): pk
        for pk, participant_id, kind, substance, unit in ResultLine.objects.filter(
            stage=stage, owner_agency=acting_user.agency, revision=1
        ).values_list("pk", "participant_id", "kind", "substance", "unit")
    }
    errors = []
    for row in rows:
        target = targets.get(row.row)
        if target is None:
            continue
        pk = existing.get((target.pk, row.kind, row.substance, row.unit))
        if pk is not None:
            errors.append(
                RowError(
                    row.row,
                    "kind",
                    _("already reported (line %(id)s): correct that line instead") % {"id": pk},
                )
            )
    return errors


# --- press summaries ---------------------------------------------------------------------------


@transaction.atomic
def press_summary_publish(
    *, acting_user: User, operation: Operation, year: int, stage: Stage | None = None
) -> PressSummary:
    """Freeze the totals of the operation's year (or one stage of it) in a CLEAR press summary,
    with its text in Russian and English."""
    access.require_secretariat(acting_user)
    if stage is not None and (stage.operation_id != operation.pk or stage.year != year):
        raise ValidationError(
            _("stage %(number)s is not a %(year)s stage of %(operation)s")
            % {"number": stage.number, "year": year, "operation": operation.slug}
        )
    statistics = queries.statistics(
        operation, year=year, stage=stage.number if stage is not None else None
    )
    if not statistics.totals.lines:
        raise ValidationError(
            _("%(operation)s has no results for %(year)s to publish")
            % {"operation": operation.slug, "year": year}
        )
    totals = press.frozen_totals(statistics)
    text = press.compose(operation, totals=totals, stage=stage)
    summary = PressSummary.objects.create(
        operation=operation,
        year=year,
        stage=stage,
        title_ru=text.title_ru,
        title_en=text.title_en,
        text_ru=text.text_ru,
        text_en=text.text_en,
        totals=totals,
        tlp=Tlp.CLEAR,
        owner_agency=acting_user.agency,
        author=acting_user,
    )
    audit.record(
        actor=acting_user,
        action="operations.press_summary.publish",
        obj=summary,
        summary={
            "operation": operation.slug,
            "year": year,
            "stage": stage.number if stage else None,
            "totals": totals,
        },
    )
    return summary
