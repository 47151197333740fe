"""Pages of the alerts: the Centre's alert rules and their dispatch log, each user's in-app
notifications, and the Centre's own CAP alerts (list, drafting, approval by a second person,
publication) with the CAP feed that serves them as XML.

Who may do what is decided in `access.py` and `services_alerts`; these views parse, call,
render. The feed and the CAP documents need no sign-in: an anonymous reader gets the alerts
marked TLP:CLEAR only.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from concord.core.markings import Tlp
from concord.core.models import Agency, Role

from . import access, alerting, cap_write, services_alerts
from .models import (
    AlertRule,
    CapScope,
    Certainty,
    Channel,
    Dispatch,
    EventType,
    IssuedAlert,
    Origin,
    Region,
    Urgency,
)

PAGE_SIZE = 100
SEVERITIES = [(n, str(n)) for n in range(1, 6)]


# --- forms (they bound and parse the input; the services decide the rest) ----------------------


class RuleForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    event_types = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Event types (subtypes included; none: every type)"),
        queryset=EventType.objects.order_by("code"),
        to_field_name="code",
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 12}),
    )
    min_severity = forms.TypedChoiceField(
        label=gettext_lazy("Minimum severity"), choices=SEVERITIES, coerce=int, initial=1
    )
    region = forms.ModelChoiceField(
        label=gettext_lazy("Region of concern"),
        queryset=Region.objects.order_by("slug"),
        to_field_name="slug",
        required=False,
    )
    origin = forms.ChoiceField(
        label=gettext_lazy("Source"),
        choices=[("", gettext_lazy("any source")), *Origin.choices],
        required=False,
    )
    keyword = forms.CharField(label=gettext_lazy("Keyword"), max_length=200, required=False)
    roles = forms.MultipleChoiceField(
        label=gettext_lazy("Notify these roles"),
        choices=Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    agencies = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Notify every user of these agencies"),
        queryset=Agency.objects.order_by("code"),
        to_field_name="code",
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    notify_in_app = forms.BooleanField(
        label=gettext_lazy("In the application"), required=False, initial=True
    )
    notify_email = forms.BooleanField(label=gettext_lazy("By e-mail"), required=False)
    include_exercises = forms.BooleanField(label=gettext_lazy("Include exercises"), required=False)

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "event_type_codes": [t.code for t in data["event_types"]],
            "min_severity": data["min_severity"],
            "region": data["region"],
            "origin": data["origin"] or "",
            "keyword": data["keyword"],
            "roles": data["roles"],
            "agency_codes": [a.code for a in data["agencies"]],
            "notify_in_app": data["notify_in_app"],
            "notify_email": data["notify_email"],
            "include_exercises": data["include_exercises"],
        }

    @staticmethod
    def initial_for(rule: AlertRule) -> dict[str, Any]:
        return {
            "name": rule.name,
            "event_types": list(rule.event_types.all()),
            "min_severity": rule.min_severity,
            "region": rule.region,
            "origin": rule.origin,
            "keyword": rule.keyword,
            "roles": list(rule.roles),
            "agencies": list(rule.agencies.all()),
            "notify_in_app": rule.notify_in_app,
            "notify_email": rule.notify_email,
            "include_exercises": rule.include_exercises,
        }


def _choices(values: tuple[str, ...] | list[str]) -> list[tuple[str, str]]:
    return [(value, value) for value in values]


class IssuedAlertForm(forms.Form):
    headline = forms.CharField(label=gettext_lazy("Headline"), max_length=300)
    event_text = forms.CharField(
        label=gettext_lazy("Event (what kind, in a few words)"), max_length=200
    )
    category = forms.ChoiceField(
        label=gettext_lazy("CAP category"),
        choices=_choices(services_alerts.CAP_CATEGORIES),
        initial="Security",
    )
    urgency = forms.ChoiceField(label=gettext_lazy("Urgency"), choices=Urgency.choices)
    severity = forms.ChoiceField(
        label=gettext_lazy("CAP severity"), choices=_choices(services_alerts.CAP_SEVERITIES)
    )
    certainty = forms.ChoiceField(label=gettext_lazy("Certainty"), choices=Certainty.choices)
    area_desc = forms.CharField(label=gettext_lazy("Area description"), max_length=300)
    area = forms.CharField(
        label=gettext_lazy("Area as GeoJSON (Polygon or MultiPolygon; optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    description = forms.CharField(
        label=gettext_lazy("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    instruction = forms.CharField(
        label=gettext_lazy("Instruction"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    scope = forms.ChoiceField(
        label=gettext_lazy("Scope"), choices=CapScope.choices, initial=CapScope.RESTRICTED
    )
    restriction = forms.CharField(
        label=gettext_lazy("Restriction (for a Restricted alert)"),
        max_length=300,
        required=False,
        initial=services_alerts.DEFAULT_RESTRICTION,
    )
    addresses = forms.CharField(
        label=gettext_lazy("Addresses (for a Private alert)"), max_length=500, required=False
    )
    language = forms.CharField(label=gettext_lazy("Language"), max_length=10, initial="ru-RU")
    tlp = forms.ChoiceField(label=gettext_lazy("Marking"), choices=Tlp.choices, initial=Tlp.AMBER)

    def clean_area(self) -> dict[str, Any] | None:
        text = self.cleaned_data["area"].strip()
        if not text:
            return None
        try:
            value = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValidationError(_("the area is not JSON: %(error)s") % {"error": error}) from None
        if not isinstance(value, dict):
            raise ValidationError(_("the area must be a GeoJSON geometry object"))
        return value

    @staticmethod
    def initial_for(alert: IssuedAlert) -> dict[str, Any]:
        names = [name for name in services_alerts.UPDATE_FIELDS if name != "area"]
        initial = {name: getattr(alert, name) for name in names}
        initial["area"] = json.dumps(alert.area) if alert.area else ""
        return initial


# --- alert rules and the dispatch log (the Centre) ---------------------------------------------


@login_required
def alert_rules(request: HttpRequest) -> TemplateResponse:
    access.require_centre(request.user)
    rules = (
        AlertRule.objects.select_related("region")
        .prefetch_related("event_types", "agencies")
        .annotate(dispatch_count=Count("dispatches"))
    )
    return TemplateResponse(
        request,
        "crisis/alert_rules.html",
        {"rules": rules, "can_edit": access.is_centre_editor(request.user)},
    )


@login_required
def alert_rule_new(request: HttpRequest) -> HttpResponse:
    user = access.require_centre_editor(request.user)
    form = RuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            rule = services_alerts.create_rule(acting_user=user, **form.service_arguments())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Alert rule “%(name)s” created.") % {"name": rule.name})
            return redirect("crisis:alert_rules")
    return TemplateResponse(request, "crisis/alert_rule_form.html", {"form": form, "rule": None})


@login_required
def alert_rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.require_centre_editor(request.user)
    rule = get_object_or_404(AlertRule, pk=pk)
    form = RuleForm(request.POST or None, initial=RuleForm.initial_for(rule))
    if request.method == "POST" and form.is_valid():
        try:
            rule = services_alerts.update_rule(
                acting_user=user, rule=rule, **form.service_arguments()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Alert rule “%(name)s” saved.") % {"name": rule.name})
            return redirect("crisis:alert_rules")
    return TemplateResponse(request, "crisis/alert_rule_form.html", {"form": form, "rule": rule})


@login_required
@require_POST
def alert_rule_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.require_centre_editor(request.user)
    rule = get_object_or_404(AlertRule, pk=pk)
    services_alerts.deactivate_rule(acting_user=user, rule=rule)
    messages.success(request, _("Alert rule “%(name)s” stopped.") % {"name": rule.name})
    return redirect("crisis:alert_rules")


@login_required
def dispatch_log(request: HttpRequest) -> TemplateResponse:
    access.require_centre(request.user)
    log = access.dispatch_log_for(request.user)
    rule = request.GET.get("rule", "").strip()
    if rule.isdigit():
        log = log.filter(rule_id=int(rule))
    channel = request.GET.get("channel", "")
    if channel in Channel.values:
        log = log.filter(channel=channel)
    status = request.GET.get("status", "")
    if status in Dispatch.Status.values:
        log = log.filter(status=status)
    recipient = request.GET.get("recipient", "").strip()
    if recipient:
        log = log.filter(recipient__username__icontains=recipient)
    page = Paginator(log.order_by("-sent_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return TemplateResponse(
        request,
        "crisis/alert_log.html",
        {
            "page": page,
            "rules": AlertRule.objects.order_by("name"),
            "channels": Channel.choices,
            "statuses": Dispatch.Status.choices,
            "selected": {
                "rule": rule,
                "channel": channel,
                "status": status,
                "recipient": recipient,
            },
            "query": query.urlencode(),
        },
    )


# --- the user's own notifications --------------------------------------------------------------


@login_required
def inbox(request: HttpRequest) -> TemplateResponse:
    access.reader(request.user)
    notifications = access.inbox_for(request.user).order_by("-sent_at", "-id")
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    for dispatch in page:
        dispatch.url = alerting.event_url(dispatch.event)  # type: ignore[attr-defined]
    return TemplateResponse(
        request,
        "crisis/inbox.html",
        {
            "page": page,
            "unread": notifications.filter(read_at__isnull=True).count(),
            "is_centre": access.is_centre(request.user),
        },
    )


@login_required
@require_POST
def inbox_read(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.reader(request.user)
    dispatch = access.inbox_for(user).filter(pk=pk).first()
    if dispatch is None:
        raise Http404(_("no such notification"))
    services_alerts.mark_read(acting_user=user, dispatch=dispatch)
    return redirect("crisis:inbox")


# --- the Centre's CAP alerts -------------------------------------------------------------------


@login_required
def issued_alerts(request: HttpRequest) -> TemplateResponse:
    access.reader(request.user)
    alerts = services_alerts.visible_issued_alerts(request.user)
    page = Paginator(alerts, PAGE_SIZE).get_page(request.GET.get("page"))
    return TemplateResponse(
        request,
        "crisis/alerts_issued.html",
        {
            "page": page,
            "can_draft": access.is_centre_editor(request.user),
            "is_centre": access.is_centre(request.user),
        },
    )


@login_required
def issued_alert_new(request: HttpRequest) -> HttpResponse:
    """A new draft; with `?references=<id>&msg_type=Update|Cancel`, a follow-up of a published
    alert, prefilled with its values."""
    user = access.require_centre_editor(request.user)
    earlier, msg_type = _follow_up_of(request)
    initial = IssuedAlertForm.initial_for(earlier) if earlier else {}
    form = IssuedAlertForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if earlier is not None:
                alert = services_alerts.update_or_cancel(
                    acting_user=user, alert=earlier, msg_type=msg_type, **form.cleaned_data
                )
            else:
                alert = services_alerts.draft_alert(acting_user=user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("Draft %(identifier)s saved.") % {"identifier": alert.identifier}
            )
            return redirect("crisis:issued_alert", pk=alert.pk)
    return TemplateResponse(
        request,
        "crisis/alert_issue_form.html",
        {"form": form, "earlier": earlier, "msg_type": msg_type, "is_centre": True},
    )


def _follow_up_of(request: HttpRequest) -> tuple[IssuedAlert | None, str]:
    reference = request.GET.get("references", "").strip()
    if not reference.isdigit():
        return None, "Alert"
    msg_type = request.GET.get("msg_type", "Update")
    if msg_type not in ("Update", "Cancel"):
        msg_type = "Update"
    return services_alerts.get_issued_alert(request.user, int(reference)), msg_type


@login_required
def issued_alert(request: HttpRequest, pk: int) -> TemplateResponse:
    alert = services_alerts.get_issued_alert(request.user, pk)
    editor = access.is_centre_editor(request.user)
    state = IssuedAlert.State
    return TemplateResponse(
        request,
        "crisis/alert_issued.html",
        {
            "alert": alert,
            "is_centre": access.is_centre(request.user),
            "drafted_by_me": alert.author_id == request.user.pk,
            "can_approve": alert.state == state.DRAFT and access.can_approve(request.user, alert),
            "can_publish": alert.state == state.APPROVED and editor,
            "can_follow_up": alert.state == state.PUBLISHED and editor,
            "preview": cap_write.render(alert) if alert.state != state.PUBLISHED else "",
        },
    )


@login_required
@require_POST
def issued_alert_approve(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.reader(request.user)
    alert = services_alerts.get_issued_alert(user, pk)
    try:
        services_alerts.approve_alert(acting_user=user, alert=alert)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Alert approved."))
    return redirect("crisis:issued_alert", pk=pk)


@login_required
@require_POST
def issued_alert_publish(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.reader(request.user)
    alert = services_alerts.get_issued_alert(user, pk)
    try:
        services_alerts.publish_alert(acting_user=user, alert=alert)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Alert published on the CAP feed."))
    return redirect("crisis:issued_alert", pk=pk)


# --- the CAP feed (no sign-in needed: anonymous readers get TLP:CLEAR alerts only) -------------


def cap_feed(request: HttpRequest) -> HttpResponse:
    alerts = services_alerts.published_alerts(request.user)
    return HttpResponse(
        cap_write.feed(alerts), content_type=f"{cap_write.ATOM_MEDIA_TYPE}; charset=utf-8"
    )


def cap_alert(request: HttpRequest, identifier: str) -> HttpResponse:
    alerts = services_alerts.published_alerts(request.user)
    alert = alerts.filter(identifier=identifier).first()
    if alert is None:
        raise Http404(_("no such alert"))
    return HttpResponse(alert.xml, content_type=f"{cap_write.CAP_MEDIA_TYPE}; charset=utf-8")


urlpatterns: list[URLPattern] = [
    path("alerts/rules/", alert_rules, name="alert_rules"),
    path("alerts/rules/new/", alert_rule_new, name="alert_rule_new"),
    path("alerts/rules/<int:pk>/edit/", alert_rule_edit, name="alert_rule_edit"),
    path("alerts/rules/<int:pk>/deactivate/", alert_rule_deactivate, name="alert_rule_deactivate"),
    path("alerts/log/", dispatch_log, name="dispatch_log"),
    path("alerts/inbox/", inbox, name="inbox"),
    path("alerts/inbox/<int:pk>/read/", inbox_read, name="inbox_read"),
    path("alerts/issued/", issued_alerts, name="issued_alerts"),
    path("alerts/issued/new/", issued_alert_new, name="issued_alert_new"),
    path("alerts/issued/<int:pk>/", issued_alert, name="issued_alert"),
    path("alerts/issued/<int:pk>/approve/", issued_alert_approve, name="issued_alert_approve"),
    path("alerts/issued/<int:pk>/publish/", issued_alert_publish, name="issued_alert_publish"),
    path("alerts/cap/feed.xml", cap_feed, name="cap_feed"),
    path("alerts/cap/<str:identifier>.xml", cap_alert, name="cap_alert"),
]
