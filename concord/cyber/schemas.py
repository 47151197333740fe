"""API schemas for incidents, indicators, sightings and sharing groups (input and output apart).

States, bodies, agencies and sharing groups are named by their codes, users by username."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from ninja import Field, Schema

from . import taxonomy
from .models import Incident


class SharesIn(Schema):
    shared_states: list[str] = Field(default_factory=list, description="state codes (KZ, RU…)")
    shared_bodies: list[str] = Field(default_factory=list, description="body codes")
    shared_agencies: list[str] = Field(default_factory=list, description="agency codes")
    shared_users: list[str] = Field(default_factory=list, description="usernames")


class IncidentIn(SharesIn):
    title: str = Field(..., min_length=1, max_length=300)
    classification: str = Field(..., description="RSIT tag, e.g. fraud:phishing")
    description: str = ""
    severity: str = "medium"
    pap: str = "AMBER"
    tlp: str = "AMBER"
    sectors: list[str] = Field(default_factory=list)
    affected_states: list[str] = Field(default_factory=list)
    occurred_at: datetime | None = None
    sharing_groups: list[str] = Field(default_factory=list, description="group codes")


class IncidentPatch(Schema):
    title: str | None = None
    classification: str | None = None
    description: str | None = None
    severity: str | None = None
    pap: str | None = None
    tlp: str | None = None
    sectors: list[str] | None = None
    affected_states: list[str] | None = None
    occurred_at: datetime | None = None


class IncidentOut(Schema):
    uid: UUID
    title: str
    description: str
    classification: str
    classification_label: str
    severity: str
    status: str
    next_statuses: list[str]
    pap: str
    tlp: str
    sectors: list[str]
    affected_states: list[str]
    sharing_groups: list[str]
    owner_agency: str = Field(..., alias="owner_agency.code")
    owner_state: str | None = Field(None, alias="owner_agency.state.code")
    author: str = Field(..., alias="author.username")
    occurred_at: datetime | None
    created_at: datetime
    modified_at: datetime

    @staticmethod
    def resolve_classification_label(obj: Incident) -> str:
        return taxonomy.label(obj.classification)

    @staticmethod
    def resolve_next_statuses(obj: Incident) -> list[str]:
        return list(obj.next_statuses())

    @staticmethod
    def resolve_affected_states(obj: Incident) -> list[str]:
        return sorted(s.code for s in obj.affected_states.all())

    @staticmethod
    def resolve_sharing_groups(obj: Incident) -> list[str]:
        return sorted(g.code for g in obj.sharing_groups.all())


class StatusIn(Schema):
    status: str
    note: str = ""


class ReleaseIn(Schema):
    groups: list[str] = Field(..., min_length=1, description="sharing group codes")


class CommentIn(Schema):
    text: str = Field(..., min_length=1, max_length=20000)


class CommentOut(Schema):
    id: int
    author: str
    agency: str
    text: str
    created_at: datetime


class TimelineIn(Schema):
    text: str = Field(..., min_length=1, max_length=20000)
    kind: str = "action"
    at: datetime | None = None


class TimelineOut(Schema):
    id: int
    at: datetime
    kind: str
    text: str
    author: str


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    author: str
    created_at: datetime


class AudienceOut(Schema):
    kind: str
    label: str
    reason: str
    code: str


class IndicatorIn(SharesIn):
    kind: str
    value: str = Field(..., min_length=1, max_length=4096)
    incident: UUID | None = None
    actionable: bool = True
    force_actionable: bool = False
    description: str = ""
    confidence: int = Field(50, ge=0, le=100)
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    lifetime_days: int | None = Field(None, ge=1, le=3650)
    tlp: str | None = None


class IndicatorBulkIn(SharesIn):
    text: str = Field(..., min_length=1, description="one value a line")
    kind: str | None = Field(None, description="the type of every line; detected when absent")
    incident: UUID | None = None
    actionable: bool = True
    force_actionable: bool = False
    confidence: int = Field(50, ge=0, le=100)
    tlp: str | None = None


class IndicatorOut(Schema):
    uid: UUID
    kind: str
    value: str
    canonical: str
    actionable: bool
    description: str
    confidence: int
    valid_from: datetime
    valid_until: datetime | None
    lifetime_days: int | None
    warnings: list[dict[str, Any]]
    tlp: str
    owner_agency: str = Field(..., alias="owner_agency.code")
    created_at: datetime


class IndicatorAddedOut(Schema):
    created: bool
    indicator: IndicatorOut
    warnings: list[dict[str, Any]]
    flags: list[str]


class BulkOut(Schema):
    created: int
    existing: int
    flagged: int
    results: list[IndicatorAddedOut]


class ScoreOut(Schema):
    value: float
    base: float
    decays: bool
    expired: bool
    since: datetime


class IncidentRefOut(Schema):
    uid: UUID
    title: str


class HolderOut(Schema):
    indicator: UUID
    agency: str
    state: str | None
    incidents: list[IncidentRefOut]


class SightingTotalOut(Schema):
    kind: str
    reports: int
    count: int
    agencies: int


class CorrelationOut(Schema):
    summary: str
    states: list[str]
    bodies: list[str]
    incident_count: int
    holders: list[HolderOut]
    sightings: list[SightingTotalOut]


class IndicatorDetailOut(Schema):
    indicator: IndicatorOut
    score: ScoreOut
    correlation: CorrelationOut


class SightingIn(Schema):
    kind: str
    observed_at: datetime | None = None
    count: int = Field(1, ge=1)
    note: str = ""


class SightingOut(Schema):
    id: int
    kind: str
    agency: str
    author: str
    observed_at: datetime
    count: int
    note: str


class SharingGroupIn(Schema):
    code: str = Field(..., min_length=1, max_length=50)
    name_ru: str = ""
    name_en: str = ""
    description: str = ""
    states: list[str] = Field(default_factory=list)
    bodies: list[str] = Field(default_factory=list)
    agencies: list[str] = Field(default_factory=list)


class SharingGroupOut(Schema):
    code: str
    name_ru: str
    name_en: str
    description: str
    owner_agency: str
    states: list[str]
    bodies: list[str]
    agencies: list[str]
