"""Reads: the organisations the judgements make of the entries, their recognition matrix, the
gaps, the review queue, the diff of an import, and the cached screener."""

from __future__ import annotations

import hashlib
import os
import pickle
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from rigour.text.translit import ascii_text

from concord.core.models import MemberState

from .matching.engine import AliasStore, Record, Screener
from .matching.names import prepare_all
from .models import (
    UN_CODE,
    AliasGroup,
    Answer,
    Candidate,
    Entry,
    EntryName,
    Generation,
    Judgement,
    NationalList,
    Publication,
    RoundAnswer,
    RoundItem,
    Verdict,
)
from .records import ParsedEntry, ParsedList

GENERATION_KEY = "matching"

# Per-process caches keyed by the data stamp (see `generation`): the organisations and the
# screener built from them.
_screener_lock = threading.RLock()  # screener() computes organisations() under it
_screener_cache: dict[str, Any] = {}


def generation() -> str:
    """The stamp of the matcher's data: changes with every write that matters to it."""
    row = Generation.objects.filter(key=GENERATION_KEY).values_list("stamp", flat=True).first()
    return row or "initial"


def state_codes() -> list[str]:
    return list(MemberState.objects.current().order_by("code").values_list("code", flat=True))


def national_lists() -> QuerySet[NationalList]:
    return NationalList.objects.select_related("state").order_by("code")


def present_entries() -> list[Entry]:
    return list(
        Entry.objects.present()
        .select_related("national_list")
        .prefetch_related(Prefetch("names", EntryName.objects.order_by("position")))
        .order_by("national_list__code", "entry_id")
    )


def alias_groups() -> QuerySet[AliasGroup]:
    return AliasGroup.objects.prefetch_related("names").order_by("label_en")


def build_alias_store() -> AliasStore:
    return AliasStore(
        {
            group.key: [(name.text, name.kind) for name in group.names.all()]
            for group in alias_groups()
        }
    )


# --- clusters ----------------------------------------------------------------------------------


class Clusters:
    """Connected components of positive judgements, with the negative links that forbid merging
    two components (nomenklatura's resolver semantics)."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}
        self.negative: set[tuple[str, str]] = set()

    def find(self, uid: str) -> str:
        parent = self.parent.setdefault(uid, uid)
        if parent != uid:
            parent = self.parent[uid] = self.find(parent)
        return parent

    def members(self) -> dict[str, list[str]]:
        groups: dict[str, list[str]] = defaultdict(list)
        for uid in list(self.parent):
            groups[self.find(uid)].append(uid)
        return groups

    def blocked(self, left: str, right: str) -> bool:
        """True when a negative link joins the two components (O(negative links))."""
        left_root, right_root = self.find(left), self.find(right)
        if left_root == right_root:
            return False
        roots = {left_root, right_root}
        return any({self.find(a), self.find(b)} == roots for a, b in self.negative)

    def union(self, left: str, right: str) -> None:
        left_root, right_root = self.find(left), self.find(right)
        if left_root != right_root:
            self.parent[max(left_root, right_root)] = min(left_root, right_root)


def clusters() -> Clusters:
    result = Clusters()
    for left, right, verdict in Judgement.objects.current().values_list(
        "left_uid", "right_uid", "verdict"
    ):
        if verdict == Verdict.POSITIVE:
            result.union(left, right)
        elif verdict == Verdict.NEGATIVE:
            result.negative.add((left, right))
    return result


# --- organisations -----------------------------------------------------------------------------

LIST_PRIORITY = ("RU", "BY", "KZ", "KG", "TJ", "AM", UN_CODE)


def organisation_id(uids: Iterable[str]) -> str:
    anchor = min(uids)
    return "co-" + hashlib.sha1(anchor.encode(), usedforsecurity=False).hexdigest()[:12]


@dataclass
class Organisation:
    id: str
    name_ru: str
    name_en: str
    category: str
    entries: list[Entry]
    recognition: dict[str, dict[str, Any]]
    un: dict[str, Any] | None
    alias_group: str | None
    agreed: set[str] = field(default_factory=set)
    in_single_list: bool = False

    @property
    def listed_by(self) -> list[str]:
        return [code for code, cell in self.recognition.items() if cell["listed"]]

    @property
    def missing(self) -> list[str]:
        return [code for code, cell in self.recognition.items() if not cell["listed"]]

    @property
    def is_gap(self) -> bool:
        return bool(self.listed_by) and bool(self.missing)

    @property
    def uids(self) -> list[str]:
        return [entry.uid for entry in self.entries]

    def names(self) -> list[dict[str, str]]:
        seen: set[tuple[str, str]] = set()
        out = []
        for entry in self.entries:
            for name in entry.names.all():
                if (name.text, name.lang) in seen:
                    continue
                seen.add((name.text, name.lang))
                out.append(
                    {
                        "text": name.text,
                        "lang": name.lang,
                        "kind": name.kind,
                        "source": entry.national_list.code,
                    }
                )
        return out

    def as_snapshot(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name_ru": self.name_ru,
            "name_en": self.name_en,
            "category": self.category,
            "in_single_list": self.in_single_list,
            "names": self.names(),
            "recognition": self.recognition,
            "un": self.un,
            "agreed": sorted(self.agreed),
            "entries": [
                {
                    "list": e.national_list.code,
                    "entry_id": e.entry_id,
                    "uid": e.uid,
                    "name": e.names.all()[0].text if e.names.all() else "",
                    "status": e.status,
                }
                for e in self.entries
            ],
        }


def _cell(entry: Entry) -> dict[str, Any]:
    return {
        "listed": entry.in_force,
        "entry_id": entry.entry_id,
        "listed_on": entry.listed_on.isoformat() if entry.listed_on else None,
        "legal_basis": entry.legal_basis,
        "status": entry.status,
        "delisted_on": entry.delisted_on.isoformat() if entry.delisted_on else None,
    }


def _canonical(entries: Sequence[Entry], group: AliasGroup | None) -> tuple[str, str]:
    if group is not None:
        return group.label_ru, group.label_en
    ordered = sorted(
        entries,
        key=lambda e: (
            LIST_PRIORITY.index(e.national_list.code)
            if e.national_list.code in LIST_PRIORITY
            else 99
        ),
    )
    names = [n for e in ordered for n in e.names.all()]
    russian = next((n.text for n in names if n.lang == "ru"), "")
    un_name = next((e.names.all()[0].text for e in ordered if e.national_list.code == UN_CODE), "")
    english = un_name or next((n.text for n in names if n.lang == "en"), "")
    first = names[0].text if names else ""
    return russian or first, english or ascii_text(russian or first)


def _main_group(members: Sequence[Entry], store: AliasStore) -> str | None:
    """The alias group most of the organisation's names are in, as written."""
    counts: Counter[str] = Counter()
    for entry in members:
        for name in entry.names.all():
            for prepared in prepare_all(name.text, name.kind):
                group, places = store.group_of(prepared)
                if group is not None and not places:
                    counts[group] += 1
    return counts.most_common(1)[0][0] if counts else None


def agreements() -> dict[str, set[str]]:
    """entry uid → states whose latest answer about it, in any round, is "agree": a later
    objection or "procedure" withdraws an earlier agreement."""
    latest: dict[tuple[str, str], str] = {}
    answers = RoundAnswer.objects.select_related("state", "item").order_by("answered_at", "id")
    for answer in answers:
        for uid in answer.item.entry_uids:
            latest[uid, answer.state.code] = answer.answer
    agreed: dict[str, set[str]] = defaultdict(set)
    for (uid, code), value in latest.items():
        if value == Answer.AGREE:
            agreed[uid].add(code)
    return agreed


def organisations() -> list[Organisation]:
    """Every organisation that some list records, with its recognition matrix. Computed once per
    data stamp and process (pages, the API and the screener share it); treat it as read-only."""
    current = generation()
    with _screener_lock:
        cached = _screener_cache.get("organisations")
        if cached is not None and cached[0] == current and current != "initial":
            return list(cached[1])
    result = _compute_organisations()
    with _screener_lock:
        _screener_cache["organisations"] = (current, result)
    return list(result)


def _compute_organisations() -> list[Organisation]:
    entries = present_entries()
    by_uid = {entry.uid: entry for entry in entries}
    graph = clusters()
    for uid in by_uid:
        graph.find(uid)
    store = build_alias_store()
    groups = {g.key: g for g in AliasGroup.objects.all()}
    states = state_codes()
    agreed = agreements()
    result = []
    for uids in graph.members().values():
        members = [by_uid[u] for u in sorted(uids) if u in by_uid]
        if not members:
            continue
        group_key = _main_group(members, store)
        name_ru, name_en = _canonical(members, groups.get(group_key) if group_key else None)
        recognition: dict[str, dict[str, Any]] = {}
        for code in states:
            own = [e for e in members if e.national_list.code == code]
            in_force = [e for e in own if e.in_force]
            chosen = in_force[0] if in_force else (own[0] if own else None)
            recognition[code] = _cell(chosen) if chosen else {"listed": False}
        un_entries = [e for e in members if e.national_list.code == UN_CODE and e.in_force]
        un = (
            {
                "listed": True,
                "reference": un_entries[0].extra.get("un_reference", un_entries[0].entry_id),
                "listed_on": un_entries[0].listed_on.isoformat()
                if un_entries[0].listed_on
                else None,
            }
            if un_entries
            else None
        )
        org = Organisation(
            id=organisation_id(uids),
            name_ru=name_ru,
            name_en=name_en,
            category="terrorist"
            if any(e.category == "terrorist" for e in members)
            else "extremist",
            entries=members,
            recognition=recognition,
            un=un,
            alias_group=group_key,
        )
        org.agreed = set().union(*(agreed.get(uid, set()) for uid in org.uids))
        org.in_single_list = bool(org.listed_by) and all(
            cell["listed"] or code in org.agreed for code, cell in recognition.items()
        )
        if org.listed_by or org.un:
            result.append(org)
    result.sort(key=lambda o: (o.name_ru.casefold(), o.id))
    return result


def gaps(orgs: Sequence[Organisation], *, state: str | None = None) -> list[Organisation]:
    """Organisations listed by some states and not others; for a state, those listed by others
    but not by it."""
    found = [o for o in orgs if o.is_gap]
    if state:
        found = [o for o in found if state in o.missing]
    return found


def recognised_by_all(orgs: Sequence[Organisation]) -> list[Organisation]:
    return [o for o in orgs if o.listed_by and not o.missing]


def snapshot(orgs: Sequence[Organisation]) -> dict[str, Any]:
    return {
        "states": state_codes(),
        "organisations": [o.as_snapshot() for o in orgs],
    }


def latest_publication() -> Publication | None:
    return Publication.objects.order_by("-number").first()


# --- review queue ------------------------------------------------------------------------------


@dataclass
class ReviewPair:
    candidate: Candidate
    left: Entry
    right: Entry


def open_candidates(*, limit: int | None = None) -> list[Candidate]:
    """Candidate pairs still to review, best score first: not judged, not already in one
    organisation, not joined by a negative judgement."""
    judged = set(Judgement.objects.current().values_list("left_uid", "right_uid"))
    graph = clusters()
    out: list[Candidate] = []
    for candidate in Candidate.objects.order_by("-score", "left_uid", "right_uid").iterator():
        pair = (candidate.left_uid, candidate.right_uid)
        if pair in judged or graph.find(pair[0]) == graph.find(pair[1]):
            continue
        if graph.blocked(*pair):
            continue
        out.append(candidate)
        if limit is not None and len(out) >= limit:
            break
    return out


def review_queue(*, limit: int = 50) -> list[ReviewPair]:
    """The next open candidate pairs with their entries, best score first."""
    out = open_candidates(limit=limit)
    entries: dict[str, Entry] = {}
    uids = {c.left_uid for c in out} | {c.right_uid for c in out}
    for entry in (
        Entry.objects.filter(uid__in=uids)
        .select_related("national_list")
        .prefetch_related(Prefetch("names", EntryName.objects.order_by("position")))
    ):
        entries[entry.uid] = entry
    kept = []
    for candidate in out:
        left = entries.get(candidate.left_uid)
        right = entries.get(candidate.right_uid)
        if left is not None and right is not None:
            kept.append(ReviewPair(candidate, left, right))
    return kept


def queue_size() -> int:
    """How many pairs wait for review; counted once per data stamp and process (every review
    page and the overview show it, and counting walks all candidates and judgements)."""
    current = generation()
    with _screener_lock:
        cached = _screener_cache.get("queue_size")
        if cached is not None and cached[0] == current and current != "initial":
            return int(cached[1])
    size = len(open_candidates())
    with _screener_lock:
        _screener_cache["queue_size"] = (current, size)
    return size


def list_entries(national_list: NationalList, *, include_removed: bool = False) -> QuerySet[Entry]:
    """A list's entries with their names, by entry id; only the current version's unless
    `include_removed`."""
    entries = Entry.objects.filter(national_list=national_list).prefetch_related("names")
    if not include_removed:
        entries = entries.filter(present=True)
    return entries.order_by("entry_id")


def recent_judgements(*, limit: int = 20) -> QuerySet[Judgement]:
    return Judgement.objects.select_related("user", "deleted_by").order_by("-created_at", "-id")[
        :limit
    ]


def round_items(round_id: int) -> QuerySet[RoundItem]:
    return (
        RoundItem.objects.filter(round_id=round_id)
        .prefetch_related(Prefetch("answers", RoundAnswer.objects.select_related("state", "user")))
        .order_by("name_ru")
    )


# --- imports -----------------------------------------------------------------------------------


@dataclass
class ListDiff:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    renamed: list[str] = field(default_factory=list)
    basis_changed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    returned: list[str] = field(default_factory=list)
    unchanged: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "removed": self.removed,
            "renamed": self.renamed,
            "basis_changed": self.basis_changed,
            "changed": self.changed,
            "returned": self.returned,
            "unchanged": self.unchanged,
        }

    @property
    def is_empty(self) -> bool:
        return not (
            self.added
            or self.removed
            or self.renamed
            or self.basis_changed
            or self.changed
            or self.returned
        )


def entry_names(entry: Entry) -> list[tuple[str, str, str]]:
    return [(n.text, n.kind, n.lang) for n in entry.names.all()]


def parsed_names(parsed: ParsedEntry) -> list[tuple[str, str, str]]:
    return [(n.text, n.kind, n.lang) for n in parsed.names]


def entry_changes(entry: Entry, parsed: ParsedEntry) -> list[str]:
    """What an import changes in an existing entry: renamed, basis_changed, changed."""
    changes = []
    if entry_names(entry) != parsed_names(parsed):
        changes.append("renamed")
    if entry.legal_basis != parsed.legal_basis or entry.listed_on != parsed.listed_on:
        changes.append("basis_changed")
    others = (
        entry.category != parsed.category
        or entry.status != parsed.status
        or entry.delisted_on != parsed.delisted_on
        or entry.reasons != parsed.reasons
        or entry.source_url != parsed.source_url
        or entry.notes != parsed.notes
        or entry.extra != parsed.extra
    )
    if others:
        changes.append("changed")
    return changes


def list_diff(national_list: NationalList, parsed: ParsedList) -> ListDiff:
    existing = {e.entry_id: e for e in national_list.entries.prefetch_related("names")}
    diff = ListDiff()
    incoming = {p.entry_id for p in parsed.entries}
    for item in parsed.entries:
        entry = existing.get(item.entry_id)
        if entry is None:
            diff.added.append(item.entry_id)
            continue
        if not entry.present:
            diff.returned.append(item.entry_id)
            continue
        changes = entry_changes(entry, item)
        for change in changes:
            getattr(diff, change).append(item.entry_id)
        if not changes:
            diff.unchanged += 1
    diff.removed = sorted(
        entry_id for entry_id, e in existing.items() if e.present and entry_id not in incoming
    )
    return diff


# --- screening ---------------------------------------------------------------------------------


def organisation_records(orgs: Sequence[Organisation]) -> list[Record]:
    records = []
    for org in orgs:
        names = tuple(
            dict.fromkeys(
                p for e in org.entries for n in e.names.all() for p in prepare_all(n.text, n.kind)
            )
        )
        payload = {
            "organisation_id": org.id,
            "name_ru": org.name_ru,
            "name_en": org.name_en,
            "listed_by": org.listed_by,
            "un": org.un,
            "in_single_list": org.in_single_list,
        }
        records.append(Record(org.id, names, "", payload))
    return records


def _cache_dir() -> Path:
    return Path(settings.VAR_DIR) / "cache" / "designations"


def screener() -> Screener:
    """The screener over the current organisations. Rebuilt only when the data's stamp moves;
    the build is also pickled under VAR_DIR so every other process (web workers, `concord
    screen`) loads it in a second instead of rebuilding it."""
    current = generation()
    with _screener_lock:
        cached = _screener_cache.get("screener")
        if cached is not None and _screener_cache.get("generation") == current:
            return cached
        path = _cache_dir() / f"screener-{current}.pickle"
        built: Screener | None = None
        shareable = current != "initial"  # no stamp yet: nothing written, nothing to share
        if shareable and path.is_file():
            try:
                with path.open("rb") as handle:
                    built = pickle.load(handle)  # noqa: S301 - our own file in our var dir
            except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
                built = None
        if built is None:
            built = Screener(organisation_records(organisations()), build_alias_store())
            if shareable:
                _store(built, path)
        _screener_cache.update(screener=built, generation=current)
        return built


def _store(built: Screener, path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for old in path.parent.glob("screener-*.pickle"):
            old.unlink(missing_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        with temporary.open("wb") as handle:
            pickle.dump(built, handle, protocol=pickle.HIGHEST_PROTOCOL)
        temporary.replace(path)
    except OSError:
        pass  # a read-only var dir only costs the other processes a rebuild


# --- shapes for the API and pages --------------------------------------------------------------

VIEWS = ("all", "recognised", "gaps", "single")


def organisations_view(view: str, state: str | None = None) -> list[Organisation]:
    orgs = organisations()
    if view == "recognised":
        return recognised_by_all(orgs)
    if view == "gaps":
        return gaps(orgs, state=state.upper() if state else None)
    if view == "single":
        return [o for o in orgs if o.in_single_list]
    # Everything, member states' listings first: the UN reference list alone holds hundreds of
    # organisations no member state lists, which would otherwise bury the matrix.
    return sorted(orgs, key=lambda o: not o.listed_by)


def organisation_out(org: Organisation) -> dict[str, Any]:
    return {
        "id": org.id,
        "name_ru": org.name_ru,
        "name_en": org.name_en,
        "category": org.category,
        "in_single_list": org.in_single_list,
        "listed_by": org.listed_by,
        "missing": org.missing,
        "recognition": org.recognition,
        "un": org.un,
        "entries": org.uids,
    }


def list_summaries() -> list[dict[str, Any]]:
    out = []
    for national_list in national_lists():
        latest = national_list.versions.order_by("-number").first()
        out.append(
            {
                "code": national_list.code,
                "name_ru": national_list.name_ru,
                "name_en": national_list.name_en,
                "is_reference": national_list.is_reference,
                "version": latest.number if latest else None,
                "entries": national_list.entries.filter(present=True).count(),
                "latest": latest,
            }
        )
    return out
