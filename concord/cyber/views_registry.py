"""Pages of the registry of harmful information resources: the registry and its search, a
resource state by state with the user's own state's action form, registering, CSV import
(preview, then apply), statistics, the transparency report and a lookup page.

Who may do what is decided in `access.py` and the services; these views parse, call, render.
An uploaded CSV is kept in the session (base64, at most 5 MB) between its preview and its
application; applying checks it again, so nothing the browser sends is trusted.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import override
from django.views.decorators.http import require_POST

from . import access, queries_registry, reports, services_registry
from .forms_registry import ActionForm, FilterForm, ImportForm, LookupForm, RegisterForm
from .models_registry import Action, Resource
from .registry_import import RegistryImportRejected

IMPORT_SESSION_KEY = "cyber_registry_import"
FIGURES = ("identified", "blocked", "suspended", "criminal_cases", "unblocked")
SEED_PERIOD = (2009, 2017)


def _year(request: HttpRequest) -> int | None:
    text = request.GET.get("year", "").strip()
    return int(text) if text.isdigit() and 2000 <= int(text) <= 2100 else None


def _state_rows(states: dict[str, str]) -> list[tuple[str, str, str]]:
    """(state code, status, its label in the page's language) for a {code: status} map."""
    return [(code, status, str(Action(status).label)) for code, status in states.items()]


# --- the registry ------------------------------------------------------------------------------


@login_required
def registry(request: HttpRequest) -> TemplateResponse:
    access.registry_reader(request.user)
    form = FilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    filters = queries_registry.RegistryFilters(
        q=data.get("q") or "",
        category=data.get("category") or "",
        state=(data.get("state") or "").upper(),
        action=data.get("action") or "",
        year=data.get("year"),
    )
    page = queries_registry.registry_page(filters, page=request.GET.get("page", 1))
    for item in page.object_list:
        item.state_rows = _state_rows(item.state_statuses)
    query = request.GET.copy()
    query.pop("page", None)
    template = "cyber/registry/list.html"
    if getattr(request, "htmx", False):
        template += "#results"
    return TemplateResponse(
        request,
        template,
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "can_register": access.can_register(request.user),
        },
    )


def _resource(resource_id: int) -> Resource:
    return get_object_or_404(
        Resource.objects.select_related("category", "identified_by__state"), pk=resource_id
    )


def _resource_page(
    request: HttpRequest, resource: Resource, form: ActionForm | None = None, status: int = 200
) -> TemplateResponse:
    state = getattr(getattr(request.user, "agency", None), "state", None)
    can_act = state is not None and access.can_act_for(request.user, state)
    return TemplateResponse(
        request,
        "cyber/registry/detail.html",
        {
            "resource": resource,
            "rows": queries_registry.resource_status(resource),
            "actions": queries_registry.resource_actions(resource),
            "own_state": state if can_act else None,
            "form": (form or ActionForm()) if can_act else None,
        },
        status=status,
    )


@login_required
def resource(request: HttpRequest, resource_id: int) -> TemplateResponse:
    access.registry_reader(request.user)
    return _resource_page(request, _resource(resource_id))


@login_required
@require_POST
def resource_action(request: HttpRequest, resource_id: int) -> HttpResponse:
    user = access.registry_reader(request.user)
    found = _resource(resource_id)
    state = user.agency.state
    if state is None:
        raise PermissionDenied(_("only a member state's agencies record actions"))
    access.require_act_for(user, state)
    form = ActionForm(request.POST)
    if not form.is_valid():
        return _resource_page(request, found, form, status=400)
    try:
        services_registry.action_record(
            acting_user=user, resource=found, state=state, **form.cleaned_data
        )
    except ValidationError as error:
        for message in error.messages:
            form.add_error(None, message)
        return _resource_page(request, found, form, status=400)
    messages.success(request, _("The action was recorded."))
    return redirect("cyber:resource", resource_id=found.pk)


@login_required
def register(request: HttpRequest) -> HttpResponse:
    user = access.registry_reader(request.user)
    if not access.can_register(user):
        raise PermissionDenied(_("your role cannot register resources"))
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            registration = services_registry.resource_register(
                acting_user=user, **form.cleaned_data
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error("value", message)
        else:
            level = messages.SUCCESS if registration.created else messages.INFO
            messages.add_message(request, level, registration.message)
            return redirect("cyber:resource", resource_id=registration.resource.pk)
    status = 400 if request.method == "POST" else 200
    return TemplateResponse(request, "cyber/registry/register.html", {"form": form}, status=status)


# --- import ------------------------------------------------------------------------------------


@login_required
def registry_import(request: HttpRequest) -> TemplateResponse:
    """GET: the upload form. POST: check the file against the registry and show what applying
    it would do (nothing is written)."""
    user = access.registry_reader(request.user)
    if not access.can_register(user):
        raise PermissionDenied(_("your role cannot import resources"))
    form = ImportForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"form": form}
    if request.method != "POST":
        return TemplateResponse(request, "cyber/registry/import.html", context)
    if not form.is_valid():
        return TemplateResponse(request, "cyber/registry/import.html", context, status=400)
    upload = form.cleaned_data["file"]
    data = upload.read()
    context["filename"] = upload.name
    try:
        report = services_registry.import_csv(
            acting_user=user, data=data, filename=upload.name, dry_run=True
        )
    except RegistryImportRejected as rejected:
        request.session.pop(IMPORT_SESSION_KEY, None)
        context["problems"] = rejected.problems
        return TemplateResponse(request, "cyber/registry/import.html", context, status=400)
    request.session[IMPORT_SESSION_KEY] = {
        "filename": upload.name,
        "sha256": report.sha256,
        "data": base64.b64encode(data).decode("ascii"),
    }
    context["report"] = report
    return TemplateResponse(request, "cyber/registry/import.html", context)


@login_required
@require_POST
def registry_import_apply(request: HttpRequest) -> HttpResponse:
    user = access.registry_reader(request.user)
    pending = request.session.get(IMPORT_SESSION_KEY)
    if not pending or pending["sha256"] != request.POST.get("sha256"):
        messages.error(request, _("Nothing to apply: upload the file and preview it again."))
        return redirect("cyber:registry_import")
    data = base64.b64decode(pending["data"])
    if hashlib.sha256(data).hexdigest() != pending["sha256"]:
        raise PermissionDenied(_("the stored file does not match its preview"))
    try:
        report = services_registry.import_csv(
            acting_user=user, data=data, filename=pending["filename"]
        )
    except RegistryImportRejected as rejected:
        messages.error(request, _("The file was not applied: %(error)s") % {"error": rejected})
        return redirect("cyber:registry_import")
    request.session.pop(IMPORT_SESSION_KEY, None)
    messages.success(
        request,
        _(
            "%(file)s applied: %(created)s new resources, %(actions)s actions recorded, "
            "%(duplicates)s duplicates skipped."
        )
        % {
            "file": report.filename,
            "created": report.resources_created,
            "actions": report.actions_recorded,
            "duplicates": report.duplicates_skipped,
        },
    )
    return redirect("cyber:registry")


# --- statistics, transparency, lookup ----------------------------------------------------------


def _values(figures: queries_registry.Figures) -> list[int]:
    return [getattr(figures, name) for name in FIGURES]


@login_required
def registry_stats(request: HttpRequest) -> TemplateResponse:
    access.registry_reader(request.user)
    stats = queries_registry.statistics()
    names = {c.code: c.name for c in queries_registry.categories()}
    whole, unsplit = _("the organisation as a whole"), _("not split by category")
    year = _year(request)
    detail = []
    if year is not None:
        for row in queries_registry.statistics(year).rows:
            state = row.state or whole
            category = names.get(row.category, row.category) or unsplit
            if any(_values(row.returns)):
                detail.append((state, category, _("returns"), _values(row.returns)))
            if any(_values(row.registry)):
                detail.append((state, category, _("registry"), _values(row.registry)))
    return TemplateResponse(
        request,
        "cyber/registry/statistics.html",
        {
            "total": stats.total,
            "seed_period": SEED_PERIOD,
            "seed_totals": stats.period(*SEED_PERIOD),
            "by_year": [(y, _values(f)) for y, f in sorted(stats.by_year.items())],
            "by_state": [(s or whole, _values(f)) for s, f in sorted(stats.by_state.items())],
            "by_category": [
                (names.get(c, c) or unsplit, _values(f))
                for c, f in sorted(stats.by_category.items())
            ],
            "years": stats.years,
            "year": year,
            "detail": detail,
        },
    )


@login_required
def transparency(request: HttpRequest) -> TemplateResponse:
    access.registry_reader(request.user)
    year = _year(request)
    return TemplateResponse(
        request,
        "cyber/registry/transparency.html",
        {"report": reports.report(year), "year": year, "languages": reports.LANGUAGES},
    )


@login_required
def transparency_download(request: HttpRequest, fmt: str) -> HttpResponse:
    access.registry_reader(request.user)
    if fmt not in ("csv", "pdf"):
        raise Http404(fmt)
    language = request.GET.get("lang", "ru")
    if language not in reports.LANGUAGES:
        return HttpResponseBadRequest(_("Language must be ru or en."))
    with override(language):
        data = reports.report(_year(request))
        content = (
            reports.render_csv(data)
            if fmt == "csv"
            else reports.render_pdf(data, language=language)
        )
    content_type = "text/csv; charset=utf-8" if fmt == "csv" else "application/pdf"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{reports.filename(data, fmt)}"'
    return response


@login_required
def registry_lookup(request: HttpRequest) -> TemplateResponse:
    access.registry_reader(request.user)
    form = LookupForm(request.POST or None)
    results = None
    if request.method == "POST" and form.is_valid():
        results = [
            {
                "result": result,
                "matches": [(match, _state_rows(match.states)) for match in result.matches],
            }
            for result in queries_registry.lookup(form.cleaned_data["items"])
        ]
    status = 400 if request.method == "POST" and results is None else 200
    return TemplateResponse(
        request, "cyber/registry/lookup.html", {"form": form, "results": results}, status=status
    )


urlpatterns: list[URLPattern] = [
    path("registry/", registry, name="registry"),
    path("registry/register/", register, name="register"),
    path("registry/import/", registry_import, name="registry_import"),
    path("registry/import/apply/", registry_import_apply, name="registry_import_apply"),
    path("registry/statistics/", registry_stats, name="registry_stats"),
    path("registry/transparency/", transparency, name="transparency"),
    path("registry/transparency/<str:fmt>/", transparency_download, name="transparency_download"),
    path("registry/lookup/", registry_lookup, name="registry_lookup"),
    path("registry/<int:resource_id>/", resource, name="resource"),
    path("registry/<int:resource_id>/actions/", resource_action, name="resource_action"),
]
