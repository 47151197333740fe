"""The TAXII 2.1 server under `/taxii2/`: discovery, one API root (`api1`), its status resources
and collections, and each collection's objects, object versions and manifest.

Views parse the request, call one query or service and render; who sees what is decided by
`access.py` (through `queries_taxii`), the wire conventions live in `taxii_responses`. Pages are
built by concatenating the stored JSON text: nothing is parsed on the way out.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from concord.core.models import User

from . import access, queries_taxii
from .models import AddStatus, Collection
from .queries_taxii import FilterError, Filters, Page, taxii_timestamp
from .services_stix import delete_object
from .services_taxii import taxii_objects_add
from .taxii_responses import (
    STIX_MEDIA_TYPE,
    TAXII_MEDIA_TYPE,
    TaxiiError,
    check_accept,
    check_content_type,
    error_response,
    request_user,
    taxii_json,
    taxii_response,
)

TaxiiView = Callable[..., HttpResponse]
_ALL_MATCHES = frozenset({"id", "type", "version", "spec_version"})
_VERSION_KEYWORDS = frozenset({"last", "first", "all"})


def taxii_endpoint(*methods: str) -> Callable[[TaxiiView], TaxiiView]:
    """Method check, Accept negotiation, authentication (401), an active user with an agency
    (403), and every refusal rendered as a TAXII error resource. CSRF-exempt: these are machine
    endpoints, authenticated per request (a browser session only reads)."""

    def decorate(view: TaxiiView) -> TaxiiView:
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                if request.method not in methods:
                    response = error_response(405, _("use %s") % ", ".join(methods))
                    response["Allow"] = ", ".join(methods)
                    return response
                check_accept(request)
                user = request_user(request)
                if request.method != "GET" and "HTTP_AUTHORIZATION" not in request.META:
                    raise TaxiiError(401, _("changes need HTTP Basic or a Bearer API token"))
                request.user = user
                access.reader(user)
                return view(request, user, *args, **kwargs)
            except TaxiiError as error:
                return error_response(error.status, error.description)
            except FilterError as error:
                return error_response(400, str(error))
            except PermissionDenied as error:
                return error_response(403, str(error) or _("not allowed"))
            except Http404 as error:
                return error_response(404, str(error) or _("not found"))

        return wrapper

    return decorate


# Filters ----------------------------------------------------------------------------------------


def _listed(request: HttpRequest, name: str) -> tuple[str, ...]:
    values = request.GET.getlist(f"match[{name}]")
    return tuple(v.strip() for value in values for v in value.split(",") if v.strip())


def _limit(request: HttpRequest) -> int:
    default, maximum = queries_taxii.page_size_limits()
    text = request.GET.get("limit", "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise FilterError(_("limit must be a positive whole number, got %r") % text)
    return min(int(text), maximum)


def request_filters(
    request: HttpRequest,
    *,
    matches: frozenset[str] = _ALL_MATCHES,
    ids: tuple[str, ...] = (),
    default_version: str = "last",
) -> Filters:
    """The filters of the query string (TAXII 2.1 section 3.5); unknown `match[…]` fields are
    ignored, malformed values are a 400."""
    added_after = request.GET.get("added_after", "").strip()
    cursor = request.GET.get("next", "").strip()
    versions = _listed(request, "version") if "version" in matches else ()
    for value in versions:
        if value not in _VERSION_KEYWORDS:
            queries_taxii.version_forms(value)  # raises FilterError when not a timestamp
    return Filters(
        limit=_limit(request),
        added_after=(
            queries_taxii.parse_timestamp(added_after, name="added_after") if added_after else None
        ),
        after=queries_taxii.decode_cursor(cursor) if cursor else None,
        ids=ids or (_listed(request, "id") if "id" in matches else ()),
        types=_listed(request, "type") if "type" in matches else (),
        versions=versions or (default_version,),
        spec_versions=_listed(request, "spec_version"),
    )


# Resources --------------------------------------------------------------------------------------


def _collection_or_404(user: User, collection_id: str) -> Collection:
    found = queries_taxii.collection(user, collection_id)
    if found is None:
        raise Http404(_("no collection %(id)s") % {"id": collection_id})
    return found


def _collection_resource(collection: Collection, user: User) -> dict[str, Any]:
    resource: dict[str, Any] = {"id": str(collection.uid), "title": collection.title}
    if collection.description:
        resource["description"] = collection.description
    resource |= {
        "alias": collection.alias,
        "can_read": True,
        "can_write": access.can_write_collection(collection, user),
        "media_types": [STIX_MEDIA_TYPE],
    }
    return resource


def _date_headers(page: Page) -> dict[str, str]:
    if not page.rows:
        return {}
    return {
        "X-TAXII-Date-Added-First": taxii_timestamp(page.rows[0][-1]),
        "X-TAXII-Date-Added-Last": taxii_timestamp(page.rows[-1][-1]),
    }


def _envelope(page: Page) -> HttpResponse:
    """The envelope as text: the stored objects are joined in as they are."""
    parts = ['{"more":', "true" if page.more else "false"]
    if page.next:
        parts += [',"next":', json.dumps(page.next)]
    if page.rows:
        parts += [',"objects":[', ",".join(row[0] for row in page.rows), "]"]
    parts.append("}")
    return taxii_response("".join(parts), 200, _date_headers(page))


def _paged_list(page: Page, key: str, items: list[Any]) -> HttpResponse:
    body: dict[str, Any] = {"more": page.more}
    if page.next:
        body["next"] = page.next
    if items:
        body[key] = items
    response = taxii_json(body)
    for name, value in _date_headers(page).items():
        response[name] = value
    return response


def _status_resource(status: AddStatus) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "id": str(status.uid),
        "status": status.status,
        "request_timestamp": taxii_timestamp(status.request_timestamp),
        "total_count": status.total_count,
        "success_count": status.success_count,
        "failure_count": status.failure_count,
        "pending_count": status.pending_count,
    }
    if status.successes:
        resource["successes"] = status.successes
    if status.failures:
        resource["failures"] = status.failures
    return resource


def _read_envelope(request: HttpRequest) -> list[dict[str, Any]]:
    """The objects of a posted envelope: 413 over the API root's max_content_length, 400 when
    the body is not JSON, 422 when it is JSON but not an envelope of objects."""
    limit = int(settings.TAXII_MAX_CONTENT_LENGTH)
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    too_large = _("the body is over max_content_length (%(limit)d bytes)") % {"limit": limit}
    if declared > limit:
        raise TaxiiError(413, too_large)
    raw = request.read(limit + 1)
    if len(raw) > limit:
        raise TaxiiError(413, too_large)
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise TaxiiError(400, _("the body is not JSON: %(error)s") % {"error": error}) from None
    if not isinstance(data, dict) or not isinstance(data.get("objects"), list):
        raise TaxiiError(422, _('the body is not a TAXII envelope: no "objects" list'))
    objects: list[Any] = data["objects"]
    for position, item in enumerate(objects):
        if not isinstance(item, dict):
            raise TaxiiError(
                422,
                _("objects[%(n)d] is not a JSON object but %(kind)s")
                % {"n": position, "kind": type(item).__name__},
            )
    return objects


# Views ------------------------------------------------------------------------------------------


@taxii_endpoint("GET")
def discovery(request: HttpRequest, user: User) -> HttpResponse:
    root = request.build_absolute_uri(reverse("taxii:api_root"))
    return taxii_json(
        {
            "title": _("Concord TAXII server"),
            "description": _("Incidents and indicators shared between national CERTs"),
            "default": root,
            "api_roots": [root],
        }
    )


@taxii_endpoint("GET")
def api_root(request: HttpRequest, user: User) -> HttpResponse:
    return taxii_json(
        {
            "title": _("Concord"),
            "description": _("STIX 2.1 objects under TLP 2.0, by collection"),
            "versions": [TAXII_MEDIA_TYPE],
            "max_content_length": int(settings.TAXII_MAX_CONTENT_LENGTH),
        }
    )


@taxii_endpoint("GET")
def status(request: HttpRequest, user: User, status_id: str) -> HttpResponse:
    found = queries_taxii.add_status(user, status_id)
    if found is None:
        raise Http404(_("no status %(id)s") % {"id": status_id})
    return taxii_json(_status_resource(found))


@taxii_endpoint("GET")
def collections(request: HttpRequest, user: User) -> HttpResponse:
    found = [_collection_resource(c, user) for c in queries_taxii.collections(user)]
    return taxii_json({"collections": found} if found else {})


@taxii_endpoint("GET")
def collection(request: HttpRequest, user: User, collection_id: str) -> HttpResponse:
    return taxii_json(_collection_resource(_collection_or_404(user, collection_id), user))


@taxii_endpoint("GET", "POST")
def objects(request: HttpRequest, user: User, collection_id: str) -> HttpResponse:
    found = _collection_or_404(user, collection_id)
    if request.method == "GET":
        return _envelope(queries_taxii.object_page(user, found, request_filters(request)))
    if not access.can_write_collection(found, user):
        raise PermissionDenied(_("you cannot add objects to this collection"))
    check_content_type(request)
    added = taxii_objects_add(acting_user=user, collection=found, objects=_read_envelope(request))
    return taxii_json(_status_resource(added), 202)


def _require_object(user: User, found: Collection, page: Page, object_id: str) -> None:
    """An empty page of one id is a 404 when the user sees no version of it at all (one more
    query, only on an empty page)."""
    if not page.rows and not access.objects_for(user, found).filter(stix_id=object_id).exists():
        raise Http404(_("no object %(id)s in this collection") % {"id": object_id})


@taxii_endpoint("GET", "DELETE")
def stix_object(request: HttpRequest, user: User, collection_id: str, object_id: str) -> Any:
    found = _collection_or_404(user, collection_id)
    if request.method == "DELETE":
        return _delete(request, user, found, object_id)
    filters = request_filters(
        request, matches=frozenset({"version", "spec_version"}), ids=(object_id,)
    )
    page = queries_taxii.object_page(user, found, filters)
    _require_object(user, found, page, object_id)
    return _envelope(page)


def _delete(request: HttpRequest, user: User, found: Collection, object_id: str) -> HttpResponse:
    filters = request_filters(
        request,
        matches=frozenset({"version", "spec_version"}),
        ids=(object_id,),
        default_version="all",
    )
    versions = sorted(
        set(queries_taxii.matching(user, found, filters).values_list("version", flat=True))
    )
    if not versions:
        raise Http404(_("no object %(id)s in this collection") % {"id": object_id})
    if not access.can_write_collection(found, user):
        raise PermissionDenied(_("you cannot delete objects from this collection"))
    # Version by version, only those the user sees: a hidden version is never touched.
    with transaction.atomic():
        for version in versions:
            delete_object(acting_user=user, collection=found, stix_id=object_id, version=version)
    return taxii_response(b"", 200)


@taxii_endpoint("GET")
def object_versions(
    request: HttpRequest, user: User, collection_id: str, object_id: str
) -> HttpResponse:
    found = _collection_or_404(user, collection_id)
    filters = request_filters(
        request, matches=frozenset({"spec_version"}), ids=(object_id,), default_version="all"
    )
    page = queries_taxii.versions_page(user, found, filters)
    _require_object(user, found, page, object_id)
    return _paged_list(page, "versions", [row[0] for row in page.rows])


@taxii_endpoint("GET")
def manifest(request: HttpRequest, user: User, collection_id: str) -> HttpResponse:
    found = _collection_or_404(user, collection_id)
    page = queries_taxii.manifest_page(user, found, request_filters(request))
    records = [
        {
            "id": stix_id,
            "date_added": taxii_timestamp(added),
            "version": version,
            "media_type": f"application/stix+json;version={spec_version}",
        }
        for stix_id, version, spec_version, added in page.rows
    ]
    return _paged_list(page, "objects", records)
