"""What every importer produces: plain records, one per event, before anything is written.

A parser (CAP, GDACS, UCDP, ACLED layout, HXL) turns a file into `EventRecord`s or refuses it
with `ImportProblem`s; `event_import.apply` writes the records in one transaction, keyed by
(origin, external_id), so that a re-import updates and never duplicates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class ImportProblem:
    """One thing wrong with an input: which file, which row (or element), what."""

    file: str
    line: int | None
    column: str
    reason: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return (
            f"{where}: {self.column}: {self.reason}" if self.column else f"{where}: {self.reason}"
        )


class ImportRefused(Exception):  # noqa: N818 (a refusal, not a program error)
    """A file (or set of files) refused whole; nothing was written."""

    def __init__(self, problems: list[ImportProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems[:5]))


@dataclass
class FigureRecord:
    figure: str  # models.Figure value: dead, injured, missing, affected, displaced
    best: int | None = None
    low: int | None = None
    high: int | None = None


@dataclass
class SourceRecord:
    kind: str  # models.SourceKind value
    name: str
    url: str = ""
    reference: str = ""
    published_at: datetime | None = None
    figures: list[FigureRecord] = field(default_factory=list)


@dataclass
class EventRecord:
    """One event as a source gives it. `external_id` is the source's stable key (GDACS event
    id, UCDP id, ACLED event_id_cnty, the first CAP message's sender,identifier,sent…)."""

    origin: str  # models.Origin value
    external_id: str
    title: str
    type_code: str  # an EventType code (taxonomy.py)
    starts_at: datetime  # timezone-aware
    start_precision: str = "day"
    ends_at: datetime | None = None
    end_precision: str = ""
    description: str = ""
    country: str = ""  # ISO alpha-3
    admin1_pcode: str = ""
    admin1_name: str = ""
    admin2_pcode: str = ""
    admin2_name: str = ""
    place_name: str = ""
    latitude: float | None = None
    longitude: float | None = None
    location_precision: str = "unknown"
    area: dict[str, Any] | None = None  # GeoJSON geometry
    actor1: str = ""
    actor2: str = ""
    severity: int = 3
    urgency: str = "Unknown"
    certainty: str = "Unknown"
    exercise: bool = False
    tlp: str = "GREEN"
    details: dict[str, Any] = field(default_factory=dict)
    sources: list[SourceRecord] = field(default_factory=list)
    cancelled: bool = False  # a CAP Cancel: the event is kept, marked cancelled
    # Where in the input it came from, for messages ("file.csv:17").
    file: str = ""
    line: int | None = None
