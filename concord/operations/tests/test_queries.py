"""The statistics of an operation, against totals computed by hand on a small fixture.

The fixture (`ops`, shared with the chart and report tests through `stats_fixture.py`):

| stage | year | participant | figure                                   |
|-------|------|-------------|------------------------------------------|
| 1     | 2016 | KZ          | heroin 1,500 g; hashish 2.5 kg           |
| 1     | 2016 | RU          | heroin 0.1 t; detentions 12              |
| 2     | 2017 | KZ          | heroin 2.5 kg; detentions 7              |
| 2     | 2017 | RU          | heroin 3 kg, corrected to 4 kg (rev. 2)  |
| 2     | 2017 | UZ          | opium 10 kg; psychotropic 500 tablets    |
| 3     | 2017 | KZ          | heroin 0.002 t; weapons 3                |
| 3     | 2017 | RU          | cocaine 250 g; psychotropic 1.5 l        |
| 3     | 2017 | UZ          | criminal cases 4                         |

Drugs: 2016 = 1.5 + 2.5 + 100 = 104 kg; 2017 = 2.5 + 4 + 10 + 2 + 0.25 = 18.75 kg; in all
122.75 kg, of which heroin 1.5 + 100 + 2.5 + 4 + 2 = 110 kg.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from concord.operations import figures, queries
from concord.operations.models import ResultKind, Stage
from concord.operations.tests import stats_fixture
from concord.operations.tests.stats_fixture import OpsFixture

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def ops(state_kz, state_ru, kz_analyst, ru_analyst, secretariat_user) -> OpsFixture:
    return stats_fixture.build(
        state_kz=state_kz,
        state_ru=state_ru,
        kz_user=kz_analyst,
        ru_user=ru_analyst,
        secretariat=secretariat_user,
    )


def test_totals_of_all_years(ops: OpsFixture, django_assert_num_queries):
    with django_assert_num_queries(6):
        stats = queries.statistics(ops.operation)

    assert stats.year is None
    assert stats.stages == 3
    assert stats.countries == 3
    assert stats.participants == 4  # INTERPOL takes part in stage 3 and reports nothing
    assert stats.totals.amounts == {
        "drug_seizure": {"kg": D("122.75"), "l": D("1.5"), "tablets": D(500)},
        "weapons": {"items": D(3)},
        "criminal_cases": {"cases": D(4)},
        "detentions": {"persons": D(19)},
    }
    assert stats.totals.drugs_kg == D("122.75")
    assert stats.totals.lines == 14  # 15 lines, the superseded one not counted
    assert stats.illustrative is True


def test_unit_normalisation_grams_and_tonnes_to_kilograms(ops: OpsFixture):
    stats = queries.statistics(ops.operation)

    heroin = next(row for row in stats.by_substance if row.substance == "heroin")
    assert heroin.mass_kg == D("110")  # 1,500 g + 0.1 t + 2.5 kg + 4 kg + 0.002 t
    assert [(row.substance, row.mass_kg, row.other) for row in stats.by_substance] == [
        ("heroin", D("110"), {}),
        ("opium", D("10"), {}),
        ("hashish", D("2.5"), {}),
        ("cocaine", D("0.25"), {}),
        ("psychotropic", D(0), {"l": D("1.5"), "tablets": D(500)}),
    ]


def test_corrected_line_counts_once_at_its_latest_revision_and_is_flagged(ops: OpsFixture):
    stats = queries.statistics(ops.operation)

    stage2 = stats.by_stage[1]
    assert stage2.totals.drugs_kg == D("16.5")  # 2.5 + 4 (not 3) + 10
    assert stage2.revised_kinds == frozenset({"drug_seizure"})
    assert [(r.stage, r.year, r.participant, r.kind) for r in stats.revised] == [
        (2, 2017, "RU", "drug_seizure")
    ]
    russia = next(row for row in stats.by_country if row.code == "RU")
    assert russia.revised_kinds == frozenset({"drug_seizure"})
    figures = queries.detail(ops.operation, stage=2)
    assert [(r.participant, r.substance, r.amount, r.lines, r.revised) for r in figures] == [
        ("KZ", "heroin", D("2.5"), 1, False),
        ("KZ", "", D(7), 1, False),
        ("RU", "heroin", D(4), 1, True),
        ("UZ", "opium", D(10), 1, False),
        ("UZ", "psychotropic", D(500), 1, False),
    ]


def test_by_stage(ops: OpsFixture):
    stats = queries.statistics(ops.operation)

    assert [(s.number, s.year, s.status, s.totals.as_dict()) for s in stats.by_stage] == [
        (1, 2016, "closed", {"drug_seizure": {"kg": 104}, "detentions": {"persons": 12}}),
        (
            2,
            2017,
            "closed",
            {"drug_seizure": {"kg": 16.5, "tablets": 500}, "detentions": {"persons": 7}},
        ),
        (
            3,
            2017,
            "open",
            {
                "drug_seizure": {"kg": 2.25, "l": 1.5},
                "weapons": {"items": 3},
                "criminal_cases": {"cases": 4},
            },
        ),
    ]


def test_by_country_ordered_by_drugs_seized(ops: OpsFixture):
    stats = queries.statistics(ops.operation)

    assert [(p.code, p.name, p.totals.as_dict()) for p in stats.by_country] == [
        ("RU", "Russia", {"drug_seizure": {"kg": 104.25, "l": 1.5}, "detentions": {"persons": 12}}),
        (
            "UZ",
            "Uzbekistan",
            {"drug_seizure": {"kg": 10, "tablets": 500}, "criminal_cases": {"cases": 4}},
        ),
        (
            "KZ",
            "Kazakhstan",
            {"drug_seizure": {"kg": 8.5}, "weapons": {"items": 3}, "detentions": {"persons": 7}},
        ),
        ("INTERPOL", "INTERPOL", {}),
    ]


def test_by_year_with_year_on_year_change(ops: OpsFixture):
    stats = queries.statistics(ops.operation)

    first, second = stats.by_year
    assert (first.year, first.stages, first.totals.drugs_kg, first.change) == (
        2016,
        1,
        D(104),
        {},  # 2015 had no stage
    )
    assert (second.year, second.stages, second.totals.drugs_kg) == (2017, 2, D("18.75"))
    assert second.change == {
        "drug_seizure": {"kg": D("-82.0"), "l": None, "tablets": None},  # 18.75 / 104 − 1
        "weapons": {"items": None},
        "criminal_cases": {"cases": None},
        "detentions": {"persons": D("-41.7")},  # 7 / 12 − 1
    }


def test_cumulative_since_the_start(ops: OpsFixture):
    stats = queries.statistics(ops.operation)

    assert [
        (row.year, row.totals.drugs_kg, row.totals.amount("detentions", "persons"))
        for row in stats.cumulative
    ] == [
        (2016, D(104), D(12)),
        (2017, D("122.75"), D(19)),
    ]


def test_one_year(ops: OpsFixture, django_assert_num_queries):
    with django_assert_num_queries(6):
        stats = queries.statistics(ops.operation, year=2017)

    assert (stats.year, stats.stages, stats.countries, stats.participants) == (2017, 2, 3, 4)
    assert stats.totals.drugs_kg == D("18.75")
    assert [row.number for row in stats.by_stage] == [2, 3]
    assert [row.year for row in stats.by_year] == [2017]
    assert stats.by_year[0].change["drug_seizure"]["kg"] == D("-82.0")
    assert [(row.year, row.totals.drugs_kg) for row in stats.cumulative] == [
        (2016, D(104)),
        (2017, D("122.75")),
    ]


def test_one_year_before_later_stages(ops: OpsFixture):
    stats = queries.statistics(ops.operation, year=2016)

    assert (stats.stages, stats.countries, stats.participants) == (1, 2, 2)
    assert stats.totals.drugs_kg == D(104)
    assert stats.revised == []
    assert [row.year for row in stats.cumulative] == [2016]


def test_one_stage(ops: OpsFixture):
    stats = queries.statistics(ops.operation, stage=2)

    assert (stats.year, stats.stage, stats.stages, stats.participants) == (2017, 2, 1, 3)
    assert stats.totals.drugs_kg == D("16.5")
    assert stats.by_year == []
    assert [(row.year, row.totals.drugs_kg) for row in stats.cumulative] == [
        (2016, D(104)),
        (2017, D("120.5")),  # stages 1 and 2: stage 3 comes later
    ]


def test_unknown_stage_is_refused(ops: OpsFixture):
    with pytest.raises(Stage.DoesNotExist, match="stage 9 not found"):
        queries.statistics(ops.operation, stage=9)


def test_a_year_without_stages_is_empty(ops: OpsFixture):
    stats = queries.statistics(ops.operation, year=2030)

    assert (stats.stages, stats.participants, stats.totals.amounts) == (0, 0, {})
    assert stats.by_year == []
    assert [(row.year, row.totals.drugs_kg) for row in stats.cumulative] == [
        (2016, D(104)),
        (2017, D("122.75")),
    ]


def test_dashboard_one_pass_for_all_years_and_the_latest(
    ops: OpsFixture, django_assert_num_queries
):
    with django_assert_num_queries(7):
        board = queries.dashboard(ops.operation)

    assert board.all_years.totals.drugs_kg == D("122.75")
    assert board.latest_year == 2017
    assert board.latest is not None
    assert board.latest.totals == queries.statistics(ops.operation, year=2017).totals


def test_as_dict_is_json_ready(ops: OpsFixture):
    data = queries.statistics(ops.operation, year=2017).as_dict()

    assert json.loads(json.dumps(data)) == data
    assert data["operation"] == {
        "slug": "channel",
        "name_ru": "Канал",
        "name_en": "Channel",
        "kind": "anti_drug",
    }
    assert data["totals"]["drug_seizure"] == {"kg": 18.75, "l": 1.5, "tablets": 500}
    assert data["by_year"] == [
        {
            "year": 2017,
            "stages": 2,
            "totals": data["totals"],
            "change_percent": {
                "drug_seizure": {"kg": -82.0, "l": None, "tablets": None},
                "weapons": {"items": None},
                "criminal_cases": {"cases": None},
                "detentions": {"persons": -41.7},
            },
        }
    ]
    assert data["by_substance"] == [
        {"substance": "opium", "mass_kg": 10},
        {"substance": "heroin", "mass_kg": 8.5},
        {"substance": "cocaine", "mass_kg": 0.25},
        {"substance": "psychotropic", "mass_kg": 0, "l": 1.5, "tablets": 500},
    ]
    assert data["revised"] == [
        {"stage": 2, "year": 2017, "participant": "RU", "kind": "drug_seizure"}
    ]
    assert data["by_stage"][0]["starts_on"] == "2017-03-01"


def test_statistics_count_every_current_line_whatever_its_marking(ops: OpsFixture):
    # Given a RED line nobody else may read
    ops.line(3, "UZ", ResultKind.DRUG_SEIZURE, "1", "kg", "heroin", tlp="RED")

    # Then the GREEN totals still count it
    assert queries.statistics(ops.operation).totals.drugs_kg == D("123.75")


def test_headline_follows_the_kind_of_operation():
    totals = figures.Totals({"wanted_found": {"persons": D(3)}, "detentions": {"persons": D(9)}})

    assert queries.headline("illegal_migration", totals) == ("wanted_found", "persons")
    assert queries.headline("anti_drug", totals) == ("wanted_found", "persons")  # no drugs: first
    assert queries.headline("anti_drug", figures.Totals()) == ("drug_seizure", "kg")


def test_a_line_corrected_twice_counts_its_last_revision_in_its_own_unit(ops: OpsFixture):
    # Given a figure reported as 1 kg, corrected to 2 kg, then to 2,500 g
    first = ops.line(3, "UZ", ResultKind.DRUG_SEIZURE, "1", "kg", "heroin")
    second = ops.line(3, "UZ", ResultKind.DRUG_SEIZURE, "2", "kg", "heroin", supersedes=first)
    ops.line(3, "UZ", ResultKind.DRUG_SEIZURE, "2500", "g", "heroin", supersedes=second)

    stats = queries.statistics(ops.operation, stage=3)

    assert stats.totals.drugs_kg == D("4.75")  # 2 + 0.25 + 2.5
    assert stats.totals.lines == 6
    assert [(r.stage, r.participant, r.kind) for r in stats.revised] == [(3, "UZ", "drug_seizure")]
    uzbekistan = next(row for row in stats.by_country if row.code == "UZ")
    assert uzbekistan.totals.as_dict() == {
        "drug_seizure": {"kg": 2.5},
        "criminal_cases": {"cases": 4},
    }
