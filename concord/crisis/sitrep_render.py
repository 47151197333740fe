"""The content of a situation report, rendered in the active language (`sitreps.generate` runs
this inside the sitrep's language): key figures, a map of the events, a table of the events,
figures by source and trend charts, as one HTML body (stored on the sitrep and shown on its page)
and a PDF (the same body in a printable document, the marking in every page's header and footer).

The body comes from `crisis/sitrep_report.html#body`; the printable document is
`crisis/sitrep_report.html` around it. Charts and the map are inline SVG (vl-convert, see
`charts`): WeasyPrint fetches nothing, and lays text out in DejaVu Sans (Cyrillic included),
which it embeds in the PDF.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db.models import Max, Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from concord.core.markings import Tlp
from concord.core.pdf import html_to_pdf

from . import charts, queries, queries_regions
from .models import Event, Figure, Origin, Sitrep, SourceKind

REPORT_TEMPLATE = "crisis/sitrep_report.html"
# The table lists this many events at most (the earliest first); the counts, the map, the
# figures and the charts always cover every event. A longer table would make a PDF of hundreds
# of pages that nobody reads.
TABLE_LIMIT = 500
DATE_FORMAT = "%d.%m.%Y"
MOMENT_FORMAT = "%d.%m.%Y %H:%M"


@dataclass(frozen=True)
class EventRow:
    """One line of the events table, formatted for the report."""

    date: str
    title: str
    type: str
    place: str
    severity: int
    dead: int | None
    source: str
    exercise: bool


@dataclass(frozen=True)
class SourceRow:
    kind: str
    name: str
    figure: str
    low: int | None
    best: int | None
    high: int | None
    events: int


@dataclass
class Report:
    """What the report shows; filled step by step while the sitrep is generated."""

    sitrep: Sitrep
    event_count: int
    dead: int
    rows: list[EventRow]
    marking_note: str = ""
    map_svg: str = ""
    weekly_svg: str = ""
    fatalities_svg: str = ""
    sources: list[SourceRow] = field(default_factory=list)


def marking_label(tlp: str) -> str:
    """`TLP:AMBER`: the banner, the same words in every language (TLP 2.0)."""
    return str(Tlp(tlp).label)


def _place(event: Event) -> str:
    parts = [event.place_name or event.admin2_name, event.admin1_name, event.country]
    return ", ".join(dict.fromkeys(part for part in parts if part))


def _source(event: Event) -> str:
    names = [source.name for source in event.sources.all()]
    return ", ".join(names) if names else str(Origin(event.origin).label)


def _row(event: Event) -> EventRow:
    return EventRow(
        date=event.starts_at.astimezone(UTC).strftime(DATE_FORMAT),
        title=event.title,
        type=event.event_type.name,
        place=_place(event),
        severity=event.severity,
        dead=event.dead,  # type: ignore[attr-defined]
        source=_source(event),
        exercise=event.exercise,
    )


def _with_dead(events: QuerySet[Event]) -> QuerySet[Event]:
    """Each event's dead: the largest "best" figure any of its sources gives (sources are not
    added together), as `queries_regions` counts them."""
    return events.annotate(
        dead=Max("sources__figures__best", filter=Q(sources__figures__figure=Figure.DEAD))
    )


def collect(sitrep: Sitrep, events: QuerySet[Event], *, marking_note: str = "") -> Report:
    """The counts and the table (the first step of a sitrep)."""
    with_dead = _with_dead(events)
    dead_values = [event.dead for event in with_dead.only("pk")]  # type: ignore[attr-defined]
    table = with_dead.select_related("event_type").prefetch_related("sources")[:TABLE_LIMIT]
    return Report(
        sitrep=sitrep,
        event_count=len(dead_values),
        dead=sum(value or 0 for value in dead_values),
        rows=[_row(event) for event in table],
        marking_note=marking_note,
    )


def map_image(sitrep: Sitrep, events: QuerySet[Event]) -> str:
    placed = list(events.filter(latitude__isnull=False).select_related("event_type"))
    return charts.map_svg(
        events=placed, region=sitrep.region, bbox=None, title=_("Events on the map")
    )


def add_charts(report: Report, events: QuerySet[Event]) -> None:
    """The trend charts and the figures by source."""
    weeks = queries_regions.weekly(events)
    report.weekly_svg = charts.weekly_chart(weeks, title=_("Events per week"))
    report.fatalities_svg = charts.fatalities_chart(weeks, title=_("Dead per week"))
    report.sources = [
        SourceRow(
            kind=str(SourceKind(total.kind).label)
            if total.kind in SourceKind.values
            else total.kind,
            name=total.name,
            figure=str(Figure(total.figure).label)
            if total.figure in Figure.values
            else total.figure,
            low=total.low,
            best=total.best,
            high=total.high,
            events=total.events,
        )
        for total in queries.figures_by_source(events)
    ]


def _moment(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(MOMENT_FORMAT)


def _period(sitrep: Sitrep) -> str:
    return f"{_moment(sitrep.period_start)} – {_moment(sitrep.period_end)} UTC"


def _scope(sitrep: Sitrep) -> str:
    if sitrep.region is not None:
        return _("Region: %(name)s") % {"name": sitrep.region.name}
    if sitrep.crisis is not None:
        return _("Crisis: %(name)s") % {"name": sitrep.crisis.name}
    return _("Everything the author sees")


def _svg(text: str) -> SafeString:
    # The SVG comes from vl-convert (`charts`), which escapes every text it draws.
    return mark_safe(text)  # noqa: S308


def context(report: Report) -> dict[str, Any]:
    sitrep = report.sitrep
    return {
        "sitrep": sitrep,
        "report": report,
        "marking": marking_label(sitrep.tlp),
        "period": _period(sitrep),
        "scope": _scope(sitrep),
        "author": f"{sitrep.author.get_username()} ({sitrep.owner_agency.name})",
        "generated_at": f"{_moment(timezone.now())} UTC",
        "map_svg": _svg(report.map_svg),
        "weekly_svg": _svg(report.weekly_svg),
        "fatalities_svg": _svg(report.fatalities_svg),
        "truncated": report.event_count > len(report.rows),
    }


def render_body(report: Report) -> str:
    """The report's body (stored on the sitrep, shown on its page, printed in its PDF)."""
    return render_to_string(f"{REPORT_TEMPLATE}#body", context(report))


def render_document(sitrep: Sitrep, body: str) -> str:
    """The printable document around a stored body."""
    return render_to_string(
        REPORT_TEMPLATE,
        {
            "sitrep": sitrep,
            "marking": marking_label(sitrep.tlp),
            "tlp_class": sitrep.tlp.lower().replace("+", ""),
            "body": mark_safe(body),  # noqa: S308  (rendered by our template, escaped there)
        },
    )


def render_pdf(sitrep: Sitrep, body: str) -> bytes:
    return html_to_pdf(render_document(sitrep, body))
