"""Pages of crisis events: the Centre's dashboard, the list of events with its filters, an
event's page (figures per source, sources, attachments, regions, audience), and the forms that
record and correct events, add sources with their figures, attach files and verify.

Who may do what is decided in `access.py` and the services; these views parse, call, render.
Every event shown comes from `queries` (built on `access.events_for`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from concord.core import access as core_access
from concord.core.models import User, localized

from . import access, queries, services
from .forms import AttachmentForm, EventForm, SourceForm, VerificationForm
from .models import Event, EventAttachment, Origin, Region

PAGE_SIZE = 50
RECENT = 10
COUNT_DAYS = 30


def _errors(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


# --- the dashboard -------------------------------------------------------------------------------


def _counts_by_type(found: QuerySet[Event]) -> list[tuple[str, str, int]]:
    """(code, name, events) for each type among `found`, most frequent first."""
    rows = (
        found.order_by()
        .values("event_type__code", "event_type__name_ru", "event_type__name_en")
        .annotate(events=Count("pk"))
        .order_by("-events", "event_type__code")
    )
    return [
        (
            row["event_type__code"],
            localized(row["event_type__name_ru"], row["event_type__name_en"]),
            row["events"],
        )
        for row in rows
    ]


@login_required
def home(request: HttpRequest) -> TemplateResponse:
    user = access.reader(request.user)
    since = timezone.now() - timedelta(days=COUNT_DAYS)
    recent = queries.events(user, queries.EventFilter()).select_related("event_type")
    counts = _counts_by_type(queries.events(user, queries.EventFilter(since=since)))
    return TemplateResponse(
        request,
        "crisis/home.html",
        {
            "recent": recent[:RECENT],
            "counts": counts,
            "count_total": sum(n for _code, _name, n in counts),
            "count_days": COUNT_DAYS,
            "since": since,
            "can_record": user.can_edit_records,
            "is_centre": access.is_centre(user),
        },
    )


# --- the list ------------------------------------------------------------------------------------


def _page(request: HttpRequest, found: QuerySet[Event]) -> Page:
    return Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))


def _query_without_page(params: QueryDict) -> str:
    kept = params.copy()
    kept.pop("page", None)
    return kept.urlencode()


@login_required
def event_list(request: HttpRequest) -> TemplateResponse:
    """Events under the filter in the query string (`queries.parse_filter`); an HTMX request
    gets only the table back."""
    user = access.reader(request.user)
    problems: list[str] = []
    try:
        flt = queries.parse_filter(request.GET)
    except ValidationError as error:
        problems = list(error.messages)
        flt = queries.EventFilter()
    found = (
        queries.events(user, flt).select_related("event_type", "owner_agency")
        if not problems
        else Event.objects.none()
    )
    context: dict[str, Any] = {
        "page": _page(request, found),
        "problems": problems,
        "params": request.GET,
        "query": _query_without_page(request.GET),
        "type_choices": queries.type_choices(),
        "origins": Origin.choices,
        "regions": Region.objects.order_by("slug"),
        "chosen_types": request.GET.getlist("type"),
        "can_record": user.can_edit_records,
    }
    template = "crisis/events.html"
    if request.htmx:  # type: ignore[attr-defined]
        template += "#table"
    return TemplateResponse(request, template, context, status=400 if problems else 200)


# --- one event -----------------------------------------------------------------------------------


def _detail_context(user: User, event: Event) -> dict[str, Any]:
    can_edit = access.can_edit_event(user, event)
    return {
        "event": event,
        "sources": event.sources.all(),
        "attachments": event.attachments.all(),
        "regions": event.regions.order_by("slug"),
        "audience": core_access.audience(event),
        "can_edit": can_edit,
        # The owner agency's editors, and the Centre's editors for any event they see.
        "can_verify": can_edit or access.is_centre_editor(user),
        "source_form": SourceForm(),
        "attachment_form": AttachmentForm(),
        "verification_form": VerificationForm(initial={"verification": event.verification}),
    }


@login_required
def event_detail(request: HttpRequest, uid: UUID) -> TemplateResponse:
    user = access.reader(request.user)
    event = queries.event_page(user, uid)
    return TemplateResponse(request, "crisis/event_detail.html", _detail_context(user, event))


@login_required
def event_new(request: HttpRequest) -> HttpResponse:
    user = access.require_editor(request.user)
    form = EventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.create_event(acting_user=user, **form.record())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Event recorded."))
            return redirect("crisis:event", uid=event.uid)
    status = 400 if form.errors else 200
    return TemplateResponse(
        request, "crisis/event_form.html", {"form": form, "event": None}, status=status
    )


@login_required
def event_edit(request: HttpRequest, uid: UUID) -> HttpResponse:
    """Only the owner agency's editors correct an event (403 for the others who see it)."""
    user = access.reader(request.user)
    event = access.get_event(user, uid, write=True)
    form = EventForm(request.POST or None, initial=EventForm.initial_for(event))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_event(acting_user=user, event=event, **form.changes(event))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Event updated."))
            return redirect("crisis:event", uid=event.uid)
    status = 400 if form.errors else 200
    return TemplateResponse(
        request, "crisis/event_form.html", {"form": form, "event": event}, status=status
    )


@login_required
@require_POST
def event_source_add(request: HttpRequest, uid: UUID) -> HttpResponse:
    user = access.reader(request.user)
    event = access.get_event(user, uid, write=True)
    form = SourceForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.add_source(
                acting_user=user,
                event=event,
                kind=data["kind"],
                name=data["name"],
                url=data["url"],
                figures=form.figures(),
            )
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(request, _("Source added."))
            return redirect("crisis:event", uid=event.uid)
    for field, problems in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for problem in problems:
            messages.error(request, f"{label}: {problem}" if label else str(problem))
    return redirect("crisis:event", uid=event.uid)


@login_required
@require_POST
def event_attachment_add(request: HttpRequest, uid: UUID) -> HttpResponse:
    user = access.reader(request.user)
    event = access.get_event(user, uid, write=True)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file to attach."))
        return redirect("crisis:event", uid=event.uid)
    try:
        services.add_attachment(acting_user=user, event=event, upload=form.cleaned_data["file"])
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("File attached."))
    return redirect("crisis:event", uid=event.uid)


@login_required
def event_attachment(request: HttpRequest, uid: UUID, attachment_id: int) -> HttpResponse:
    """The stored file, always as a download: the browser never renders it."""
    event = access.get_event(access.reader(request.user), uid)
    attachment: EventAttachment = get_object_or_404(event.attachments, pk=attachment_id)
    response = HttpResponse(bytes(attachment.content), content_type=attachment.content_type)
    safe_name = attachment.filename.replace('"', "_").replace("\r", "").replace("\n", "")
    response["Content-Disposition"] = f'attachment; filename="{safe_name}"'
    return response


@login_required
@require_POST
def event_verify(request: HttpRequest, uid: UUID) -> HttpResponse:
    user = access.reader(request.user)
    event = access.get_event(user, uid)  # the Centre verifies events of other agencies too
    form = VerificationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a verification status."))
        return redirect("crisis:event", uid=event.uid)
    try:
        services.set_verification(
            acting_user=user,
            event=event,
            verification=form.cleaned_data["verification"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("Verification recorded."))
    return redirect("crisis:event", uid=event.uid)


urlpatterns: list[URLPattern] = [
    path("", home, name="home"),
    path("events/", event_list, name="events"),
    path("events/new/", event_new, name="event_new"),
    path("events/<uuid:uid>/", event_detail, name="event"),
    path("events/<uuid:uid>/edit/", event_edit, name="event_edit"),
    path("events/<uuid:uid>/sources/", event_source_add, name="event_source_add"),
    path("events/<uuid:uid>/attachments/", event_attachment_add, name="event_attachment_add"),
    path(
        "events/<uuid:uid>/attachments/<int:attachment_id>/",
        event_attachment,
        name="event_attachment",
    ),
    path("events/<uuid:uid>/verification/", event_verify, name="event_verify"),
]
