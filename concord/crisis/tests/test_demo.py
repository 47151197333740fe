"""The crisis demo: loaded by `concord demo`, idempotent, and consistent with itself (tests run
it without the shared open-source files: national reports only)."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from concord.crisis.models import (
    AlertRule,
    Dispatch,
    Event,
    IssuedAlert,
    Region,
    RegionMembership,
    Sitrep,
)

pytestmark = pytest.mark.django_db


def _state() -> dict[str, object]:
    return {
        "events": Event.objects.count(),
        "exercises": Event.objects.filter(exercise=True).count(),
        "regions": sorted(Region.objects.values_list("slug", flat=True)),
        "memberships": RegionMembership.objects.count(),
        "rules": AlertRule.objects.count(),
        "alerts": list(IssuedAlert.objects.values_list("state", "scope")),
        "sitreps": list(Sitrep.objects.values_list("state", "progress", "tlp")),
        "dispatches": Dispatch.objects.count(),
    }


def test_demo_loads_the_crisis_picture_once(capsys):
    call_command("demo", "--no-serve")
    first = _state()
    call_command("demo", "--no-serve")
    capsys.readouterr()

    assert first == _state()
    assert first["events"] == 7
    assert first["exercises"] == 1
    assert first["regions"] == ["afghan-border-100km", "northern-afghanistan"]
    assert first["rules"] == 1
    assert first["alerts"] == [("published", "Restricted")]
    assert first["sitreps"] == [("done", 100, "AMBER")]
    # Every national report reaches the Centre, whose officer wrote the sitrep.
    crc = Event.objects.filter(shared_bodies__code="CRC").count()
    assert crc == 7
    tajik = Event.objects.get(external_id="demo-tj-2025-001")
    assert list(tajik.regions.values_list("slug", flat=True)) == ["afghan-border-100km"]
    assert tajik.crisis is not None
    assert tajik.crisis.slug == "afghanistan-north-2025"
