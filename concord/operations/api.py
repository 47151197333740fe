"""`/api/v1/operations`: joint operations, their statistics, and reporting results (one line,
a file, a correction) and closing a stage. Permissions are decided in `access.py` and the
services; endpoints only translate."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from concord.core.models import User

from . import access, queries, services
from .models import Operation, Participant, ResultLine, Stage
from .results_import import MAX_BYTES, ResultsImportRejected
from .schemas import (
    CorrectionIn,
    ErrorOut,
    ImportErrorOut,
    ImportOut,
    OperationDetailOut,
    OperationOut,
    ResultIn,
    ResultOut,
    StageOut,
)
from .units import UnitError, parse_quantity

router = Router(tags=["operations"])


def _user(request: HttpRequest) -> User:
    return access.reader(request.auth)  # type: ignore[attr-defined]


def _operation(slug: str) -> Operation:
    return get_object_or_404(Operation, slug=slug)


def _stage(operation: Operation, number: int) -> Stage:
    return get_object_or_404(
        Stage.objects.select_related("operation"), operation=operation, number=number
    )


def _participant(operation: Operation, code: str) -> Participant:
    participant = operation.participants.filter(code=code.strip().upper()).first()
    if participant is None:
        raise ValidationError(
            _("%(code)s does not take part in %(operation)s")
            % {"code": code, "operation": operation.slug}
        )
    return participant


def _quantity(value: Decimal | str) -> Decimal:
    if isinstance(value, Decimal):
        return value
    try:
        return parse_quantity(value)
    except UnitError as error:
        raise ValidationError(error.message) from None


def stage_out(stage: Stage) -> dict[str, Any]:
    return {
        "number": stage.number,
        "year": stage.year,
        "starts_on": stage.starts_on,
        "ends_on": stage.ends_on,
        "status": stage.status,
        "lead_state": stage.lead_state.code if stage.lead_state else None,
        "closed_at": stage.closed_at,
        "participants": sorted(p.code for p in stage.participants.all()),
    }


def result_out(line: ResultLine) -> dict[str, Any]:
    return {
        "id": line.pk,
        "operation": line.stage.operation.slug,
        "stage": line.stage.number,
        "participant": line.participant.code,
        "kind": line.kind,
        "substance": line.substance,
        "quantity": str(line.quantity),
        "unit": line.unit,
        "mass_kg": None if line.mass_kg is None else str(line.mass_kg),
        "note": line.note,
        "revision": line.revision,
        "supersedes": line.supersedes_id,
        "reason": line.reason,
        "tlp": line.tlp,
        "owner_agency": line.owner_agency.code,
        "created_at": line.created_at,
    }


@router.get("/", response=list[OperationOut], url_name="operations_list")
def list_operations(request: HttpRequest) -> list[dict[str, Any]]:
    _user(request)
    return queries.operations_overview()


@router.get(
    "/{slug}", response={200: OperationDetailOut, 404: ErrorOut}, url_name="operation_detail"
)
def operation_detail(request: HttpRequest, slug: str) -> dict[str, Any]:
    _user(request)
    operation = get_object_or_404(Operation.objects.select_related("coordinating_body"), slug=slug)
    stages = operation.stages.select_related("lead_state").prefetch_related("participants")
    participants = operation.participants.select_related("country")
    return {
        "slug": operation.slug,
        "name_ru": operation.name_ru,
        "name_en": operation.name_en,
        "kind": operation.kind,
        "since_year": operation.since_year,
        "coordinating_body": (
            operation.coordinating_body.code if operation.coordinating_body else None
        ),
        "description_ru": operation.description_ru,
        "description_en": operation.description_en,
        "illustrative_splits": operation.illustrative_splits,
        "stages": [stage_out(stage) for stage in stages],
        "participants": [
            {
                "code": p.code,
                "kind": p.kind,
                "country": p.country.alpha2 if p.country else None,
                "name_ru": p.country.name_ru if p.country else p.name_ru,
                "name_en": p.country.name_en if p.country else p.name_en,
            }
            for p in participants
        ],
    }


@router.get(
    "/{slug}/statistics",
    response={200: dict[str, Any], 404: ErrorOut},
    url_name="operation_statistics",
)
def statistics(request: HttpRequest, slug: str, year: int | None = None) -> dict[str, Any]:
    """Totals by result kind, substance (kg), stage and country; all years when `year` is
    omitted. Statistics are GREEN: every signed-in user sees them."""
    _user(request)
    return queries.statistics(_operation(slug), year=year).as_dict()


@router.post(
    "/{slug}/stages/{int:number}/results",
    response={201: ResultOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    url_name="operation_result_report",
)
def report_result(
    request: HttpRequest, slug: str, number: int, payload: ResultIn
) -> Status[dict[str, Any]]:
    user = _user(request)
    operation = _operation(slug)
    stage = _stage(operation, number)
    line = services.result_report(
        acting_user=user,
        stage=stage,
        participant=_participant(operation, payload.participant),
        kind=payload.kind,
        substance=payload.substance,
        quantity=_quantity(payload.quantity),
        unit=payload.unit,
        note=payload.note,
        tlp=payload.tlp,
    )
    return Status(201, result_out(line))


@router.post(
    "/{slug}/stages/{int:number}/results/import",
    response={200: ImportOut, 400: ImportErrorOut, 403: ErrorOut, 404: ErrorOut},
    url_name="operation_results_import",
)
def import_results(
    request: HttpRequest,
    slug: str,
    number: int,
    *,
    file: File[UploadedFile],
    country: Form[str] = "",
    dry_run: Form[bool] = False,
) -> Status[dict[str, Any]]:
    """A CSV or XLSX file of results for `country` (or, without it, a `country` column): all
    rows or none. A refused file answers 400 naming every row; `dry_run` checks and counts."""
    user = _user(request)
    operation = _operation(slug)
    stage = _stage(operation, number)
    participant = _participant(operation, country) if country.strip() else None
    if (file.size or 0) > MAX_BYTES:
        raise HttpError(413, _("the file is larger than %(n)s MB") % {"n": MAX_BYTES // 2**20})
    try:
        report = services.import_results(
            acting_user=user,
            stage=stage,
            participant=participant,
            data=file.read(),
            filename=file.name or "results.csv",
            dry_run=dry_run,
        )
    except ResultsImportRejected as rejected:
        detail = _("%(file)s refused: %(n)s problem(s); nothing was imported") % {
            "file": rejected.filename,
            "n": len(rejected.errors),
        }
        errors = [{"row": e.row, "column": e.column, "msg": e.message} for e in rejected.errors]
        return Status(400, {"detail": detail, "errors": errors})
    summary = report.summary()
    return Status(
        200,
        {
            "applied": not report.dry_run,
            **{key: summary[key] for key in ("file", "sha256", "format", "rows", "created")},
            "participants": report.participants,
        },
    )


@router.post(
    "/results/{int:line_id}/correct",
    response={201: ResultOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    url_name="operation_result_correct",
)
def correct_result(
    request: HttpRequest, line_id: int, payload: CorrectionIn
) -> Status[dict[str, Any]]:
    """A corrected figure: a new revision superseding the line (the owner agency only)."""
    user = _user(request)
    line = access.get_line(user, line_id, write=True)
    corrected = services.result_correct(
        acting_user=user,
        line=line,
        quantity=_quantity(payload.quantity),
        unit=payload.unit,
        reason=payload.reason,
    )
    return Status(201, result_out(corrected))


@router.post(
    "/{slug}/stages/{int:number}/close",
    response={200: StageOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    url_name="operation_stage_close",
)
def close_stage(request: HttpRequest, slug: str, number: int) -> dict[str, Any]:
    user = _user(request)
    stage = services.stage_close(acting_user=user, stage=_stage(_operation(slug), number))
    return stage_out(stage)
