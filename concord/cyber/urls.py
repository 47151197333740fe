"""Pages of the cyber module: incidents and indicators (`views.py`), the registry of harmful
information resources (`views_registry.py`)."""

from __future__ import annotations

from . import views, views_registry

app_name = "cyber"

urlpatterns = [*views.urlpatterns, *views_registry.urlpatterns]
