"""Request middleware for language fallback and the second factor."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp import user_has_device

# Paths a signed-in user may reach before presenting the second factor.
_OPEN_PREFIXES = ("/static/", "/i18n/", "/account/login/", "/account/logout/", "/account/2fa/")


class LanguageFallbackMiddleware:
    """A language cookie that names a language we do not offer means Russian (LocaleMiddleware
    would otherwise go on to the browser's Accept-Language). A browser asking only for languages
    we do not offer already gets LANGUAGE_CODE from LocaleMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.offered = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        name = settings.LANGUAGE_COOKIE_NAME
        value = request.COOKIES.get(name)
        if value is not None and value not in self.offered:
            request.COOKIES[name] = settings.LANGUAGE_CODE
        return self.get_response(request)


_DEVICE_KEY = "concord_has_otp_device"


def second_factor_needed(request: HttpRequest) -> bool:
    """A signed-in user must verify a TOTP code when their role requires it, or when they have
    set up a device of their own accord. Whether they have one is looked up once per session,
    not on every request (enrolling happens inside a session and verifies it at once)."""
    user = request.user
    if not getattr(user, "is_authenticated", False):
        return False
    if getattr(user, "is_verified", lambda: False)():
        return False
    if getattr(user, "role", None) in settings.CONCORD_SECOND_FACTOR_ROLES:
        return True
    cached = request.session.get(_DEVICE_KEY)
    if not cached or cached[0] != user.pk:
        cached = [user.pk, bool(user_has_device(user))]
        request.session[_DEVICE_KEY] = cached
    return bool(cached[1])


class SecondFactorMiddleware:
    """Hold a session-authenticated user at the second-factor step until they pass it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path
        if path.startswith(_OPEN_PREFIXES) or not second_factor_needed(request):
            return self.get_response(request)
        if path.startswith(("/api/", "/taxii2/")):
            if "HTTP_AUTHORIZATION" in request.META:
                return self.get_response(request)  # token auth: machines have no second factor
            return JsonResponse({"detail": _("second factor required"), "errors": []}, status=403)
        return redirect(f"{reverse('core:second_factor')}?next={path}")
