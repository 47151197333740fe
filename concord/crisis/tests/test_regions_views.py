"""Pages and API of the regions of concern: the authorization matrix (Centre editors define
regions; every signed-in user reads them; anonymous visitors are sent to sign in or get 401),
the monitoring page's figures and charts, and the JSON endpoints' whole bodies."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from django.urls import reverse

from concord.core.markings import Tlp
from concord.core.tests.matrix import Endpoint, assert_matrix
from concord.crisis import placement, services_regions
from concord.crisis.models import Event, EventFigure, EventSource, Region
from concord.crisis.tests.factories import EventFactory

pytestmark = pytest.mark.django_db

SQUARE = [[[68.0, 36.0], [70.0, 36.0], [70.0, 38.0], [68.0, 38.0], [68.0, 36.0]]]


@pytest.fixture(autouse=True)
def _fresh_compiled_regions():
    placement.forget_compiled()
    yield
    placement.forget_compiled()


@pytest.fixture
def north(crc_officer) -> Region:
    """Northern Afghanistan with two GREEN events in January 2025: Kunduz (dead 4 by the best
    of two sources) on 6 Jan and Takhar on 14 Jan."""
    region = services_regions.ensure_default_regions(acting_user=crc_officer)[0]
    kunduz = EventFactory(
        author=crc_officer,
        title="Clash in Kunduz",
        admin1_pcode="AF19",
        admin1_name="Kunduz",
        actor1="Taliban",
        tlp=Tlp.GREEN,
        starts_at=datetime(2025, 1, 6, 6, 0, tzinfo=UTC),
    )
    for name, dead in (("MoI", 4), ("Press", 2)):
        source = EventSource.objects.create(event=kunduz, kind="open", name=name)
        EventFigure.objects.create(source=source, figure="dead", best=dead)
    EventFactory(
        author=crc_officer,
        title="Explosion in Takhar",
        admin1_pcode="AF18",
        admin1_name="Takhar",
        latitude=36.73,
        longitude=69.53,
        actor1="ISKP",
        tlp=Tlp.GREEN,
        starts_at=datetime(2025, 1, 14, 6, 0, tzinfo=UTC),
    )
    placement.place_events(list(Event.objects.values_list("pk", flat=True)))
    return region


def _form(**overrides) -> dict[str, str]:
    return {
        "slug": "drawn",
        "name_ru": "Нарисованный",
        "name_en": "Drawn",
        "kind": "polygon",
        "geometry": json.dumps({"type": "Polygon", "coordinates": SQUARE}),
        "country": "",
        "neighbours": "",
        "km": "",
        "pcodes": "",
        "description_ru": "",
        "description_en": "",
    } | overrides


# Pages -------------------------------------------------------------------------------------------


def test_pages_authorization_matrix(north, personas, client_for, crc_officer):
    everyone = {**personas, "crc_officer": crc_officer}
    slug = north.slug
    assert_matrix(
        everyone,
        client_for,
        [
            Endpoint("GET", reverse("crisis:regions"), {"anonymous": 302}),
            Endpoint("GET", reverse("crisis:region", args=[slug]), {"anonymous": 302}),
            Endpoint(
                "GET",
                reverse("crisis:region_new"),
                {"anonymous": 302, "admin": 200, "crc_officer": 200},
                default=403,
            ),
            Endpoint(
                "GET",
                reverse("crisis:region_edit", args=[slug]),
                {"anonymous": 302, "admin": 200, "crc_officer": 200},
                default=403,
            ),
            # The admin defines the region; the Centre's officer, second, is told the slug is
            # taken (the form again, 200); everyone else is refused.
            Endpoint(
                "POST",
                reverse("crisis:region_new"),
                {"anonymous": 302, "admin": 302, "crc_officer": 200},
                default=403,
                data=_form(),
                json_body=False,
            ),
        ],
    )


def test_a_centre_editor_draws_a_region(client_for, crc_officer):
    response = client_for(crc_officer).post(
        reverse("crisis:region_new"), _form(), HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("crisis:region", args=["drawn"])
    region = Region.objects.get(slug="drawn")
    assert (region.kind, region.geometry) == ("polygon", {"type": "Polygon", "coordinates": SQUARE})


def test_the_form_explains_a_bad_drawing(client_for, crc_officer):
    open_ring = json.dumps({"type": "Polygon", "coordinates": [SQUARE[0][:-1]]})

    response = client_for(crc_officer).post(
        reverse("crisis:region_new"), _form(geometry=open_ring), HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 200
    assert "ring 1 is not closed: its last position must repeat the first" in response.text
    assert not Region.objects.exists()


def test_the_form_defines_a_border_buffer(client_for, crc_officer):
    response = client_for(crc_officer).post(
        reverse("crisis:region_new"),
        _form(slug="tjk-50", kind="border_buffer", country="AFG", neighbours="TJK", km="50"),
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 302
    region = Region.objects.get(slug="tjk-50")
    assert region.definition == {"country": "AFG", "neighbours": ["TJK"], "km": 50}


def test_the_edit_form_changes_the_provinces(north, client_for, crc_officer):
    response = client_for(crc_officer).post(
        reverse("crisis:region_edit", args=[north.slug]),
        _form(slug="ignored", kind="admin_areas", pcodes="AF18", geometry=""),
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 302
    north.refresh_from_db()
    assert (north.slug, north.definition) == ("northern-afghanistan", {"pcodes": ["AF18"]})
    assert list(north.memberships.values_list("event__title", flat=True)) == ["Explosion in Takhar"]


def test_the_edit_page_offers_the_offline_draw_control(north, client_for, crc_officer):
    response = client_for(crc_officer).get(
        reverse("crisis:region_edit", args=[north.slug]), HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 200
    assert "leaflet/draw/leaflet.draw.js" in response.text
    assert "http://" not in response.text.replace("http://www.w3.org", "")
    assert "https://" not in response.text


def test_the_list_shows_each_regions_figures(north, client_for, kz_analyst):
    response = client_for(kz_analyst).get(reverse("crisis:regions"), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    rows = response.context["rows"]
    assert [(r.slug, s["events"], s["dead"]) for r, s in rows] == [
        ("afghan-border-100km", 2, 4),
        ("northern-afghanistan", 2, 4),
    ]
    assert response.context["can_edit"] is False


def test_the_monitoring_page_shows_weeks_provinces_actors_and_charts(north, client_for, kz_analyst):
    response = client_for(kz_analyst).get(
        reverse("crisis:region", args=[north.slug]),
        {"date_from": "2025-01-01", "date_to": "2025-01-31"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 200
    context = response.context
    assert (context["total"], context["dead"]) == (2, 4)
    assert [(w.week_start.isoformat(), w.events, w.dead) for w in context["weeks"]] == [
        ("2025-01-06", 1, 4),
        ("2025-01-13", 1, 0),
    ]
    assert [(p.admin1_name, p.events, p.dead) for p in context["provinces"]] == [
        ("Kunduz", 1, 4),
        ("Takhar", 1, 0),
    ]
    assert context["actors"] == [("ISKP", 1), ("Taliban", 1)]
    for title in ("Events per week", "Dead per week", "Events per province"):
        assert f">{title}</text>" in response.text
    assert ">Northern Afghanistan: events from 01.01.2025 to 31.01.2025</text>" in response.text


def test_the_default_period_ends_at_the_regions_latest_event(north, client_for, kz_analyst):
    response = client_for(kz_analyst).get(
        reverse("crisis:region", args=[north.slug]), HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.context["period"] == {"start": date(2024, 7, 16), "end": date(2025, 1, 14)}
    assert (response.context["total"], response.context["dead"]) == (2, 4)


def test_the_monitoring_page_says_when_a_period_is_empty(north, client_for, kz_analyst):
    response = client_for(kz_analyst).get(
        reverse("crisis:region", args=[north.slug]),
        {"date_from": "2024-01-01", "date_to": "2024-01-31"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 200
    assert response.context["charts"] == []
    assert "No events in this period." in response.text


# API -------------------------------------------------------------------------------------------


def test_api_authorization_matrix(north, personas, client_for, crc_officer, settings):
    settings.LANGUAGE_CODE = "en"
    payload = {
        "slug": "api-square",
        "name_en": "Square",
        "kind": "polygon",
        "geometry": {"type": "Polygon", "coordinates": SQUARE},
    }
    assert_matrix(
        {**personas, "crc_officer": crc_officer},
        client_for,
        [
            Endpoint("GET", reverse("api:crisis_regions"), {"anonymous": 401}),
            Endpoint(
                "GET", reverse("api:crisis_region_detail", args=[north.slug]), {"anonymous": 401}
            ),
            Endpoint(
                "GET",
                reverse("api:crisis_region_monitoring", args=[north.slug]),
                {"anonymous": 401},
            ),
            Endpoint(
                "POST",
                reverse("api:crisis_region_create"),
                # The admin creates it; the officer, second, finds the slug taken.
                {"anonymous": 401, "admin": 201, "crc_officer": 400},
                default=403,
                data=payload,
            ),
        ],
    )


def test_api_region_detail_has_its_geometry(north, client_for, kz_analyst, settings):
    settings.LANGUAGE_CODE = "en"

    response = client_for(kz_analyst).get(reverse("api:crisis_region_detail", args=[north.slug]))

    body = response.json()
    geometry = body.pop("geometry")
    assert response.status_code == 200
    assert body == {
        "slug": "northern-afghanistan",
        "name": "Northern Afghanistan",
        "name_ru": "Северный Афганистан",
        "name_en": "Northern Afghanistan",
        "kind": "admin_areas",
        "definition": {"pcodes": ["AF17", "AF18", "AF19", "AF21", "AF28", "AF29"]},
        "description": "Badakhshan, Takhar, Kunduz, Balkh, Jawzjan and Faryab provinces.",
        "events": 2,
        "dead": 4,
        "last_event": "2025-01-14T06:00:00Z",
    }
    assert geometry["type"] == "Polygon"


def test_api_monitoring_body(north, client_for, kz_analyst, settings):
    settings.LANGUAGE_CODE = "en"

    response = client_for(kz_analyst).get(
        reverse("api:crisis_region_monitoring", args=[north.slug]),
        {"since": "2025-01-01", "until": "2025-01-31"},
    )

    assert response.status_code == 200
    assert response.json() == {
        "region": "northern-afghanistan",
        "since": "2025-01-01",
        "until": "2025-01-31",
        "events": 2,
        "dead": 4,
        "weekly": [
            {"week_start": "2025-01-06", "events": 1, "dead": 4},
            {"week_start": "2025-01-13", "events": 1, "dead": 0},
        ],
        "provinces": [
            {
                "country": "AFG",
                "admin1_pcode": "AF19",
                "admin1_name": "Kunduz",
                "events": 1,
                "dead": 4,
            },
            {
                "country": "AFG",
                "admin1_pcode": "AF18",
                "admin1_name": "Takhar",
                "events": 1,
                "dead": 0,
            },
        ],
        "actors": [{"name": "ISKP", "events": 1}, {"name": "Taliban", "events": 1}],
    }


def test_api_refuses_a_bad_region_with_the_reason(client_for, crc_officer, settings):
    settings.LANGUAGE_CODE = "en"

    response = client_for(crc_officer).post(
        reverse("api:crisis_region_create"),
        {"slug": "b", "name_en": "B", "kind": "border_buffer", "definition": {"country": "AFG"}},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json() == {
        "detail": "name at least one neighbouring country",
        "errors": [{"msg": "name at least one neighbouring country"}],
    }
    assert not Region.objects.exists()


def test_api_unknown_region_is_404(client_for, kz_analyst, settings):
    settings.LANGUAGE_CODE = "en"

    response = client_for(kz_analyst).get(reverse("api:crisis_region_detail", args=["nowhere"]))

    assert response.status_code == 404
    assert response.json() == {"detail": "not found", "errors": []}
