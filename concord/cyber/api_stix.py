"""`/api/v1/cyber/stix`: import a STIX 2.1 bundle or a MISP event, export records as a bundle.
Permissions and the import rules live in `services_stix`; endpoints only translate."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from concord.core.models import User

from . import access, services_stix
from .models import Collection
from .schemas_stix import StixErrorOut, StixImportOut
from .stix_import import BundleTooLarge, StixImportRejected

router = Router(tags=["cyber"])

STIX_MEDIA_TYPE = "application/stix+json;version=2.1"
FORMATS = ("stix", "misp")


def _user(request: HttpRequest) -> User:
    return access.reader(request.auth)  # type: ignore[attr-defined]


def _collection(user: User, alias: str) -> Collection | None:
    if not alias:
        return None
    found = access.collections_for(user).filter(alias=alias).first()
    if found is None:
        raise HttpError(404, _("no such collection %(alias)s") % {"alias": alias})
    return found


def _refusal(exc: StixImportRejected) -> dict[str, Any]:
    errors = [{"index": p.index, "id": p.stix_id, "msg": p.reason} for p in exc.problems]
    if exc.more:
        errors.append(
            {"index": None, "id": "", "msg": _("… and %(count)s more") % {"count": exc.more}}
        )
    count = len(exc.problems) + exc.more
    return {"detail": _("file refused: %(count)s problem(s)") % {"count": count}, "errors": errors}


@router.post("/stix/import", response={200: StixImportOut, 400: StixErrorOut, 413: StixErrorOut})
def stix_import(
    request: HttpRequest,
    file: File[UploadedFile],
    tlp: Form[str] = "",
    format: Form[str] = "stix",  # noqa: A002 - the field's public name
    collection: Form[str] = "",
) -> Status:
    """Import a STIX 2.1 bundle (`format=stix`) or a MISP event (`format=misp`) into a
    collection (the shared one by default), all or nothing. A refused file answers 400 with
    every refused object in `errors`; a file over the size limit answers 413."""
    user = _user(request)
    if format not in FORMATS:
        raise HttpError(400, _("format must be stix or misp"))
    limit = services_stix.max_bytes()
    if file.size is not None and file.size > limit:
        return Status(413, {"detail": str(BundleTooLarge(limit)), "errors": []})
    try:
        report = services_stix.ingest_bundle(
            acting_user=user,
            source=file,  # an UploadedFile reads like a binary file
            collection=_collection(user, collection),
            tlp=tlp or None,
            fmt="misp" if format == "misp" else "stix",
            filename=file.name or "",
        )
    except BundleTooLarge as exc:
        return Status(413, {"detail": str(exc), "errors": []})
    except StixImportRejected as exc:
        return Status(400, _refusal(exc))
    body = {
        **{name: getattr(report, name) for name in StixImportOut.model_fields if name != "objects"},
        "objects": [{"id": i, "version": v} for i, v in report.objects],
    }
    return Status(200, body)


@router.get("/stix/bundle")
def stix_bundle(
    request: HttpRequest,
    incident: Query[list[str] | None] = None,
    indicator: Query[list[str] | None] = None,
) -> HttpResponse:
    """The incidents (with their indicators the user sees) and indicators named, as one STIX 2.1
    bundle. A record the user does not see is 404."""
    user = _user(request)
    if not incident and not indicator:
        raise HttpError(400, _("name at least one incident or indicator"))
    bundle = services_stix.export_bundle(
        acting_user=user, incidents=incident or [], indicators=indicator or []
    )
    return HttpResponse(
        json.dumps(bundle, ensure_ascii=False, indent=2), content_type=STIX_MEDIA_TYPE
    )
