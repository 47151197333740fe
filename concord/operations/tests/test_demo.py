"""The operations demo reproduces the seed document's figures: "Channel" with the agencies of 22
countries, more than 360 t of drugs seized in 2007–2017 (362.7 t) and more than 20 t in the four
stages of 2017 (20.4 t); "Illegal migrant" with nearly 1,500 internationally wanted persons
found (1,496). The pages show those figures and the note on illustrative splits; loading the
demo twice adds nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.apps import apps
from django.urls import reverse

from concord.core import demo as core_demo
from concord.core.models import AuditEvent, User
from concord.operations import demo, queries
from concord.operations.models import Operation, PressSummary, ResultLine, Stage

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded():
    core_demo.load(password="demo-password-1")
    demo.load(password=None, reset_passwords=False)


def _rows() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_app_config("operations").get_models()
    }


def test_channel_reproduces_the_seed_document(loaded):
    channel = Operation.objects.get(slug="channel")

    every_year = queries.statistics(channel)
    in_2017 = queries.statistics(channel, year=2017)

    assert every_year.totals.drugs_kg == Decimal(362_700)
    assert in_2017.totals.drugs_kg == Decimal(20_400)
    assert (in_2017.stages, in_2017.countries, in_2017.participants) == (4, 22, 24)
    assert (every_year.stages, every_year.countries) == (33, 22)
    assert {row.year: row.totals.drugs_kg for row in every_year.by_year} == {
        **{year: Decimal(kg) for year, kg in demo.CHANNEL_KG.items()},
        2026: Decimal(0),
    }
    assert every_year.illustrative is True


def test_only_the_2026_stage_is_open_and_it_has_no_lines(loaded):
    stages = Stage.objects.filter(operation__slug="channel")

    open_stage = stages.get(status=Stage.Status.OPEN)
    assert (open_stage.number, open_stage.year, open_stage.results.count()) == (33, 2026, 0)
    assert stages.filter(status=Stage.Status.CLOSED, year__range=(2007, 2017)).count() == 32


def test_illegal_migrant_found_nearly_1500_wanted_persons(loaded):
    migrant = Operation.objects.get(slug="illegal-migrant")

    stats = queries.statistics(migrant)

    assert stats.totals.amount("wanted_found", "persons") == Decimal(1_496)
    assert stats.totals.amount("illegal_migrants", "persons") == Decimal(175_810)
    assert (stats.stages, stats.countries) == (10, 6)


def test_lines_belong_to_each_states_agency_or_the_secretariat(loaded):
    lines = ResultLine.objects.filter(stage__operation__slug="channel", stage__number=32)

    owners = dict(lines.values_list("participant__code", "owner_agency__code").distinct())
    authors = dict(lines.values_list("participant__code", "author__username").distinct())

    assert (owners["KG"], owners["TJ"], owners["RU"], owners["AF"]) == (
        "KG-MVD",
        "TJ-DCA",
        "RU-FSB",
        "SEC",
    )
    assert (authors["KG"], authors["RU"], authors["US"]) == (
        "kg-analyst",
        "ru-analyst",
        "secretariat",
    )
    assert set(lines.values_list("tlp", flat=True)) == {"AMBER"}
    shared = lines.filter(participant__code="RU", shared_bodies__code="SEC")
    assert shared.count() == lines.filter(participant__code="RU").count() == 11


def test_a_member_states_analyst_corrects_its_own_demo_line(loaded, client_for):
    kz_analyst = User.objects.get(username="kz-analyst")
    line = ResultLine.objects.filter(
        stage__operation__slug="channel", stage__number=32, participant__code="KZ"
    ).first()

    response = client_for(kz_analyst).get(
        reverse("operations:line_correct", args=["channel", line.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 200


def test_the_2017_press_summary_is_public(loaded, client_for):
    summary = PressSummary.objects.get()

    response = client_for(None).get(reverse("operations:press"), HTTP_ACCEPT_LANGUAGE="en")

    content = response.content.decode()
    assert (summary.tlp, summary.year, summary.operation.slug) == ("CLEAR", 2017, "channel")
    assert summary.totals["stages"] == 4
    assert summary.totals["countries"] == 22
    assert summary.totals["totals"]["drug_seizure"]["kg"] == 20_400
    assert response.status_code == 200
    assert summary.title_en in content


def test_the_dashboards_show_the_seed_figures(loaded, client_for):
    client = client_for(User.objects.get(username="kz-analyst"))

    every_year = client.get(
        reverse("operations:operation", args=["channel"]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    in_2017 = client.get(
        reverse("operations:operation", args=["channel"]),
        {"year": 2017},
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()
    migrant = client.get(
        reverse("operations:operation", args=["illegal-migrant"]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    listed = client.get(reverse("operations:home"), HTTP_ACCEPT_LANGUAGE="ru")

    assert "<strong>362,700</strong><span>drugs seized, kg (362.7 t)</span>" in every_year
    assert '<strong id="total-countries">22</strong>' in every_year
    assert 'id="illustrative-note"' in every_year
    assert '<strong id="total-stages">4</strong>' in in_2017
    assert "<strong>20,400</strong><span>drugs seized, kg (20.4 t)</span>" in in_2017
    assert "<strong>1,496</strong><span>internationally wanted persons found, persons" in migrant
    assert listed.status_code == 200
    assert '<html lang="ru">' in listed.content.decode()


def test_loading_twice_adds_nothing(loaded):
    before = _rows()
    events = AuditEvent.objects.count()

    demo.load(password=None, reset_passwords=False)

    assert _rows() == before
    assert AuditEvent.objects.count() == events


def test_the_demo_needs_the_core_demo_first():
    with pytest.raises(demo.DemoDataMissingError, match="countries missing"):
        demo.load(password=None, reset_passwords=False)
