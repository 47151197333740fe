"""factory_boy factories for crisis models. Tests only."""

from __future__ import annotations

from datetime import UTC, datetime

import factory

from concord.core.markings import Tlp
from concord.crisis.models import Event, EventType


class EventFactory(factory.django.DjangoModelFactory):
    """An event in Kunduz province, northern Afghanistan (lat 36.73, lon 68.86), owned by the
    author's agency. Pass `author=` (the owner agency follows it)."""

    class Meta:
        model = Event

    title = factory.Sequence(lambda n: f"Event {n}")
    event_type = factory.LazyFunction(lambda: EventType.objects.get(code="acled.battles"))
    starts_at = datetime(2025, 1, 15, 6, 0, tzinfo=UTC)
    country = "AFG"
    admin1_pcode = "AF19"
    admin1_name = "Kunduz"
    latitude = 36.73
    longitude = 68.86
    location_precision = "exact"
    severity = 3
    tlp = Tlp.AMBER
    owner_agency = factory.LazyAttribute(lambda o: o.author.agency)
