"""API schemas of the STIX import and export (`api_stix.py`)."""

from __future__ import annotations

from ninja import Schema


class StixObjectRef(Schema):
    id: str
    version: str


class StixImportOut(Schema):
    collection: str
    sha256: str
    total: int
    stored: int
    duplicates: int
    versions: int
    unknown_kept: int
    indicators_created: int
    indicators_updated: int
    incidents_created: int
    incidents_updated: int
    relationships_linked: int
    warnings: list[str]
    objects: list[StixObjectRef]
    objects_truncated: bool


class StixProblemOut(Schema):
    index: int | None  # the object's position in `objects` (0-based); None: the file as a whole
    id: str
    msg: str


class StixErrorOut(Schema):
    detail: str
    errors: list[StixProblemOut]
