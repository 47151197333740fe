"""Fixtures of the crisis tests: the Crisis Response Centre (body CRC) with two editors (a
draft and its approval need two people) and a viewer, and events of two member states.
Every helper's tests reuse these."""

from __future__ import annotations

from pathlib import Path

import pytest

from concord.core.models import Agency, Body, Role, User
from concord.core.tests.factories import AgencyFactory, BodyFactory, UserFactory

DATA = Path(__file__).parent / "data"


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
