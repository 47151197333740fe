"""Harmonisation rounds: the list, the tracking board, the states' answers."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import access, queries, services
from .forms import AnswerForm, RoundOpenForm
from .models import Answer, Round, RoundItem


@login_required
def round_index(request: HttpRequest) -> TemplateResponse:
    access.reader(request.user)
    rounds = Round.objects.annotate(item_count=Count("items")).order_by("-number")
    return TemplateResponse(
        request,
        "designations/rounds.html",
        {
            "rounds": rounds,
            "can_open": access.is_secretariat(request.user),
            "form": RoundOpenForm(),
        },
    )


@login_required
@require_POST
def round_open(request: HttpRequest) -> HttpResponse:
    user = access.require_secretariat(request.user)
    form = RoundOpenForm(request.POST)
    title = form.cleaned_data["title"] if form.is_valid() else ""
    try:
        opened = services.round_open(acting_user=user, title=title)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("designations:rounds")
    messages.success(request, _("Round %(number)s opened.") % {"number": opened.number})
    return redirect("designations:round", number=opened.number)


def _answerable(request: HttpRequest, item: RoundItem) -> bool:
    try:
        access.answerable_state(request.user, item)
    except PermissionDenied:
        return False
    return True


def _board(request: HttpRequest, harmonisation_round: Round) -> dict[str, Any]:
    rows = []
    progress: Counter[str] = Counter()
    for item in queries.round_items(harmonisation_round.pk):
        answers = {answer.state.code: answer for answer in item.answers.all()}
        cells = [{"code": code, "answer": answers.get(code)} for code in item.missing]
        for cell in cells:
            progress[cell["answer"].answer if cell["answer"] else "pending"] += 1
        can_answer = harmonisation_round.is_open and _answerable(request, item)
        rows.append({"item": item, "cells": cells, "can_answer": can_answer})
    total = sum(progress.values())
    return {
        "rows": rows,
        "progress": {
            "total": total,
            "answered": total - progress["pending"],
            "pending": progress["pending"],
            "agree": progress[Answer.AGREE],
            "object": progress[Answer.OBJECT],
            "procedure": progress[Answer.PROCEDURE],
            "percent": int(100 * (total - progress["pending"]) / total) if total else 0,
        },
    }


@login_required
def round_detail(request: HttpRequest, number: int) -> TemplateResponse:
    access.reader(request.user)
    harmonisation_round = get_object_or_404(Round, number=number)
    return TemplateResponse(
        request,
        "designations/round_detail.html",
        {
            "round": harmonisation_round,
            "can_close": harmonisation_round.is_open and access.is_secretariat(request.user),
            "answer_form": AnswerForm(auto_id=False),
            "own_state": access.user_state(request.user),
            **_board(request, harmonisation_round),
        },
    )


@login_required
@require_POST
def round_answer(request: HttpRequest, item_id: int) -> HttpResponse:
    item = get_object_or_404(RoundItem.objects.select_related("round"), pk=item_id)
    access.answerable_state(request.user, item)
    user = access.reader(request.user)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an answer."))
    else:
        try:
            services.round_answer(
                acting_user=user,
                item=item,
                answer=form.cleaned_data["answer"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Answer recorded for %(name)s.") % {"name": item.name})
    return redirect("designations:round", number=item.round.number)


@login_required
@require_POST
def round_close(request: HttpRequest, number: int) -> HttpResponse:
    user = access.require_secretariat(request.user)
    harmonisation_round = get_object_or_404(Round, number=number)
    try:
        services.round_close(acting_user=user, harmonisation_round=harmonisation_round)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Round %(number)s closed.") % {"number": number})
    return redirect("designations:round", number=number)
