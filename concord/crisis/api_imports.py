"""`POST /api/v1/crisis/events/import`: import event files (CAP, GDACS, UCDP, ACLED layout, HXL)
as multipart form data, all or nothing. The report answers 200; a refused batch answers 400 with
every problem (file, line, column, msg) and nothing written. Who may import is decided by
`access` and `event_import`; the endpoint only translates."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from . import access
from .event_import import FORMATS, import_files
from .records import ImportRefused

router = Router(tags=["crisis"])

MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # all files of one request together


class ProblemOut(Schema):
    file: str
    line: int | None
    column: str
    msg: str


class ImportReportOut(Schema):
    created: int
    updated: int
    unchanged: int
    cancelled: int
    skipped_rows: int
    unmatched_places: list[str]
    event_ids: dict[str, int]
    dry_run: bool


class ImportErrorOut(Schema):
    detail: str
    errors: list[ProblemOut]


def refusal_body(refusal: ImportRefused) -> dict[str, Any]:
    return {
        "detail": _("file refused: %(count)s problem(s); nothing was imported")
        % {"count": len(refusal.problems)},
        "errors": [
            {"file": p.file, "line": p.line, "column": p.column, "msg": p.reason}
            for p in refusal.problems
        ],
    }


@router.post(
    "/events/import",
    response={200: ImportReportOut, 400: ImportErrorOut, 413: ImportErrorOut},
    url_name="crisis_events_import",
)
def events_import(
    request: HttpRequest,
    files: File[list[UploadedFile]],
    format: Form[str],  # noqa: A002 - the field's public name
    dry_run: Form[bool] = False,
    tlp: Form[str] = "",
) -> Status:
    """Import files of one format (`cap`, `gdacs`, `ucdp`, `acled`, `hxl`) as events of the
    caller's agency. `dry_run=true` reports what would happen and writes nothing."""
    user = access.require_editor(request.auth)  # type: ignore[attr-defined]
    if format not in FORMATS:
        raise HttpError(
            400, _("format must be one of %(formats)s") % {"formats": ", ".join(FORMATS)}
        )
    if sum(upload.size or 0 for upload in files) > MAX_UPLOAD_BYTES:
        return Status(
            413,
            {
                "detail": _("the files are larger than %(mb)s MB together")
                % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)},
                "errors": [],
            },
        )
    try:
        report = import_files(
            fmt=format,
            files=[(upload.name or "upload", upload.read()) for upload in files],
            acting_user=user,
            dry_run=dry_run,
            tlp=tlp or None,
        )
    except ImportRefused as refusal:
        return Status(400, refusal_body(refusal))
    return Status(
        200,
        {
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "cancelled": report.cancelled,
            "skipped_rows": getattr(report, "skipped_rows", 0),
            "unmatched_places": report.unmatched_places,
            "event_ids": report.event_ids,
            "dry_run": dry_run,
        },
    )
