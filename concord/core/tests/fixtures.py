"""Personas shared by every app's tests: users of two member states, the Secretariat, an admin,
an anonymous visitor, and the authorization-matrix helper (`concord.core.tests.matrix`)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from concord.core.models import Agency, Body, Role, User
from concord.core.tests.factories import (
    AgencyFactory,
    BodyFactory,
    MemberStateFactory,
    UserFactory,
)


@pytest.fixture(autouse=True)
def _english_outside_requests():
    """Direct calls (services, commands) speak English in tests, so messages can be asserted
    exactly; requests still choose their language through the middleware (see test_i18n)."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (reference renderings live in it)."""
    cache.clear()


@pytest.fixture
def state_kz():
    return MemberStateFactory(code="KZ", name_en="Kazakhstan", name_ru="Казахстан")


@pytest.fixture
def state_ru():
    return MemberStateFactory(code="RU", name_en="Russia", name_ru="Россия")


@pytest.fixture
def secretariat_body() -> Body:
    return BodyFactory(code="SEC", name_en="Secretariat", name_ru="Секретариат")


@pytest.fixture
def agency_kz(state_kz) -> Agency:
    return AgencyFactory(code="KZ-KNB", state=state_kz)


@pytest.fixture
def agency_kz_cert(state_kz) -> Agency:
    return AgencyFactory(code="KZ-CERT", state=state_kz, kind=Agency.Kind.CERT)


@pytest.fixture
def agency_ru(state_ru) -> Agency:
    return AgencyFactory(code="RU-FSB", state=state_ru)


@pytest.fixture
def agency_sec(secretariat_body) -> Agency:
    return AgencyFactory(code="SEC", state=None, body=secretariat_body, kind=Agency.Kind.BODY_UNIT)


@pytest.fixture
def kz_analyst(agency_kz) -> User:
    return UserFactory(username="kz-analyst", agency=agency_kz, role=Role.ANALYST)


@pytest.fixture
def kz_coordinator(agency_kz) -> User:
    return UserFactory(username="kz-coordinator", agency=agency_kz, role=Role.COORDINATOR)


@pytest.fixture
def kz_cert_analyst(agency_kz_cert) -> User:
    return UserFactory(username="kz-cert-analyst", agency=agency_kz_cert, role=Role.ANALYST)


@pytest.fixture
def ru_analyst(agency_ru) -> User:
    return UserFactory(username="ru-analyst", agency=agency_ru, role=Role.ANALYST)


@pytest.fixture
def secretariat_user(agency_sec) -> User:
    return UserFactory(username="secretariat", agency=agency_sec, role=Role.SECRETARIAT)


@pytest.fixture
def admin_user(agency_sec) -> User:
    return UserFactory(username="admin", agency=agency_sec, role=Role.ADMIN, is_staff=True)


@pytest.fixture
def personas(kz_analyst, ru_analyst, secretariat_user, admin_user) -> dict[str, User | None]:
    """The authorization matrix's columns: name → user (None is the anonymous visitor)."""
    return {
        "kz_analyst": kz_analyst,
        "ru_analyst": ru_analyst,
        "secretariat": secretariat_user,
        "admin": admin_user,
        "anonymous": None,
    }


@pytest.fixture
def client_for():
    """`client_for(user)`: a test client signed in as `user` (anonymous for None)."""

    def make(user: User | None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make
