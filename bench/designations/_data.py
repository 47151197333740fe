"""Data the designations benchmarks share: the labelled pairs, the shipped alias store, and a
deterministic generator of synthetic organisation names in Russian and English (the real lists
hold a few hundred organisations; the speed targets are set at 10,000)."""

from __future__ import annotations

import csv
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from concord.designations.matching.engine import AliasStore

HERE = Path(__file__).resolve().parent
PAIRS = HERE / "pairs.csv"
ALIASES = HERE.parents[1] / "concord" / "designations" / "data" / "alias_groups.yml"

SYLLABLES = (
    "ан",
    "сар",
    "джа",
    "маат",
    "ху",
    "да",
    "риф",
    "кар",
    "бей",
    "зан",
    "мус",
    "ли",
    "хат",
    "таб",
    "рах",
    "ман",
    "ис",
    "ти",
    "кам",
    "нур",
    "шах",
    "вар",
    "фат",
    "хи",
    "дин",
    "лид",
    "су",
    "мар",
    "ра",
    "баз",
    "гул",
    "тар",
    "фир",
    "зи",
    "ям",
    "бак",
    "сул",
    "тан",
    "ха",
    "кым",
    "ал",
    "ма",
    "рат",
    "ке",
    "мир",
    "за",
    "ша",
    "ур",
    "кан",
    "дос",
    "бол",
    "сай",
    "фул",
    "лах",
    "ибн",
    "ум",
    "ар",
    "нас",
    "хаб",
    "дул",
    "му",
    "ра",
    "ис",
    "мал",
    "кур",
    "ба",
    "нед",
    "жи",
    "ро",
    "сан",
)
NOUNS = (
    ("Джамаат", "Jamaat"),
    ("Харакат", "Harakat"),
    ("Джабхат", "Jabhat"),
    ("Катиба", "Katiba"),
    ("Лашкар", "Lashkar"),
    ("Ансар", "Ansar"),
    ("Фронт", "Front"),
    ("Бригада", "Brigade"),
    ("Армия", "Army"),
    ("Движение", "Movement"),
)
DESCRIPTORS = ("Международная организация", "Религиозное объединение", "Организация")


def load_aliases() -> AliasStore:
    data = yaml.safe_load(ALIASES.read_text(encoding="utf-8"))
    return AliasStore(
        {g["key"]: [(n["name"], n.get("kind", "name")) for n in g["names"]] for g in data}
    )


def read_pairs(path: Path = PAIRS) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _latin(text: str) -> str:
    from rigour.text.translit import ascii_text

    return ascii_text(text).replace("Dzh", "J").replace("dzh", "j")


@dataclass(frozen=True)
class SyntheticOrg:
    ru: str
    en: str
    acronym: str
    quoted: str
    previous: str

    @property
    def names(self) -> tuple[str, ...]:
        return (self.ru, self.en, self.acronym, self.quoted, self.previous)


class Generator:
    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.used: set[str] = set()

    def proper(self) -> str:
        while True:
            word = "".join(self.rng.choice(SYLLABLES) for _ in range(self.rng.randint(2, 3)))
            word = word.capitalize()
            if word not in self.used:
                self.used.add(word)
                return word

    def org(self) -> SyntheticOrg:
        noun_ru, noun_en = self.rng.choice(NOUNS)
        first, second = self.proper(), self.proper()
        ru = f"{noun_ru} {first} {second}"
        en = f"{noun_en} {_latin(first)} {_latin(second)}"
        acronym = (noun_ru[0] + first[0] + second[0]).upper()
        quoted = f"{self.rng.choice(DESCRIPTORS)} «{first}-{second}»"
        previous = f"{self.rng.choice(NOUNS)[0]} {self.proper()}"
        return SyntheticOrg(ru, en, acronym, quoted, previous)

    def orgs(self, count: int) -> list[SyntheticOrg]:
        return [self.org() for _ in range(count)]

    def typo(self, text: str) -> str:
        letters = [i for i, ch in enumerate(text) if ch.isalpha()]
        if len(letters) < 6:
            return text
        i = self.rng.choice(letters[1:-1])
        edit = self.rng.choice(("swap", "drop", "double"))
        if edit == "swap" and i + 1 < len(text):
            return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
        if edit == "drop":
            return text[:i] + text[i + 1 :]
        return text[:i] + text[i] + text[i:]


def timed(function: Callable[[str], object], inputs: Iterable[str]) -> list[float]:
    """Seconds each call took."""
    out = []
    for item in inputs:
        started = time.perf_counter()
        function(item)
        out.append(time.perf_counter() - started)
    return out
