"""Reads: incident filters and counts, correlation over what the reader sees, decay."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from concord.core.markings import Tlp
from concord.core.models import Role
from concord.core.tests.factories import AgencyFactory, MemberStateFactory, UserFactory
from concord.cyber import queries, services, services_indicators
from concord.cyber.models import Indicator

pytestmark = pytest.mark.django_db


@pytest.fixture
def kg_analyst():
    state = MemberStateFactory(code="KG")
    return UserFactory(
        username="kg-x", agency=AgencyFactory(code="KG-X", state=state), role=Role.ANALYST
    )


def _incident(user, title, tlp=Tlp.GREEN, **extra):
    return services.incident_create(
        acting_user=user, title=title, classification="fraud:phishing", tlp=tlp, **extra
    )


def _add(user, value, incident=None, tlp=None):
    return services_indicators.indicator_add(
        acting_user=user, kind="domain", value=value, incident=incident, tlp=tlp
    ).indicator


def test_correlation_counts_states_and_incidents_the_reader_sees(
    kz_analyst, ru_analyst, kg_analyst
):
    kz_incident = _incident(kz_analyst, "KZ phishing")
    kg_incident = _incident(kg_analyst, "KG phishing")
    hidden = _incident(ru_analyst, "RU secret", tlp=Tlp.RED)
    mine = _add(kz_analyst, "evil.example", kz_incident)
    _add(kg_analyst, "evil.example", kg_incident)
    _add(ru_analyst, "EVIL.example", tlp=Tlp.GREEN)
    services_indicators.indicator_add(
        acting_user=ru_analyst, kind="domain", value="evil.example", incident=hidden
    )

    with CaptureQueriesContext(connection) as queries_run:
        found = queries.correlation(kz_analyst, mine)

    assert len(queries_run) == 4
    assert found.summary == "reported by 3 states in 2 incidents"
    assert [h.agency.code for h in found.holders] == ["KZ-KNB", "KG-X", "RU-FSB"]
    assert [[i.title for i in h.incidents] for h in found.holders] == [
        ["KZ phishing"],
        ["KG phishing"],
        [],
    ]


def test_incident_indicators_also_seen(kz_analyst, ru_analyst, kg_analyst):
    kz_incident = _incident(kz_analyst, "KZ phishing")
    _add(kz_analyst, "evil.example", kz_incident)
    _add(kz_analyst, "lonely.example", kz_incident)
    _add(kg_analyst, "evil.example", _incident(kg_analyst, "KG phishing"))
    _add(ru_analyst, "evil.example", tlp=Tlp.GREEN)

    with CaptureQueriesContext(connection) as queries_run:
        rows = queries.incident_indicators(kz_analyst, kz_incident)

    assert len(queries_run) == 2
    assert [(r.indicator.canonical, r.also_seen) for r in rows] == [
        ("evil.example", queries.AlsoSeen(agencies=2, states=2, incidents=1)),
        ("lonely.example", queries.AlsoSeen()),
    ]


def test_incident_filters_and_counts(kz_analyst, state_ru):
    _incident(kz_analyst, "Bank phishing", affected_states=[state_ru], severity="high")
    services.incident_create(
        acting_user=kz_analyst, title="DDoS", classification="availability:ddos", tlp=Tlp.GREEN
    )

    def titles(**f):
        return [i.title for i in queries.incidents(kz_analyst, queries.IncidentFilters(**f))]

    assert titles(classification="fraud") == ["Bank phishing"]
    assert titles(classification="availability:ddos") == ["DDoS"]
    assert titles(state="ru") == ["Bank phishing"]
    assert titles(state="KZ") == ["DDoS", "Bank phishing"]
    assert titles(text="ddos", severity="medium") == ["DDoS"]
    assert queries.incident_counts(kz_analyst) == {
        "new": 2,
        "triaged": 0,
        "in_progress": 0,
        "resolved": 0,
        "closed": 0,
    }


def test_score_follows_the_misp_polynomial(kz_analyst):
    start = timezone.now()
    indicator = Indicator(confidence=80, lifetime_days=3, valid_from=start)
    assert queries.score(indicator, start).value == 80.0
    # 80 · (1 − (1.5/3)^(1/2.3)) = 80 · (1 − 0.7398…) = 20.8
    half = queries.score(indicator, start + timedelta(days=1.5))
    assert (half.value, half.expired) == (20.8, True)
    assert queries.score(indicator, start + timedelta(days=3)).value == 0.0
    refreshed = queries.score(
        indicator, start + timedelta(days=3), last_seen=start + timedelta(days=3)
    )
    assert refreshed.value == 80.0
    forever = Indicator(confidence=60, lifetime_days=None, valid_from=start)
    assert queries.score(forever, start + timedelta(days=999)).value == 60.0
