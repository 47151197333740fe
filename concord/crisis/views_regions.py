"""Pages of the regions of concern: the list with each region's figures, a region's monitoring
page (events per week and per province, fatalities trend, top actors, a map; SVG charts inline;
a period filter), and the Centre editors' form to define or change a region (a polygon drawn on
an offline Leaflet map, a buffer along a border, or admin areas by P-code).

Who may do what is decided in `access.py` and `services_regions`; the figures come from
`queries_regions` over the events the reader may see.
"""

from __future__ import annotations

import json
from datetime import UTC, date, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from concord.core.models import User

from . import access, charts, queries_regions, services_regions
from .models import Region

DEFAULT_WEEKS = 26
MAP_EVENTS = 2000  # the latest events drawn on the region's map
TOP_ACTORS = 10


def _user(request: HttpRequest) -> User:
    return access.reader(request.user)


def _region(slug: str) -> Region:
    return get_object_or_404(Region, slug=slug)


# The list and the monitoring page ------------------------------------------------------------


@login_required
def region_list(request: HttpRequest) -> TemplateResponse:
    user = _user(request)
    rows = [
        (region, queries_regions.region_summary(user, region))
        for region in queries_regions.regions_for(user)
    ]
    return TemplateResponse(
        request,
        "crisis/regions.html",
        {"rows": rows, "can_edit": access.is_centre_editor(user)},
    )


class PeriodForm(forms.Form):
    """The monitoring period: whole days in UTC, both included."""

    date_from = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=gettext_lazy("To (included)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    exercises = forms.BooleanField(label=gettext_lazy("Include exercises"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise ValidationError(_("the period ends before it starts"))
        return data


def _period(form: PeriodForm, latest: date | None) -> tuple[date, date, bool]:
    """The period asked, else the DEFAULT_WEEKS up to the region's latest event the user may
    see (today when there is none), so that a region's past is not an empty page."""
    today = timezone.now().astimezone(UTC).date()
    data = form.cleaned_data if form.is_valid() else {}
    end = data.get("date_to") or min(latest or today, today)
    start = data.get("date_from") or end - timedelta(weeks=DEFAULT_WEEKS)
    return start, end, bool(data.get("exercises"))


@login_required
def region_detail(request: HttpRequest, slug: str) -> TemplateResponse:
    user = _user(request)
    region = _region(slug)
    form = PeriodForm(request.GET or None)
    latest = queries_regions.region_summary(user, region)["last_event"]
    start, end, exercises = _period(form, latest.astimezone(UTC).date() if latest else None)
    events = queries_regions.period_events(
        user, region, since=start, until=end, exercises=exercises
    )
    weeks = queries_regions.weekly(events)
    provinces = queries_regions.by_province(events)
    actors = queries_regions.top_actors(events, limit=TOP_ACTORS)
    period = {"start": start, "end": end}
    context: dict[str, Any] = {
        "region": region,
        "form": form,
        "period": period,
        "total": sum(row.events for row in weeks),
        "dead": sum(row.dead for row in weeks),
        "weeks": weeks,
        "provinces": provinces,
        "actors": actors,
        "can_edit": access.is_centre_editor(user),
        "charts": [],
    }
    if weeks:
        context["charts"] = [
            charts.weekly_chart(weeks, title=_("Events per week")),
            charts.fatalities_chart(weeks, title=_("Dead per week")),
            charts.province_chart(provinces[:20], title=_("Events per province")),
        ]
    located = list(
        events.filter(latitude__isnull=False)
        .order_by("-starts_at")
        .only("latitude", "longitude", "severity")[:MAP_EVENTS]
    )
    context["map"] = charts.map_svg(
        events=located,
        region=region,
        bbox=None,
        title=_("%(region)s: events from %(start)s to %(end)s")
        % {
            "region": region.name,
            "start": start.strftime("%d.%m.%Y"),
            "end": end.strftime("%d.%m.%Y"),
        },
    )
    return TemplateResponse(request, "crisis/region.html", context)


# Defining a region -----------------------------------------------------------------------------


class RegionForm(forms.Form):
    """A region of concern. Which fields count depends on the kind: the drawing (GeoJSON, filled
    by the map's draw control), the border buffer's countries and width, or the P-codes."""

    slug = forms.SlugField(label=gettext_lazy("Short name (slug)"), max_length=60)
    name_ru = forms.CharField(label=gettext_lazy("Name (Russian)"), max_length=300, required=False)
    name_en = forms.CharField(label=gettext_lazy("Name (English)"), max_length=300, required=False)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=Region.Kind.choices)
    geometry = forms.CharField(
        label=gettext_lazy("Drawn polygon (GeoJSON)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    country = forms.CharField(
        label=gettext_lazy("Country (ISO alpha-3)"), max_length=3, required=False
    )
    neighbours = forms.CharField(
        label=gettext_lazy("Neighbours (ISO alpha-3, comma-separated)"),
        max_length=200,
        required=False,
    )
    km = forms.FloatField(
        label=gettext_lazy("Buffer width, km"),
        required=False,
        min_value=services_regions.MIN_BUFFER_KM,
        max_value=services_regions.MAX_BUFFER_KM,
    )
    pcodes = forms.CharField(
        label=gettext_lazy("Admin areas (P-codes, comma-separated)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    description_ru = forms.CharField(
        label=gettext_lazy("Description (Russian)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    description_en = forms.CharField(
        label=gettext_lazy("Description (English)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def shape(self) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """(definition, geometry) for the service; ValidationError for unreadable GeoJSON."""
        data = self.cleaned_data
        kind = data["kind"]
        if kind == Region.Kind.POLYGON:
            try:
                geometry = json.loads(data["geometry"] or "null")
            except json.JSONDecodeError as error:
                raise ValidationError(
                    _("the drawn polygon is not valid JSON: %(error)s") % {"error": error.msg}
                ) from None
            return {}, geometry
        if kind == Region.Kind.BORDER_BUFFER:
            definition = {
                "country": data["country"],
                "neighbours": data["neighbours"],
                "km": data["km"],
            }
            return definition, None
        return {"pcodes": data["pcodes"]}, None

    @classmethod
    def initial_for(cls, region: Region) -> dict[str, Any]:
        definition = region.definition or {}
        return {
            "slug": region.slug,
            "name_ru": region.name_ru,
            "name_en": region.name_en,
            "kind": region.kind,
            "geometry": json.dumps(region.geometry) if region.kind == Region.Kind.POLYGON else "",
            "country": definition.get("country", ""),
            "neighbours": ", ".join(definition.get("neighbours", [])),
            "km": definition.get("km"),
            "pcodes": ", ".join(definition.get("pcodes", [])),
            "description_ru": region.description_ru,
            "description_en": region.description_en,
        }


def _form_page(request: HttpRequest, form: RegionForm, region: Region | None) -> TemplateResponse:
    try:
        basemap = reverse("crisis:basemap", args=["countries"])
    except NoReverseMatch:
        basemap = ""
    return TemplateResponse(
        request,
        "crisis/region_form.html",
        {"form": form, "region": region, "basemap_url": basemap},
    )


@login_required
@require_http_methods(["GET", "POST"])
def region_new(request: HttpRequest) -> HttpResponse:
    user = access.require_centre_editor(request.user)
    form = RegionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            definition, geometry = form.shape()
            region = services_regions.create_region(
                acting_user=user,
                slug=form.cleaned_data["slug"],
                name_ru=form.cleaned_data["name_ru"],
                name_en=form.cleaned_data["name_en"],
                kind=form.cleaned_data["kind"],
                definition=definition,
                geometry=geometry,
                description_ru=form.cleaned_data["description_ru"],
                description_en=form.cleaned_data["description_en"],
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Region of concern defined."))
            return redirect("crisis:region", slug=region.slug)
    return _form_page(request, form, None)


@login_required
@require_http_methods(["GET", "POST"])
def region_edit(request: HttpRequest, slug: str) -> HttpResponse:
    user = access.require_centre_editor(request.user)
    region = _region(slug)
    form = RegionForm(request.POST or None, initial=RegionForm.initial_for(region))
    form.fields["slug"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            definition, geometry = form.shape()
            services_regions.update_region(
                acting_user=user,
                region=region,
                name_ru=form.cleaned_data["name_ru"],
                name_en=form.cleaned_data["name_en"],
                kind=form.cleaned_data["kind"],
                definition=definition,
                geometry=geometry,
                description_ru=form.cleaned_data["description_ru"],
                description_en=form.cleaned_data["description_en"],
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Region of concern saved."))
            return redirect("crisis:region", slug=region.slug)
    return _form_page(request, form, region)


@login_required
@require_POST
def region_delete(request: HttpRequest, slug: str) -> HttpResponse:
    user = access.require_centre_editor(request.user)
    region = _region(slug)
    try:
        services_regions.delete_region(acting_user=user, region=region)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("crisis:region_edit", slug=slug)
    messages.success(request, _("Region of concern deleted."))
    return redirect("crisis:regions")


urlpatterns: list[URLPattern] = [
    path("regions/", region_list, name="regions"),
    path("regions/new/", region_new, name="region_new"),
    path("regions/<slug:slug>/", region_detail, name="region"),
    path("regions/<slug:slug>/edit/", region_edit, name="region_edit"),
    path("regions/<slug:slug>/delete/", region_delete, name="region_delete"),
]
