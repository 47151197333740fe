"""Charts of the statistics: the Vega-Lite specs carry the exact figures, the SVG is
self-contained (no address but the SVG namespace), labels follow the language, and a rendering is
made once per spec."""

from __future__ import annotations

import re

import pytest
from django.utils import translation

from concord.core import charts as core_charts
from concord.operations import charts, queries
from concord.operations.tests import stats_fixture
from concord.operations.tests.stats_fixture import OpsFixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops(state_kz, state_ru, kz_analyst, ru_analyst, secretariat_user) -> OpsFixture:
    return stats_fixture.build(
        state_kz=state_kz,
        state_ru=state_ru,
        kz_user=kz_analyst,
        ru_user=ru_analyst,
        secretariat=secretariat_user,
    )


@pytest.fixture(autouse=True)
def _fresh_chart_cache():
    core_charts.clear_cache()
    yield
    core_charts.clear_cache()


def values(chart: charts.Chart) -> list[tuple[str, float]]:
    return [(v["label"], v["amount"]) for v in chart.spec["data"]["values"]]


def test_specs_carry_the_exact_figures(ops: OpsFixture):
    found = {chart.key: chart for chart in charts.charts(queries.statistics(ops.operation))}

    assert list(found) == ["by_year", "by_stage", "by_country", "by_substance"]
    assert values(found["by_year"]) == [("2016", 104.0), ("2017", 18.75)]
    assert values(found["by_stage"]) == [
        ("No. 1 (2016)", 104.0),
        ("No. 2 (2017)", 16.5),
        ("No. 3 (2017)", 2.25),
    ]
    assert values(found["by_country"]) == [
        ("Russia", 104.25),
        ("Uzbekistan", 10.0),
        ("Kazakhstan", 8.5),
        ("INTERPOL", 0.0),
    ]
    assert values(found["by_substance"]) == [
        ("heroin", 110.0),
        ("opium", 10.0),
        ("hashish", 2.5),
        ("cocaine", 0.25),
    ]
    assert found["by_year"].title == "Drugs seized (kg) by year"
    assert found["by_country"].spec["encoding"]["y"]["sort"] == "-x"  # horizontal, largest first
    assert found["by_country"].spec["mark"] == "bar"


def test_one_year_has_no_year_chart(ops: OpsFixture):
    found = charts.charts(queries.statistics(ops.operation, year=2017))

    assert [chart.key for chart in found] == ["by_stage", "by_country", "by_substance"]


def test_svg_is_self_contained(ops: OpsFixture):
    chart = charts.by_country(queries.statistics(ops.operation), ("drug_seizure", "kg"))

    image = chart.svg

    assert image.startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    assert re.findall(r"https?://[^\"' )]*", image) == ["http://www.w3.org/2000/svg"]
    assert "xlink" not in image
    assert 'font-family="DejaVu Sans"' in image
    labels = re.findall(r"<text[^>]*>([^<]*)</text>", image)
    assert {"Russia", "Uzbekistan", "Kazakhstan", "INTERPOL"} <= set(labels)
    assert "Drugs seized (kg) by participant" in labels


def test_labels_follow_the_language(ops: OpsFixture):
    with translation.override("ru"):
        stats = queries.statistics(ops.operation)
        chart = charts.by_country(stats, ("drug_seizure", "kg"))
        image = chart.svg

    labels = re.findall(r"<text[^>]*>([^<]*)</text>", image)
    assert {"Россия", "Узбекистан", "Казахстан", "Интерпол"} <= set(labels)


def test_a_spec_is_rendered_once(ops: OpsFixture, monkeypatch):
    import vl_convert

    calls = []
    render = vl_convert.vegalite_to_svg

    def counting(*args, **kwargs):
        calls.append(args)
        return render(*args, **kwargs)

    monkeypatch.setattr(vl_convert, "vegalite_to_svg", counting)
    spec = charts.by_stage(queries.statistics(ops.operation), ("drug_seizure", "kg")).spec

    first = core_charts.svg(spec)
    again = core_charts.svg(dict(reversed(spec.items())))  # the same spec, keys in another order

    assert again is first
    assert len(calls) == 1


def test_external_data_is_refused():
    spec = {"data": {"url": "https://example.org/figures.json"}, "mark": "bar"}

    with pytest.raises(ValueError, match="External data url not allowed"):
        core_charts.svg(spec)
