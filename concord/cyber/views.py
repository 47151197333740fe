"""Pages of the cyber module: the module's home, incidents (list, report, detail with workflow,
comments, timeline, attachments, indicators and their correlation, audience), indicators (list,
paste many, detail with correlation, score and sightings) and sharing groups. The registry of
harmful resources has its own pages (`views_registry.py`).

Who may do what is decided in `access.py` and the services; these views parse, call, render.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from concord.core.markings import Tlp

from . import access, queries, services, services_indicators, taxonomy
from .forms import (
    AttachmentForm,
    CommentForm,
    IncidentForm,
    IndicatorsPasteForm,
    ReleaseForm,
    SharingGroupForm,
    SightingForm,
    StatusForm,
    TimelineForm,
)
from .models import Attachment, IncidentStatus, IndicatorKind, Severity, SharingGroup


def _errors(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


# --- home --------------------------------------------------------------------------------------


@login_required
def home(request: HttpRequest) -> TemplateResponse:
    user = access.reader(request.user)
    return TemplateResponse(
        request,
        "cyber/home.html",
        {
            "counts": [
                (status, IncidentStatus(status).label, count)
                for status, count in queries.incident_counts(user).items()
            ],
            "recent": queries.incidents(user)[:8],
            "indicator_count": access.indicators_for(user).count(),
            "group_count": access.sharing_groups_for(user).count(),
            "collections": access.collections_for(user).order_by("alias"),
        },
    )


# --- incidents ---------------------------------------------------------------------------------


@login_required
def incident_list(request: HttpRequest) -> TemplateResponse:
    user = access.reader(request.user)
    filters = queries.IncidentFilters(
        **{name: request.GET.get(name, "") for name in queries.IncidentFilters.__annotations__}
    )
    return TemplateResponse(
        request,
        "cyber/incidents.html",
        {
            "incidents": queries.incidents(user, filters)[:500],
            "filters": filters,
            "statuses": IncidentStatus.choices,
            "severities": Severity.choices,
            "classifications": taxonomy.rsit_grouped(),
            "can_report": user.can_edit_records,
        },
    )


@login_required
def incident_new(request: HttpRequest) -> HttpResponse:
    user = access.editor(request.user)
    form = IncidentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            incident = services.incident_create(acting_user=user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Incident reported."))
            return redirect("cyber:incident", uid=incident.uid)
    status = 400 if request.method == "POST" else 200
    return TemplateResponse(request, "cyber/incident_form.html", {"form": form}, status=status)


@login_required
def incident_detail(request: HttpRequest, uid: UUID) -> TemplateResponse:
    user = access.reader(request.user)
    incident = access.get_incident(user, uid)
    can_edit = access.can_edit(incident, user)
    return TemplateResponse(
        request,
        "cyber/incident_detail.html",
        {
            "incident": incident,
            "classification": taxonomy.term(incident.classification),
            "pap_text": taxonomy.pap_descriptions().get(incident.pap, ""),
            "can_edit": can_edit,
            "can_comment": access.can_comment(incident, user),
            "next_statuses": [(s, IncidentStatus(s).label) for s in incident.next_statuses()],
            "timeline": incident.timeline.select_related("author"),
            "comments": incident.comments.select_related("author", "agency"),
            "attachments": incident.attachments.select_related("author").defer("data"),
            "rows": queries.incident_indicators(user, incident),
            "comment_form": CommentForm(),
            "timeline_form": TimelineForm(),
            "attachment_form": AttachmentForm(),
            "release_form": ReleaseForm(),
            "max_attachment": services.max_attachment_bytes(),
            "is_red": incident.tlp == Tlp.RED,
        },
    )


@login_required
@require_POST
def incident_status(request: HttpRequest, uid: UUID) -> HttpResponse:
    user = access.reader(request.user)
    incident = access.get_incident(user, uid, write=True)
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            services.incident_set_status(acting_user=user, incident=incident, **form.cleaned_data)
        except ValidationError as error:
            _errors(request, error)
    return redirect("cyber:incident", uid=incident.uid)


@login_required
@require_POST
def incident_release(request: HttpRequest, uid: UUID) -> HttpResponse:
    user = access.reader(request.user)
    incident = access.get_incident(user, uid, write=True)
    form = ReleaseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose at least one sharing group."))
    else:
        try:
            services.incident_release(
                acting_user=user, incident=incident, groups=form.cleaned_data["groups"]
            )
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(request, _("Released to the chosen groups."))
    return redirect("cyber:incident", uid=incident.uid)


@login_required
@require_POST
def incident_comment(request: HttpRequest, uid: UUID) -> HttpResponse:
    """Adds a comment; an HTMX request gets the comments section back."""
    user = access.reader(request.user)
    incident = access.get_incident(user, uid)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.comment_add(
                acting_user=user, incident=incident, text=form.cleaned_data["text"]
            )
        except ValidationError as error:
            form.add_error("text", error)
    if request.htmx:  # type: ignore[attr-defined]
        return TemplateResponse(
            request,
            "cyber/incident_detail.html#comments",
            {
                "incident": incident,
                "comments": incident.comments.select_related("author", "agency"),
                "comment_form": CommentForm() if not form.errors else form,
                "can_comment": True,
            },
        )
    for problem in form.errors.get("text", []):
        messages.error(request, str(problem))
    return redirect("cyber:incident", uid=incident.uid)


@login_required
@require_POST
def incident_timeline(request: HttpRequest, uid: UUID) -> HttpResponse:
    user = access.reader(request.user)
    incident = access.get_incident(user, uid, write=True)
    form = TimelineForm(request.POST)
    if form.is_valid():
        try:
            services.timeline_add(acting_user=user, incident=incident, **form.cleaned_data)
        except ValidationError as error:
            _errors(request, error)
    return redirect("cyber:incident", uid=incident.uid)


@login_required
@require_POST
def incident_attach(request: HttpRequest, uid: UUID) -> HttpResponse:
    user = access.reader(request.user)
    incident = access.get_incident(user, uid, write=True)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file to attach."))
        return redirect("cyber:incident", uid=incident.uid)
    upload = form.cleaned_data["file"]
    try:
        if upload.size > services.max_attachment_bytes():
            raise ValidationError(
                _("the file %(name)s is %(size)s bytes; attachments are limited to %(limit)s bytes")
                % {
                    "name": upload.name,
                    "size": upload.size,
                    "limit": services.max_attachment_bytes(),
                }
            )
        services.attachment_add(
            acting_user=user, incident=incident, filename=upload.name, data=upload.read()
        )
    except ValidationError as error:
        _errors(request, error)
    return redirect("cyber:incident", uid=incident.uid)


def _download(attachment: Attachment) -> HttpResponse:
    """The stored file, always as a download: the browser never renders it."""
    response = HttpResponse(bytes(attachment.data), content_type=attachment.content_type)
    safe_name = attachment.filename.replace('"', "_")
    response["Content-Disposition"] = f'attachment; filename="{safe_name}"'
    return response


@login_required
def incident_attachment(request: HttpRequest, uid: UUID, attachment_id: int) -> HttpResponse:
    incident = access.get_incident(access.reader(request.user), uid)
    return _download(get_object_or_404(incident.attachments, pk=attachment_id))


@login_required
def incident_audience(request: HttpRequest, uid: UUID) -> TemplateResponse:
    incident = access.get_incident(access.reader(request.user), uid)
    return TemplateResponse(
        request,
        "cyber/incident_audience.html",
        {
            "incident": incident,
            "lines": access.audience(incident),
            "groups": incident.sharing_groups.all(),
        },
    )


# --- indicators --------------------------------------------------------------------------------


@login_required
def indicator_list(request: HttpRequest) -> TemplateResponse:
    user = access.reader(request.user)
    filters = queries.IndicatorFilters(
        kind=request.GET.get("kind", ""),
        text=request.GET.get("text", ""),
        current=request.GET.get("current") == "1",
    )
    found = list(queries.indicators(user, filters)[:500])
    return TemplateResponse(
        request,
        "cyber/indicators.html",
        {
            "rows": [(i, queries.score(i, last_seen=i.last_seen)) for i in found],  # type: ignore[attr-defined]
            "filters": filters,
            "kinds": IndicatorKind.choices,
            "can_add": user.can_edit_records,
        },
    )


@login_required
def indicators_add(request: HttpRequest) -> HttpResponse:
    user = access.editor(request.user)
    form = IndicatorsPasteForm(
        request.POST or None, initial={"incident": request.GET.get("incident")}
    )
    incident_uid = (request.POST or request.GET).get("incident") or None
    incident = access.get_incident(user, incident_uid, write=True) if incident_uid else None
    result = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = services_indicators.indicators_bulk_add(
                acting_user=user,
                text=data["text"],
                kind=data["kind"] or None,
                incident=incident,
                confidence=data["confidence"],
                tlp=data["tlp"] or None,
                force_actionable=data["force_actionable"],
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error("text", message)
    status = 400 if form.errors else 200
    return TemplateResponse(
        request,
        "cyber/indicators_add.html",
        {"form": form, "incident": incident, "result": result},
        status=status,
    )


@login_required
def indicator_detail(request: HttpRequest, uid: UUID) -> TemplateResponse:
    user = access.reader(request.user)
    indicator = access.get_indicator(user, uid)
    return TemplateResponse(
        request, "cyber/indicator_detail.html", _indicator_context(user, indicator)
    )


def _indicator_context(
    user: Any, indicator: Any, form: SightingForm | None = None
) -> dict[str, Any]:
    return {
        "indicator": indicator,
        "correlation": queries.correlation(user, indicator),
        "score": queries.score(indicator, last_seen=queries.last_seen(indicator)),
        "sightings": access.sightings_for(user, indicator),
        "can_report": access.can_report_sighting(indicator, user),
        "sighting_form": form or SightingForm(),
    }


@login_required
@require_POST
def indicator_sighting(request: HttpRequest, uid: UUID) -> HttpResponse:
    """Reports a sighting; an HTMX request gets the sightings section back."""
    user = access.reader(request.user)
    indicator = access.get_indicator(user, uid)
    form = SightingForm(request.POST)
    if form.is_valid():
        try:
            services_indicators.sighting_add(
                acting_user=user, indicator=indicator, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            form = SightingForm()
    if request.htmx:  # type: ignore[attr-defined]
        return TemplateResponse(
            request,
            "cyber/indicator_detail.html#sightings",
            _indicator_context(user, indicator, form),
        )
    for message in form.non_field_errors():
        messages.error(request, str(message))
    return redirect("cyber:indicator", uid=indicator.uid)


# --- sharing groups ----------------------------------------------------------------------------


@login_required
def group_list(request: HttpRequest) -> TemplateResponse:
    user = access.reader(request.user)
    groups = access.sharing_groups_for(user).prefetch_related("states", "bodies", "agencies")
    return TemplateResponse(
        request, "cyber/groups.html", {"groups": groups, "can_create": user.can_edit_records}
    )


@login_required
def group_detail(request: HttpRequest, code: str) -> TemplateResponse:
    user = access.reader(request.user)
    group = get_object_or_404(access.sharing_groups_for(user), code=code)
    return TemplateResponse(
        request,
        "cyber/group_detail.html",
        {
            "group": group,
            "can_edit": access.can_edit_group(group, user),
            "incidents": access.incidents_for(user).filter(sharing_groups=group)[:50],
        },
    )


@login_required
def group_new(request: HttpRequest) -> HttpResponse:
    user = access.editor(request.user)
    form = SharingGroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            group: SharingGroup = services.sharing_group_create(
                acting_user=user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("cyber:group", code=group.code)
    status = 400 if form.errors else 200
    return TemplateResponse(request, "cyber/group_form.html", {"form": form}, status=status)


urlpatterns: list[URLPattern] = [
    path("", home, name="home"),
    path("incidents/", incident_list, name="incidents"),
    path("incidents/new/", incident_new, name="incident_new"),
    path("incidents/<uuid:uid>/", incident_detail, name="incident"),
    path("incidents/<uuid:uid>/status/", incident_status, name="incident_status"),
    path("incidents/<uuid:uid>/release/", incident_release, name="incident_release"),
    path("incidents/<uuid:uid>/comments/", incident_comment, name="incident_comment"),
    path("incidents/<uuid:uid>/timeline/", incident_timeline, name="incident_timeline"),
    path("incidents/<uuid:uid>/attachments/", incident_attach, name="incident_attach"),
    path(
        "incidents/<uuid:uid>/attachments/<int:attachment_id>/",
        incident_attachment,
        name="incident_attachment",
    ),
    path("incidents/<uuid:uid>/audience/", incident_audience, name="incident_audience"),
    path("indicators/", indicator_list, name="indicators"),
    path("indicators/add/", indicators_add, name="indicators_add"),
    path("indicators/<uuid:uid>/", indicator_detail, name="indicator"),
    path("indicators/<uuid:uid>/sightings/", indicator_sighting, name="indicator_sighting"),
    path("groups/", group_list, name="groups"),
    path("groups/new/", group_new, name="group_new"),
    path("groups/<slug:code>/", group_detail, name="group"),
]
