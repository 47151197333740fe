"""TAXII 2.1 under `/taxii2/` (included by config/urls.py): discovery and the API root `api1`."""

from __future__ import annotations

from django.urls import URLPattern, path

from . import taxii

app_name = "taxii"

_COLLECTION = "api1/collections/<str:collection_id>/"

urlpatterns: list[URLPattern] = [
    path("", taxii.discovery, name="discovery"),
    path("api1/", taxii.api_root, name="api_root"),
    path("api1/status/<str:status_id>/", taxii.status, name="status"),
    path("api1/collections/", taxii.collections, name="collections"),
    path(_COLLECTION, taxii.collection, name="collection"),
    path(_COLLECTION + "objects/", taxii.objects, name="objects"),
    path(_COLLECTION + "objects/<str:object_id>/", taxii.stix_object, name="object"),
    path(
        _COLLECTION + "objects/<str:object_id>/versions/",
        taxii.object_versions,
        name="object_versions",
    ),
    path(_COLLECTION + "manifest/", taxii.manifest, name="manifest"),
]
