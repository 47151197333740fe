"""Reads of the cyber module: incident and indicator lists, the correlation of a value across
agencies, and an indicator's decayed score. Everything starts from `access.*_for(user)`, so a
reader only ever counts what they may see.

Correlation is computed from the index on (kind, canonical) at read time, over the indicators
the reader sees: there is no table of pairs to grow with the square of the data (MISP's
correlation table) or to go stale when a marking changes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from concord.core.access import AnyUser
from concord.core.models import Agency

from . import access
from .models import Incident, IncidentStatus, Indicator, IndicatorQuerySet, Sighting

# --- incidents ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class IncidentFilters:
    status: str = ""
    severity: str = ""
    classification: str = ""  # a tag ("fraud:phishing") or a predicate ("fraud")
    state: str = ""  # code of the owner's state or of an affected state
    text: str = ""  # in the title or description


def incidents(user: AnyUser, filters: IncidentFilters | None = None) -> QuerySet[Incident]:
    """The incidents `user` sees, newest first, filtered."""
    found = filters or IncidentFilters()
    queryset = access.incidents_for(user).select_related(
        "owner_agency__state", "owner_agency__body"
    )
    if found.status:
        queryset = queryset.filter(status=found.status)
    if found.severity:
        queryset = queryset.filter(severity=found.severity)
    if found.classification:
        tag = found.classification.strip().lower().removeprefix("rsit:")
        queryset = queryset.filter(
            Q(classification=tag) if ":" in tag else Q(classification__startswith=f"{tag}:")
        )
    if found.state:
        code = found.state.strip().upper()
        affected = Incident.affected_states.through.objects.filter(
            incident_id=OuterRef("pk"), memberstate__code=code
        )
        queryset = queryset.filter(Q(owner_agency__state__code=code) | Q(Exists(affected)))
    if found.text.strip():
        words = found.text.strip()
        queryset = queryset.filter(Q(title__icontains=words) | Q(description__icontains=words))
    return queryset.order_by("-created_at", "-id")


def incident_counts(user: AnyUser) -> dict[str, int]:
    """How many incidents the user sees in each status (every status present, zero or not)."""
    counts = dict.fromkeys(IncidentStatus.values, 0)
    rows = access.incidents_for(user).order_by().values_list("status").annotate(n=Count("pk"))
    counts.update(dict(rows))
    return counts


# --- decay -------------------------------------------------------------------------------------

# MISP's polynomial decay (misp-decaying-models, `phishing-model.json`; Iklody et al.,
# "Decaying Indicators of Compromise", arXiv:1803.11052):
#     score(t) = base · (1 − (t / τ)^(1/δ))   for 0 ≤ t ≤ τ, and 0 after,
# with τ the lifetime in days and δ the decay speed. The phishing model sets τ = 3, δ = 2.3 and
# calls a value below 30 expired. MISP takes the base score from the attribute's taxonomy tags;
# ours is the indicator's confidence. t runs from the latest `seen` sighting, or from the start
# of validity when nobody has seen it since.
DECAY_SPEED = 2.3
EXPIRY_THRESHOLD = 30.0


@dataclass(frozen=True)
class Score:
    value: float  # 0–100, rounded to one decimal
    base: float
    decays: bool
    expired: bool  # past `valid_until`, or decayed below the threshold
    since: datetime  # the moment the decay counts from


def score(
    indicator: Indicator, at: datetime | None = None, *, last_seen: datetime | None = None
) -> Score:
    """The indicator's decayed score at a moment (now by default)."""
    moment = at or timezone.now()
    base = float(indicator.confidence)
    since = max(indicator.valid_from, last_seen) if last_seen else indicator.valid_from
    ended = indicator.valid_until is not None and moment >= indicator.valid_until
    if ended:
        return Score(0.0, base, indicator.lifetime_days is not None, True, since)
    if not indicator.lifetime_days:
        return Score(base, base, False, False, since)
    days = max((moment - since).total_seconds(), 0.0) / 86400
    lifetime = float(indicator.lifetime_days)
    value = 0.0 if days >= lifetime else base * (1 - (days / lifetime) ** (1 / DECAY_SPEED))
    value = round(value, 1)
    return Score(value, base, True, value < EXPIRY_THRESHOLD, since)


# --- indicators --------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorFilters:
    kind: str = ""
    text: str = ""  # part of the canonical value or the description
    actionable: bool | None = None
    current: bool = False  # inside their validity window now


def indicators(user: AnyUser, filters: IndicatorFilters | None = None) -> QuerySet[Indicator]:
    """The indicators `user` sees, newest first, each with `last_seen` (latest `seen`)."""
    found = filters or IndicatorFilters()
    queryset = access.indicators_for(user).select_related("owner_agency__state")
    if found.kind:
        queryset = queryset.filter(kind=found.kind)
    if found.text.strip():
        text = found.text.strip()
        queryset = queryset.filter(
            Q(canonical__icontains=text.lower()) | Q(description__icontains=text)
        )
    if found.actionable is not None:
        queryset = queryset.filter(actionable=found.actionable)
    if found.current:
        queryset = cast("IndicatorQuerySet", queryset).current()
    last_seen = Sighting.objects.filter(indicator_id=OuterRef("pk"), kind=Sighting.Kind.SEEN)
    return queryset.annotate(
        last_seen=last_seen.order_by("-observed_at").values("observed_at")[:1]
    ).order_by("-created_at", "-id")


@dataclass(frozen=True)
class Holder:
    """One agency's indicator with the value, and the incidents (the reader sees) it is in."""

    indicator: Indicator
    agency: Agency
    incidents: list[Incident]


@dataclass(frozen=True)
class SightingTotal:
    kind: str
    reports: int
    count: int  # sum of the reported counts
    agencies: int


@dataclass
class Correlation:
    kind: str
    canonical: str
    holders: list[Holder]  # every visible indicator with the value, the asked one included
    state_codes: list[str]
    body_codes: list[str]
    incident_count: int
    sightings: list[SightingTotal] = field(default_factory=list)

    @property
    def others(self) -> list[Holder]:
        """The holders other than the first agency's (the indicator asked about)."""
        return self.holders[1:]

    @property
    def summary(self) -> str:
        """ "reported by 3 states in 2 incidents" (states whose agencies hold the value)."""
        states = ngettext("%(n)d state", "%(n)d states", len(self.state_codes)) % {
            "n": len(self.state_codes)
        }
        found_in = ngettext("%(n)d incident", "%(n)d incidents", self.incident_count) % {
            "n": self.incident_count
        }
        return _("reported by %(states)s in %(incidents)s") % {
            "states": states,
            "incidents": found_in,
        }

    @property
    def false_positive_agencies(self) -> int:
        return next((s.agencies for s in self.sightings if s.kind == "false_positive"), 0)


def correlation(user: AnyUser, indicator: Indicator) -> Correlation:
    """The same (kind, canonical) value as held by every agency `user` sees, with the incidents
    `user` sees it in and a summary of the sightings: four queries, whatever the data."""
    found = list(
        access.indicators_for(user)
        .filter(kind=indicator.kind, canonical=indicator.canonical)
        .select_related("owner_agency__state", "owner_agency__body")
        .order_by("created_at", "id")
    )
    # The indicator asked about first (it is visible: the caller fetched it through access).
    found.sort(key=lambda i: i.pk != indicator.pk)
    ids = [i.pk for i in found]
    visible_incidents = access.incidents_for(user)
    links = list(
        Indicator.incidents.through.objects.filter(
            indicator_id__in=ids, incident_id__in=visible_incidents.values("pk")
        ).values_list("indicator_id", "incident_id")
    )
    by_id = visible_incidents.select_related("owner_agency__state").in_bulk(
        {incident_id for _, incident_id in links}
    )
    per_indicator: dict[int, list[Incident]] = defaultdict(list)
    for indicator_id, incident_id in links:
        if incident_id in by_id:
            per_indicator[indicator_id].append(by_id[incident_id])
    holders = [
        Holder(i, i.owner_agency, sorted(per_indicator[i.pk], key=lambda x: x.created_at))
        for i in found
    ]
    agencies = [h.agency for h in holders]
    return Correlation(
        kind=indicator.kind,
        canonical=indicator.canonical,
        holders=holders,
        state_codes=sorted({a.state.code for a in agencies if a.state is not None}),
        body_codes=sorted({a.body.code for a in agencies if a.body is not None}),
        incident_count=len(by_id),
        sightings=_sighting_totals(ids),
    )


def _sighting_totals(indicator_ids: list[int]) -> list[SightingTotal]:
    rows = (
        Sighting.objects.filter(indicator_id__in=indicator_ids)
        .order_by()
        .values("kind")
        .annotate(
            reports=Count("pk"), total=Sum("count"), agencies=Count("agency_id", distinct=True)
        )
    )
    order = {kind: n for n, kind in enumerate(Sighting.Kind.values)}
    return sorted(
        (SightingTotal(r["kind"], r["reports"], r["total"] or 0, r["agencies"]) for r in rows),
        key=lambda s: order.get(s.kind, 99),
    )


@dataclass(frozen=True)
class AlsoSeen:
    """Other agencies holding the same value, as far as the reader sees."""

    agencies: int = 0
    states: int = 0
    incidents: int = 0


@dataclass(frozen=True)
class IndicatorRow:
    indicator: Indicator
    also_seen: AlsoSeen
    score: Score


def incident_indicators(user: AnyUser, incident: Incident) -> list[IndicatorRow]:
    """The incident's indicators the user sees, each with how many other agencies, states and
    incidents hold the same value (one aggregate grouped by (kind, canonical)) and its score:
    two queries, however many indicators."""
    rows = list(indicators(user).filter(incidents=incident).order_by("kind", "canonical", "id"))
    if not rows:
        return []
    visible_incidents = access.incidents_for(user).values("pk")
    others = (
        access.indicators_for(user)
        .filter(kind__in={i.kind for i in rows}, canonical__in={i.canonical for i in rows})
        .exclude(pk__in=[i.pk for i in rows])
        .exclude(owner_agency_id=incident.owner_agency_id)
        .order_by()
        .values("kind", "canonical")
        .annotate(
            agencies=Count("owner_agency_id", distinct=True),
            states=Count("owner_agency__state_id", distinct=True),
            incidents=Count("incidents", distinct=True, filter=Q(incidents__in=visible_incidents)),
        )
    )
    seen: dict[tuple[str, str], AlsoSeen] = {
        (r["kind"], r["canonical"]): AlsoSeen(r["agencies"], r["states"], r["incidents"])
        for r in others
    }
    now = timezone.now()
    return [
        IndicatorRow(
            i,
            seen.get((i.kind, i.canonical), AlsoSeen()),
            score(i, now, last_seen=getattr(i, "last_seen", None)),
        )
        for i in rows
    ]


def last_seen(indicator: Indicator) -> datetime | None:
    """The latest `seen` sighting of the indicator (for its score)."""
    value: Any = indicator.sightings.filter(kind=Sighting.Kind.SEEN).aggregate(
        at=Max("observed_at")
    )["at"]
    return value
