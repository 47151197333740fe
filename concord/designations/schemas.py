"""API schemas for the designations module (separate input and output shapes)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Field, Schema

MAX_QUERIES = 1000


class ScreenQuery(Schema):
    name: str = Field(..., min_length=1, max_length=500)
    country: str | None = Field(None, max_length=2, description="ISO alpha-2; reported back")
    language: str | None = Field(None, max_length=3, description="picks the canonical name")


class ScreenIn(Schema):
    queries: list[ScreenQuery] = Field(..., min_length=1, max_length=MAX_QUERIES)
    threshold: float = Field(0.70, gt=0, le=1)
    limit: int = Field(5, ge=1, le=20)


class MatchOut(Schema):
    organisation_id: str
    canonical_name: str
    name_ru: str
    name_en: str
    matched_name: str
    query_name: str
    score: float
    match: bool
    features: dict[str, Any]
    listed_by: list[str]
    listed_in_country: bool | None
    in_single_list: bool
    un: dict[str, Any] | None


class ScreenResultOut(Schema):
    query: ScreenQuery
    match: bool
    matches: list[MatchOut]


class ScreenOut(Schema):
    threshold: float
    results: list[ScreenResultOut]


class ListOut(Schema):
    code: str
    name_ru: str
    name_en: str
    is_reference: bool
    version: int | None
    entries: int


class EntryNameOut(Schema):
    text: str
    kind: str
    lang: str
    flags: list[str]


class EntryOut(Schema):
    uid: str
    entry_id: str
    names: list[EntryNameOut]
    category: str
    listed_on: date | None
    legal_basis: str
    reasons: str
    status: str
    delisted_on: date | None
    source_url: str
    notes: str
    present: bool


class ImportOut(Schema):
    list_code: str = Field(..., serialization_alias="list")
    applied: bool
    unchanged: bool
    version: int | None
    diff: dict[str, Any]
    warnings: list[str]


class OrganisationOut(Schema):
    id: str
    name_ru: str
    name_en: str
    category: str
    in_single_list: bool
    listed_by: list[str]
    missing: list[str]
    recognition: dict[str, dict[str, Any]]
    un: dict[str, Any] | None
    entries: list[str]


class JudgementIn(Schema):
    left_uid: str
    right_uid: str
    verdict: str = Field(..., pattern="^(positive|negative|unsure)$")


class JudgementOut(Schema):
    id: int
    left_uid: str
    right_uid: str
    verdict: str
    auto: bool
    created_at: datetime
    deleted_at: datetime | None


class CandidateOut(Schema):
    left_uid: str
    right_uid: str
    score: float
    features: dict[str, Any]


class PublicationOut(Schema):
    number: int
    published_at: datetime
    audit_seq: int
    audit_hash: str
    content_hash: str
    organisation_count: int
    diff: dict[str, Any]


class HarmoniseIn(Schema):
    auto_threshold: float = Field(0.9, gt=0, le=1)


class HarmoniseOut(Schema):
    entries: int
    pairs: int
    auto_merged: int
    queued: int
    blocked: int
    seconds: float


class AnswerIn(Schema):
    answer: str = Field(..., pattern="^(agree|object|procedure)$")
    reason: str = ""
