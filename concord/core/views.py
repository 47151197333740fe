"""Core pages: home, reference data, account (API tokens) and the second factor."""

from __future__ import annotations

from base64 import b32encode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from . import queries, reference_cache, second_factor, services
from .forms import SecondFactorForm, TokenCreateForm
from .models import ApiToken, Chairmanship, MemberState, User


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - login_required guarantees a signed-in user
    return user


@login_required
def home(request: HttpRequest) -> TemplateResponse:
    return TemplateResponse(
        request,
        "core/home.html",
        {
            "states": queries.member_states(),
            "bodies": queries.bodies(),
            "chairmanship": queries.current_chairmanship(),
            "tiles": queries.module_tiles(),
            "notices": queries.notices_for(_user(request)),
            # The reference blocks are cached in the template under this version.
            "reference_version": reference_cache.version(),
        },
    )


@login_required
def state_list(request: HttpRequest) -> TemplateResponse:
    return TemplateResponse(request, "core/states.html", {"states": queries.member_states()})


@login_required
def state_detail(request: HttpRequest, code: str) -> TemplateResponse:
    state = get_object_or_404(MemberState.objects.select_related("country"), code=code.upper())
    return TemplateResponse(
        request,
        "core/state_detail.html",
        {
            "state": state,
            "agencies": queries.agencies(state_code=state.code),
            "chairmanships": state.chairmanships.order_by("-year"),
        },
    )


@login_required
def body_list(request: HttpRequest) -> TemplateResponse:
    return TemplateResponse(request, "core/bodies.html", {"bodies": queries.bodies()})


@login_required
def agency_list(request: HttpRequest) -> TemplateResponse:
    return TemplateResponse(request, "core/agencies.html", {"agencies": queries.agencies()})


@login_required
def chairmanship_list(request: HttpRequest) -> TemplateResponse:
    chairmanships = Chairmanship.objects.select_related("state").prefetch_related("priorities")
    return TemplateResponse(request, "core/chairmanships.html", {"chairmanships": chairmanships})


def _account_page(
    request: HttpRequest, user: User, issued: services.IssuedToken | None = None
) -> TemplateResponse:
    """The account page, or only its token list for an HTMX request."""
    template = "core/account.html#tokens" if request.htmx else "core/account.html"  # type: ignore[attr-defined]
    return TemplateResponse(
        request,
        template,
        {
            "tokens": ApiToken.objects.filter(user=user),
            "form": TokenCreateForm(),
            "issued": issued,
            "has_device": second_factor.confirmed_device(user) is not None,
        },
    )


@login_required
def account(request: HttpRequest) -> TemplateResponse:
    return _account_page(request, _user(request))


@login_required
@require_POST
def token_create(request: HttpRequest) -> TemplateResponse:
    user = _user(request)
    form = TokenCreateForm(request.POST)
    issued = None
    if form.is_valid():
        issued = services.api_token_create(
            acting_user=user, user=user, label=form.cleaned_data["label"]
        )
    return _account_page(request, user, issued)


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    user = _user(request)
    token = get_object_or_404(ApiToken, pk=token_id, user=user)
    services.api_token_revoke(acting_user=user, token=token)
    if request.htmx:  # type: ignore[attr-defined]
        return _account_page(request, user)
    return redirect("core:account")


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return "/"


@login_required
@require_http_methods(["GET", "POST"])
def second_factor_view(request: HttpRequest) -> HttpResponse:
    """Enrol a TOTP device (first time) or present a code (every sign-in after that)."""
    user = _user(request)
    confirmed = second_factor.confirmed_device(user)
    enrolling = confirmed is None
    device = second_factor.pending_device(user) if confirmed is None else confirmed
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            if enrolling:
                second_factor.confirm(acting_user=user, device=device)
            otp_login(request, device)
            return redirect(_safe_next(request))
        form.add_error("token", _("That code is not valid. Check the clock of your device."))
    context = {"form": form, "enrolling": enrolling, "next": _safe_next(request)}
    if enrolling:
        context["qr_svg"] = second_factor.qr_svg(device)
        context["secret"] = b32encode(device.bin_key).decode("ascii")
    return TemplateResponse(request, "core/second_factor.html", context)
