"""The transparency report of the operation against harmful information resources: what was
acted on, by category; on what grounds resources were blocked (kind of legal basis, and each
authority or decision with its count, state by state); and how appeals and reviews ended.

Counts come from the actions itemised in the registry: yearly returns carry no legal basis, so
they are reported beside the itemised figures, never mixed into the grounds. Every block in the
registry has a legal basis (the database refuses one without), so `blocks_without_basis` is a
check that stays 0.

`report(year)` builds the data; `render_csv` and `render_pdf` turn it into files. The PDF is
laid out by WeasyPrint from a self-contained template and may fetch nothing while rendering.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Q
from django.utils import timezone, translation

from concord.core.pdf import html_to_pdf

from .models_registry import (
    Action,
    AppealOutcome,
    LegalBasisKind,
    ResourceAction,
    ResourceCategory,
    YearlyReturn,
)

FORMATS = ("json", "csv", "pdf")
LANGUAGES = ("ru", "en")
PDF_TEMPLATE = "cyber/registry/transparency_pdf.html"
# Characters that make a spreadsheet read a cell as a formula (OWASP, "CSV Injection").
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_COUNTED = ("identified", "blocked", "suspended", "criminal_case", "unblocked")


@dataclass(frozen=True)
class CategoryRow:
    code: str
    name: str
    counts: dict[str, int]  # action → number of actions


@dataclass(frozen=True)
class BasisRow:
    action: str
    basis_kind: str
    count: int

    @property
    def action_label(self) -> str:
        return str(Action(self.action).label)

    @property
    def basis_kind_label(self) -> str:
        return str(LegalBasisKind(self.basis_kind).label) if self.basis_kind else "—"


@dataclass(frozen=True)
class GroundRow:
    state: str
    action: str
    basis_kind: str
    basis: str
    count: int

    @property
    def basis_kind_label(self) -> str:
        return str(LegalBasisKind(self.basis_kind).label) if self.basis_kind else "—"


@dataclass(frozen=True)
class OutcomeRow:
    outcome: str
    count: int

    @property
    def label(self) -> str:
        return str(AppealOutcome(self.outcome).label)


@dataclass
class TransparencyReport:
    year: int | None
    generated_at: str
    categories: list[CategoryRow]
    bases: list[BasisRow]
    grounds: list[GroundRow]
    appeals: list[OutcomeRow]
    blocks: int
    blocks_without_basis: int
    returns: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "generated_at": self.generated_at,
            "by_category": [
                {"category": row.code, "name": row.name, **row.counts} for row in self.categories
            ],
            "by_legal_basis": [
                {"action": row.action, "basis_kind": row.basis_kind, "count": row.count}
                for row in self.bases
            ],
            "grounds": [
                {
                    "state": row.state,
                    "action": row.action,
                    "basis_kind": row.basis_kind,
                    "basis": row.basis,
                    "count": row.count,
                }
                for row in self.grounds
            ],
            "appeals": [{"outcome": row.outcome, "count": row.count} for row in self.appeals],
            "blocks": self.blocks,
            "blocks_without_basis": self.blocks_without_basis,
            "yearly_returns": self.returns,
        }


def report(year: int | None = None) -> TransparencyReport:
    """The report for one year (by the date of each action), or for all years."""
    actions = ResourceAction.objects.all()
    returns = YearlyReturn.objects.all()
    if year is not None:
        actions = actions.filter(date__year=year)
        returns = returns.filter(year=year)
    by_category: dict[int, dict[str, int]] = {}
    for item in (
        actions.values("resource__category_id", "action").annotate(n=Count("id")).order_by()
    ):
        counts = by_category.setdefault(item["resource__category_id"], dict.fromkeys(_COUNTED, 0))
        counts[item["action"]] = item["n"]
    categories = [
        CategoryRow(c.code, c.name, by_category.get(c.pk, dict.fromkeys(_COUNTED, 0)))
        for c in ResourceCategory.objects.all()
    ]
    decided = actions.filter(action__in=[Action.BLOCKED, Action.UNBLOCKED, Action.SUSPENDED])
    bases = [
        BasisRow(item["action"], item["basis_kind"], item["n"])
        for item in decided.values("action", "basis_kind")
        .annotate(n=Count("id"))
        .order_by("action", "basis_kind")
    ]
    grounds = [
        GroundRow(item["code"], item["action"], item["basis_kind"], item["basis"], item["n"])
        for item in decided.values("action", "basis_kind", "basis", code=F("state__code"))
        .annotate(n=Count("id"))
        .order_by("code", "action", "-n", "basis")
    ]
    appeals = [
        OutcomeRow(item["outcome"], item["n"])
        for item in actions.filter(action=Action.UNBLOCKED)
        .values("outcome")
        .annotate(n=Count("id"))
        .order_by("outcome")
    ]
    blocks = actions.filter(action=Action.BLOCKED)
    totals = {
        name: sum(returns.values_list(name, flat=True))
        for name in ("identified", "blocked", "suspended", "criminal_cases")
    }
    return TransparencyReport(
        year=year,
        generated_at=timezone.now().strftime("%Y-%m-%d %H:%M UTC"),
        categories=categories,
        bases=bases,
        grounds=grounds,
        appeals=appeals,
        blocks=blocks.count(),
        blocks_without_basis=blocks.filter(Q(basis="") | Q(basis_kind="")).count(),
        returns=totals,
    )


def _inert(value: object) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_TRIGGERS) else text


def render_csv(data: TransparencyReport) -> bytes:
    """One table: `section,state,category,action,basis_kind,basis,outcome,count`. UTF-8 with a
    BOM (so that spreadsheets read Cyrillic), CRLF line ends."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        ["section", "state", "category", "action", "basis_kind", "basis", "outcome", "count"]
    )
    for row in data.categories:
        for action, count in row.counts.items():
            writer.writerow(["category", "", row.code, action, "", "", "", count])
    for basis in data.bases:
        writer.writerow(
            ["legal_basis", "", "", basis.action, basis.basis_kind, "", "", basis.count]
        )
    for ground in data.grounds:
        writer.writerow(
            [
                "grounds",
                ground.state,
                "",
                ground.action,
                ground.basis_kind,
                _inert(ground.basis),
                "",
                ground.count,
            ]
        )
    for appeal in data.appeals:
        writer.writerow(
            ["appeal_outcome", "", "", Action.UNBLOCKED, "", "", appeal.outcome, appeal.count]
        )
    for name, count in data.returns.items():
        writer.writerow(["yearly_returns", "", "", name, "", "", "", count])
    return out.getvalue().encode("utf-8-sig")


def pdf_html(data: TransparencyReport, *, language: str = "ru") -> str:
    from django.template.loader import render_to_string

    with translation.override(language):
        return render_to_string(PDF_TEMPLATE, {"report": data, "language": language})


def render_pdf(data: TransparencyReport, *, language: str = "ru") -> bytes:
    """A4 PDF of the report, laid out by WeasyPrint with no access to any URL."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; expected ru or en")
    return html_to_pdf(pdf_html(data, language=language))


def filename(data: TransparencyReport, fmt: str) -> str:
    period = str(data.year) if data.year is not None else "all-years"
    return f"transparency-report-{period}.{fmt}"
