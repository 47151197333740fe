"""Fixtures of the crisis tests: the Crisis Response Centre (body CRC) with two editors (a
draft and its approval need two people) and a viewer, and events of two member states.
Every helper's tests reuse these."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from django.apps import apps

from concord.core.models import Agency, Body, Role, User
from concord.core.tests.factories import AgencyFactory, BodyFactory, UserFactory
from concord.crisis.models import EventType

DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def _event_types(django_db_setup, django_db_blocker):
    """The event taxonomy comes from a data migration, and a transactional (live-server) test
    anywhere in the run flushes it: put it back before each crisis test (seeding is idempotent)."""
    with django_db_blocker.unblock():
        if not EventType.objects.exists():
            migration = importlib.import_module("concord.crisis.migrations.0002_event_types")
            migration.seed(apps, None)


@pytest.fixture
def crc_body() -> Body:
    return BodyFactory(code="CRC", name_en="Crisis Response Centre", name_ru="Кризисный центр")


@pytest.fixture
def agency_crc(crc_body: Body) -> Agency:
    return AgencyFactory(code="CRC", state=None, body=crc_body, kind=Agency.Kind.BODY_UNIT)


@pytest.fixture
def crc_officer(agency_crc: Agency) -> User:
    return UserFactory(
        username="crc-officer", agency=agency_crc, role=Role.ANALYST, email="officer@crc.test"
    )


@pytest.fixture
def crc_duty(agency_crc: Agency) -> User:
    """A second Centre editor: approves what the officer drafts."""
    return UserFactory(
        username="crc-duty", agency=agency_crc, role=Role.COORDINATOR, email="duty@crc.test"
    )


@pytest.fixture
def crc_viewer(agency_crc: Agency) -> User:
    return UserFactory(username="crc-viewer", agency=agency_crc, role=Role.VIEWER)
