"""API schemas of the joint operations (input and output apart)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from concord.core.markings import Tlp


class OperationOut(Schema):
    slug: str
    name_ru: str
    name_en: str
    kind: str
    since_year: int
    stages: int
    participants: int


class ParticipantOut(Schema):
    code: str
    kind: str
    country: str | None  # ISO alpha-2, None for an international organisation
    name_ru: str
    name_en: str


class StageOut(Schema):
    number: int
    year: int
    starts_on: date
    ends_on: date
    status: str
    lead_state: str | None
    closed_at: datetime | None
    participants: list[str]


class OperationDetailOut(Schema):
    slug: str
    name_ru: str
    name_en: str
    kind: str
    since_year: int
    coordinating_body: str | None
    description_ru: str
    description_en: str
    illustrative_splits: bool
    stages: list[StageOut]
    participants: list[ParticipantOut]


class ResultIn(Schema):
    participant: str = Field(..., description="participant code: KZ, AF, INTERPOL, …")
    kind: str
    substance: str = ""
    quantity: Decimal | str = Field(..., description='a number, or text such as "1 234,5"')
    unit: str
    note: str = Field("", max_length=500)
    tlp: str = Tlp.AMBER


class CorrectionIn(Schema):
    quantity: Decimal | str
    unit: str | None = None
    reason: str = Field(..., max_length=500)


class ResultOut(Schema):
    id: int
    operation: str
    stage: int
    participant: str
    kind: str
    substance: str
    quantity: str
    unit: str
    mass_kg: str | None
    note: str
    revision: int
    supersedes: int | None
    reason: str
    tlp: str
    owner_agency: str
    created_at: datetime


class ImportOut(Schema):
    applied: bool
    file: str
    sha256: str
    format: str
    rows: int
    created: int
    participants: list[str]


class RowErrorOut(Schema):
    row: int
    column: str
    msg: str


class ImportErrorOut(Schema):
    detail: str
    errors: list[RowErrorOut]


class ErrorOut(Schema):
    detail: str
    errors: list[Any]
