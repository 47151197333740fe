"""Reads for the regions of concern and their monitoring: events per week and per province,
fatalities, top actors. Every figure is built from a queryset of events the caller may see
(`access.events_for(user)`, then filtered by region membership and period), so the monitoring
page shows only what its reader may see.

The dead of an event are the largest `best` "dead" figure among its sources: two sources
reporting on one event are not added up.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, F, IntegerField, Max, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncWeek

from concord.core.access import AnyUser

from . import access
from .models import Event, EventFigure, Figure, Region


@dataclass(frozen=True)
class WeekRow:
    week_start: date  # the Monday of the week
    events: int
    dead: int


@dataclass(frozen=True)
class ProvinceRow:
    country: str  # ISO alpha-3
    admin1_pcode: str
    admin1_name: str
    events: int
    dead: int


def with_dead(events: QuerySet[Event]) -> QuerySet[Event]:
    """The events annotated with `dead`: the largest `best` dead figure among their sources
    (0 when no source gives one)."""
    largest = (
        EventFigure.objects.filter(source__event=OuterRef("pk"), figure=Figure.DEAD)
        .order_by()
        .values("source__event")
        .annotate(largest=Max("best"))
        .values("largest")
    )
    return events.annotate(dead=Coalesce(Subquery(largest, output_field=IntegerField()), Value(0)))


def weekly(events: QuerySet[Event]) -> list[WeekRow]:
    """Events and dead per week (Monday to Sunday, by start time), oldest first; weeks with
    no event are left out."""
    rows = (
        with_dead(events.order_by())
        .annotate(week=TruncWeek("starts_at"))
        .values("week")
        .annotate(count=Count("pk"), dead_sum=Sum("dead"))
        .order_by("week")
    )
    return [
        WeekRow(_date(row["week"]), int(row["count"]), int(row["dead_sum"] or 0)) for row in rows
    ]


def _date(value: Any) -> date:
    return value.date() if isinstance(value, datetime) else value


def by_province(events: QuerySet[Event]) -> list[ProvinceRow]:
    """Events and dead per admin-1 area (by P-code; by name where the event has no P-code),
    most events first. An area's name is the one its events give most often."""
    rows = (
        with_dead(events.order_by())
        .values("country", "admin1_pcode", "admin1_name")
        .annotate(count=Count("pk"), dead_sum=Sum("dead"))
    )
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    names: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for row in rows:
        key = (row["country"], row["admin1_pcode"] or f"name:{row['admin1_name']}")
        counts[key][0] += int(row["count"])
        counts[key][1] += int(row["dead_sum"] or 0)
        names[key][row["admin1_name"]] += int(row["count"])
    found = [
        ProvinceRow(
            country=country,
            admin1_pcode="" if pcode.startswith("name:") else pcode,
            admin1_name=min(names[(country, pcode)].items(), key=lambda kv: (-kv[1], kv[0]))[0],
            events=events_count,
            dead=dead,
        )
        for (country, pcode), (events_count, dead) in counts.items()
    ]
    return sorted(found, key=lambda r: (-r.events, -r.dead, r.country, r.admin1_name))


def top_actors(events: QuerySet[Event], limit: int = 10) -> list[tuple[str, int]]:
    """The actors named in most events (as actor 1 or 2; an event counts once per actor),
    most first, then by name."""
    plain = events.order_by()
    counts: Counter[str] = Counter()
    for field in ("actor1", "actor2"):
        rows = plain.exclude(**{field: ""})
        if field == "actor2":
            rows = rows.exclude(actor2=F("actor1"))
        for row in rows.values(field).annotate(count=Count("pk")):
            counts[row[field]] += int(row["count"])
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]


# Regions ---------------------------------------------------------------------------------------


def regions_for(user: AnyUser) -> QuerySet[Region]:
    """Every region of concern, for any signed-in user (403 otherwise)."""
    access.reader(user)
    return Region.objects.all()


def region_events(user: AnyUser, region: Region) -> QuerySet[Event]:
    """The events of the region the user may see, not cancelled."""
    return access.events_for(user).filter(cancelled_at__isnull=True, memberships__region=region)


def period_events(
    user: AnyUser, region: Region, *, since: date, until: date, exercises: bool = False
) -> QuerySet[Event]:
    """The region's events the user may see that start from `since` to `until` (whole days in
    UTC, both included), without exercises unless asked."""
    events = region_events(user, region).filter(
        starts_at__gte=datetime.combine(since, time.min, tzinfo=UTC),
        starts_at__lt=datetime.combine(until + timedelta(days=1), time.min, tzinfo=UTC),
    )
    return events if exercises else events.filter(exercise=False)


def region_summary(user: AnyUser, region: Region) -> dict[str, Any]:
    """{"events": count, "dead": sum of the events' dead, "last_event": start of the latest
    event or None} over the region's events the user may see."""
    events = region_events(user, region)
    totals = with_dead(events.order_by()).aggregate(
        count=Count("pk"), dead_total=Sum("dead"), last=Max("starts_at")
    )
    return {
        "events": int(totals["count"] or 0),
        "dead": int(totals["dead_total"] or 0),
        "last_event": totals["last"],
    }
