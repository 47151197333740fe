"""Fixtures of the designations tests: the two member states' lists, a coordinator of each
state, and a fresh screener cache for every test."""

from __future__ import annotations

import pytest

from concord.core.models import Role, User
from concord.core.tests.factories import UserFactory
from concord.designations import queries, services


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
