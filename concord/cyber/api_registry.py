"""`/api/v1/cyber`: the registry of harmful information resources — lookup, the registry,
registering and acting on resources, CSV import, statistics and the transparency report.
Permissions are decided in `access.py` and the services; endpoints only translate."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import get_language, override
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from concord.core.models import MemberState, User

from . import access, queries_registry, reports, services_registry
from .models_registry import Resource, ResourceAction
from .queries_registry import MAX_LOOKUP_ITEMS
from .registry_import import MAX_BYTES, RegistryImportRejected
from .schemas_registry import (
    ActionIn,
    ActionOut,
    ErrorOut,
    ImportOut,
    LookupIn,
    LookupOut,
    RegisteredOut,
    RegistryFiltersIn,
    ResourceDetailOut,
    ResourceIn,
    ResourcePageOut,
)

router = Router(tags=["cyber: harmful resources"])


def _user(request: HttpRequest) -> User:
    return access.registry_reader(request.auth)  # type: ignore[attr-defined]


def resource_out(resource: Resource, states: dict[str, str]) -> dict[str, Any]:
    return {
        "id": resource.pk,
        "kind": resource.kind,
        "value": resource.value,
        "canonical": resource.canonical,
        "host": resource.host,
        "platform": resource.platform,
        "category": resource.category.code,
        "identified_by": resource.identified_by.code,
        "identified_on": resource.identified_on,
        "description": resource.description,
        "evidence_sha256": resource.evidence_sha256,
        "evidence_ref": resource.evidence_ref,
        "flags": list(resource.flags),
        "states": states,
    }


def action_out(action: ResourceAction) -> dict[str, Any]:
    return {
        "id": action.pk,
        "state": action.state.code,
        "action": action.action,
        "date": action.date,
        "agency": action.agency.code,
        "basis_kind": action.basis_kind,
        "basis": action.basis,
        "reasons": action.reasons,
        "case_number": action.case_number,
        "outcome": action.outcome,
    }


def _resource(resource_id: int) -> Resource:
    return get_object_or_404(
        Resource.objects.select_related("category", "identified_by"), pk=resource_id
    )


@router.post("/lookup", response=LookupOut, url_name="registry_lookup")
def lookup(request: HttpRequest, payload: LookupIn) -> dict[str, Any]:
    """Is each URL or host in the registry, in which states, with which status. Exact host and
    URL path-prefix rules; a registrable domain never matches its subdomains."""
    _user(request)
    if len(payload.items) > MAX_LOOKUP_ITEMS:
        raise HttpError(
            413,
            _("at most %(limit)s items per call; this call has %(n)s: split it")
            % {"limit": f"{MAX_LOOKUP_ITEMS:,}", "n": f"{len(payload.items):,}"},
        )
    return {"results": queries_registry.lookup(payload.items)}


@router.get("/resources", response=ResourcePageOut, url_name="registry_resources")
def resources(request: HttpRequest, filters: Query[RegistryFiltersIn]) -> dict[str, Any]:
    _user(request)
    current = queries_registry.registry_page(
        queries_registry.RegistryFilters(
            filters.q, filters.category, filters.state, filters.action, filters.year
        ),
        page=filters.page,
    )
    return {
        "count": current.paginator.count,
        "page": current.number,
        "pages": current.paginator.num_pages,
        "results": [resource_out(r, r.state_statuses) for r in current.object_list],
    }


@router.get(
    "/resources/{int:resource_id}", response=ResourceDetailOut, url_name="registry_resource"
)
def resource_detail(request: HttpRequest, resource_id: int) -> dict[str, Any]:
    _user(request)
    resource = _resource(resource_id)
    status = queries_registry.resource_status(resource)
    return {
        **resource_out(resource, {s.state.code: s.status for s in status if s.status}),
        "status": [
            {
                "state": s.state.code,
                "status": s.status,
                "date": s.date,
                "basis_kind": s.basis_kind,
                "basis": s.basis,
                "reasons": s.reasons,
                "case_numbers": list(s.case_numbers),
                "outcome": s.outcome,
                "blocked": s.blocked,
            }
            for s in status
        ],
        "actions": [action_out(a) for a in queries_registry.resource_actions(resource)],
    }


@router.post(
    "/resources", response={200: RegisteredOut, 201: RegisteredOut}, url_name="registry_register"
)
def register(request: HttpRequest, payload: ResourceIn) -> Status[dict[str, Any]]:
    """Register a resource; an already registered one answers 200 with `created: false`."""
    user = _user(request)
    category = queries_registry.category_by_code(payload.category)
    if category is None:
        raise ValidationError(_("unknown category '%(c)s'") % {"c": payload.category})
    registration = services_registry.resource_register(
        acting_user=user,
        kind=payload.kind,
        value=payload.value,
        category=category,
        identified_on=payload.identified_on,
        description=payload.description,
        evidence_sha256=payload.evidence_sha256,
        evidence_ref=payload.evidence_ref,
        platform=payload.platform,
    )
    resource = registration.resource
    body = {
        "created": registration.created,
        "identified_recorded": registration.identified_recorded,
        "message": registration.message,
        "resource": resource_out(
            resource, queries_registry.statuses([resource.pk]).get(resource.pk, {})
        ),
    }
    return Status(201 if registration.created else 200, body)


@router.post(
    "/resources/{int:resource_id}/actions", response={201: ActionOut}, url_name="registry_action"
)
def record_action(
    request: HttpRequest, resource_id: int, payload: ActionIn
) -> Status[dict[str, Any]]:
    user = _user(request)
    resource = _resource(resource_id)
    state = MemberState.objects.filter(code=payload.state.upper()).first()
    if state is None:
        raise ValidationError(_("unknown member state '%(s)s'") % {"s": payload.state})
    recorded = services_registry.action_record(
        acting_user=user,
        resource=resource,
        state=state,
        action=payload.action,
        date=payload.date,
        basis_kind=payload.basis_kind,
        basis=payload.basis,
        reasons=payload.reasons,
        case_number=payload.case_number,
        outcome=payload.outcome,
    )
    return Status(201, action_out(recorded))


@router.post(
    "/resources/import", response={200: ImportOut, 400: ErrorOut}, url_name="registry_import"
)
def import_file(
    request: HttpRequest, file: File[UploadedFile], dry_run: Form[bool] = False
) -> Status[dict[str, Any]]:
    """Import a CSV list (columns in the user guide): all rows or none. A refused file answers
    400 naming every row in `errors`; `dry_run` checks and counts, applies nothing."""
    user = _user(request)
    if (file.size or 0) > MAX_BYTES:
        raise HttpError(413, _("the file is larger than %(n)s MB") % {"n": MAX_BYTES // 2**20})
    try:
        report = services_registry.import_csv(
            acting_user=user, data=file.read(), filename=file.name or "upload.csv", dry_run=dry_run
        )
    except RegistryImportRejected as rejected:
        errors = [
            {"file": p.file, "row": p.row, "column": p.column, "msg": p.reason}
            for p in rejected.problems
        ]
        detail = _("file refused: %(n)s problem(s); nothing was imported") % {
            "n": len(rejected.problems)
        }
        return Status(400, {"detail": detail, "errors": errors})
    return Status(
        200, {"applied": not report.dry_run, **report.summary(), "flagged": report.flagged}
    )


@router.get("/statistics", response=dict[str, Any], url_name="registry_statistics")
def statistics(request: HttpRequest, year: int | None = None) -> dict[str, Any]:
    """Figures per year, state, category and action: yearly returns plus registry actions."""
    _user(request)
    return queries_registry.statistics(year).as_dict()


@router.get("/transparency", url_name="registry_transparency")
def transparency(
    request: HttpRequest,
    year: int | None = None,
    format: str = "json",  # noqa: A002 - the query parameter's public name
    language: str = "",
) -> HttpResponse:
    """Counts by category, legal basis and outcome of appeals (json, csv or pdf); `language`
    (ru or en) defaults to the request's."""
    _user(request)
    language = language or (get_language() or "ru")[:2]
    if format not in reports.FORMATS or language not in reports.LANGUAGES:
        raise HttpError(400, _("format must be json, csv or pdf; language ru or en"))
    with override(language):
        data = reports.report(year)
        if format == "json":
            return JsonResponse(data.as_dict(), json_dumps_params={"ensure_ascii": False})
        content = (
            reports.render_csv(data)
            if format == "csv"
            else reports.render_pdf(data, language=language)
        )
    content_type = "text/csv; charset=utf-8" if format == "csv" else "application/pdf"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{reports.filename(data, format)}"'
    return response
