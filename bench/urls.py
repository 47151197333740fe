"""The real URLconf plus `/bench/bare`, the baseline every HTTP benchmark is compared with."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import include, path

BARE_BODY = b'{"ok":true}'


def bare(request: HttpRequest) -> HttpResponse:
    """A plain function view returning a constant: the cost of Django's request cycle alone."""
    return HttpResponse(BARE_BODY, content_type="application/json")


urlpatterns = [
    path("bench/bare", bare, name="bench-bare"),
    path("", include("config.urls")),
]
