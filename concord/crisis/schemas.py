"""API schemas of crisis events (input and output apart)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from ninja import Field, Schema

from concord.core.markings import Tlp


class ErrorOut(Schema):
    detail: str
    errors: list[Any]


class EventQuery(Schema):
    """The list's filters (documentation: the values are checked by `queries.parse_filter`,
    which answers 400 with a clear message)."""

    bbox: str | None = Field(None, description="west,south,east,north in degrees (WGS 84)")
    since: str | None = Field(None, description="ISO 8601 with a UTC offset, or YYYY-MM-DD")
    until: str | None = Field(None, description="exclusive; a plain date includes that day")
    type: list[str] = Field(default_factory=list, description="type codes, with subtypes")
    region: str | None = Field(None, description="region of concern (slug)")
    country: list[str] = Field(default_factory=list, description="ISO 3166-1 alpha-3")
    source: list[str] = Field(default_factory=list, description="manual, cap, gdacs, ucdp…")
    min_severity: str | None = None
    q: str | None = None
    crisis: str | None = Field(None, description="crisis (slug)")
    exercises: str | None = Field(None, description="0 leaves exercises out")
    format: str | None = Field(None, description="json (default), geojson or hxl")
    limit: str | None = Field(None, description="≤ 1000 (default 100); geojson ≤ 10000")
    offset: str | None = None


class EventOut(Schema):
    uid: uuid.UUID
    title: str
    type: str
    type_name: str
    severity: int
    starts_at: datetime
    ends_at: datetime | None
    country: str
    admin1_pcode: str
    admin1_name: str
    admin2_pcode: str
    admin2_name: str
    place_name: str
    latitude: float | None
    longitude: float | None
    location_precision: str
    origin: str
    external_id: str
    verification: str
    exercise: bool
    cancelled: bool
    tlp: str
    owner_agency: str
    crisis: str | None
    dead: int | None
    url: str


class EventListOut(Schema):
    count: int
    next: str | None
    previous: str | None
    results: list[EventOut]


class FigureOut(Schema):
    figure: str
    low: int | None
    best: int | None
    high: int | None


class SourceOut(Schema):
    kind: str
    name: str
    url: str
    reference: str
    published_at: datetime | None
    figures: list[FigureOut]


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime


class EventDetailOut(EventOut):
    description: str
    start_precision: str
    end_precision: str
    area: dict[str, Any] | None
    actor1: str
    actor2: str
    urgency: str
    certainty: str
    details: dict[str, Any]
    border_distance_km: float | None
    regions: list[str]
    sources: list[SourceOut]
    attachments: list[AttachmentOut]
    created_at: datetime
    updated_at: datetime


class FigureIn(Schema):
    figure: str = Field(..., description="dead, injured, missing, affected or displaced")
    low: int | None = None
    best: int | None = None
    high: int | None = None


class SourceIn(Schema):
    kind: str = Field(..., description="national, open, international or feed")
    name: str = Field(..., max_length=300)
    url: str = ""
    reference: str = ""
    published_at: datetime | None = None
    figures: list[FigureIn] = Field(default_factory=list)


class EventIn(Schema):
    title: str = Field(..., max_length=500)
    type: str = Field(..., description="an event type code, e.g. crime.terrorism")
    starts_at: datetime
    start_precision: str = "day"
    ends_at: datetime | None = None
    end_precision: str = ""
    description: str = ""
    country: str = Field("", description="ISO 3166-1 alpha-3")
    admin1_pcode: str = ""
    admin1_name: str = ""
    admin2_pcode: str = ""
    admin2_name: str = ""
    place_name: str = ""
    latitude: float | None = None
    longitude: float | None = None
    location_precision: str = "unknown"
    area: dict[str, Any] | None = None
    actor1: str = ""
    actor2: str = ""
    severity: int = 3
    urgency: str = "Unknown"
    certainty: str = "Unknown"
    exercise: bool = False
    tlp: str = Tlp.AMBER
    crisis: str | None = Field(None, description="crisis (slug)")
    sources: list[SourceIn] = Field(default_factory=list)


class EventPatch(Schema):
    """The fields to change; those left out stay as they are."""

    title: str | None = None
    type: str | None = None
    starts_at: datetime | None = None
    start_precision: str | None = None
    ends_at: datetime | None = None
    end_precision: str | None = None
    description: str | None = None
    country: str | None = None
    admin1_pcode: str | None = None
    admin1_name: str | None = None
    admin2_pcode: str | None = None
    admin2_name: str | None = None
    place_name: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    location_precision: str | None = None
    area: dict[str, Any] | None = None
    actor1: str | None = None
    actor2: str | None = None
    severity: int | None = None
    urgency: str | None = None
    certainty: str | None = None
    exercise: bool | None = None
    tlp: str | None = None
    crisis: str | None = None


class VerificationIn(Schema):
    verification: str = Field(..., description="unverified, confirmed, disputed or false")
    note: str = Field("", max_length=500)


class CancelIn(Schema):
    reason: str = Field("", max_length=500)
