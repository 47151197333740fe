"""Pages of the crisis module: events and the map (`views`, `views_map`), imports
(`views_imports`), regions of concern and their monitoring (`views_regions`), alerts and the
Centre's CAP alerts (`views_alerts`), situation reports (`views_sitreps`)."""

from __future__ import annotations

from . import views, views_alerts, views_imports, views_map, views_regions, views_sitreps

app_name = "crisis"

urlpatterns = [
    *views.urlpatterns,
    *views_map.urlpatterns,
    *views_imports.urlpatterns,
    *views_regions.urlpatterns,
    *views_alerts.urlpatterns,
    *views_sitreps.urlpatterns,
]
