"""Charts of an operation's statistics: Vega-Lite specs built from `figures.Statistics`, rendered
to SVG by vl-convert (Vega bundled, no browser, no network). The same SVG is embedded in the page
and in the PDF report.

Each chart shows the operation's headline figure (drugs seized in kg for "Channel", wanted persons
found for "Illegal migrant", …; see `queries.headline`), except the substance chart, which is
always kilograms of drugs. Titles, axis labels and number formats follow the active language, so
build the specs inside the language you render for.

Rendering costs about 100 ms or more, so SVGs are kept in-process per spec (and number locale):
the same statistics give the same spec, hence the same SVG, until a figure changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from concord.core import charts as core_charts

from .figures import Statistics, kind_label, measure_label
from .queries import headline

_BASE: dict[str, Any] = {
    "background": "white",
    "config": {
        "font": core_charts.FONT,
        "view": {"stroke": None},
        "axis": {"labelFontSize": 11, "titleFontSize": 11},
        "title": {"fontSize": 13, "anchor": "start"},
        "bar": {"color": "#2f5f8a"},
    },
}


@dataclass(frozen=True)
class Chart:
    key: str  # by_year, by_stage, by_country, by_substance
    title: str
    spec: dict[str, Any]

    @property
    def svg(self) -> SafeString:
        return core_charts.svg(self.spec)


def _number(value: Any) -> float:
    return float(value)


def _measure_title(kind: str, measure: str) -> str:
    return _("%(kind)s (%(unit)s)") % {
        "kind": capfirst(kind_label(kind)),
        "unit": measure_label(measure),
    }


def _bar(
    title: str,
    values: list[dict[str, Any]],
    *,
    category: str,
    amount_title: str,
    horizontal: bool = False,
    sort: Any = None,
    width: int = 520,
) -> dict[str, Any]:
    category_axis: dict[str, Any] = {
        "field": "label",
        "type": "nominal" if horizontal or sort is not None else "ordinal",
        "title": category,
        "sort": sort,
        "axis": {"labelAngle": 0} if not horizontal else {"labelLimit": 180},
    }
    amount_axis = {
        "field": "amount",
        "type": "quantitative",
        "title": amount_title,
        "axis": {"format": ",~r"},
    }
    height = 18 * len(values) + 10 if horizontal else 240
    return {
        **_BASE,
        "title": title,
        "width": width,
        "height": height,
        "data": {"values": values},
        "mark": "bar",
        "encoding": {
            ("y" if horizontal else "x"): category_axis,
            ("x" if horizontal else "y"): amount_axis,
        },
    }


def by_year(stats: Statistics, lead: tuple[str, str]) -> Chart:
    kind, measure = lead
    title = _("%(figure)s by year") % {"figure": _measure_title(kind, measure)}
    values = [
        {"label": str(row.year), "amount": _number(row.totals.amount(kind, measure))}
        for row in stats.by_year
    ]
    spec = _bar(title, values, category=_("Year"), amount_title=measure_label(measure))
    return Chart("by_year", title, spec)


def by_stage(stats: Statistics, lead: tuple[str, str]) -> Chart:
    kind, measure = lead
    title = _("%(figure)s by stage") % {"figure": _measure_title(kind, measure)}
    values = [
        {
            "label": _("No. %(number)s (%(year)s)") % {"number": row.number, "year": row.year},
            "amount": _number(row.totals.amount(kind, measure)),
        }
        for row in stats.by_stage
    ]
    spec = _bar(title, values, category=_("Stage"), amount_title=measure_label(measure))
    return Chart("by_stage", title, spec)


def by_country(stats: Statistics, lead: tuple[str, str]) -> Chart:
    kind, measure = lead
    title = _("%(figure)s by participant") % {"figure": _measure_title(kind, measure)}
    values = [
        {"label": row.name, "amount": _number(row.totals.amount(kind, measure))}
        for row in stats.by_country
    ]
    spec = _bar(
        title,
        values,
        category=_("Participant"),
        amount_title=measure_label(measure),
        horizontal=True,
        sort="-x",
    )
    return Chart("by_country", title, spec)


def by_substance(stats: Statistics) -> Chart:
    title = _("Drugs seized (kg) by substance")
    values = [
        {"label": row.label, "amount": _number(row.mass_kg)}
        for row in stats.by_substance
        if row.mass_kg
    ]
    spec = _bar(title, values, category=_("Substance"), amount_title=_("kg"), sort="-y")
    return Chart("by_substance", title, spec)


def charts(stats: Statistics) -> list[Chart]:
    """The charts that have something to show for these statistics, in page order."""
    lead = headline(stats.operation.kind, stats.totals)
    found: list[Chart] = []
    if len(stats.by_year) > 1:
        found.append(by_year(stats, lead))
    if stats.by_stage:
        found.append(by_stage(stats, lead))
    if stats.by_country:
        found.append(by_country(stats, lead))
    if any(row.mass_kg for row in stats.by_substance):
        found.append(by_substance(stats))
    return found
