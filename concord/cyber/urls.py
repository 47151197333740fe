"""Pages of the cyber module: incidents and indicators (`views.py`), STIX import and export and
the warninglists (`views_stix.py`), the registry of harmful information resources
(`views_registry.py`)."""

from __future__ import annotations

from . import views, views_registry, views_stix

app_name = "cyber"

urlpatterns = [*views.urlpatterns, *views_stix.urlpatterns, *views_registry.urlpatterns]
