"""The review queue (one candidate pair at a time, judged with s / d / u) and the alias store."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from . import access, queries, services
from .forms import AliasGroupForm, AliasNameForm, JudgeForm
from .models import AliasGroup, AliasName, Candidate, Judgement, Verdict

FEATURE_LABELS = {
    "alias_group": gettext_lazy("Both names are in the alias group"),
    "same_key": gettext_lazy("Same name after normalisation"),
    "weak_alias": gettext_lazy("Weak alias matched exactly"),
    "logic_v2": gettext_lazy("Name similarity (logic-v2)"),
    "logic_v2_detail": gettext_lazy("Similarity detail"),
    "different_alias_groups": gettext_lazy("Names belong to different alias groups"),
    "qualifier_mismatch": gettext_lazy("Different places or qualifiers in the names"),
    "query": gettext_lazy("Name compared"),
    "matched": gettext_lazy("Matched against"),
}
SHORTCUTS = (
    (Verdict.POSITIVE, "s", gettext_lazy("Same")),
    (Verdict.NEGATIVE, "d", gettext_lazy("Different")),
    (Verdict.UNSURE, "u", gettext_lazy("Unsure")),
)


def explanation(features: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """(key, label, value) for each feature of a score, known ones first."""
    known = [(k, str(label), features[k]) for k, label in FEATURE_LABELS.items() if k in features]
    rest = [(k, k, v) for k, v in sorted(features.items()) if k not in FEATURE_LABELS]
    return known + rest


def _panel_context(request: HttpRequest, error: str = "") -> dict[str, Any]:
    queue = queries.review_queue(limit=1)
    pair = queue[0] if queue else None
    return {
        "pair": pair,
        "features": explanation(pair.candidate.features) if pair else [],
        "queue_size": queries.queue_size(),
        "recent": queries.recent_judgements(limit=10),
        "can_review": access.can_review(request.user),
        "shortcuts": SHORTCUTS,
        "error": error,
    }


@login_required
def review(request: HttpRequest) -> TemplateResponse:
    access.reader(request.user)
    template = "designations/review.html#panel" if request.htmx else "designations/review.html"  # type: ignore[attr-defined]
    return TemplateResponse(request, template, _panel_context(request))


def _after_judging(request: HttpRequest, error: str = "") -> HttpResponse:
    """The next pair as an HTMX partial, or back to the queue page."""
    if request.htmx:  # type: ignore[attr-defined]
        return TemplateResponse(
            request, "designations/review.html#panel", _panel_context(request, error)
        )
    if error:
        messages.error(request, error)
    return redirect("designations:review")


@login_required
@require_POST
def judge(request: HttpRequest) -> HttpResponse:
    user = access.require_reviewer(request.user)
    form = JudgeForm(request.POST)
    if not form.is_valid():
        return _after_judging(request, _("The judgement was not understood; try again."))
    left, right = sorted((form.cleaned_data["left_uid"], form.cleaned_data["right_uid"]))
    score = (
        Candidate.objects.filter(left_uid=left, right_uid=right)
        .values_list("score", flat=True)
        .first()
    )
    try:
        services.judge(
            acting_user=user,
            left_uid=left,
            right_uid=right,
            verdict=form.cleaned_data["verdict"],
            score=score,
        )
    except ValidationError as error:
        return _after_judging(request, " ".join(error.messages))
    return _after_judging(request)


@login_required
@require_POST
def undo(request: HttpRequest, judgement_id: int) -> HttpResponse:
    user = access.require_reviewer(request.user)
    judgement = get_object_or_404(Judgement, pk=judgement_id)
    try:
        services.undo_judgement(acting_user=user, judgement=judgement)
    except ValidationError as error:
        return _after_judging(request, " ".join(error.messages))
    return _after_judging(request)


@login_required
@require_POST
def harmonise(request: HttpRequest) -> HttpResponse:
    report = services.harmonise(acting_user=access.require_reviewer(request.user))
    messages.success(
        request,
        _(
            "Harmonisation done: %(entries)s entries, %(auto)s pairs merged automatically, "
            "%(queued)s pairs to review."
        )
        % {"entries": report.entries, "auto": report.auto_merged, "queued": report.queued},
    )
    return redirect("designations:review")


# --- alias store -------------------------------------------------------------------------------


@login_required
def aliases(request: HttpRequest) -> TemplateResponse:
    access.reader(request.user)
    return TemplateResponse(
        request,
        "designations/aliases.html",
        {
            "groups": queries.alias_groups(),
            "can_review": access.can_review(request.user),
            "group_form": AliasGroupForm(),
            "name_form": AliasNameForm(auto_id=False),
        },
    )


def _form_errors(form: AliasGroupForm | AliasNameForm) -> str:
    return "; ".join(
        f"{form[name].label}: {' '.join(map(str, errors))}" for name, errors in form.errors.items()
    )


@login_required
@require_POST
def alias_group_create(request: HttpRequest) -> HttpResponse:
    user = access.require_reviewer(request.user)
    form = AliasGroupForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("designations:aliases")
    try:
        group = services.alias_group_create(acting_user=user, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("designations:aliases")
    messages.success(request, _("Alias group %(key)s created.") % {"key": group.key})
    return redirect(f"{_aliases_url()}#group-{group.key}")


@login_required
@require_POST
def alias_name_add(request: HttpRequest, group_id: int) -> HttpResponse:
    user = access.require_reviewer(request.user)
    group = get_object_or_404(AliasGroup, pk=group_id)
    form = AliasNameForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
    else:
        try:
            services.alias_name_add(acting_user=user, group=group, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Name added to %(group)s.") % {"group": group.label})
    return redirect(f"{_aliases_url()}#group-{group.key}")


@login_required
@require_POST
def alias_name_remove(request: HttpRequest, name_id: int) -> HttpResponse:
    user = access.require_reviewer(request.user)
    name = get_object_or_404(AliasName.objects.select_related("group"), pk=name_id)
    key = name.group.key
    services.alias_name_remove(acting_user=user, name=name)
    messages.success(request, _("Name removed."))
    return redirect(f"{_aliases_url()}#group-{key}")


def _aliases_url() -> str:
    return reverse("designations:aliases")
