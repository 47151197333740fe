"""Pages for STIX: importing a bundle or a MISP event, downloading an incident as a STIX bundle,
and the warninglists (what they hold, and checking a value against them).

Who may do what is decided in `access.py` and the services; these views parse, call, render.
"""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.translation import get_language, gettext

from concord.core.markings import MarkingError

from . import access, canon, services_stix, warninglists
from .forms_stix import StixImportForm, WarninglistCheckForm
from .stix_import import BundleTooLarge, StixImportRejected

STIX_MEDIA_TYPE = "application/stix+json;version=2.1"


@login_required
def stix_import(request: HttpRequest) -> TemplateResponse:
    user = access.editor(request.user)
    collections = access.writable_collections_for(user).order_by("alias")
    form = StixImportForm(request.POST or None, request.FILES or None, collections=collections)
    report, rejected, error = None, None, ""
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = services_stix.ingest_bundle(
                acting_user=user,
                source=upload.file,
                collection=form.cleaned_data["collection"],
                tlp=form.cleaned_data["tlp"] or None,
                fmt=form.cleaned_data["fmt"],
                filename=upload.name,
            )
        except StixImportRejected as refusal:
            rejected = refusal
        except (BundleTooLarge, MarkingError, ValidationError) as failure:
            error = "; ".join(getattr(failure, "messages", [str(failure)]))
    return TemplateResponse(
        request,
        "cyber/stix_import.html",
        {"form": form, "report": report, "rejected": rejected, "error": error},
        status=400 if (rejected or error) else 200,
    )


@login_required
def incident_stix(request: HttpRequest, uid: str) -> HttpResponse:
    user = access.reader(request.user)
    bundle = services_stix.export_bundle(acting_user=user, incidents=[uid])
    response = HttpResponse(json.dumps(bundle, ensure_ascii=False, indent=1), STIX_MEDIA_TYPE)
    response["Content-Disposition"] = f'attachment; filename="incident-{uid}.stix.json"'
    return response


@login_required
def warninglist_index(request: HttpRequest) -> TemplateResponse:
    access.reader(request.user)
    form = WarninglistCheckForm(request.GET or None)
    checked, hits, error = None, [], ""
    if form.is_bound and form.is_valid():
        try:
            checked = canon.canonical(form.cleaned_data["kind"], form.cleaned_data["value"])
        except canon.CanonError as failure:
            error = gettext(canon.MESSAGES[failure.code]).format(**failure.params)
        else:
            hits = warninglists.check(checked.kind, checked.value)
    russian = not (get_language() or "ru").startswith("en")
    return TemplateResponse(
        request,
        "cyber/warninglists.html",
        {
            "lists": [
                {
                    "code": info.code,
                    "name": info.name_ru if russian else info.name_en,
                    "description": info.description_ru if russian else info.description_en,
                    "source": info.source,
                    "count": info.count,
                    "kinds": ", ".join(info.kinds),
                }
                for info in warninglists.lists()
            ],
            "form": form,
            "checked": checked,
            "hits": [
                {
                    "list": hit.list_name_ru if russian else hit.list_name_en,
                    "reason": hit.reason_ru if russian else hit.reason_en,
                    "benign": hit.kind == warninglists.BENIGN,
                }
                for hit in hits
            ],
            "error": error,
        },
    )


urlpatterns: list[URLPattern] = [
    path("stix/import/", stix_import, name="stix_import"),
    path("incidents/<uuid:uid>/stix/", incident_stix, name="incident_stix"),
    path("warninglists/", warninglist_index, name="warninglists"),
]
