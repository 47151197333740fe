"""The vocabulary of result lines: numbers, units, substances, kinds, and normalisation."""

from __future__ import annotations

from decimal import Decimal

import pytest

from concord.operations.units import (
    Normalised,
    UnitError,
    normalise,
    parse_kind,
    parse_quantity,
    parse_substance,
    parse_unit,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", Decimal(12)),
        ("1,5", Decimal("1.5")),
        ("1.5", Decimal("1.5")),
        ("1 234,5", Decimal("1234.5")),
        ("1\u00a0234\u00a0567", Decimal(1234567)),
        ("1\u202f234,25", Decimal("1234.25")),
        ("1,234.5", Decimal("1234.5")),
        ("1.234,5", Decimal("1234.5")),
        ("1,234,567", Decimal(1234567)),
        ("1.234.567", Decimal(1234567)),
        (" 0,001 ", Decimal("0.001")),
        ("-3", Decimal(-3)),
        ("\u22123,5", Decimal("-3.5")),
    ],
    ids=[
        "integer", "decimal-comma", "decimal-point", "space-thousands", "nbsp-thousands",
        "narrow-nbsp", "en-grouping", "ru-grouping", "comma-groups", "point-groups", "padded",
        "negative", "typographic-minus",
    ],
)  # fmt: skip
def test_parse_quantity(text, expected):
    assert parse_quantity(text) == expected


@pytest.mark.parametrize(
    "text", ["", "abc", "1e5", "12 kg", "1,23,4", "1.2.3,4.5", "NaN", "--1"], ids=repr
)
def test_parse_quantity_refuses(text):
    with pytest.raises(UnitError, match="is not a number") as caught:
        parse_quantity(text)
    assert caught.value.code == "not_a_number"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("г", "g"), ("гр", "g"), ("g", "g"), ("кг", "kg"), ("KG", "kg"), ("kg.", "kg"),
        ("т", "t"), ("t", "t"), ("тонн", "t"), ("л", "l"), ("l", "l"),
        ("таблетки", "tablets"), ("tablets", "tablets"), ("дозы", "doses"), ("doses", "doses"),
        ("шт", "items"), ("шт.", "items"), ("items", "items"), ("патроны", "rounds"),
        ("rounds", "rounds"), ("дела", "cases"), ("cases", "cases"), ("чел.", "persons"),
        ("persons", "persons"),
    ],
)  # fmt: skip
def test_parse_unit(text, code):
    assert parse_unit(text) == code


def test_parse_unit_refuses():
    with pytest.raises(UnitError, match=r"unknown unit 'pound' \(use one of g, kg, t, l,"):
        parse_unit("pound")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("героин", "heroin"), ("Heroin", "heroin"), ("опий", "opium"), ("гашиш", "hashish"),
        ("марихуана", "cannabis"), ("каннабис", "cannabis"), ("cannabis", "cannabis"),
        ("кокаин", "cocaine"), ("метамфетамин", "methamphetamine"), ("мефедрон", "mephedrone"),
        ("прочие синтетические", "other_synthetic"), ("other_synthetic", "other_synthetic"),
        ("психотропные вещества", "psychotropic"), ("прекурсоры", "precursors"),
        ("прочие", "other"), ("other drugs", "other"),
    ],
)  # fmt: skip
def test_parse_substance(text, code):
    assert parse_substance(text) == code


def test_parse_substance_refuses():
    with pytest.raises(UnitError, match="unknown substance 'чай'") as caught:
        parse_substance("чай")
    assert caught.value.code == "unknown_substance"


@pytest.mark.parametrize(
    ("text", "code"),
    [("drug_seizure", "drug_seizure"), ("Наркотики", "drug_seizure"), ("weapons", "weapons"),
     ("уголовные дела", "criminal_cases"), ("persons detained", "detentions")],
)  # fmt: skip
def test_parse_kind(text, code):
    assert parse_kind(text) == code


# The normalisation table: (kind, substance, quantity, unit) → stored figure.
@pytest.mark.parametrize(
    ("kind", "substance", "quantity", "unit", "expected"),
    [
        ("drug_seizure", "героин", "250", "г",
         Normalised(Decimal("250.000"), "g", Decimal("0.250000"), "drug_seizure", "heroin")),
        ("drug_seizure", "hashish", "12.5", "kg",
         Normalised(Decimal("12.500"), "kg", Decimal("12.500000"), "drug_seizure", "hashish")),
        ("drug_seizure", "опий", "1.25", "т",
         Normalised(Decimal("1.250"), "t", Decimal("1250.000000"), "drug_seizure", "opium")),
        ("drug_seizure", "precursors", "40", "л",
         Normalised(Decimal("40.000"), "l", None, "drug_seizure", "precursors")),
        ("drug_seizure", "psychotropic", "1200", "таблетки",
         Normalised(Decimal("1200.000"), "tablets", None, "drug_seizure", "psychotropic")),
        ("drug_seizure", "other", "30", "doses",
         Normalised(Decimal("30.000"), "doses", None, "drug_seizure", "other")),
        ("drug_seizure", "cocaine", "0.001", "g",
         Normalised(Decimal("0.001"), "g", Decimal("0.000001"), "drug_seizure", "cocaine")),
        ("explosives", "", "3", "т",
         Normalised(Decimal("3.000"), "t", Decimal("3000.000000"), "explosives", "")),
        ("explosives", "", "4", "шт",
         Normalised(Decimal("4.000"), "items", None, "explosives", "")),
        ("weapons", "", "7", "шт",
         Normalised(Decimal("7.000"), "items", None, "weapons", "")),
        ("ammunition", "", "350", "патроны",
         Normalised(Decimal("350.000"), "rounds", None, "ammunition", "")),
        ("criminal_cases", "", "0", "дела",
         Normalised(Decimal("0.000"), "cases", None, "criminal_cases", "")),
        ("wanted_found", "", "12", "чел.",
         Normalised(Decimal("12.000"), "persons", None, "wanted_found", "")),
        ("resources_blocked", "", "99", "items",
         Normalised(Decimal("99.000"), "items", None, "resources_blocked", "")),
    ],
    ids=[
        "heroin-g", "hashish-kg", "opium-t", "precursors-l", "tablets", "doses", "one-mg",
        "explosives-t", "explosives-items", "weapons", "rounds", "zero-cases", "persons",
        "resources",
    ],
)  # fmt: skip
def test_normalise(kind, substance, quantity, unit, expected):
    assert normalise(kind, substance, Decimal(quantity), unit) == expected


@pytest.mark.parametrize(
    ("kind", "substance", "quantity", "unit", "code", "message"),
    [
        ("drug_seizure", "heroin", "-1", "kg", "negative", "the quantity -1 is negative"),
        ("weapons", "", "2", "kg", "unit_not_allowed",
         r"weapons is not counted in kg \(use items\)"),
        ("drug_seizure", "heroin", "2", "items", "unit_not_allowed",
         r"drug_seizure is not counted in items \(use g, kg, t, l, tablets, doses\)"),
        ("drug_seizure", "tea", "2", "kg", "unknown_substance", "unknown substance 'tea'"),
        ("drug_seizure", "", "2", "kg", "substance_required", "a drug seizure names its substance"),
        ("weapons", "heroin", "2", "items", "substance_not_allowed",
         r"only a drug seizure has a substance \(this line is weapons\)"),
        ("drug_seizure", "heroin", "2", "oz", "unknown_unit", "unknown unit 'oz'"),
        ("arrests", "", "2", "persons", "unknown_kind", "unknown kind of result 'arrests'"),
        ("detentions", "", "2.5", "persons", "not_whole", "2.5 persons is not a whole number"),
        ("drug_seizure", "heroin", "1.0005", "kg", "too_precise",
         "1.0005 has more than three decimals: report it in a smaller unit"),
        ("drug_seizure", "heroin", "1e16", "kg", "too_large", "is too large"),
    ],
    ids=[
        "negative", "weapons-in-kg", "drugs-in-items", "unknown-substance", "no-substance",
        "substance-on-weapons", "unknown-unit", "unknown-kind", "half-person", "too-precise",
        "too-large",
    ],
)  # fmt: skip
def test_normalise_refuses(kind, substance, quantity, unit, code, message):
    with pytest.raises(UnitError, match=message) as caught:
        normalise(kind, substance, Decimal(quantity), unit)
    assert caught.value.code == code
