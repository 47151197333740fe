"""Every event recorded here reaches the Crisis Response Centre: shared with the Centre's body,
so its users see AMBER national reports; AMBER+STRICT reports stay with their owner."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from concord.core.markings import Tlp
from concord.crisis import access, event_import, services
from concord.crisis.records import EventRecord

pytestmark = pytest.mark.django_db


def _by_form(user, tlp=Tlp.AMBER):
    return services.create_event(
        acting_user=user,
        title="Clash on the border",
        type_code="acled.battles",
        starts_at=datetime(2025, 1, 19, 6, tzinfo=UTC),
        tlp=tlp,
        country="TJK",
        latitude=37.49,
        longitude=69.40,
    )


def test_a_national_report_is_shared_with_the_centre(kz_analyst, ru_analyst, crc_officer):
    event = _by_form(kz_analyst)
    assert [body.code for body in event.shared_bodies.all()] == ["CRC"]
    assert access.can_view_event(crc_officer, event) is True
    assert access.can_view_event(ru_analyst, event) is False
    assert list(access.events_for(crc_officer)) == [event]


def test_amber_strict_stays_with_its_owner(kz_analyst, crc_officer):
    event = _by_form(kz_analyst, tlp=Tlp.AMBER_STRICT)
    assert access.can_view_event(crc_officer, event) is False


def test_imported_events_are_shared_with_the_centre_once(kz_analyst, crc_officer):
    record = EventRecord(
        origin="ucdp",
        external_id="1001",
        title="Armed clash",
        type_code="acled.battles",
        starts_at=datetime(2025, 1, 5, tzinfo=UTC),
        tlp="AMBER",
    )
    event_import.apply(records=[record], acting_user=kz_analyst, source_label="test")
    event_import.apply(records=[record], acting_user=kz_analyst, source_label="test")
    event = access.events_for(crc_officer).get()
    assert (event.external_id, event.shared_bodies.count()) == ("1001", 1)


def test_without_a_centre_nothing_is_shared(kz_analyst):
    event = _by_form(kz_analyst)
    assert event.shared_bodies.count() == 0
