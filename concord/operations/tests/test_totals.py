"""The figure totals the services keep: after every kind of write they equal the sums of the
current lines, and they mark figures that include a correction."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Count, Sum

from concord.operations import services
from concord.operations.models import FigureTotal, ResultLine
from concord.operations.tests.factories import csv_bytes, report

pytestmark = pytest.mark.django_db


def _totals() -> dict[tuple[str, str, str, str], tuple[Decimal, int, bool]]:
    return {
        (t.participant.code, t.kind, t.substance, t.unit): (t.quantity, t.lines, t.revised)
        for t in FigureTotal.objects.select_related("participant")
    }


def _from_lines() -> dict[tuple[str, str, str, str], tuple[Decimal, int]]:
    rows = (
        ResultLine.objects.current()
        .values("participant__code", "kind", "substance", "unit")
        .annotate(total=Sum("quantity"), n=Count("pk"))
    )
    return {
        (r["participant__code"], r["kind"], r["substance"], r["unit"]): (r["total"], r["n"])
        for r in rows
    }


def test_totals_follow_reports_corrections_and_imports(kz_drug_analyst, stage1):
    first = report(kz_drug_analyst, stage1, "KZ", "drug_seizure", "1500", "g", "heroin")
    report(kz_drug_analyst, stage1, "KZ", "detentions", 12, "persons")
    stage1.status = stage1.Status.CLOSED
    stage1.save()
    services.result_correct(
        acting_user=kz_drug_analyst, line=first, quantity=Decimal(1600), reason="recount"
    )
    stage1.status = stage1.Status.OPEN
    stage1.save()
    services.import_results(
        acting_user=kz_drug_analyst,
        stage=stage1,
        participant=stage1.participants.get(code="KZ"),
        data=csv_bytes([("drug_seizure", "hashish", "2,5", "kg", "")]),
        filename="kz.csv",
    )

    assert _totals() == {
        ("KZ", "drug_seizure", "heroin", "g"): (Decimal("1600.000"), 1, True),
        ("KZ", "detentions", "", "persons"): (Decimal("12.000"), 1, False),
        ("KZ", "drug_seizure", "hashish", "kg"): (Decimal("2.500"), 1, False),
    }
    assert {key: value[:2] for key, value in _totals().items()} == _from_lines()
