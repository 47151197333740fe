"""Fixtures of the designations tests: the two member states' lists, a coordinator of each
state, and a fresh screener cache for every test."""

from __future__ import annotations

from datetime import date

import pytest

from concord.core.models import Role, User
from concord.core.tests.factories import UserFactory
from concord.designations import queries, services
from concord.designations.tests.factories import (
    KZ_BASIS,
    import_rows,
    isil_group,
    kz_rows,
    row,
    ru_rows,
)


@pytest.fixture(autouse=True)
def _fresh_screener():
    """The screener is cached per process by generation number; a rolled-back test database
    starts the numbers again, so no test may see the previous test's screener."""
    queries._screener_cache.clear()
    yield
    queries._screener_cache.clear()


@pytest.fixture
def lists(state_kz, state_ru):
    """The KZ, RU and UN lists (KZ and RU are the only member states)."""
    return {national.code: national for national in services.ensure_lists()}


@pytest.fixture
def ru_coordinator(agency_ru) -> User:
    return UserFactory(username="ru-coordinator", agency=agency_ru, role=Role.COORDINATOR)


@pytest.fixture
def unharmonised(lists):
    """KZ and RU lists with the ISIL alias group: ISIL is listed by both, the Taliban under two
    spellings, and two ISIL provinces that must never merge; not yet harmonised."""
    isil_group()
    import_rows(
        "KZ",
        [
            row(
                "KZ-1", "Исламское государство", listed_on=date(2015, 10, 15), legal_basis=KZ_BASIS
            ),
            row("KZ-2", "Талибан"),
            row("KZ-3", "ISIL – Caucasus Province", lang="en"),
        ],
    )
    import_rows(
        "RU",
        [
            row("RU-1", "Исламского государства"),
            row("RU-2", "Taleban", lang="en"),
            row("RU-3", "ISIL – Yemen Province", lang="en"),
        ],
    )
    return lists


@pytest.fixture
def data(unharmonised):
    """The same lists, harmonised."""
    services.harmonise(acting_user=None)
    return unharmonised


@pytest.fixture
def imported(lists):
    """The KZ and RU lists of `factories.kz_rows()` and `ru_rows()`, not harmonised."""
    import_rows("KZ", kz_rows())
    import_rows("RU", ru_rows())
