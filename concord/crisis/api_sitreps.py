"""`/api/v1/crisis/sitreps`: list the situation reports the caller may see, request one (it is
generated in the background: poll `GET /sitreps/{uid}` for its state and progress), and download
its PDF once ready. Access is decided in `access.py`, requests in `sitreps`; endpoints translate.
"""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Field, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from concord.core.models import Agency, MemberState, User

from . import access, sitreps
from .models import Crisis, Region, Sitrep

router = Router()
M = TypeVar("M", bound=Model)


class SitrepIn(Schema):
    title: str
    period_start: datetime
    period_end: datetime
    region: str = Field("", description="a region of concern's slug")
    crisis: str = Field("", description="a crisis's slug")
    summary: str = ""
    language: str = "ru"
    tlp: str = "AMBER"
    share_states: list[str] = Field(default_factory=list, description="member-state codes")
    share_agencies: list[str] = Field(default_factory=list, description="agency codes")


class SitrepOut(Schema):
    uid: UUID
    title: str
    period_start: datetime
    period_end: datetime
    region: str | None = Field(None, alias="region.slug")
    crisis: str | None = Field(None, alias="crisis.slug")
    language: str
    tlp: str
    state: str
    progress: int
    progress_note: str
    error: str
    event_count: int
    owner_agency: str = Field(..., alias="owner_agency.code")
    author: str = Field(..., alias="author.username")
    created_at: datetime
    generated_at: datetime | None
    pdf_url: str | None

    @staticmethod
    def resolve_pdf_url(obj: Sitrep) -> str | None:
        if obj.state != Sitrep.State.DONE:
            return None
        return reverse("api:crisis_sitrep_pdf", kwargs={"uid": obj.uid})


def _user(request: HttpRequest) -> User:
    return access.reader(request.auth)  # type: ignore[attr-defined]


def _one(model: type[M], value: str, field: str = "slug") -> M | None:
    """The row named by `value` (None when empty); an unknown name is a 400 naming it."""
    if not value:
        return None
    found = model._default_manager.filter(**{field: value}).first()
    if found is None:
        raise ValidationError(f"unknown {model._meta.verbose_name} {value!r}")
    return found


def _many(model: type[M], codes: list[str]) -> list[M]:
    return [row for code in codes if (row := _one(model, code.strip(), "code")) is not None]


@router.get("/sitreps", response=list[SitrepOut], url_name="crisis_sitreps")
@paginate(LimitOffsetPagination)
def sitrep_list(request: HttpRequest) -> QuerySet[Sitrep]:
    """The sitreps the caller may see, the newest first."""
    return (
        access.sitreps_for(_user(request))
        .select_related("owner_agency", "author", "region", "crisis")
        .defer("html", "pdf")
    )


@router.post("/sitreps", response={202: SitrepOut}, url_name="crisis_sitrep_request")
def sitrep_request(request: HttpRequest, payload: SitrepIn) -> Status[Sitrep]:
    """Queue a sitrep (editors); 202: it is generated in the background."""
    user = access.require_editor(_user(request))
    sitrep = sitreps.request_sitrep(
        acting_user=user,
        title=payload.title,
        period_start=payload.period_start,
        period_end=payload.period_end,
        region=_one(Region, payload.region),
        crisis=_one(Crisis, payload.crisis),
        summary=payload.summary,
        language=payload.language,
        tlp=payload.tlp,
        share_states=_many(MemberState, [c.upper() for c in payload.share_states]),
        share_agencies=_many(Agency, payload.share_agencies),
    )
    return Status(202, sitrep)


@router.get("/sitreps/{uid}", response=SitrepOut, url_name="crisis_sitrep")
def sitrep_detail(request: HttpRequest, uid: UUID) -> Sitrep:
    """State, progress and note of one sitrep."""
    return access.get_sitrep(_user(request), uid)


@router.get("/sitreps/{uid}/pdf", url_name="crisis_sitrep_pdf")
def sitrep_pdf(request: HttpRequest, uid: UUID) -> HttpResponse:
    """The PDF, once the sitrep is ready (404 before)."""
    sitrep = access.get_sitrep(_user(request), uid)
    if sitrep.state != Sitrep.State.DONE or sitrep.pdf is None:
        raise Http404("the report is not ready yet")
    response = HttpResponse(bytes(sitrep.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{sitreps.pdf_filename(sitrep)}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
