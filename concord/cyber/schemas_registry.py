"""API schemas of the registry of harmful information resources (input and output apart)."""

from __future__ import annotations

from datetime import date
from typing import Any

from ninja import Field, Schema

from .queries_registry import MAX_LOOKUP_ITEMS


class LookupIn(Schema):
    items: list[str] = Field(
        ..., description=f"URLs or hosts, at most {MAX_LOOKUP_ITEMS:,} per call"
    )


class LookupMatchOut(Schema):
    resource_id: int
    canonical: str
    kind: str
    category: str
    states: dict[str, str]


class LookupResultOut(Schema):
    input: str
    canonical: str | None
    found: bool
    matches: list[LookupMatchOut]
    error: str | None


class LookupOut(Schema):
    results: list[LookupResultOut]


class RegistryFiltersIn(Schema):
    q: str = ""
    category: str = ""
    state: str = ""
    action: str = ""
    year: int | None = None
    page: int = Field(1, ge=1)


class ResourceIn(Schema):
    kind: str = Field(..., pattern="^(url|host|account)$")
    value: str = Field(..., min_length=1, max_length=4096)
    category: str = Field(..., max_length=40)
    identified_on: date
    description: str = ""
    evidence_sha256: str = Field("", max_length=64)
    evidence_ref: str = Field("", max_length=300)
    platform: str = Field("", max_length=40)


class ActionIn(Schema):
    state: str = Field(..., min_length=2, max_length=2)
    action: str
    date: date
    basis_kind: str = ""
    basis: str = Field("", max_length=500)
    reasons: str = ""
    case_number: str = Field("", max_length=100)
    outcome: str = ""


class ActionOut(Schema):
    id: int
    state: str
    action: str
    date: date
    agency: str
    basis_kind: str
    basis: str
    reasons: str
    case_number: str
    outcome: str


class StateStatusOut(Schema):
    state: str
    status: str
    date: date | None
    basis_kind: str
    basis: str
    reasons: str
    case_numbers: list[str]
    outcome: str
    blocked: bool


class ResourceOut(Schema):
    id: int
    kind: str
    value: str
    canonical: str
    host: str
    platform: str
    category: str
    identified_by: str
    identified_on: date
    description: str
    evidence_sha256: str
    evidence_ref: str
    flags: list[str]
    states: dict[str, str]


class ResourceDetailOut(ResourceOut):
    status: list[StateStatusOut]
    actions: list[ActionOut]


class RegisteredOut(Schema):
    created: bool
    identified_recorded: bool
    message: str
    resource: ResourceOut


class ResourcePageOut(Schema):
    count: int
    page: int
    pages: int
    results: list[ResourceOut]


class ImportOut(Schema):
    applied: bool
    file: str
    sha256: str
    encoding: str
    rows: int
    resources_created: int
    resources_existing: int
    actions_recorded: int
    duplicates_skipped: int
    flagged: list[str]


class ErrorOut(Schema):
    detail: str
    errors: list[Any]
