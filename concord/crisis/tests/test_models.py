"""The model's own invariants: the taxonomy is seeded, the map cell follows the coordinates, the
database refuses what the rules forbid."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from concord.crisis import taxonomy
from concord.crisis.models import Event, EventType, cell_of
from concord.crisis.tests.factories import EventFactory

pytestmark = pytest.mark.django_db


def test_taxonomy_is_seeded_with_parents():
    assert EventType.objects.count() == len(taxonomy.all_rows())
    flash = EventType.objects.get(code="flood.flashFlood")
    assert flash.parent is not None
    assert flash.parent.code == "flood"
    strike = EventType.objects.get(code="acled.explosions.air_drone_strike")
    assert strike.parent.code == "acled.explosions"
    assert strike.scheme == "acled"
    assert EventType.objects.get(code="crime.terrorism").scheme == "sahana"


def test_acled_labels_map_to_codes():
    assert taxonomy.acled_code("Battles", "Armed clash") == "acled.battles.armed_clash"
    assert taxonomy.acled_code("Explosions/Remote violence", "Air/drone strike") == (
        "acled.explosions.air_drone_strike"
    )
    assert taxonomy.acled_code("Riots", "Something new") == "acled.riots"
    assert taxonomy.acled_code("Parades") is None


def test_cell_follows_coordinates(kz_analyst):
    event = EventFactory(author=kz_analyst)
    assert event.cell == cell_of(36.73, 68.86) == 126 * 360 + 248
    event.latitude = event.longitude = None
    event.save()
    assert event.cell is None


def test_cells_at_the_edges():
    assert cell_of(-90.0, -180.0) == 0
    assert cell_of(90.0, 180.0) == 179 * 360 + 359


def test_database_refuses_half_coordinates(kz_analyst):
    with pytest.raises(IntegrityError):
        EventFactory(author=kz_analyst, latitude=None)


def test_database_refuses_severity_out_of_range(kz_analyst):
    with pytest.raises(IntegrityError):
        EventFactory(author=kz_analyst, severity=6)


def test_external_id_is_unique_per_origin(kz_analyst):
    EventFactory(author=kz_analyst, origin="gdacs", external_id="EQ1")
    EventFactory(author=kz_analyst, origin="ucdp", external_id="EQ1")
    EventFactory(author=kz_analyst, origin="manual", external_id="")
    EventFactory(author=kz_analyst, origin="manual", external_id="")
    with pytest.raises(IntegrityError), transaction.atomic():
        EventFactory(author=kz_analyst, origin="gdacs", external_id="EQ1")
    assert Event.objects.count() == 4
