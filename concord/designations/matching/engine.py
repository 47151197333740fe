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
from nomenklatura.matching.logic_v2.names.match import name_match
from nomenklatura.matching.types import ScoringConfig

from .names import PreparedName, prepare, prepare_all

ALIAS_GROUP_SCORE = 0.95
ACRONYM_SCORE = 0.8
MIN_ACRONYM = 3
BACKWARD_FROM = 0.45  # below this the forward score already rules the pair out
CANDIDATE_SHARE = 0.25  # candidates weighing less than this share of the best are not scored
EXACT_KEY_SCORE = 1.0
WEAK_EXACT_SCORE = 0.8
QUALIFIER_CAP = 0.5
OTHER_GROUP_CAP = 0.5
DEFAULT_THRESHOLD = 0.70
DEFAULT_TOP_K = 10
MAX_POSTING_SHARE = 0.05  # a key on more than 5 % of names ranks nothing unless it is all we have

_CONFIG: ScoringConfig = LogicV2.default_config()


@lru_cache(maxsize=50_000)
def _proxy(name: PreparedName) -> EntityProxy:
    entity = model.make_entity("Organization")
    entity.id = name.id  # content-derived: logic-v2 caches its name analysis by entity id
    entity.add("name", name.forms[0])
    entity.add("alias", list(name.forms[1:]))
    return entity


def logic_v2(query: PreparedName, candidate: PreparedName) -> tuple[float, str]:
    """logic-v2's name score for two names, and its explanation. logic-v2 is built for screening
    a query against longer listed names, so it forgives words only the candidate has; two listed
    names are peers, so we score both ways and keep the lower ("Al-Qaida" is not "Al-Qaida in
    the Indian Subcontinent" whichever side asks). Only logic-v2's name feature is called: its
    identifier, date and address features have nothing to work on for organisation names, and
    skipping them saves a quarter of the time."""
    forward = name_match(_proxy(query), _proxy(candidate), _CONFIG)
    result = forward
    if forward.score >= BACKWARD_FROM:
        backward = name_match(_proxy(candidate), _proxy(query), _CONFIG)
        result = forward if forward.score <= backward.score else backward
    return float(result.score), result.detail or ""


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
            for (_text, kind), name in zip(names, prepared, strict=True):
                # A weak alias ("Islamic Group", "База") is ambiguous by definition: it tells
                # which group a name is in only through the group's other names.
                if kind != "weak_alias":
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
    same_group = q_group is not None and q_group == c_group
    if same_group:
        score = ALIAS_GROUP_SCORE
        features["alias_group"] = q_group
    elif _is_acronym_of(query, candidate) or _is_acronym_of(candidate, query):
        score = ACRONYM_SCORE
        features["acronym"] = True
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
        # Two names each in a different group as written are different organisations; a group
        # found only through a branch's base name ("Al-Qaida" in "Al-Qaida in the …") is not
        # evidence enough to say so.
        if q_group is not None and c_group is not None and not q_places and not c_places:
            score = min(score, OTHER_GROUP_CAP)
            features["different_alias_groups"] = [q_group, c_group]
    # Both names in the store's group as written: the places are part of that organisation's
    # own names. Otherwise the places each name carries must agree.
    places_q: frozenset[str]
    places_c: frozenset[str]
    if same_group and not q_places and not c_places:
        places_q = places_c = frozenset()
    else:
        places_q, places_c = query.qualifiers, candidate.qualifiers
    if places_q != places_c and score > QUALIFIER_CAP:
        score = QUALIFIER_CAP
        features["qualifier_mismatch"] = [sorted(places_q), sorted(places_c)]
    return PairScore(round(min(score, 1.0), 4), query.text, candidate.text, features)


def _is_acronym_of(short: PreparedName, long: PreparedName) -> bool:
    """ "ИДУ" for "Исламское движение Узбекистана", "IMU" for "Islamic Movement of Uzbekistan".
    Two-letter acronyms are too ambiguous to count."""
    letters = short.key.replace(" ", "")
    return (
        " " not in short.key
        and len(letters) >= MIN_ACRONYM
        and len(long.initials) >= MIN_ACRONYM
        and letters == long.initials
    )


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
        if len(name.initials) >= MIN_ACRONYM and " " in name.key:
            keys.add(f"a:{name.initials}")
        letters = name.key.replace(" ", "")
        if " " not in name.key and MIN_ACRONYM <= len(letters) <= 6:
            keys.add(f"a:{letters}")
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
        best = heapq.nlargest(top_k, weights, key=weights.__getitem__)
        if not best:
            return best
        floor = CANDIDATE_SHARE * weights[best[0]]
        return [position for position in best if weights[position] >= floor]

    def record_groups(self, record: Record) -> set[str]:
        """The alias groups a record's own names are in as written (no branch qualifiers)."""
        return {
            group
            for name in record.names
            for group, places in [self.group(name)]
            if group is not None and not places
        }

    def score(self, query: Record, candidate: Record, *, all_pairs: bool = False) -> PairScore:
        best = self._best_pair(query, candidate, all_pairs=all_pairs)
        q_groups, c_groups = self.record_groups(query), self.record_groups(candidate)
        if q_groups and c_groups and not q_groups & c_groups and best.score > OTHER_GROUP_CAP:
            # Curated groups are distinct organisations: two records in different groups are
            # never the same, whatever a shared generic name ("Islamic Group") says.
            features = {**best.features, "different_alias_groups": sorted(q_groups | c_groups)}
            best = PairScore(OTHER_GROUP_CAP, best.query_name, best.matched_name, features)
        return best

    def _best_pair(self, query: Record, candidate: Record, *, all_pairs: bool) -> PairScore:
        best = NO_MATCH
        for q_name in query.names:
            q_keys, q_group = self._keys(q_name), self.group(q_name)
            for c_name in candidate.names:
                if not all_pairs and not q_keys & self._keys(c_name):
                    continue
                result = score_names(q_name, q_group, c_name, self.group(c_name))
                if result.score > best.score:
                    best = result
                    if best.score >= ALIAS_GROUP_SCORE and not all_pairs:
                        return best  # nothing a further pair finds can change the verdict
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
        query = Record(id="query", names=prepare_all(name))
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


def compare_names(left: str, right: str, aliases: AliasStore) -> PairScore:
    """Score two names the way screening scores a query against an organisation: each side
    also answers to the names of the alias group it is in."""
    index = Index([], aliases)
    left_record = index.with_alias_names(Record("left", prepare_all(left)))
    right_record = index.with_alias_names(Record("right", prepare_all(right)))
    best = index.score(left_record, right_record, all_pairs=True)
    if best.score > 0:
        best = PairScore(best.score, left, right, best.features)
    return best
