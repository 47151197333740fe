"""The registry's demo data reproduces the seed document's figures exactly as defined: since
2009 (2009–2017) 80,000 resources identified, 33,500 suspended, 15,112 (more than 15,000)
criminal cases; in 2017 alone 23,147 (more than 23,000) detected and 20,318 (more than 20,000)
blocked. The itemised 2025–2026 resources do not move those figures, and loading twice changes
nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from concord.core import demo as core_demo
from concord.cyber import demo_registry, queries_registry, reports
from concord.cyber.models_registry import Resource, ResourceAction, YearlyReturn
from concord.cyber.queries_registry import Figures

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    core_demo.load_countries()
    core_demo.load_organisation()
    demo_registry.load()


def test_statistics_reproduce_the_seed_document(demo):
    stats = queries_registry.statistics()
    year_2017 = queries_registry.statistics(2017).total

    seed = stats.period(2009, 2017)
    assert (seed.identified, seed.suspended, seed.criminal_cases) == (80_000, 33_500, 15_112)
    assert (year_2017.identified, year_2017.blocked) == (23_147, 20_318)
    assert seed.criminal_cases > 15_000
    assert year_2017.identified > 23_000
    assert year_2017.blocked > 20_000


def test_each_years_states_add_up_to_the_year(demo):
    stats = queries_registry.statistics()

    assert {y: f.identified for y, f in stats.by_year.items() if y <= 2017} == {
        2009: 2_105,
        2010: 3_020,
        2011: 4_150,
        2012: 5_340,
        2013: 6_480,
        2014: 7_910,
        2015: 11_260,
        2016: 16_588,
        2017: 23_147,
    }
    by_state_2017 = {r.state: r.returns.identified for r in queries_registry.statistics(2017).rows}
    assert by_state_2017 == {
        "RU": 11_573,
        "KZ": 3_935,
        "BY": 2_546,
        "KG": 1_852,
        "TJ": 1_852,
        "AM": 1_389,
    }


def test_itemised_resources_are_dated_outside_the_seed_period(demo):
    years = set(ResourceAction.objects.values_list("date__year", flat=True))

    assert Resource.objects.count() == 60
    assert years <= {2025, 2026}
    assert (
        queries_registry.statistics().period(2025, 2026).identified
        == ResourceAction.objects.filter(action="identified").count()
    )


def test_demo_shows_states_acting_differently(demo):
    portal = Resource.objects.get(canonical="fake-news-portal.invalid")
    rows = {row.state.code: row for row in queries_registry.resource_status(portal)}

    assert (rows["KZ"].status, rows["KZ"].outcome) == ("unblocked", "appeal_upheld")
    assert (rows["RU"].status, rows["RU"].blocked) == ("blocked", True)
    assert rows["KZ"].basis.endswith("Almaly District Court of Almaty ruling on the owner's appeal")
    homograph = Resource.objects.get(canonical="xn--80ak6aa92e.example")
    assert homograph.flags == ["homograph", "punycode"]


def test_demo_transparency_report_shows_grounds_for_every_block(demo):
    data = reports.report()

    assert data.blocks > 0
    assert data.blocks_without_basis == 0
    assert {row.basis_kind for row in data.bases if row.action == "blocked"} == {
        "authority",
        "court",
        "prosecutor",
    }


def test_loading_twice_changes_nothing(demo):
    counts = (
        Resource.objects.count(),
        ResourceAction.objects.count(),
        YearlyReturn.objects.count(),
    )

    demo_registry.load()

    assert (
        Resource.objects.count(),
        ResourceAction.objects.count(),
        YearlyReturn.objects.count(),
    ) == counts
    assert counts[2] == 54


def test_split_keeps_the_total():
    assert demo_registry.split(23_147, demo_registry.STATE_SHARES) == {
        "RU": 11_573,
        "KZ": 3_935,
        "BY": 2_546,
        "KG": 1_852,
        "TJ": 1_852,
        "AM": 1_389,
    }
    assert sum(demo_registry.split(15_112, demo_registry.STATE_SHARES).values()) == 15_112
    assert Figures(1, 2, 3, 4, 5).as_dict() == {
        "identified": 1,
        "blocked": 2,
        "suspended": 3,
        "criminal_cases": 4,
        "unblocked": 5,
    }


def test_statistics_page_shows_the_seed_period(demo, kz_analyst, client_for):
    response = client_for(kz_analyst).get(
        reverse("cyber:registry_stats"), {"year": "2017"}, HTTP_ACCEPT_LANGUAGE="en"
    )

    content = response.content.decode()
    assert "80,000 resources identified, 33,500 suspended, 15,112 criminal cases opened." in content
    assert '<th scope="row">2017</th><td>23,147</td><td>20,318</td>' in content
