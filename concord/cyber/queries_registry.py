"""Reads of the registry of harmful information resources: a resource state by state, the
registry list, the operation's statistics and the lookup of URLs and hosts.

Statistics: a year's figures for a state (and category) are the figures it returned for that
year (`YearlyReturn`, the operation before the registry or in aggregate) **plus** the actions
itemised in the registry dated that year. An action counts once per state that took it, so
totals are sums over states, as the states' returns are.

Lookup: the registry's canonical values are indexed once per process (`lookup.RegistryIndex`)
and rebuilt when the data stamp (`index_stamp`: the number of resources and the highest id,
one cheap query) moves. Matching follows the index's rules: exact host, URL path prefix,
accounts by platform and handle; never the registrable domain.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext as _

from concord.core.models import MemberState

from . import canon
from . import lookup as lookup_index
from .models_registry import (
    Action,
    AppealOutcome,
    LegalBasisKind,
    Resource,
    ResourceAction,
    ResourceCategory,
    YearlyReturn,
)

PER_PAGE = 50
MAX_LOOKUP_ITEMS = 10_000  # per call of the lookup API
BLOCKED = "blocked"


# --- one resource, state by state --------------------------------------------------------------


@dataclass(frozen=True)
class StateStatus:
    """Where one state stands on a resource. `status` is "blocked" while a block is in force,
    otherwise the state's latest action ("" when it took none)."""

    state: MemberState
    status: str
    date: date | None = None
    basis_kind: str = ""
    basis: str = ""
    reasons: str = ""
    case_numbers: tuple[str, ...] = ()
    outcome: str = ""
    blocked: bool = False
    actions: tuple[ResourceAction, ...] = ()

    @property
    def status_label(self) -> str:
        return str(Action(self.status).label) if self.status else _("no action")

    @property
    def basis_kind_label(self) -> str:
        return str(LegalBasisKind(self.basis_kind).label) if self.basis_kind else ""

    @property
    def outcome_label(self) -> str:
        return str(AppealOutcome(self.outcome).label) if self.outcome else ""


def _status_of(actions: list[ResourceAction]) -> tuple[str, ResourceAction | None, bool]:
    """(status, the action that decides it, whether a block is in force) for one state's
    actions in date order."""
    if not actions:
        return "", None, False
    blocking = [a for a in actions if a.action in (Action.BLOCKED, Action.UNBLOCKED)]
    if blocking and blocking[-1].action == Action.BLOCKED:
        return BLOCKED, blocking[-1], True
    return actions[-1].action, actions[-1], False


def _state_status(state: MemberState, actions: list[ResourceAction]) -> StateStatus:
    status, deciding, blocked = _status_of(actions)
    if deciding is None:
        return StateStatus(state, "")
    unblocks = [a for a in actions if a.action == Action.UNBLOCKED]
    return StateStatus(
        state=state,
        status=status,
        date=deciding.date,
        basis_kind=deciding.basis_kind,
        basis=deciding.basis,
        reasons=deciding.reasons,
        case_numbers=tuple(a.case_number for a in actions if a.action == Action.CRIMINAL_CASE),
        outcome=unblocks[-1].outcome if unblocks else "",
        blocked=blocked,
        actions=tuple(actions),
    )


def resource_actions(resource: Resource) -> QuerySet[ResourceAction]:
    return resource.actions.select_related("state", "agency").order_by("date", "id")


def resource_status(resource: Resource) -> list[StateStatus]:
    """One row per member state (current members, and any other state that acted), by code."""
    by_state: dict[int, list[ResourceAction]] = defaultdict(list)
    states: dict[int, MemberState] = {}
    for action in resource_actions(resource):
        by_state[action.state_id].append(action)
        states[action.state_id] = action.state
    for state in MemberState.objects.current():
        states.setdefault(state.pk, state)
    ordered = sorted(states.values(), key=lambda s: s.code)
    return [_state_status(state, by_state.get(state.pk, [])) for state in ordered]


def statuses(resource_ids: Iterable[int]) -> dict[int, dict[str, str]]:
    """resource id → {state code: status} for the states that acted on it, in one query."""
    grouped: dict[int, dict[str, list[ResourceAction]]] = defaultdict(lambda: defaultdict(list))
    rows = (
        ResourceAction.objects.filter(resource_id__in=list(resource_ids))
        .select_related("state")
        .only("id", "resource_id", "action", "date", "state__code")
        .order_by("date", "id")
    )
    for action in rows:
        grouped[action.resource_id][action.state.code].append(action)
    return {
        rid: {code: _status_of(actions)[0] for code, actions in sorted(by_state.items())}
        for rid, by_state in grouped.items()
    }


# --- the registry list -------------------------------------------------------------------------


@dataclass(frozen=True)
class RegistryFilters:
    q: str = ""
    category: str = ""
    state: str = ""
    action: str = ""
    year: int | None = None


def registry_queryset(filters: RegistryFilters) -> QuerySet[Resource]:
    """Resources matching the filters. With a state or an action, the resource must have that
    action (in that state, and dated in `year` when given); otherwise `year` is the year of
    identification."""
    resources = Resource.objects.select_related("category", "identified_by")
    if filters.q:
        text = filters.q.strip()
        resources = resources.filter(
            Q(canonical__icontains=text) | Q(value__icontains=text) | Q(description__icontains=text)
        )
    if filters.category:
        resources = resources.filter(category__code=filters.category)
    if filters.state or filters.action:
        acted = ResourceAction.objects.filter(resource=OuterRef("pk"))
        if filters.state:
            acted = acted.filter(state__code=filters.state.upper())
        if filters.action:
            acted = acted.filter(action=filters.action)
        if filters.year:
            acted = acted.filter(date__year=filters.year)
        resources = resources.filter(Exists(acted))
    elif filters.year:
        resources = resources.filter(identified_on__year=filters.year)
    return resources.order_by("-identified_on", "-id")


def registry_page(
    filters: RegistryFilters, *, page: int | str = 1, per_page: int = PER_PAGE
) -> Page:
    """One page of the registry; each resource carries `state_statuses` ({code: status})."""
    paginator = Paginator(registry_queryset(filters), per_page)
    current = paginator.get_page(page)
    found = statuses(r.pk for r in current.object_list)
    for resource in current.object_list:
        resource.state_statuses = found.get(resource.pk, {})
    return current


def categories() -> list[ResourceCategory]:
    return list(ResourceCategory.objects.all())


def category_by_code(code: str) -> ResourceCategory | None:
    return ResourceCategory.objects.filter(code=code).first()


# --- statistics --------------------------------------------------------------------------------


@dataclass
class Figures:
    identified: int = 0
    blocked: int = 0
    suspended: int = 0
    criminal_cases: int = 0
    unblocked: int = 0

    def add(self, other: Figures) -> None:
        for item in fields(self):
            setattr(self, item.name, getattr(self, item.name) + getattr(other, item.name))

    def as_dict(self) -> dict[str, int]:
        return {item.name: getattr(self, item.name) for item in fields(self)}


_ACTION_FIGURE = {
    Action.IDENTIFIED: "identified",
    Action.BLOCKED: "blocked",
    Action.SUSPENDED: "suspended",
    Action.CRIMINAL_CASE: "criminal_cases",
    Action.UNBLOCKED: "unblocked",
}


@dataclass
class StatRow:
    """Figures of one year, state ("" = the organisation as a whole) and category ("" = not
    split by category): what was returned, what the registry itemises, and their sum."""

    year: int
    state: str
    category: str
    returns: Figures = field(default_factory=Figures)
    registry: Figures = field(default_factory=Figures)

    @property
    def total(self) -> Figures:
        result = Figures()
        result.add(self.returns)
        result.add(self.registry)
        return result


@dataclass
class Statistics:
    rows: list[StatRow]
    total: Figures
    by_year: dict[int, Figures]
    by_state: dict[str, Figures]
    by_category: dict[str, Figures]

    def period(self, first: int, last: int) -> Figures:
        """Totals of the years `first`..`last` inclusive."""
        result = Figures()
        for year, figures in self.by_year.items():
            if first <= year <= last:
                result.add(figures)
        return result

    @property
    def years(self) -> list[int]:
        return sorted(self.by_year)

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": self.total.as_dict(),
            "by_year": {str(y): f.as_dict() for y, f in sorted(self.by_year.items())},
            "by_state": {s or "—": f.as_dict() for s, f in sorted(self.by_state.items())},
            "by_category": {c or "—": f.as_dict() for c, f in sorted(self.by_category.items())},
            "rows": [
                {
                    "year": row.year,
                    "state": row.state or None,
                    "category": row.category or None,
                    "returns": row.returns.as_dict(),
                    "registry": row.registry.as_dict(),
                    "total": row.total.as_dict(),
                }
                for row in self.rows
            ],
        }


def statistics(year: int | None = None) -> Statistics:
    """The operation's figures per year, state, category and action (returns + registry)."""
    rows: dict[tuple[int, str, str], StatRow] = {}

    def row_for(key: tuple[int, str, str]) -> StatRow:
        if key not in rows:
            rows[key] = StatRow(*key)
        return rows[key]

    returns = YearlyReturn.objects.all()
    actions = ResourceAction.objects.all()
    if year is not None:
        returns = returns.filter(year=year)
        actions = actions.filter(date__year=year)
    for item in returns.values(
        "year",
        "identified",
        "blocked",
        "suspended",
        "criminal_cases",
        state_code=F("state__code"),
        category_code=F("category__code"),
    ):
        row = row_for((item["year"], item["state_code"] or "", item["category_code"] or ""))
        row.returns.add(
            Figures(item["identified"], item["blocked"], item["suspended"], item["criminal_cases"])
        )
    counted = (
        actions.annotate(year=ExtractYear("date"))
        .values(
            "year",
            "action",
            state_code=F("state__code"),
            category_code=F("resource__category__code"),
        )
        .annotate(n=Count("id"))
        .order_by()
    )
    for group in counted:
        row = row_for((group["year"], group["state_code"], group["category_code"]))
        name = _ACTION_FIGURE[group["action"]]
        setattr(row.registry, name, getattr(row.registry, name) + group["n"])
    return _summarise(sorted(rows.values(), key=lambda r: (r.year, r.state, r.category)))


def _summarise(rows: list[StatRow]) -> Statistics:
    total = Figures()
    by_year: dict[int, Figures] = defaultdict(Figures)
    by_state: dict[str, Figures] = defaultdict(Figures)
    by_category: dict[str, Figures] = defaultdict(Figures)
    for row in rows:
        figures = row.total
        total.add(figures)
        by_year[row.year].add(figures)
        by_state[row.state].add(figures)
        by_category[row.category].add(figures)
    return Statistics(rows, total, dict(by_year), dict(by_state), dict(by_category))


# --- lookup ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LookupMatch:
    resource_id: int
    canonical: str
    kind: str
    category: str
    states: dict[str, str]


@dataclass(frozen=True)
class LookupResult:
    input: str
    canonical: str | None
    found: bool
    matches: list[LookupMatch]
    error: str | None


_index_lock = threading.Lock()
_index_cache: dict[str, tuple[str, lookup_index.RegistryIndex]] = {}


def index_stamp() -> str:
    """Changes whenever a resource is added or removed: the count and the highest id."""
    row = Resource.objects.aggregate(top=Max("id"), count=Count("id"))
    return f"{row['top'] or 0}:{row['count']}"


def forget_index() -> None:
    """Drop this process's index (other processes notice the stamp)."""
    with _index_lock:
        _index_cache.clear()


def registry_index() -> lookup_index.RegistryIndex:
    """The process's index of the registry, rebuilt when the data stamp moves."""
    stamp = index_stamp()
    with _index_lock:
        cached = _index_cache.get("index")
        if cached is not None and cached[0] == stamp:
            return cached[1]
        entries = Resource.objects.values_list("id", "kind", "canonical").iterator(chunk_size=5000)
        built = lookup_index.RegistryIndex(entries)
        _index_cache["index"] = (stamp, built)
        return built


def _input_canonical(text: str) -> str | None:
    """The canonical form of a lookup input (a URL or a host), or None when it has none."""
    value = text.strip()
    platform = value.partition(":")[0].lower()
    try:
        if "://" not in value and platform in lookup_index.PLATFORM_HOSTS:
            return lookup_index.account_canonical(value)
        if "://" in value:
            return canon.canonical("url", value).value
        return canon.canonical_host(value).value
    except canon.CanonError:
        return None


def lookup(texts: list[str]) -> list[LookupResult]:
    """Is each URL or host in the registry, in which states, with which status."""
    index = registry_index()
    matched = [index.match_one(text) for text in texts]
    ids = {rid for found, _error in matched for rid in found}
    resources = {
        r["id"]: r
        for r in Resource.objects.filter(id__in=ids).values(
            "id", "canonical", "kind", category_code=F("category__code")
        )
    }
    by_resource = statuses(ids)
    results = []
    for text, (found, error) in zip(texts, matched, strict=True):
        matches = [
            LookupMatch(
                resource_id=rid,
                canonical=resources[rid]["canonical"],
                kind=resources[rid]["kind"],
                category=resources[rid]["category_code"],
                states=by_resource.get(rid, {}),
            )
            for rid in sorted(found)
            if rid in resources
        ]
        canonical = None if error else _input_canonical(text)
        results.append(LookupResult(text, canonical, bool(matches), matches, error))
    return results


def action_counts(*, start: date, end: date) -> dict[str, dict[str, int]]:
    """How many resources each member state identified and blocked between two dates
    (inclusive), from the registry: {state code: {"identified": n, "blocked": n}}. The
    operations module reads the information-security operation's figures from here, so they
    are not entered twice. One query."""
    counts: dict[str, dict[str, int]] = {}
    rows = (
        ResourceAction.objects.filter(
            date__gte=start, date__lte=end, action__in=[Action.IDENTIFIED, Action.BLOCKED]
        )
        .values("action", state_code=F("state__code"))
        .annotate(n=Count("resource_id", distinct=True))
        .order_by()
    )
    for row in rows:
        figures = counts.setdefault(row["state_code"], {"identified": 0, "blocked": 0})
        figures[row["action"]] = row["n"]
    return counts
