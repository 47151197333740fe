"""An information-security operation counts its resources identified and blocked from the cyber
module's registry (actions dated within each stage), and refuses them as hand-entered figures."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from concord.cyber import demo_registry, services_registry
from concord.operations import queries, services
from concord.operations.models import Operation, OperationKind, Participant, Stage

pytestmark = pytest.mark.django_db


@pytest.fixture
def proxy(state_kz, state_ru):
    operation = Operation.objects.create(
        slug="proxy",
        name_ru="PROXY",
        name_en="PROXY",
        kind=OperationKind.INFORMATION_SECURITY,
        since_year=2009,
    )
    for state in (state_kz, state_ru):
        Participant.objects.create(
            operation=operation, kind="member_state", country=state.country, code=state.code
        )
    stage = Stage.objects.create(
        operation=operation,
        number=1,
        year=2026,
        starts_on=date(2026, 3, 1),
        ends_on=date(2026, 3, 31),
    )
    stage.participants.set(operation.participants.all())
    return stage


def _block(user, state, value, day):
    categories = demo_registry.load_categories()
    resource = services_registry.resource_register(
        acting_user=user,
        kind="host",
        value=value,
        category=categories["malware"],
        identified_on=day,
    ).resource
    services_registry.action_record(
        acting_user=user,
        resource=resource,
        state=state,
        action="blocked",
        date=day,
        basis_kind="authority",
        basis="Order 41-1",
        reasons="malware distribution",
    )


def test_stage_figures_come_from_the_registry(proxy, kz_analyst, state_kz):
    _block(kz_analyst, state_kz, "one.example", date(2026, 3, 5))
    _block(kz_analyst, state_kz, "two.example", date(2026, 3, 20))
    _block(kz_analyst, state_kz, "later.example", date(2026, 4, 2))  # after the stage

    stats = queries.statistics(proxy.operation)

    assert stats.totals.amount("resources_identified", "items") == Decimal(2)
    assert stats.totals.amount("resources_blocked", "items") == Decimal(2)
    assert {
        row.code: row.totals.amount("resources_blocked", "items") for row in stats.by_country
    } == {"KZ": Decimal(2), "RU": Decimal(0)}


def test_resources_are_not_entered_by_hand(proxy, kz_analyst):
    participant = proxy.participants.get(code="KZ")
    with pytest.raises(ValidationError, match="registry of harmful resources"):
        services.result_report(
            acting_user=kz_analyst,
            stage=proxy,
            participant=participant,
            kind="resources_blocked",
            substance="",
            quantity=Decimal(5),
            unit="items",
        )
