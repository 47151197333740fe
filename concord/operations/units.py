"""The vocabulary of result lines as agencies write it, and normalisation to stored values.

Pure (no database): the form, the API, the file importer and the command all read quantities,
units, substances and kinds of result through these functions, so a figure means the same
wherever it comes from.

- Numbers: `,` or `.` as the decimal separator; spaces (also non-breaking and thin spaces) as
  thousands separators. When both `,` and `.` appear, the last one is the decimal separator
  ("1,234.5" and "1.234,5"); a separator repeated ("1,234,567") groups thousands. A single
  `,` is a decimal comma, as written in the region ("1,5" is one and a half).
- Units, substances and kinds: their codes, their English names and the usual Russian words
  (case, `ё`/`е`, `_`/space and a final full stop do not matter).
- A quantity is never negative, has at most three decimals (the stored precision), and counts
  (items, rounds, cases, persons, tablets, doses) are whole numbers. Masses are also kept in
  kilograms (`mass_kg`); the reported quantity and unit are kept as they were.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from .models import KG_PER_UNIT, UNITS_BY_KIND, ResultKind, Substance, Unit

# Stored precision of ResultLine.quantity (max_digits=18, decimal_places=3) and mass_kg (6).
QUANTITY_PLACES = 3
MAX_QUANTITY = Decimal("1e15")
MASS_PLACES = Decimal("0.000001")
COUNT_UNITS = frozenset(
    {Unit.TABLETS, Unit.DOSES, Unit.ITEMS, Unit.ROUNDS, Unit.CASES, Unit.PERSONS}
)

_SPACES = re.compile(r"[\s\u00a0\u2007\u2009\u202f']+")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_GROUPED = re.compile(r"\d{1,3}( \d{3})+")


class UnitError(ValueError):
    """A quantity, unit, substance or kind that cannot be stored; `code` names the problem for
    machines (`not_a_number`, `negative`, `unknown_unit`, `unit_not_allowed`, …)."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class Normalised:
    """A figure as stored: the quantity and unit as reported (canonical unit code) and the mass
    in kilograms when the unit is a mass."""

    quantity: Decimal
    unit: str
    mass_kg: Decimal | None
    kind: str = ""
    substance: str = ""


# Code → words that mean it (Russian first: the template's Russian spelling; then English).
UNIT_WORDS: dict[str, tuple[str, ...]] = {
    Unit.GRAM: ("г", "гр", "грамм", "граммов", "грамма", "g", "gr", "gram", "grams", "gramme"),
    Unit.KILOGRAM: (
        "кг",
        "килограмм",
        "килограммов",
        "килограмма",
        "kg",
        "kilogram",
        "kilograms",
        "kilo",
    ),
    Unit.TONNE: ("т", "тн", "тонн", "тонна", "тонны", "t", "tonne", "tonnes", "ton", "tons"),
    Unit.LITRE: ("л", "литр", "литров", "литра", "l", "litre", "litres", "liter", "liters"),
    Unit.TABLETS: ("таблетки", "таблеток", "таблетка", "табл", "tablets", "tablet", "tabs"),
    Unit.DOSES: ("дозы", "доз", "доза", "doses", "dose"),
    Unit.ITEMS: ("шт", "штук", "штуки", "штука", "ед", "единиц", "items", "item", "pcs", "pieces"),
    Unit.ROUNDS: ("патроны", "патронов", "патрон", "rounds", "round", "cartridges"),
    Unit.CASES: ("дела", "дел", "дело", "уголовных дел", "cases", "case"),
    Unit.PERSONS: ("чел", "человек", "лиц", "persons", "person", "people"),
}

SUBSTANCE_WORDS: dict[str, tuple[str, ...]] = {
    Substance.HEROIN: ("героин", "heroin"),
    Substance.OPIUM: ("опий", "опиум", "opium"),
    Substance.HASHISH: ("гашиш", "hashish", "hash"),
    Substance.CANNABIS: (
        "марихуана",
        "каннабис",
        "cannabis",
        "marijuana",
        "marihuana",
        "cannabis (marijuana)",
    ),
    Substance.COCAINE: ("кокаин", "cocaine"),
    Substance.METHAMPHETAMINE: ("метамфетамин", "methamphetamine"),
    Substance.MEPHEDRONE: ("мефедрон", "mephedrone"),
    Substance.OTHER_SYNTHETIC: (
        "прочие синтетические",
        "прочие синтетические наркотики",
        "синтетические наркотики",
        "other synthetic",
        "other synthetics",
        "other synthetic drugs",
    ),
    Substance.PSYCHOTROPIC: (
        "психотропные вещества",
        "психотропные",
        "psychotropic",
        "psychotropic substances",
    ),
    Substance.PRECURSORS: ("прекурсоры", "precursors"),
    Substance.OTHER: ("прочие", "прочие наркотики", "другие", "other", "other drugs"),
}

KIND_WORDS: dict[str, tuple[str, ...]] = {
    ResultKind.DRUG_SEIZURE: (
        "изъято наркотиков",
        "наркотики",
        "изъятие наркотиков",
        "drugs seized",
        "drugs",
    ),
    ResultKind.WEAPONS: (
        "изъято оружия",
        "оружие",
        "огнестрельное оружие",
        "firearms seized",
        "firearms",
        "weapons",
    ),
    ResultKind.AMMUNITION: ("изъято боеприпасов", "боеприпасы", "ammunition seized"),
    ResultKind.EXPLOSIVES: (
        "изъято взрывчатых веществ",
        "взрывчатые вещества",
        "взрывчатка",
        "explosives seized",
    ),
    ResultKind.CRIMINAL_CASES: (
        "возбуждено уголовных дел",
        "уголовные дела",
        "criminal cases initiated",
    ),
    ResultKind.DETENTIONS: ("задержано лиц", "задержанные", "задержания", "persons detained"),
    ResultKind.WANTED_FOUND: (
        "установлено разыскиваемых",
        "разыскиваемые",
        "найдено разыскиваемых",
        "internationally wanted persons found",
        "wanted persons found",
        "wanted found",
    ),
    ResultKind.ILLEGAL_MIGRANTS: (
        "выявлено незаконных мигрантов",
        "незаконные мигранты",
        "мигранты",
        "illegal migrants detected",
    ),
    ResultKind.RESOURCES_IDENTIFIED: (
        "выявлено ресурсов",
        "выявленные ресурсы",
        "information resources identified",
        "resources identified",
    ),
    ResultKind.RESOURCES_BLOCKED: (
        "заблокировано ресурсов",
        "заблокированные ресурсы",
        "information resources blocked",
        "resources blocked",
    ),
}


def _key(text: str) -> str:
    """The form in which words are compared: case, ё, `_`, spacing and a final `.` ignored."""
    folded = text.casefold().replace("ё", "е").replace("_", " ").strip().rstrip(".")
    return " ".join(folded.split())


def _index(words: dict[str, tuple[str, ...]]) -> dict[str, str]:
    index: dict[str, str] = {}
    for code, aliases in words.items():
        for word in (code, *aliases):
            index[_key(word)] = str(code)
    return index


_UNITS = _index(UNIT_WORDS)
_SUBSTANCES = _index(SUBSTANCE_WORDS)
_KINDS = _index(KIND_WORDS)


def russian_word(words: dict[str, tuple[str, ...]], code: str) -> str:
    """The Russian spelling of a code (the first word listed for it)."""
    return words[code][0]


def parse_quantity(text: str) -> Decimal:
    """A number as agencies write it (see the module's notes); `UnitError` otherwise."""
    raw = text.strip().replace("\u2212", "-")  # a typographic minus
    compact = _SPACES.sub("", raw)
    grouping = ""
    if "," in compact and "." in compact:
        grouping = "." if compact.rfind(",") > compact.rfind(".") else ","
    elif compact.count(",") > 1 or compact.count(".") > 1:
        grouping = "," if compact.count(",") > 1 else "."
    if grouping:
        whole = compact.split("." if grouping == "," else ",")[0].lstrip("+-")
        if not _GROUPED.fullmatch(whole.replace(grouping, " ")):
            raise UnitError(
                "not_a_number", _("'%(value)s' is not a number") % {"value": text.strip()}
            )
        compact = compact.replace(grouping, "")
    compact = compact.replace(",", ".")
    if not _PLAIN_NUMBER.fullmatch(compact):
        raise UnitError("not_a_number", _("'%(value)s' is not a number") % {"value": text.strip()})
    try:
        return Decimal(compact)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        raise UnitError(
            "not_a_number", _("'%(value)s' is not a number") % {"value": text}
        ) from None


def parse_unit(text: str) -> str:
    """The unit code for a unit as written (`кг`, `kg`, `тонн`, `чел.` …)."""
    code = _UNITS.get(_key(text))
    if code is None:
        raise UnitError(
            "unknown_unit",
            _("unknown unit '%(value)s' (use one of %(units)s)")
            % {"value": text.strip(), "units": ", ".join(Unit.values)},
        )
    return code


def parse_substance(text: str) -> str:
    """The substance code for a substance as written (`героин`, `марихуана`, `cannabis` …)."""
    code = _SUBSTANCES.get(_key(text))
    if code is None:
        raise UnitError(
            "unknown_substance",
            _("unknown substance '%(value)s' (use one of %(substances)s)")
            % {"value": text.strip(), "substances": ", ".join(Substance.values)},
        )
    return code


def parse_kind(text: str) -> str:
    """The result kind code for a kind as written (`drug_seizure`, `наркотики` …)."""
    code = _KINDS.get(_key(text))
    if code is None:
        raise UnitError(
            "unknown_kind",
            _("unknown kind of result '%(value)s' (use one of %(kinds)s)")
            % {"value": text.strip(), "kinds": ", ".join(ResultKind.values)},
        )
    return code


def _check_quantity(quantity: Decimal, unit: str) -> None:
    if not quantity.is_finite():
        raise UnitError("not_a_number", _("'%(value)s' is not a number") % {"value": quantity})
    if quantity < 0:
        raise UnitError("negative", _("the quantity %(value)s is negative") % {"value": quantity})
    if quantity >= MAX_QUANTITY:
        raise UnitError("too_large", _("the quantity %(value)s is too large") % {"value": quantity})
    exponent = quantity.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > QUANTITY_PLACES:
        raise UnitError(
            "too_precise",
            _("%(value)s has more than three decimals: report it in a smaller unit")
            % {"value": quantity},
        )
    if unit in COUNT_UNITS and quantity != quantity.to_integral_value():
        raise UnitError(
            "not_whole",
            _("%(value)s %(unit)s is not a whole number") % {"value": quantity, "unit": unit},
        )


def normalise(kind: str, substance: str, quantity: Decimal, unit: str) -> Normalised:
    """A figure checked against the vocabulary: the kind of result, the substance (drugs only),
    the unit allowed for that kind, and the quantity; masses also in kilograms."""
    kind_code = parse_kind(kind)
    substance_code = ""
    if kind_code == ResultKind.DRUG_SEIZURE:
        if not substance.strip():
            raise UnitError("substance_required", _("a drug seizure names its substance"))
        substance_code = parse_substance(substance)
    elif substance.strip():
        raise UnitError(
            "substance_not_allowed",
            _("only a drug seizure has a substance (this line is %(kind)s)") % {"kind": kind_code},
        )
    unit_code = parse_unit(unit)
    allowed = UNITS_BY_KIND[kind_code]
    if unit_code not in allowed:
        raise UnitError(
            "unit_not_allowed",
            _("%(kind)s is not counted in %(unit)s (use %(allowed)s)")
            % {"kind": kind_code, "unit": unit_code, "allowed": ", ".join(allowed)},
        )
    _check_quantity(quantity, unit_code)
    stored = quantity.quantize(Decimal(1).scaleb(-QUANTITY_PLACES))
    mass = None
    if unit_code in KG_PER_UNIT:
        mass = (stored * KG_PER_UNIT[unit_code]).quantize(MASS_PLACES)
    return Normalised(stored, unit_code, mass, kind_code, substance_code)
