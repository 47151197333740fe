"""Pages of the joint operations: the list with key totals, an operation's dashboard (statistics,
charts, exports), a stage (participants, results per country, reporting by form or file,
corrections, closing), the Secretariat's forms, and the public press page.

Who may do what is decided in `access.py` and the services; these views parse, call, render.
Statistics are GREEN and come from `queries`; result lines are listed through
`access.lines_for`. An uploaded file is kept in the session (base64, at most 5 MB) between its
preview and its application; applying checks it again, so nothing the browser sends is trusted.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from concord.core.models import User

from . import access, charts, queries, reports, results_import, services
from .figures import Statistics, Totals, kind_label, measure_label
from .forms import (
    CorrectionForm,
    ImportForm,
    OperationForm,
    ParticipantForm,
    ResultForm,
    StageForm,
)
from .models import Operation, Participant, ParticipantKind, ResultLine, Stage
from .results_import import ResultsImportRejected

IMPORT_SESSION_KEY = "operations_import"
LANGUAGES = ("ru", "en")
TEMPLATE_FORMATS = ("csv", "xlsx")


# --- helpers -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One figure of a statistics table: a kind of result in one measure."""

    kind: str
    measure: str
    label: str


@dataclass(frozen=True)
class Cell:
    amount: Decimal
    revised: bool = False
    change: Decimal | None = None  # percent against the year before

    @property
    def tonnes(self) -> Decimal:
        return self.amount / 1000


@dataclass(frozen=True)
class Row:
    label: str
    cells: list[Cell]
    key: object  # a year, a stage number, a participant code
    note: str = ""  # the second column: stages in a year, a stage's status, a kind of participant


def _columns(totals: Totals) -> list[Column]:
    return [Column(f.kind, f.measure, f"{f.kind_label}, {f.measure_label}") for f in totals.figures]


def _cells(
    totals: Totals,
    columns: list[Column],
    revised: frozenset[str] = frozenset(),
    change: dict[str, dict[str, Decimal | None]] | None = None,
) -> list[Cell]:
    return [
        Cell(
            totals.amount(c.kind, c.measure),
            c.kind in revised,
            (change or {}).get(c.kind, {}).get(c.measure),
        )
        for c in columns
    ]


def _user(request: HttpRequest) -> User:
    return access.reader(request.user)


def _operation(slug: str) -> Operation:
    return get_object_or_404(Operation.objects.select_related("coordinating_body"), slug=slug)


def _stage(operation: Operation, number: int) -> Stage:
    return get_object_or_404(
        Stage.objects.select_related("operation", "lead_state", "closed_by"),
        operation=operation,
        number=number,
    )


def _year(request: HttpRequest) -> int | None:
    text = request.GET.get("year", "").strip()
    return int(text) if text.isdigit() and 1990 <= int(text) <= 2100 else None


def _errors_to(form: Form, error: ValidationError, field: str | None = None) -> None:
    for message in error.messages:
        form.add_error(field, message)


# --- the list and the public press page --------------------------------------------------------


@dataclass(frozen=True)
class OperationRow:
    operation: Operation
    statistics: Statistics
    headline: Column
    amount: Decimal


@login_required
def home(request: HttpRequest) -> TemplateResponse:
    user = _user(request)
    rows = []
    for operation in Operation.objects.select_related("coordinating_body"):
        stats = queries.statistics(operation)
        kind, measure = queries.headline(operation.kind, stats.totals)
        label = f"{kind_label(kind)}, {measure_label(measure)}"
        rows.append(
            OperationRow(
                operation, stats, Column(kind, measure, label), stats.totals.amount(kind, measure)
            )
        )
    return TemplateResponse(
        request,
        "operations/home.html",
        {"rows": rows, "is_secretariat": access.is_secretariat(user)},
    )


def press(request: HttpRequest) -> TemplateResponse:
    """Public: the CLEAR press summaries, for anyone, signed in or not."""
    summaries = access.press_for(request.user).select_related("operation", "stage")
    return TemplateResponse(request, "operations/press.html", {"summaries": summaries})


# --- an operation ------------------------------------------------------------------------------


def _dashboard_context(operation: Operation, year: int | None) -> dict[str, Any]:
    stats = queries.statistics(operation, year=year)
    columns = _columns(stats.totals)
    cumulative = stats.cumulative[-1].totals if stats.cumulative else Totals()
    return {
        "stats": stats,
        "year": year,
        "columns": columns,
        "totals": list(zip(columns, _cells(stats.totals, columns), strict=True)),
        "cumulative": list(zip(columns, _cells(cumulative, columns), strict=True)),
        "cumulative_rows": [
            Row(str(r.year), _cells(r.totals, columns), r.year) for r in stats.cumulative
        ],
        "cumulative_last": stats.cumulative[-1].year if stats.cumulative else None,
        "by_year": [
            Row(str(r.year), _cells(r.totals, columns, change=r.change), r.year, str(r.stages))
            for r in stats.by_year
        ],
        "by_stage": _stage_rows(stats, columns),
        "by_country": _country_rows(stats, columns),
        "charts": charts.charts(stats),
    }


def _stage_rows(stats: Statistics, columns: list[Column]) -> list[Row]:
    return [
        Row(
            str(r.number),
            _cells(r.totals, columns, r.revised_kinds),
            r.number,
            f"{r.year} · {r.status_label}",
        )
        for r in stats.by_stage
    ]


def _country_rows(stats: Statistics, columns: list[Column]) -> list[Row]:
    return [
        Row(
            r.name,
            _cells(r.totals, columns, r.revised_kinds),
            r.code,
            str(ParticipantKind(r.kind).label),
        )
        for r in stats.by_country
    ]


@login_required
def operation_detail(request: HttpRequest, slug: str) -> TemplateResponse:
    user = _user(request)
    operation = _operation(slug)
    year = _year(request)
    context = _dashboard_context(operation, year)
    context |= {
        "operation": operation,
        "years": sorted(set(operation.stages.values_list("year", flat=True))),
        "participants": operation.participants.select_related("country"),
        "is_secretariat": access.is_secretariat(user),
        "languages": LANGUAGES,
    }
    template = "operations/operation.html"
    if getattr(request, "htmx", False):
        template += "#statistics"
    return TemplateResponse(request, template, context)


CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


@login_required
def export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    """The statistics as CSV or XLSX, or the PDF report in Russian or English, for all years,
    one year (`?year=`) or one stage (`?stage=`)."""
    _user(request)
    operation = _operation(slug)
    if fmt not in CONTENT_TYPES:
        raise Http404(fmt)
    language = request.GET.get("lang", "ru")
    if language not in LANGUAGES:
        return HttpResponseBadRequest(_("Language must be ru or en."))
    year = _year(request)
    stage_text = request.GET.get("stage", "")
    stage = _stage(operation, int(stage_text)).number if stage_text.isdigit() else None
    with translation.override(language):
        if fmt == "pdf":
            content = reports.render_pdf(operation, year=year, stage=stage, language=language)
        elif fmt == "xlsx":
            content = reports.render_xlsx(operation, year=year, stage=stage)
        else:
            content = reports.render_csv(operation, year=year, stage=stage)
    name = reports.filename(
        operation, fmt, year=year, stage=stage, language=language if fmt == "pdf" else None
    )
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_POST
def press_publish(request: HttpRequest, slug: str) -> HttpResponse:
    """The Secretariat publishes the totals of a year as a CLEAR press summary."""
    user = access.require_secretariat(request.user)
    operation = _operation(slug)
    text = request.POST.get("year", "").strip()
    if not text.isdigit():
        return HttpResponseBadRequest(_("Choose the year to publish."))
    try:
        services.press_summary_publish(acting_user=user, operation=operation, year=int(text))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(f"{reverse('operations:operation', args=[slug])}?year={text}")
    messages.success(request, _("The press summary was published."))
    return redirect("operations:press")


# --- the Secretariat's forms -------------------------------------------------------------------


@login_required
def operation_new(request: HttpRequest) -> HttpResponse:
    user = access.require_secretariat(request.user)
    form = OperationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            operation = services.operation_create(acting_user=user, **form.cleaned_data)
        except ValidationError as error:
            _errors_to(form, error)
        else:
            messages.success(request, _("The operation was created."))
            return redirect("operations:operation", slug=operation.slug)
    status = 400 if request.method == "POST" else 200
    return TemplateResponse(
        request,
        "operations/form.html",
        {"form": form, "title": _("New joint operation")},
        status=status,
    )


@login_required
def participant_new(request: HttpRequest, slug: str) -> HttpResponse:
    user = access.require_secretariat(request.user)
    operation = _operation(slug)
    form = ParticipantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.participant_add(acting_user=user, operation=operation, **form.cleaned_data)
        except ValidationError as error:
            _errors_to(form, error)
        else:
            messages.success(request, _("The participant was added."))
            return redirect("operations:operation", slug=operation.slug)
    status = 400 if request.method == "POST" else 200
    return TemplateResponse(
        request,
        "operations/form.html",
        {"form": form, "operation": operation, "title": _("Add a participant")},
        status=status,
    )


@login_required
def stage_new(request: HttpRequest, slug: str) -> HttpResponse:
    user = access.require_secretariat(request.user)
    operation = _operation(slug)
    everyone = operation.participants.select_related("country")
    last = operation.stages.order_by("-number").first()
    initial = {"number": (last.number + 1) if last else 1, "participants": list(everyone)}
    form = StageForm(request.POST or None, participants=everyone, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            stage = services.stage_create(
                acting_user=user, operation=operation, **form.cleaned_data
            )
        except ValidationError as error:
            _errors_to(form, error)
        else:
            messages.success(request, _("The stage was created."))
            return redirect("operations:stage", slug=operation.slug, number=stage.number)
    status = 400 if request.method == "POST" else 200
    return TemplateResponse(
        request,
        "operations/form.html",
        {"form": form, "operation": operation, "title": _("New stage")},
        status=status,
    )


# --- a stage -----------------------------------------------------------------------------------


def _stage_page(
    request: HttpRequest,
    stage: Stage,
    *,
    report_form: ResultForm | None = None,
    import_form: ImportForm | None = None,
    status: int = 200,
) -> TemplateResponse:
    user = _user(request)
    operation = stage.operation
    stats = queries.statistics(operation, stage=stage.number)
    columns = _columns(stats.totals)
    reported = {r.code for r in stats.by_country if r.totals.lines}
    lines = (
        access.lines_for(user)
        .filter(stage=stage)
        .select_related("participant__country", "owner_agency", "superseded_by")
        .order_by("participant__code", "kind", "substance", "unit", "revision")
    )
    rows = []
    for line in lines:
        current = _is_current(line)
        rows.append(
            {
                "line": line,
                "current": current,
                "correctable": current and access.can_correct(user, line),
            }
        )
    reportable = access.reportable(user, stage)
    can_report = stage.status == Stage.Status.OPEN and reportable.exists()
    context = {
        "operation": operation,
        "stage": stage,
        "stats": stats,
        "columns": columns,
        "totals": list(zip(columns, _cells(stats.totals, columns), strict=True)),
        "by_country": _country_rows(stats, columns),
        "reported": reported,
        "lines": rows,
        "can_report": can_report,
        "report_form": (report_form or ResultForm(participants=reportable)) if can_report else None,
        "import_form": (import_form or ImportForm(participants=reportable)) if can_report else None,
        "is_secretariat": access.is_secretariat(user),
        "languages": LANGUAGES,
    }
    return TemplateResponse(request, "operations/stage.html", context, status=status)


def _is_current(line: ResultLine) -> bool:
    """Whether no later revision supersedes the line."""
    try:
        line.superseded_by  # noqa: B018 - the reverse one-to-one raises when there is none
    except ResultLine.DoesNotExist:
        return True
    return False


@login_required
def stage_detail(request: HttpRequest, slug: str, number: int) -> TemplateResponse:
    return _stage_page(request, _stage(_operation(slug), number))


@login_required
@require_POST
def stage_report(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    user = _user(request)
    stage = _stage(_operation(slug), number)
    form = ResultForm(request.POST, participants=access.reportable(user, stage))
    if not form.is_valid():
        if not access.reportable(user, stage).exists():
            raise PermissionDenied(_("you may not report figures for this stage"))
        return _stage_page(request, stage, report_form=form, status=400)
    try:
        services.result_report(acting_user=user, stage=stage, **form.cleaned_data)
    except ValidationError as error:
        _errors_to(form, error)
        return _stage_page(request, stage, report_form=form, status=400)
    messages.success(request, _("The figure was reported."))
    return redirect("operations:stage", slug=slug, number=number)


@login_required
@require_POST
def stage_close(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    user = access.require_secretariat(request.user)
    stage = _stage(_operation(slug), number)
    try:
        services.stage_close(acting_user=user, stage=stage)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("The stage was closed; its figures now change only by corrections.")
        )
    return redirect("operations:stage", slug=slug, number=number)


@login_required
def import_template(request: HttpRequest, fmt: str) -> HttpResponse:
    _user(request)
    if fmt not in TEMPLATE_FORMATS:
        raise Http404(fmt)
    language = request.GET.get("lang", "ru")
    if language not in LANGUAGES:
        return HttpResponseBadRequest(_("Language must be ru or en."))
    content = results_import.template(fmt, language)
    content_type = (
        "text/csv; charset=utf-8"
        if fmt == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="results-template-{language}.{fmt}"'
    return response


@login_required
@require_POST
def stage_import(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Check an uploaded file against the stage and show what applying it would add (nothing
    is written)."""
    user = _user(request)
    stage = _stage(_operation(slug), number)
    reportable = access.reportable(user, stage)
    form = ImportForm(request.POST, request.FILES, participants=reportable)
    if not form.is_valid():
        if not reportable.exists():
            raise PermissionDenied(_("you may not report figures for this stage"))
        return _stage_page(request, stage, import_form=form, status=400)
    upload, participant = form.cleaned_data["file"], form.cleaned_data["participant"]
    data = upload.read()
    context: dict[str, Any] = {
        "operation": stage.operation,
        "stage": stage,
        "filename": upload.name,
    }
    try:
        report = services.import_results(
            acting_user=user,
            stage=stage,
            participant=participant,
            data=data,
            filename=upload.name,
            dry_run=True,
        )
    except ResultsImportRejected as rejected:
        request.session.pop(IMPORT_SESSION_KEY, None)
        context["problems"] = rejected.errors
        return TemplateResponse(request, "operations/import.html", context, status=400)
    except ValidationError as error:
        _errors_to(form, error, "file")
        return _stage_page(request, stage, import_form=form, status=400)
    request.session[IMPORT_SESSION_KEY] = {
        "stage": stage.pk,
        "participant": participant.pk,
        "filename": upload.name,
        "sha256": report.sha256,
        "data": base64.b64encode(data).decode("ascii"),
    }
    context |= {"report": report, "participant": participant}
    return TemplateResponse(request, "operations/import.html", context)


@login_required
@require_POST
def stage_import_apply(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    user = _user(request)
    stage = _stage(_operation(slug), number)
    pending = request.session.get(IMPORT_SESSION_KEY)
    if (
        not pending
        or pending["stage"] != stage.pk
        or pending["sha256"] != request.POST.get("sha256")
    ):
        messages.error(request, _("Nothing to apply: upload the file and preview it again."))
        return redirect("operations:stage", slug=slug, number=number)
    data = base64.b64decode(pending["data"])
    if hashlib.sha256(data).hexdigest() != pending["sha256"]:
        raise PermissionDenied(_("the stored file does not match its preview"))
    participant = get_object_or_404(Participant, pk=pending["participant"])
    try:
        report = services.import_results(
            acting_user=user,
            stage=stage,
            participant=participant,
            data=data,
            filename=pending["filename"],
        )
    except (ResultsImportRejected, ValidationError) as refused:
        messages.error(request, _("The file was not applied: %(error)s") % {"error": refused})
        return redirect("operations:stage", slug=slug, number=number)
    request.session.pop(IMPORT_SESSION_KEY, None)
    messages.success(
        request,
        _("%(file)s applied: %(created)s lines reported.")
        % {"file": report.filename, "created": report.created},
    )
    return redirect("operations:stage", slug=slug, number=number)


# --- corrections -------------------------------------------------------------------------------


@login_required
def line_correct(request: HttpRequest, slug: str, line_id: int) -> HttpResponse:
    user = _user(request)
    operation = _operation(slug)
    visible = access.lines_for(user).filter(stage__operation=operation)
    line = get_object_or_404(
        visible.select_related("stage__operation", "participant__country"), pk=line_id
    )
    if not access.can_correct(user, line):
        raise PermissionDenied(_("only the agency that reported a figure corrects it"))
    form = CorrectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.result_correct(
                acting_user=user,
                line=line,
                quantity=form.cleaned_data["quantity"],
                unit=form.cleaned_data["unit"] or None,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            _errors_to(form, error)
        else:
            messages.success(request, _("The correction was recorded as a new revision."))
            return redirect("operations:stage", slug=slug, number=line.stage.number)
    status = 400 if request.method == "POST" else 200
    return TemplateResponse(
        request,
        "operations/correct.html",
        {"operation": operation, "stage": line.stage, "line": line, "form": form},
        status=status,
    )


urlpatterns: list[URLPattern] = [
    path("", home, name="home"),
    path("press/", press, name="press"),
    path("new/", operation_new, name="operation_new"),
    path("template/<str:fmt>/", import_template, name="import_template"),
    path("<slug:slug>/", operation_detail, name="operation"),
    path("<slug:slug>/export/<str:fmt>/", export, name="export"),
    path("<slug:slug>/press/publish/", press_publish, name="press_publish"),
    path("<slug:slug>/participants/new/", participant_new, name="participant_new"),
    path("<slug:slug>/stages/new/", stage_new, name="stage_new"),
    path("<slug:slug>/stages/<int:number>/", stage_detail, name="stage"),
    path("<slug:slug>/stages/<int:number>/report/", stage_report, name="stage_report"),
    path("<slug:slug>/stages/<int:number>/import/", stage_import, name="stage_import"),
    path(
        "<slug:slug>/stages/<int:number>/import/apply/",
        stage_import_apply,
        name="stage_import_apply",
    ),
    path("<slug:slug>/stages/<int:number>/close/", stage_close, name="stage_close"),
    path("<slug:slug>/lines/<int:line_id>/correct/", line_correct, name="line_correct"),
]
