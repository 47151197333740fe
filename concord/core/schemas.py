"""API schemas for core (separate input and output shapes)."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Field, Schema


class StateOut(Schema):
    code: str
    alpha3: str = Field(..., alias="country.alpha3")
    name_ru: str
    name_en: str
    official_name_ru: str
    official_name_en: str
    name_own: str
    own_language: str
    joined_on: date
    left_on: date | None


class BodyOut(Schema):
    code: str
    kind: str
    name_ru: str
    name_en: str
    short_ru: str
    short_en: str
    parent: str | None = Field(None, alias="parent.code")
    established_year: int | None


class AgencyOut(Schema):
    code: str
    kind: str
    name_ru: str
    name_en: str
    state: str | None = Field(None, alias="state.code")
    body: str | None = Field(None, alias="body.code")


class MeOut(Schema):
    username: str
    role: str
    agency: str = Field(..., alias="agency.code")
    state: str | None = Field(None, alias="agency.state.code")
    body: str | None = Field(None, alias="agency.body.code")


class AuditEventOut(Schema):
    seq: int
    created_at: datetime
    actor: str = Field(..., alias="actor_username")
    action: str
    object_type: str
    object_id: str
    summary: str
    prev_hash: str
    hash: str


class TokenIn(Schema):
    label: str = Field("", max_length=100)


class TokenOut(Schema):
    id: int
    label: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreatedOut(TokenOut):
    token: str


class ErrorOut(Schema):
    detail: str
    errors: list[dict[str, object]] = []
