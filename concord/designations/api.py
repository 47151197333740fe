"""`/api/v1/designations`: screening, the lists, organisations, review and publications.
Permissions are decided in `access.py` and the services; endpoints only translate."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import override
from ninja import File, Form, Router, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from concord.core.models import User

from . import access, exports, parsers, queries, screening, services
from .models import Judgement, Publication, RoundItem
from .schemas import (
    AnswerIn,
    CandidateOut,
    EntryOut,
    HarmoniseIn,
    HarmoniseOut,
    ImportOut,
    JudgementIn,
    JudgementOut,
    ListOut,
    OrganisationOut,
    PublicationOut,
    ScreenIn,
    ScreenOut,
)

router = Router(tags=["designations"])


def _user(request: HttpRequest) -> User:
    return access.reader(request.auth)  # type: ignore[attr-defined]


@router.post("/screen", response=ScreenOut)
def screen(request: HttpRequest, payload: ScreenIn) -> dict[str, Any]:
    """Screen up to 1,000 names. Each call is logged (who, when, how many), never the names."""
    user = _user(request)
    return screening.screen_queries(
        acting_user=user,
        queries=[q.dict() for q in payload.queries],
        threshold=payload.threshold,
        limit=payload.limit,
        channel="api",
    )


@router.get("/lists", response=list[ListOut])
def lists(request: HttpRequest) -> list[dict[str, Any]]:
    _user(request)
    return queries.list_summaries()


@router.get("/lists/{code}/entries", response=list[EntryOut])
def list_entries(request: HttpRequest, code: str, include_removed: bool = False) -> Any:
    _user(request)
    national_list = services.get_list(code)
    entries = queries.list_entries(national_list, include_removed=include_removed)
    return [
        {
            **{f: getattr(e, f) for f in EntryOut.model_fields if f != "names"},
            "names": e.names.all(),
        }
        for e in entries
    ]


@router.post("/lists/{code}/import", response=ImportOut, by_alias=True)
def import_list(
    request: HttpRequest,
    code: str,
    file: File[UploadedFile],
    format: Form[str] = "",  # noqa: A002 - the field's public name
    dry_run: Form[bool] = False,
) -> dict[str, Any]:
    """Import a file as the list's next version (`dry_run` shows the diff and applies nothing).
    A refused file answers 400 with every problem in `errors`."""
    user = _user(request)
    national_list = services.get_list(code)
    access.require_list_editor(user, national_list)
    fmt = format or parsers.format_from_filename(file.name or "") or ""
    parsed = parsers.parse_file(file.read(), filename=file.name or "upload", fmt=fmt)
    result = services.import_list(
        acting_user=user, national_list=national_list, parsed=parsed, dry_run=dry_run
    )
    return {
        "list_code": national_list.code,
        "applied": result.version is not None,
        "unchanged": result.unchanged,
        "version": result.version.number if result.version else None,
        "diff": result.diff.as_dict(),
        "warnings": result.warnings,
    }


@router.get("/organisations", response=list[OrganisationOut])
def organisations(
    request: HttpRequest, view: str = "all", state: str | None = None
) -> list[dict[str, Any]]:
    """`view`: all, recognised (by every state), gaps (listed by some), single (in the single
    list); with `state`, gaps are those listed by others but not by that state."""
    _user(request)
    return [queries.organisation_out(o) for o in queries.organisations_view(view, state)]


@router.get("/candidates", response=list[CandidateOut])
def candidates(request: HttpRequest, limit: int = 50) -> list[Any]:
    access.require_reviewer(_user(request))
    return [pair.candidate for pair in queries.review_queue(limit=min(limit, 500))]


@router.post("/judgements", response={201: JudgementOut})
def judge(request: HttpRequest, payload: JudgementIn) -> Status[Judgement]:
    judgement = services.judge(
        acting_user=_user(request),
        left_uid=payload.left_uid,
        right_uid=payload.right_uid,
        verdict=payload.verdict,
    )
    return Status(201, judgement)


@router.delete("/judgements/{judgement_id}", response=JudgementOut)
def undo(request: HttpRequest, judgement_id: int) -> Judgement:
    user = access.require_reviewer(_user(request))
    judgement = get_object_or_404(Judgement, pk=judgement_id)
    return services.undo_judgement(acting_user=user, judgement=judgement)


@router.post("/harmonise", response=HarmoniseOut)
def harmonise(request: HttpRequest, payload: HarmoniseIn) -> Any:
    return services.harmonise(acting_user=_user(request), auto_threshold=payload.auto_threshold)


@router.post("/rounds/items/{item_id}/answer", response={204: None})
def answer(request: HttpRequest, item_id: int, payload: AnswerIn) -> Status[None]:
    item = get_object_or_404(RoundItem.objects.select_related("round"), pk=item_id)
    services.round_answer(
        acting_user=_user(request), item=item, answer=payload.answer, reason=payload.reason
    )
    return Status(204, None)


@router.get("/publications", response=list[PublicationOut])
def publications(request: HttpRequest) -> Any:
    _user(request)
    return Publication.objects.order_by("-number")


@router.post("/publications", response={201: PublicationOut})
def publish(request: HttpRequest) -> Status[Publication]:
    return Status(201, services.publish(acting_user=_user(request)))


@router.get("/publications/{number}/export")
def export(
    request: HttpRequest,
    number: int,
    format: str = "json",  # noqa: A002 - the query parameter's public name
    language: str = "ru",
) -> HttpResponse:
    _user(request)
    publication = get_object_or_404(Publication, number=number)
    if format not in exports.FORMATS or language not in {"ru", "en"}:
        raise HttpError(400, f"format must be one of {', '.join(exports.FORMATS)}; language ru|en")
    with override(language):
        rendered = exports.render(publication.content, format, language=language)
    response = HttpResponse(rendered.content, content_type=rendered.content_type)
    response["Content-Disposition"] = f'attachment; filename="{rendered.filename}"'
    return response
