"""Pages of the operations module (`views.py`)."""

from __future__ import annotations

from . import views

app_name = "operations"

urlpatterns = [*views.urlpatterns]
