"""Scoring names and records, the blocking index and the screener.

Everything here is plain Python and picklable, so the same objects run in the web process, in
`concord screen`'s worker processes and on a Dask cluster. Scores combine nomenklatura's
logic-v2 (which explains itself) with our own evidence: a shared alias-store group, equal keys
after folding, and the qualifiers that make a branch a different organisation.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from followthemoney import model
from followthemoney.proxy import EntityProxy
from nomenklatura.matching.logic_v2.model import LogicV2
from nomenklatura.matching.types import ScoringConfig

from .names import PreparedName, prepare

ALIAS_GROUP_SCORE = 0.95
EXACT_KEY_SCORE = 1.0
WEAK_EXACT_SCORE = 0.8
QUALIFIER_CAP = 0.5
OTHER_GROUP_CAP = 0.5
DEFAULT_THRESHOLD = 0.70
DEFAULT_TOP_K = 10
MAX_POSTING_SHARE = 0.05  # a key on more than 5 % of names ranks nothing unless it is all we have

_CONFIG = ScoringConfig.defaults()


@lru_cache(maxsize=50_000)
def _proxy(name: PreparedName) -> EntityProxy:
    entity = model.make_entity("Organization")
    entity.id = name.id  # content-derived: logic-v2 caches its name analysis by entity id
    entity.add("name", name.forms[0])
    entity.add("alias", list(name.forms[1:]))
    return entity


def logic_v2(query: PreparedName, candidate: PreparedName) -> tuple[float, str]:
    """logic-v2's score for two names, and its explanation."""
    result = LogicV2.compare(_proxy(query), _proxy(candidate), _CONFIG)
    feature = result.explanations.get("name_match")
    return float(result.score), feature.detail if feature is not None else ""


def warm_up() -> None:
    """logic-v2 and pymorphy3 load their data on first use; do it before the first request."""
    logic_v2(prepare("Исламское государство"), prepare("Islamic State of Iraq"))


class AliasStore:
    """Curated groups of names; `group_of` answers which group a prepared name belongs to."""

    def __init__(self, groups: Mapping[str, Iterable[tuple[str, str]]]) -> None:
        self.names: dict[str, tuple[PreparedName, ...]] = {}
        self.by_key: dict[str, str] = {}
        for group, names in groups.items():
            prepared = tuple(prepare(text, kind) for text, kind in names)
            self.names[group] = prepared
            for name in prepared:
                self.by_key.setdefault(name.key, group)

    def __len__(self) -> int:
        return len(self.names)

    def group_of(self, name: PreparedName) -> tuple[str | None, frozenset[str]]:
        """The group and the qualifiers left to check. A name that is itself in the store
        carries no qualifiers (the place is part of that organisation's own name)."""
        group = self.by_key.get(name.key)
        if group is not None:
            return group, frozenset()
        if name.qualifiers:
            return self.by_key.get(name.base_key), name.qualifiers
        return None, frozenset()


@dataclass(frozen=True)
class Record:
    """One thing to match against: a list entry (harmonising) or an organisation (screening)."""

    id: str
    names: tuple[PreparedName, ...]
    source: str = ""
    payload: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class PairScore:
    score: float
    query_name: str
    matched_name: str
    features: dict[str, Any]


NO_MATCH = PairScore(0.0, "", "", {})


def score_names(
    query: PreparedName,
    query_group: tuple[str | None, frozenset[str]],
    candidate: PreparedName,
    candidate_group: tuple[str | None, frozenset[str]],
) -> PairScore:
    features: dict[str, Any] = {}
    (q_group, q_places), (c_group, c_places) = query_group, candidate_group
    if q_group is not None and q_group == c_group:
        score = ALIAS_GROUP_SCORE
        features["alias_group"] = q_group
    elif query.weak or candidate.weak:
        score = WEAK_EXACT_SCORE if query.key == candidate.key else 0.0
        features["weak_alias"] = score > 0
    elif query.key == candidate.key:
        score = EXACT_KEY_SCORE
        features["same_key"] = query.key
    else:
        score, detail = logic_v2(query, candidate)
        features["logic_v2"] = round(score, 4)
        features["logic_v2_detail"] = detail
        if q_group is not None and c_group is not None:
            score = min(score, OTHER_GROUP_CAP)
            features["different_alias_groups"] = [q_group, c_group]
    places_q = q_places if q_group is not None else query.qualifiers
    places_c = c_places if c_group is not None else candidate.qualifiers
    if places_q != places_c and score > QUALIFIER_CAP:
        score = QUALIFIER_CAP
        features["qualifier_mismatch"] = [sorted(places_q), sorted(places_c)]
    return PairScore(round(min(score, 1.0), 4), query.text, candidate.text, features)


class Index:
    """A blocking index over the names of many records: tokens, folded tokens, prefixes and
    alias groups. Candidates are ranked by the IDF weight of the keys they share."""

    def __init__(self, records: Sequence[Record], aliases: AliasStore) -> None:
        self.aliases = aliases
        self.groups: dict[PreparedName, tuple[str | None, frozenset[str]]] = {}
        self.records = [self.with_alias_names(record) for record in records]
        postings: dict[str, set[int]] = defaultdict(set)
        name_count = 0
        for position, record in enumerate(self.records):
            for name in record.names:
                name_count += 1
                for key in self._keys(name):
                    postings[key].add(position)
        self.postings = {key: tuple(sorted(ids)) for key, ids in postings.items()}
        self.max_postings = max(50, int(MAX_POSTING_SHARE * max(name_count, 1)))
        self.idf = {
            key: math.log(1 + len(self.records) / len(ids)) for key, ids in self.postings.items()
        }

    def with_alias_names(self, record: Record) -> Record:
        """A record whose own name is in an alias group also answers to the group's other
        names, so a typo in a translation ("Muslim Brotherhod") still finds it."""
        extra: list[PreparedName] = []
        for name in record.names:
            group, places = self.group(name)
            if group is not None and not places:
                extra.extend(n for n in self.aliases.names[group] if n not in record.names)
        if not extra:
            return record
        names = tuple(dict.fromkeys(record.names + tuple(extra)))
        return Record(record.id, names, record.source, record.payload)

    def group(self, name: PreparedName) -> tuple[str | None, frozenset[str]]:
        found = self.groups.get(name)
        if found is None:
            found = self.groups[name] = self.aliases.group_of(name)
        return found

    def _keys(self, name: PreparedName) -> set[str]:
        keys = set(name.blocking_keys)
        group, _ = self.group(name)
        if group is not None:
            keys.add(f"g:{group}")
        if name.weak:
            keys = {f"k:{name.key}"} | ({f"g:{group}"} if group else set())
        return keys

    def candidates(self, names: Iterable[PreparedName], top_k: int) -> list[int]:
        weights: dict[int, float] = defaultdict(float)
        for name in names:
            keys = [k for k in self._keys(name) if k in self.postings]
            usable = [k for k in keys if len(self.postings[k]) <= self.max_postings] or keys
            for key in usable:
                weight = self.idf[key]
                for position in self.postings[key]:
                    weights[position] += weight
        return heapq.nlargest(top_k, weights, key=weights.__getitem__)

    def score(self, query: Record, candidate: Record) -> PairScore:
        best = NO_MATCH
        for q_name in query.names:
            q_keys, q_group = self._keys(q_name), self.group(q_name)
            for c_name in candidate.names:
                if not q_keys & self._keys(c_name):
                    continue
                result = score_names(q_name, q_group, c_name, self.group(c_name))
                if result.score > best.score:
                    best = result
        return best


@dataclass(frozen=True)
class Match:
    record_id: str
    score: float
    match: bool
    query_name: str
    matched_name: str
    features: dict[str, Any]
    payload: Mapping[str, Any]


class Screener:
    """Screens names against a set of records. Picklable: build it once, ship it to workers."""

    def __init__(self, records: Sequence[Record], aliases: AliasStore) -> None:
        self.index = Index(records, aliases)

    def __len__(self) -> int:
        return len(self.index.records)

    def screen(
        self,
        name: str,
        *,
        threshold: float = DEFAULT_THRESHOLD,
        limit: int = 5,
        top_k: int = DEFAULT_TOP_K,
    ) -> list[Match]:
        query = Record(id="query", names=(prepare(name),))
        found: list[Match] = []
        for position in self.index.candidates(query.names, top_k):
            record = self.index.records[position]
            result = self.index.score(query, record)
            if result.score <= 0:
                continue
            found.append(
                Match(
                    record_id=record.id,
                    score=result.score,
                    match=result.score >= threshold,
                    query_name=name,
                    matched_name=result.matched_name,
                    features=result.features,
                    payload=record.payload,
                )
            )
        found.sort(key=lambda m: (-m.score, m.record_id))
        return found[:limit]


def screen_batch(
    screener: Screener, names: Sequence[str], threshold: float = DEFAULT_THRESHOLD, limit: int = 3
) -> list[list[Match]]:
    """The pure, picklable unit of bulk screening: a chunk of names in, their matches out."""
    return [screener.screen(name, threshold=threshold, limit=limit) for name in names]


def find_pairs(
    records: Sequence[Record], aliases: AliasStore, *, top_k: int = 15, min_score: float = 0.5
) -> Iterator[tuple[Record, Record, PairScore]]:
    """Candidate pairs of records from different sources, each pair once, best first per record.
    Uses the blocking index: never all pairs."""
    index = Index(records, aliases)
    for position, record in enumerate(index.records):
        for other_position in index.candidates(record.names, top_k + 1):
            if other_position <= position:
                continue
            other = index.records[other_position]
            if other.source == record.source:
                continue
            result = index.score(record, other)
            if result.score >= min_score:
                yield record, other, result


def warm_up_in_background() -> None:
    import threading  # noqa: PLC0415

    threading.Thread(target=warm_up, name="matcher-warm-up", daemon=True).start()


def compare_names(left: str, right: str, aliases: AliasStore) -> PairScore:
    """Score two names the way screening scores a query against an organisation: each side
    also answers to the names of the alias group it is in."""
    index = Index([], aliases)
    left_record = index.with_alias_names(Record("left", (prepare(left),)))
    right_record = index.with_alias_names(Record("right", (prepare(right),)))
    best = NO_MATCH
    for q_name in left_record.names:
        for c_name in right_record.names:
            result = score_names(q_name, index.group(q_name), c_name, index.group(c_name))
            if result.score > best.score:
                best = result
    if best.score > 0:
        best = PairScore(best.score, left, right, best.features)
    return best
