from __future__ import annotations

from django.urls import include, path

from concord.core.admin import site as admin_site

from .api import api

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin_site.urls),
    path("api/v1/", api.urls),
    path("designations/", include("concord.designations.urls")),
    path("cyber/", include("concord.cyber.urls")),
    path("taxii2/", include("concord.cyber.taxii_urls")),
    path("", include("concord.core.urls")),
]
