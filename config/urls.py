from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.urls import include, path

from concord.core.admin import site as admin_site

from .api import api

# Each of our apps' admin.py registers its models on core's admin site. Only our own apps:
# third-party admin modules are not wanted (django-leaflet's would import GeoDjango and GDAL).
for _config in apps.get_app_configs():
    if _config.name.startswith("concord.") and find_spec(f"{_config.name}.admin"):
        import_module(f"{_config.name}.admin")

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin_site.urls),
    path("api/v1/", api.urls),
    path("designations/", include("concord.designations.urls")),
    path("cyber/", include("concord.cyber.urls")),
    path("taxii2/", include("concord.cyber.taxii_urls")),
    path("operations/", include("concord.operations.urls")),
    path("crisis/", include("concord.crisis.urls")),
    path("", include("concord.core.urls")),
]
