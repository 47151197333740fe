"""(Stub written by the lead; a helper fills it in.)"""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
