"""Pages of the situation reports: the list, the request form, a sitrep (its progress while it
is generated, polled every 2 s; the report once ready), its PDF, and sharing it.

Who sees which sitrep is decided by `access`; requesting and sharing by `sitreps`. The report's
body is stored HTML rendered by our own template when the sitrep was generated."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from concord.core import access as core_access
from concord.core.markings import Tlp
from concord.core.models import Agency, MemberState

from . import access, sitreps
from .models import Crisis, Region, Sitrep

POLL_SECONDS = 2
LANGUAGE_CHOICES = (("ru", "Русский"), ("en", "English"))


class SitrepForm(forms.Form):
    """A sitrep request. The dates are whole days in UTC, both included."""

    title = forms.CharField(label=gettext_lazy("Title"), max_length=300)
    date_from = forms.DateField(
        label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=gettext_lazy("To (included)"), widget=forms.DateInput(attrs={"type": "date"})
    )
    region = forms.ModelChoiceField(
        Region.objects.all(), required=False, label=gettext_lazy("Region of concern")
    )
    crisis = forms.ModelChoiceField(
        Crisis.objects.all(), required=False, label=gettext_lazy("Crisis")
    )
    summary = forms.CharField(
        label=gettext_lazy("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    language = forms.ChoiceField(
        label=gettext_lazy("Language of the report"), choices=LANGUAGE_CHOICES, initial="ru"
    )
    tlp = forms.ChoiceField(label=gettext_lazy("Marking"), choices=Tlp.choices, initial="AMBER")
    share_states = forms.ModelMultipleChoiceField(
        MemberState.objects.all(), required=False, label=gettext_lazy("Share with states")
    )
    share_agencies = forms.ModelMultipleChoiceField(
        Agency.objects.all(), required=False, label=gettext_lazy("Share with agencies")
    )

    def period(self) -> tuple[datetime, datetime]:
        data = self.cleaned_data
        start = datetime.combine(data["date_from"], time.min, tzinfo=UTC)
        end = datetime.combine(data["date_to"] + timedelta(days=1), time.min, tzinfo=UTC)
        return start, end


class ShareForm(forms.Form):
    states = forms.ModelMultipleChoiceField(
        MemberState.objects.all(), required=False, label=gettext_lazy("States")
    )
    agencies = forms.ModelMultipleChoiceField(
        Agency.objects.all(), required=False, label=gettext_lazy("Agencies")
    )


def _finished(sitrep: Sitrep) -> bool:
    return sitrep.state in (Sitrep.State.DONE, Sitrep.State.FAILED)


def _sitrep_context(request: HttpRequest, sitrep: Sitrep) -> dict[str, Any]:
    return {
        "sitrep": sitrep,
        "finished": _finished(sitrep),
        "poll_seconds": POLL_SECONDS,
        "can_share": core_access.can_edit(sitrep, request.user),
    }


@login_required
def sitrep_list(request: HttpRequest) -> TemplateResponse:
    user = access.reader(request.user)
    found = (
        access.sitreps_for(user)
        .select_related("owner_agency", "author", "region", "crisis")
        .defer("html", "pdf")
    )
    return TemplateResponse(
        request,
        "crisis/sitreps.html",
        {"sitreps": found[:200], "can_request": user.can_edit_records},
    )


@login_required
@require_http_methods(["GET", "POST"])
def sitrep_new(request: HttpRequest) -> HttpResponse:
    user = access.require_editor(request.user)
    form = SitrepForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        start, end = form.period()
        data = form.cleaned_data
        try:
            sitrep = sitreps.request_sitrep(
                acting_user=user,
                title=data["title"],
                period_start=start,
                period_end=end,
                region=data["region"],
                crisis=data["crisis"],
                summary=data["summary"],
                language=data["language"],
                tlp=data["tlp"],
                share_states=data["share_states"],
                share_agencies=data["share_agencies"],
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error("date_to" if field.startswith("period") else field, problems)
        else:
            return redirect("crisis:sitrep", uid=sitrep.uid)
    status = 400 if request.method == "POST" else 200
    return TemplateResponse(request, "crisis/sitrep_new.html", {"form": form}, status=status)


@login_required
def sitrep_detail(request: HttpRequest, uid: uuid.UUID) -> TemplateResponse:
    sitrep = access.get_sitrep(access.reader(request.user), uid)
    context = _sitrep_context(request, sitrep)
    return TemplateResponse(request, "crisis/sitrep.html", {**context, "share_form": ShareForm()})


@login_required
def sitrep_progress(request: HttpRequest, uid: uuid.UUID) -> TemplateResponse:
    """The progress partial, polled while the sitrep is generated; once it is ready, HTMX is
    told to reload the page, which then shows the report."""
    sitrep = access.get_sitrep(access.reader(request.user), uid)
    response = TemplateResponse(
        request, "crisis/sitrep.html#progress", _sitrep_context(request, sitrep)
    )
    if sitrep.state == Sitrep.State.DONE and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@login_required
def sitrep_pdf(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    sitrep = access.get_sitrep(access.reader(request.user), uid)
    if sitrep.state != Sitrep.State.DONE or sitrep.pdf is None:
        raise Http404(_("the report is not ready yet"))
    response = HttpResponse(bytes(sitrep.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{sitreps.pdf_filename(sitrep)}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def sitrep_share(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    user = access.reader(request.user)
    sitrep = access.get_sitrep(user, uid, write=True)
    form = ShareForm(request.POST)
    if form.is_valid():
        try:
            sitreps.share_sitrep(
                acting_user=user,
                sitrep=sitrep,
                states=form.cleaned_data["states"],
                agencies=form.cleaned_data["agencies"],
            )
        except ValidationError as refusal:
            form.add_error(None, refusal)
        else:
            messages.success(request, _("The sitrep's audience was extended."))
            return redirect("crisis:sitrep", uid=sitrep.uid)
    context = {**_sitrep_context(request, sitrep), "share_form": form}
    return TemplateResponse(request, "crisis/sitrep.html", context, status=400)


urlpatterns: list[URLPattern] = [
    path("sitreps/", sitrep_list, name="sitreps"),
    path("sitreps/new/", sitrep_new, name="sitrep_new"),
    path("sitreps/<uuid:uid>/", sitrep_detail, name="sitrep"),
    path("sitreps/<uuid:uid>/progress/", sitrep_progress, name="sitrep_progress"),
    path("sitreps/<uuid:uid>/pdf/", sitrep_pdf, name="sitrep_pdf"),
    path("sitreps/<uuid:uid>/share/", sitrep_share, name="sitrep_share"),
]
