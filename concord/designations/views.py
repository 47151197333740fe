"""Pages of the designations module: overview, national lists and their imports, the
organisations matrix and the published versions. The review queue and alias store live in
`views_review.py`, rounds in `views_rounds.py`, screening in `views_screen.py`.

Who may do what is decided in `access.py` and the services; these views parse, call, render.

An uploaded list is kept in the session (base64, at most 5 MB) between its preview and its
application; applying parses and compares it again, so nothing the browser sends is trusted.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override
from django.views.decorators.http import require_POST

from concord.core.models import Role

from . import access, exports, parsers, queries, services
from .forms import MAX_IMPORT_BYTES, ImportForm
from .models import EntryName, EntryRevision, NationalList, Publication
from .records import ImportRejected, ParsedList

IMPORT_SESSION_KEY = "designations_import"

DIFF_SECTIONS = (
    ("added", EntryRevision.Change.ADDED.label),
    ("removed", EntryRevision.Change.REMOVED.label),
    ("renamed", EntryRevision.Change.RENAMED.label),
    ("basis_changed", EntryRevision.Change.BASIS.label),
    ("changed", EntryRevision.Change.CHANGED.label),
    ("returned", EntryRevision.Change.RETURNED.label),
)
VIEW_LABELS = {
    "all": gettext_lazy("All"),
    "recognised": gettext_lazy("Recognised by all"),
    "gaps": gettext_lazy("Gaps"),
    "single": gettext_lazy("Single list"),
}


def _national_list(code: str) -> NationalList:
    try:
        return services.get_list(code)
    except ValidationError:
        raise Http404(code) from None


def _own_state_code(request: HttpRequest) -> str | None:
    state = access.user_state(request.user)
    return state.code if state is not None else None


# --- overview ----------------------------------------------------------------------------------


@login_required
def home(request: HttpRequest) -> TemplateResponse:
    access.reader(request.user)
    orgs = queries.organisations()
    own = _own_state_code(request)
    counts = {
        "organisations": len(orgs),
        "recognised": len(queries.recognised_by_all(orgs)),
        "gaps": len(queries.gaps(orgs)),
        "single": sum(1 for org in orgs if org.in_single_list),
        "queue": queries.queue_size(),
        "own_gaps": len(queries.gaps(orgs, state=own)) if own else None,
    }
    return TemplateResponse(
        request,
        "designations/home.html",
        {
            "counts": counts,
            "own_state": own,
            "is_coordinator": getattr(request.user, "role", None) == Role.COORDINATOR,
            "lists": queries.list_summaries(),
            "publication": queries.latest_publication(),
        },
    )


# --- lists -------------------------------------------------------------------------------------


@login_required
def list_index(request: HttpRequest) -> TemplateResponse:
    access.reader(request.user)
    return TemplateResponse(request, "designations/lists.html", {"lists": queries.list_summaries()})


def _list_page(
    request: HttpRequest, national_list: NationalList, form: ImportForm | None = None
) -> TemplateResponse:
    entries = queries.list_entries(national_list)
    can_edit = access.can_edit_list(request.user, national_list)
    return TemplateResponse(
        request,
        "designations/list_detail.html",
        {
            "national_list": national_list,
            "entries": entries,
            "versions": national_list.versions.select_related("created_by").order_by("-number"),
            "removed_count": national_list.entries.filter(present=False).count(),
            "can_edit": can_edit,
            "form": (form or ImportForm()) if can_edit else None,
            "diff_keys": [key for key, _label in DIFF_SECTIONS],
        },
        status=400 if form is not None else 200,
    )


@login_required
def list_detail(request: HttpRequest, code: str) -> TemplateResponse:
    access.reader(request.user)
    return _list_page(request, _national_list(code))


@dataclass
class DiffSection:
    key: str
    label: str
    rows: list[tuple[str, str]]


def _diff_sections(
    national_list: NationalList, parsed: ParsedList, diff: queries.ListDiff
) -> list[DiffSection]:
    """The diff's entry ids with a name to recognise them by (the file's, or the stored one for
    entries the file no longer has)."""
    names = {entry.entry_id: entry.primary_name for entry in parsed.entries}
    stored = EntryName.objects.filter(
        entry__national_list=national_list, entry__entry_id__in=diff.removed, position=0
    ).values_list("entry__entry_id", "text")
    names.update(dict(stored))
    return [
        DiffSection(key, str(label), [(i, names.get(i, "")) for i in getattr(diff, key)])
        for key, label in DIFF_SECTIONS
    ]


def _parse_upload(data: bytes, filename: str, fmt: str) -> ParsedList:
    return parsers.parse_file(data, filename=filename, fmt=fmt, max_bytes=MAX_IMPORT_BYTES)


@login_required
@require_POST
def list_import(request: HttpRequest, code: str) -> TemplateResponse:
    """Parse an uploaded file and show what applying it would change (nothing is written)."""
    national_list = _national_list(code)
    user = access.require_list_editor(request.user, national_list)
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _list_page(request, national_list, form)
    upload = form.cleaned_data["file"]
    fmt, as_of = form.cleaned_data["format"], form.cleaned_data["as_of"]
    data = upload.read()
    context: dict[str, Any] = {"national_list": national_list, "filename": upload.name}
    try:
        parsed = _parse_upload(data, upload.name, fmt)
    except ImportRejected as rejected:
        request.session.pop(IMPORT_SESSION_KEY, None)
        context["problems"] = rejected.problems
        return TemplateResponse(request, "designations/import_preview.html", context, status=400)
    result = services.import_list(
        acting_user=user, national_list=national_list, parsed=parsed, dry_run=True
    )
    digest = hashlib.sha256(data).hexdigest()
    request.session[IMPORT_SESSION_KEY] = {
        "list": national_list.code,
        "filename": upload.name,
        "format": fmt,
        "as_of": as_of.isoformat() if as_of else "",
        "sha256": digest,
        "data": base64.b64encode(data).decode("ascii"),
    }
    context.update(
        result=result,
        sections=_diff_sections(national_list, parsed, result.diff),
        entry_count=len(parsed.entries),
        sha256=digest,
        as_of=as_of,
    )
    return TemplateResponse(request, "designations/import_preview.html", context)


@login_required
@require_POST
def list_import_apply(request: HttpRequest, code: str) -> HttpResponse:
    """Apply the previewed file: parsed and compared again from the session's copy."""
    national_list = _national_list(code)
    user = access.require_list_editor(request.user, national_list)
    pending = request.session.get(IMPORT_SESSION_KEY)
    if (
        not pending
        or pending["list"] != national_list.code
        or pending["sha256"] != request.POST.get("sha256")
    ):
        messages.error(request, _("Nothing to apply: upload the file and preview it again."))
        return redirect("designations:list", code=national_list.code)
    data = base64.b64decode(pending["data"])
    try:
        parsed = _parse_upload(data, pending["filename"], pending["format"])
        result = services.import_list(
            acting_user=user,
            national_list=national_list,
            parsed=parsed,
            as_of=date.fromisoformat(pending["as_of"]) if pending["as_of"] else None,
        )
    except (ImportRejected, ValidationError) as error:
        messages.error(request, _("The file was not applied: %(error)s") % {"error": error})
        return redirect("designations:list", code=national_list.code)
    request.session.pop(IMPORT_SESSION_KEY, None)
    if result.version is None:
        messages.info(request, _("The file is identical to the current version; nothing changed."))
    else:
        messages.success(
            request,
            _("Version %(number)s of the %(code)s list applied.")
            % {"number": result.version.number, "code": national_list.code},
        )
    return redirect("designations:list", code=national_list.code)


# --- organisations -----------------------------------------------------------------------------


def _matrix_rows(orgs: list[queries.Organisation], codes: list[str]) -> list[dict[str, Any]]:
    return [
        {
            "org": org,
            "cells": [
                {"code": code, "agreed": code in org.agreed, **org.recognition.get(code, {})}
                for code in codes
            ],
        }
        for org in orgs
    ]


@login_required
def organisation_index(request: HttpRequest) -> TemplateResponse:
    access.reader(request.user)
    view = request.GET.get("view", "all")
    if view not in queries.VIEWS:
        view = "all"
    own = _own_state_code(request)
    state = None
    if view == "gaps":
        state = (request.GET.get("state") or "").strip().upper() or None
    orgs = queries.organisations_view(view, state)
    codes = queries.state_codes()
    return TemplateResponse(
        request,
        "designations/organisations.html",
        {
            "rows": _matrix_rows(orgs, codes),
            "codes": codes,
            "view": view,
            "state": state,
            "own_state": own,
            "tabs": list(VIEW_LABELS.items()),
        },
    )


@login_required
def organisation_detail(request: HttpRequest, organisation_id: str) -> TemplateResponse:
    access.reader(request.user)
    org = next((o for o in queries.organisations() if o.id == organisation_id), None)
    if org is None:
        raise Http404(organisation_id)
    return TemplateResponse(
        request,
        "designations/organisation_detail.html",
        {"org": org, "rows": _matrix_rows([org], queries.state_codes())},
    )


# --- published versions ------------------------------------------------------------------------


@login_required
def publication_index(request: HttpRequest) -> TemplateResponse:
    access.reader(request.user)
    return TemplateResponse(
        request,
        "designations/publications.html",
        {
            "publications": Publication.objects.select_related("published_by").order_by("-number"),
            "can_publish": access.is_secretariat(request.user),
        },
    )


@login_required
@require_POST
def publish(request: HttpRequest) -> HttpResponse:
    publication = services.publish(acting_user=access.reader(request.user))
    messages.success(request, _("Version %(number)s published.") % {"number": publication.number})
    return redirect("designations:publication", number=publication.number)


@login_required
def publication_detail(request: HttpRequest, number: int) -> TemplateResponse:
    access.reader(request.user)
    publication = get_object_or_404(
        Publication.objects.select_related("published_by"), number=number
    )
    return TemplateResponse(
        request,
        "designations/publication_detail.html",
        {
            "publication": publication,
            "formats": exports.FORMATS,
            "languages": exports.LANGUAGES,
        },
    )


@login_required
def publication_download(request: HttpRequest, number: int, fmt: str) -> HttpResponse:
    access.reader(request.user)
    publication = get_object_or_404(Publication, number=number)
    language = request.GET.get("lang", "ru")
    if fmt not in exports.FORMATS:
        raise Http404(fmt)
    if language not in exports.LANGUAGES:
        return HttpResponseBadRequest(_("Language must be ru or en."))
    with override(language):
        rendered = exports.render(publication.content, fmt, language=language)
    response = HttpResponse(rendered.content, content_type=rendered.content_type)
    response["Content-Disposition"] = f'attachment; filename="{rendered.filename}"'
    return response
