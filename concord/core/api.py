"""Core endpoints: reference data, the signed-in user, their API tokens and the audit log."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from . import access, queries, reference_cache, services
from .models import ApiToken, AuditEvent, User
from .schemas import (
    AgencyOut,
    AuditEventOut,
    BodyOut,
    ErrorOut,
    MeOut,
    StateOut,
    TokenCreatedOut,
    TokenIn,
    TokenOut,
)

router = Router(tags=["core"])


def _user(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)  # noqa: S101 - the API's authenticators only return users
    return user


def _reference_list(
    key: str, rows: Callable[[], Iterable[Any]], schema: type[Schema]
) -> HttpResponse:
    """Reference data rendered once through its schema and served from `reference_cache`."""

    def render() -> bytes:
        items = [schema.model_validate(row).model_dump(mode="json") for row in rows()]
        return json.dumps(items).encode("ascii")

    body = reference_cache.get_or_render(key, render)
    return HttpResponse(body, content_type="application/json; charset=utf-8")


@router.get("/states", response=list[StateOut])
def list_states(request: HttpRequest) -> HttpResponse:
    return _reference_list("states", queries.member_states, StateOut)


@router.get("/bodies", response=list[BodyOut])
def list_bodies(request: HttpRequest) -> HttpResponse:
    return _reference_list("bodies", queries.bodies, BodyOut)


@router.get("/agencies", response=list[AgencyOut])
def list_agencies(request: HttpRequest, state: str | None = None) -> HttpResponse:
    code = (state or "").upper()
    return _reference_list(
        f"agencies.{code}", lambda: queries.agencies(state_code=code or None), AgencyOut
    )


@router.get("/me", response=MeOut)
def me(request: HttpRequest) -> object:
    return _user(request)


@router.get("/me/tokens", response=list[TokenOut])
def list_tokens(request: HttpRequest) -> object:
    return ApiToken.objects.filter(user=_user(request))


@router.post("/me/tokens", response={201: TokenCreatedOut})
def create_token(request: HttpRequest, payload: TokenIn) -> Status[dict[str, object]]:
    user = _user(request)
    issued = services.api_token_create(acting_user=user, user=user, label=payload.label)
    token = issued.token
    return Status(
        201,
        {
            "id": token.pk,
            "label": token.label,
            "prefix": token.prefix,
            "created_at": token.created_at,
            "last_used_at": None,
            "revoked_at": None,
            "token": issued.raw,
        },
    )


@router.delete("/me/tokens/{token_id}", response={204: None, 404: ErrorOut})
def revoke_token(request: HttpRequest, token_id: int) -> Status[None]:
    user = _user(request)
    token = get_object_or_404(ApiToken, pk=token_id, user=user)
    services.api_token_revoke(acting_user=user, token=token)
    return Status(204, None)


@router.get("/audit", response={200: list[AuditEventOut], 403: ErrorOut})
@paginate(LimitOffsetPagination)
def list_audit(request: HttpRequest) -> object:
    access.require_admin(_user(request))
    return AuditEvent.objects.order_by("-seq")
