"""Incident classification (RSIT) and the Permissible Actions Protocol (PAP), read from the MISP
taxonomy files shipped in `data/taxonomies/` (see the README there for source and licence).

An incident's classification is stored as an RSIT machine tag without its namespace:
`"<predicate>:<value>"`, e.g. `"fraud:phishing"`. The files are read once per process, on first
use. Labels are the taxonomy's own English words; they are data, not interface strings, so they
are not translated here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data" / "taxonomies"


@dataclass(frozen=True)
class Term:
    tag: str  # "<predicate>:<value>"
    predicate_label: str  # "Fraud"
    value_label: str  # "Phishing"
    description: str

    @property
    def label(self) -> str:
        return f"{self.predicate_label}: {self.value_label}"


def _read(name: str) -> dict[str, object]:
    with (DATA_DIR / name).open(encoding="utf-8") as handle:
        data: dict[str, object] = json.load(handle)
    return data


@cache
def rsit_terms() -> tuple[Term, ...]:
    """Every RSIT (predicate, value) pair, in the taxonomy's order."""
    data = _read("rsit.json")
    predicates = {p["value"]: p for p in data["predicates"]}  # type: ignore[attr-defined]
    return tuple(
        Term(
            tag=f"{group['predicate']}:{entry['value']}",
            predicate_label=predicates[group["predicate"]].get("expanded", group["predicate"]),
            value_label=entry.get("expanded", entry["value"]),
            description=entry.get("description", ""),
        )
        for group in data["values"]  # type: ignore[attr-defined]
        for entry in group["entry"]
    )


@cache
def _by_tag() -> dict[str, Term]:
    return {term.tag: term for term in rsit_terms()}


def rsit_choices() -> list[tuple[str, str]]:
    """("predicate:value", "Predicate: Value") for a select box."""
    return [(term.tag, term.label) for term in rsit_terms()]


def rsit_grouped() -> list[tuple[str, list[tuple[str, str]]]]:
    """The choices grouped by predicate, for a select box with option groups."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for term in rsit_terms():
        groups.setdefault(term.predicate_label, []).append((term.tag, term.value_label))
    return list(groups.items())


def is_valid(value: str) -> bool:
    """Whether `value` is an RSIT tag ("predicate:value"; an `rsit:` prefix is accepted)."""
    return normalise(value) in _by_tag()


def normalise(value: str) -> str:
    """The stored form of a tag: trimmed, lower-case, without the `rsit:` namespace."""
    text = value.strip().lower()
    return text.removeprefix("rsit:").replace('"', "")


def label(value: str) -> str:
    """The English label of a stored tag, or the tag itself when unknown."""
    term = _by_tag().get(normalise(value))
    return term.label if term else value


def term(value: str) -> Term | None:
    return _by_tag().get(normalise(value))


@cache
def pap_descriptions() -> dict[str, str]:
    """PAP level → what it permits, in the taxonomy's words (WHITE is the old name of CLEAR)."""
    data = _read("pap.json")
    return {p["value"]: p.get("expanded", p["value"]) for p in data["predicates"]}  # type: ignore[attr-defined]
