"""Place names to OCHA P-codes: the admin-1 and admin-2 units of Afghanistan and of the member
states, read from `data/geo/pcodes.csv` (OCHA common operational datasets; see data/README.md).

Providers spell Afghan places in many ways ("Kondoz", "Jowzjan", "Sar-e Pol", "Hilmand"), and
districts were renamed (ACLED's "Chighcheran" is OCHA's "Feroz Koh"). `match` tries, among the
units of the given country (and province, for a district), in turn:
1. the name as written, normalised (case, diacritics, punctuation and spacing ignored);
2. a table of known variants (`ADMIN1_ALIASES`, `ADMIN2_ALIASES`);
3. a consonant skeleton (vowels dropped, q = k, doubled letters single), first keeping `w`
   and `h`, then without them; a skeleton counts only when exactly one unit has it.
Anything else stays unmatched: the importer reports it ("AFG / Foo / Bar") and never guesses.
Fuzzy-matching libraries score any two strings; here a wrong P-code is worse than none, so the
rules are these few, each checked against the names HDX and ACLED use (tests/test_gazetteer.py).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pycountry

PCODES_FILE = Path(__file__).parent / "data" / "geo" / "pcodes.csv"

# Other spellings of Afghan provinces (normalised form → the P-codes file's name).
ADMIN1_ALIASES: dict[str, dict[str, str]] = {
    "AFG": {
        "wardak": "Maidan Wardak",
        "wardag": "Maidan Wardak",
        "maydan wardak": "Maidan Wardak",
        "maidan": "Maidan Wardak",
        "sar e pol": "Sar-e-Pul",
        "sari pul": "Sar-e-Pul",
        "sar i pul": "Sar-e-Pul",
        "sarepul": "Sar-e-Pul",
        "kondoz": "Kunduz",
        "konduz": "Kunduz",
        "jowzjan": "Jawzjan",
        "jozjan": "Jawzjan",
        "juzjan": "Jawzjan",
        "faryab": "Faryab",
        "fariab": "Faryab",
        "badakshan": "Badakhshan",
        "badakhstan": "Badakhshan",
        "helmand": "Hilmand",
        "herat": "Hirat",
        "paktia": "Paktya",
        "panjshir": "Panjsher",
        "nimruz": "Nimroz",
        "urozgan": "Uruzgan",
        "oruzgan": "Uruzgan",
        "daikundi": "Daykundi",
        "daikondi": "Daykundi",
        "bamian": "Bamyan",
        "ghowr": "Ghor",
        "khowst": "Khost",
        "lowgar": "Logar",
        "konar": "Kunar",
        "qandahar": "Kandahar",
        "zabol": "Zabul",
    },
}

# District names that are not spellings but other names (renamed or merged districts), by
# province P-code: normalised provider name → the P-codes file's name.
ADMIN2_ALIASES: dict[str, dict[str, str]] = {
    "AF06": {"darah e noor": "Dara-e-Nur"},
    "AF08": {"hissa e awal khinj": "Khenj", "khinj": "Khenj", "unaba": "Anawa"},
    "AF11": {"khugyani": "Wal-e-Muhammad-e-Shahid"},
    "AF13": {"ahmadabad": "Ahmadaba", "samkani": "Chamkani", "wuza zadran": "Zadran"},
    "AF14": {"khost": "Matun"},
    "AF15": {"narang wa badil": "Narang", "sawkai": "Chawkay"},
    "AF17": {"maimay": "Darwaz-e-Payin", "nesay": "Darwaz-e-Balla"},
    "AF19": {"hazrati imam sahib": "Imam Sahib"},
    "AF23": {"chighcheran": "Feroz Koh", "chaghcharan": "Feroz Koh", "char sada": "Charsadra"},
    "AF26": {"tarang wa jaldak": "Tarnak Wa Jaldak"},
    "AF34": {"asl i chakhansur": "Chakhansur"},
}


@dataclass(frozen=True)
class Unit:
    """One administrative unit of the P-codes file."""

    country: str  # ISO alpha-3
    level: int  # 1 or 2
    pcode: str
    name: str
    parent: str  # the admin-1 P-code of a district; the country code of a province


@dataclass(frozen=True)
class PlaceMatch:
    admin1_pcode: str
    admin1_name: str
    admin2_pcode: str
    admin2_name: str
    matched: bool  # every name given was matched


NO_MATCH = PlaceMatch("", "", "", "", matched=False)


def normalise(name: str) -> str:
    """Case-folded, without diacritics, punctuation as single spaces: "Sar-e-Pul" → "sar e pul"."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[\W_]+", " ", plain).split())


def skeleton(name: str, *, loose: bool = False) -> str:
    """The consonants of a name, so that transliterations meet: "Kunduz" and "Kondoz" → "kndz".
    `loose` also drops w and h ("Darah" = "Dara", "Dehraoud" = "Dehrawud")."""
    dropped = "aeiouywh" if loose else "aeiouy"
    letters = normalise(name).replace(" ", "").replace("q", "k")
    kept = "".join(ch for ch in letters if ch not in dropped)
    return re.sub(r"(.)\1+", r"\1", kept)


class _Index:
    """Units of one scope (a country's provinces, or one province's districts) by name keys."""

    def __init__(self) -> None:
        self.exact: dict[str, list[Unit]] = defaultdict(list)
        self.strict: dict[str, list[Unit]] = defaultdict(list)
        self.loose: dict[str, list[Unit]] = defaultdict(list)
        self.by_name: dict[str, Unit] = {}

    def add(self, unit: Unit) -> None:
        self.exact[normalise(unit.name)].append(unit)
        self.strict[skeleton(unit.name)].append(unit)
        self.loose[skeleton(unit.name, loose=True)].append(unit)
        self.by_name.setdefault(unit.name, unit)

    def find(self, name: str, aliases: dict[str, str]) -> Unit | None:
        key = normalise(name)
        if not key:
            return None
        found = self.exact.get(key, [])
        if len(found) == 1:
            return found[0]
        if key in aliases and aliases[key] in self.by_name:
            return self.by_name[aliases[key]]
        for table, text in (
            (self.strict, skeleton(name)),
            (self.loose, skeleton(name, loose=True)),
        ):
            candidates = table.get(text, []) if text else []
            if len(candidates) == 1:
                return candidates[0]
        return None


@dataclass
class _Gazetteer:
    units: dict[str, Unit]
    provinces: dict[str, _Index]  # country → index of its admin-1 units
    districts: dict[str, _Index]  # admin-1 P-code → index of its admin-2 units
    all_districts: dict[str, _Index]  # country → index of all its admin-2 units


@lru_cache(maxsize=1)
def _load() -> _Gazetteer:
    units: dict[str, Unit] = {}
    with PCODES_FILE.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            unit = Unit(
                country=row["Location"].strip(),
                level=int(row["Admin Level"]),
                pcode=row["P-Code"].strip(),
                name=row["Name"].strip(),
                parent=row["Parent P-Code"].strip(),
            )
            units[unit.pcode] = unit
    provinces: dict[str, _Index] = defaultdict(_Index)
    districts: dict[str, _Index] = defaultdict(_Index)
    all_districts: dict[str, _Index] = defaultdict(_Index)
    for unit in units.values():
        if unit.level == 1:
            provinces[unit.country].add(unit)
        else:
            districts[unit.parent].add(unit)
            all_districts[unit.country].add(unit)
    return _Gazetteer(units, dict(provinces), dict(districts), dict(all_districts))


def countries() -> frozenset[str]:
    """The countries (alpha-3) the P-codes file covers."""
    return frozenset(_load().provinces)


def unit(pcode: str) -> Unit | None:
    return _load().units.get(pcode.strip())


def pcode_known(pcode: str) -> bool:
    return pcode.strip() in _load().units


def admin1_of(pcode: str) -> str | None:
    """The province name for an admin-1 P-code, or for the province of an admin-2 P-code."""
    found = unit(pcode)
    if found is None:
        return None
    if found.level == 2:
        found = unit(found.parent)
    return found.name if found is not None else None


def _alpha3(country: str) -> str:
    text = country.strip()
    if len(text) == 3 and text.isalpha():
        return text.upper()
    try:
        return str(pycountry.countries.lookup(text).alpha_3)
    except LookupError:
        return ""


def _from_district(district: Unit) -> PlaceMatch:
    province = _load().units.get(district.parent)
    return PlaceMatch(
        admin1_pcode=province.pcode if province else "",
        admin1_name=province.name if province else "",
        admin2_pcode=district.pcode,
        admin2_name=district.name,
        matched=True,
    )


@lru_cache(maxsize=20_000)
def match(country: str, admin1: str = "", admin2: str = "") -> PlaceMatch:
    """P-codes and OCHA's names for a province (and district) named by a provider.

    `matched` is true when every name given was found. A province found with its district not
    found gives the province's P-code and `matched=False`. A district given without a province
    is looked for in the whole country (found only when one district has that name).
    """
    gazetteer = _load()
    code = _alpha3(country)
    provinces = gazetteer.provinces.get(code)
    if provinces is None or not (admin1.strip() or admin2.strip()):
        return NO_MATCH
    if not admin1.strip():
        district = gazetteer.all_districts.get(code, _Index()).find(admin2, {})
        return _from_district(district) if district else NO_MATCH
    province = provinces.find(admin1, ADMIN1_ALIASES.get(code, {}))
    if province is None:
        return NO_MATCH
    if not admin2.strip():
        return PlaceMatch(province.pcode, province.name, "", "", matched=True)
    districts = gazetteer.districts.get(province.pcode, _Index())
    district = districts.find(admin2, ADMIN2_ALIASES.get(province.pcode, {}))
    if district is None:
        # Districts move between provinces (ACLED's Gizab is in Daykundi, OCHA's in Uruzgan):
        # a name that one district of the country has, exactly, is that district.
        elsewhere = gazetteer.all_districts.get(code, _Index()).exact.get(normalise(admin2), [])
        if len(elsewhere) == 1:
            return _from_district(elsewhere[0])
        return PlaceMatch(province.pcode, province.name, "", "", matched=False)
    return _from_district(district)
