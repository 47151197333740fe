"""The words of a press summary: title and text in Russian and English, written from the frozen
totals of an operation's year or stage (`queries.statistics`).

Press texts are content published in both languages at once, not interface strings: they do not
follow the active language, so both spellings are kept here. Numbers are written as each
language writes them ("20 500,5" and "20,500.5").
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import override

from .figures import Statistics
from .models import Operation, ResultKind, Stage, Substance
from .units import KIND_WORDS, SUBSTANCE_WORDS

# How each measure is written after a figure; "" where the kind already says what is counted.
_MEASURE_RU = {
    "kg": "кг", "l": "л", "tablets": "табл.", "doses": "доз", "items": "", "rounds": "",
    "cases": "", "persons": "",
}  # fmt: skip
_MEASURE_EN = {
    "kg": "kg", "l": "l", "tablets": "tablets", "doses": "doses", "items": "", "rounds": "",
    "cases": "", "persons": "",
}  # fmt: skip


@dataclass(frozen=True)
class PressText:
    title_ru: str
    title_en: str
    text_ru: str
    text_en: str


def frozen_totals(statistics: Statistics) -> dict[str, Any]:
    """What a press summary keeps of the statistics: JSON-ready, never recomputed."""
    data = statistics.as_dict()
    return {
        key: data[key] for key in ("year", "stage", "stages", "countries", "participants", "totals")
    } | {"by_substance": data["by_substance"]}


def number(value: Decimal | float, language: str) -> str:
    """A figure with thousands grouped: "20 500,5" (ru) or "20,500.5" (en)."""
    amount = Decimal(str(value)).quantize(Decimal("0.001")).normalize()
    text = f"{amount:,f}"
    if language == "ru":
        return text.replace(",", "\u00a0").replace(".", ",")
    return text


def _figure(amount: float, measure: str, language: str) -> str:
    unit = (_MEASURE_RU if language == "ru" else _MEASURE_EN).get(measure, measure)
    return f"{number(amount, language)} {unit}".strip()


def _kind(kind: str, language: str) -> str:
    if language == "ru":
        return KIND_WORDS[kind][0].capitalize()
    with override("en"):
        return str(ResultKind(kind).label).capitalize()


def _substance(code: str, language: str) -> str:
    if language == "ru":
        return SUBSTANCE_WORDS[code][0]
    with override("en"):
        return str(Substance(code).label)


def _body(totals: dict[str, Any], language: str) -> list[str]:
    lines = []
    for kind, measures in totals["totals"].items():
        figures = ", ".join(_figure(a, m, language) for m, a in measures.items())
        line = f"{_kind(kind, language)}: {figures}"
        if kind == ResultKind.DRUG_SEIZURE:
            parts = [
                _substance(row["substance"], language)
                + " — "
                + _figure(row["mass_kg"], "kg", language)
                for row in totals["by_substance"]
                if row["mass_kg"]
            ]
            if parts:
                including = "в том числе" if language == "ru" else "including"
                line += f" ({including}: {'; '.join(parts)})"
        lines.append(f"— {line.rstrip('.')}.")
    return lines


def compose(operation: Operation, *, totals: dict[str, Any], stage: Stage | None) -> PressText:
    """Title and text of a press summary in both languages."""
    year = totals["year"]
    if stage is None:
        title_ru = f"Операция «{operation.name_ru}»: итоги {year} года"
        title_en = f"Operation “{operation.name_en}”: results of {year}"
        scope_ru = f"В {year} году проведено этапов операции: {totals['stages']}."
        scope_en = f"Stages held in {year}: {totals['stages']}."
    else:
        title_ru = f"Операция «{operation.name_ru}»: итоги этапа {stage.number} ({year} год)"
        title_en = f"Operation “{operation.name_en}”: results of stage {stage.number} ({year})"
        scope_ru = (
            f"Этап {stage.number} проведён "
            f"с {stage.starts_on:%d.%m.%Y} по {stage.ends_on:%d.%m.%Y}."
        )
        scope_en = (
            f"Stage {stage.number} ran from {stage.starts_on:%d %B %Y} to {stage.ends_on:%d %B %Y}."
        )
    who_ru = f"Участников: {totals['participants']} (государств — {totals['countries']})."
    who_en = f"Participants: {totals['participants']} ({totals['countries']} countries)."
    text_ru = "\n".join([scope_ru, who_ru, "Результаты:", *_body(totals, "ru")])
    text_en = "\n".join([scope_en, who_en, "Results:", *_body(totals, "en")])
    return PressText(title_ru, title_en, text_ru, text_en)
