"""Screening: one name on the page (HTMX), or a file of names screened in the background."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods, require_POST

from . import access, screening, tasks
from .forms import ScreenFileForm, ScreenForm
from .models import ScreeningRun
from .views_review import explanation


def _page(
    request: HttpRequest,
    form: ScreenForm,
    file_form: ScreenFileForm,
    results: dict[str, Any] | None = None,
    status: int = 200,
) -> TemplateResponse:
    matches = results["results"][0]["matches"] if results else []
    rows = [
        {**m, "percent": round(m["score"] * 100), "why": explanation(m["features"])}
        for m in matches
    ]
    template = "designations/screen.html#results" if request.htmx else "designations/screen.html"  # type: ignore[attr-defined]
    return TemplateResponse(
        request,
        template,
        {
            "form": form,
            "file_form": file_form,
            "results": results,
            "rows": rows,
            "runs": access.own_runs(request.user).defer("source", "result")[:10],
        },
        # HTMX swaps only successful responses: its partial carries the form's errors instead.
        status=200 if request.htmx else status,  # type: ignore[attr-defined]
    )


@login_required
@require_http_methods(["GET", "POST"])
def screen(request: HttpRequest) -> TemplateResponse:
    user = access.reader(request.user)
    if request.method != "POST":
        return _page(request, ScreenForm(), ScreenFileForm())
    form = ScreenForm(request.POST)
    if not form.is_valid():
        return _page(request, form, ScreenFileForm(), status=400)
    results = screening.screen_queries(
        acting_user=user,
        queries=[{"name": form.cleaned_data["name"]}],
        threshold=form.cleaned_data["threshold"],
        limit=5,
        channel="ui",
    )
    return _page(request, form, ScreenFileForm(), results)


@login_required
@require_POST
def screen_file(request: HttpRequest) -> HttpResponse:
    user = access.reader(request.user)
    file_form = ScreenFileForm(request.POST, request.FILES)
    if not file_form.is_valid():
        return _page(request, ScreenForm(), file_form, status=400)
    run = screening.file_run_create(
        acting_user=user,
        filename=file_form.cleaned_data["file"].name,
        data=file_form.cleaned_data["data"],
        threshold=file_form.cleaned_data["threshold"],
    )
    transaction.on_commit(partial(tasks.screen_file.enqueue, run.pk))
    return redirect("designations:run", run_id=run.pk)


def _own_run(request: HttpRequest, run_id: int) -> ScreeningRun:
    return get_object_or_404(access.own_runs(request.user).defer("source"), pk=run_id)


@login_required
def run_detail(request: HttpRequest, run_id: int) -> TemplateResponse:
    access.reader(request.user)
    run = _own_run(request, run_id)
    template = "designations/run.html#progress" if request.htmx else "designations/run.html"  # type: ignore[attr-defined]
    return TemplateResponse(
        request,
        template,
        {"run": run, "finished": run.state in (run.State.DONE, run.State.FAILED)},
    )


@login_required
def run_download(request: HttpRequest, run_id: int) -> HttpResponse:
    access.reader(request.user)
    run = _own_run(request, run_id)
    if run.state != ScreeningRun.State.DONE or run.result is None:
        raise Http404("the run has no result yet")
    response = HttpResponse(bytes(run.result), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="screening-{run.pk}.csv"'
    return response
