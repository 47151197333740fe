from __future__ import annotations

from django.urls import include, path
from django.utils.module_loading import autodiscover_modules

from concord.core.admin import site as admin_site

from .api import api

# Each app's admin.py registers its models on core's admin site.
autodiscover_modules("admin")

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin_site.urls),
    path("api/v1/", api.urls),
    path("designations/", include("concord.designations.urls")),
    path("cyber/", include("concord.cyber.urls")),
    path("taxii2/", include("concord.cyber.taxii_urls")),
    path("operations/", include("concord.operations.urls")),
    path("", include("concord.core.urls")),
]
