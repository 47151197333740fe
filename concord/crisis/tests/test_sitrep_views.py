"""Sitrep pages and API: the list, the request form, progress polled while a sitrep runs, the
stored report once done, the PDF download, sharing, and who may see what (every persona)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from concord.core.models import User
from concord.core.tests.matrix import Endpoint, assert_matrix
from concord.crisis.models import Sitrep
from concord.crisis.tests.test_sitreps import FEB_1, JAN_1, World, build_world, request

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
NOW = datetime(2025, 2, 3, 10, 0, tzinfo=UTC)


@pytest.fixture
def world(kz_analyst, ru_analyst) -> World:
    return build_world(kz_analyst, ru_analyst)


@pytest.fixture
def done(world, kz_analyst, django_capture_on_commit_callbacks) -> Sitrep:
    return request(django_capture_on_commit_callbacks, kz_analyst, region=world.region)


def running_sitrep(author: User, **fields: object) -> Sitrep:
    return Sitrep.objects.create(
        title="Being generated",
        period_start=JAN_1,
        period_end=FEB_1,
        owner_agency=author.agency,
        author=author,
        state=Sitrep.State.RUNNING,
        progress=30,
        progress_note="drawing the map",
        **fields,
    )


# Pages ----------------------------------------------------------------------------------------


def test_page_polls_while_running(kz_analyst, client_for):
    sitrep = running_sitrep(kz_analyst)

    response = client_for(kz_analyst).get(reverse("crisis:sitrep", args=[sitrep.uid]), **EN)

    assert response.status_code == 200
    html = response.content.decode()
    progress_url = reverse("crisis:sitrep_progress", args=[sitrep.uid])
    assert f'hx-get="{progress_url}" hx-trigger="every 2s" hx-swap="outerHTML"' in html
    assert '<progress max="100" value="30">' in html
    assert "<p><strong>being generated</strong> · drawing the map</p>" in html
    assert reverse("crisis:sitrep_pdf", args=[sitrep.uid]) not in html


def test_progress_partial_while_running_and_once_done(kz_analyst, client_for):
    sitrep = running_sitrep(kz_analyst)
    client = client_for(kz_analyst)
    url = reverse("crisis:sitrep_progress", args=[sitrep.uid])

    running = client.get(url, HTTP_HX_REQUEST="true", **EN)
    Sitrep.objects.filter(pk=sitrep.pk).update(state="done", progress=100, progress_note="ready")
    finished = client.get(url, HTTP_HX_REQUEST="true", **EN)

    assert running.status_code == finished.status_code == 200
    assert (
        running.content.decode().lstrip().startswith('<section class="card" id="sitrep-progress"')
    )
    assert 'hx-trigger="every 2s"' in running.content.decode()
    assert "HX-Refresh" not in running
    assert "hx-trigger" not in finished.content.decode()
    assert finished["HX-Refresh"] == "true"


def test_done_page_shows_the_report(done, kz_analyst, client_for):
    response = client_for(kz_analyst).get(reverse("crisis:sitrep", args=[done.uid]), **EN)

    html = response.content.decode()
    assert response.status_code == 200
    assert "hx-trigger" not in html
    assert done.html in html
    assert f'href="{reverse("crisis:sitrep_pdf", args=[done.uid])}" id="download"' in html
    assert "3 events" in html
    assert ".sitrep-report h1 {" in html  # the report's styles, scoped to it


def test_failed_page_shows_the_error(kz_analyst, client_for):
    sitrep = running_sitrep(kz_analyst)
    Sitrep.objects.filter(pk=sitrep.pk).update(state="failed", error="RuntimeError: boom")

    response = client_for(kz_analyst).get(reverse("crisis:sitrep", args=[sitrep.uid]), **EN)

    html = response.content.decode()
    assert "The report could not be generated: RuntimeError: boom" in html
    assert "hx-trigger" not in html


def test_pdf_download(done, kz_analyst, client_for):
    response = client_for(kz_analyst).get(reverse("crisis:sitrep_pdf", args=[done.uid]), **EN)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="sitrep-2025-01-01-northern-afghanistan-january-2025.pdf"'
    )
    assert response.content == bytes(done.pdf)


def test_pdf_of_a_running_sitrep_is_404(kz_analyst, client_for):
    sitrep = running_sitrep(kz_analyst)

    response = client_for(kz_analyst).get(reverse("crisis:sitrep_pdf", args=[sitrep.uid]), **EN)

    assert response.status_code == 404


def test_other_state_cannot_see_the_sitrep(done, ru_analyst, client_for):
    client = client_for(ru_analyst)

    for name in ("crisis:sitrep", "crisis:sitrep_progress", "crisis:sitrep_pdf"):
        assert client.get(reverse(name, args=[done.uid]), **EN).status_code == 404
    listing = client.get(reverse("crisis:sitreps"), **EN).content.decode()
    assert done.title not in listing


def test_list_shows_visible_sitreps(done, kz_coordinator, client_for):
    response = client_for(kz_coordinator).get(reverse("crisis:sitreps"), **EN)

    html = response.content.decode()
    assert response.status_code == 200
    assert f'<a href="{reverse("crisis:sitrep", args=[done.uid])}">{done.title}</a>' in html
    assert reverse("crisis:sitrep_new") in html


def test_request_form_creates_and_generates(
    world, kz_analyst, client_for, django_capture_on_commit_callbacks
):
    form = {
        "title": "Kunduz, January",
        "date_from": "2025-01-01",
        "date_to": "2025-01-31",
        "region": str(world.region.pk),
        "summary": "Tense.",
        "language": "en",
        "tlp": "GREEN",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(kz_analyst).post(reverse("crisis:sitrep_new"), form, **EN)

    sitrep = Sitrep.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("crisis:sitrep", args=[sitrep.uid])
    assert (sitrep.period_start, sitrep.period_end) == (JAN_1, FEB_1)
    assert (sitrep.state, sitrep.event_count, sitrep.tlp) == ("done", 3, "AMBER")


def test_request_form_shows_errors(world, kz_analyst, client_for):
    form = {
        "title": "Both",
        "date_from": "2025-01-01",
        "date_to": "2025-01-31",
        "region": str(world.region.pk),
        "crisis": str(world.crisis.pk),
        "language": "en",
        "tlp": "AMBER",
    }

    response = client_for(kz_analyst).post(reverse("crisis:sitrep_new"), form, **EN)

    assert response.status_code == 400
    assert "choose a region or a crisis, not both" in response.content.decode()
    assert Sitrep.objects.count() == 0


def test_request_form_refuses_an_empty_period(world, kz_analyst, client_for):
    form = {"title": "Back", "date_from": "2025-01-31", "date_to": "2025-01-01", "language": "en"}

    response = client_for(kz_analyst).post(
        reverse("crisis:sitrep_new"), {**form, "tlp": "AMBER"}, **EN
    )

    assert response.status_code == 400
    assert "the period must end after it starts" in response.content.decode()
    assert Sitrep.objects.count() == 0


def test_share_from_the_page(done, kz_analyst, ru_analyst, agency_ru, client_for):
    url = reverse("crisis:sitrep_share", args=[done.uid])

    refused = client_for(ru_analyst).post(url, {"agencies": [agency_ru.pk]}, **EN)
    blind = client_for(kz_analyst).post(url, {"agencies": [agency_ru.pk]}, **EN)

    assert refused.status_code == 404
    assert blind.status_code == 400
    assert "RU-FSB (2) may not see every event of this sitrep" in blind.content.decode()
    assert done.shared_agencies.count() == 0
    page = client_for(ru_analyst).get(reverse("crisis:sitrep", args=[done.uid]), **EN)
    assert page.status_code == 404


def test_page_matrix(done, personas, client_for, kz_coordinator):
    sitrep_url = reverse("crisis:sitrep", args=[done.uid])
    hidden = {"ru_analyst": 404, "secretariat": 404, "admin": 404, "anonymous": 302}
    assert_matrix(
        personas,
        client_for,
        [
            Endpoint("GET", reverse("crisis:sitreps"), {"anonymous": 302}),
            Endpoint("GET", reverse("crisis:sitrep_new"), {"anonymous": 302, "admin": 403}),
            Endpoint("GET", sitrep_url, hidden),
            Endpoint("GET", reverse("crisis:sitrep_progress", args=[done.uid]), hidden),
            Endpoint("GET", reverse("crisis:sitrep_pdf", args=[done.uid]), hidden),
            Endpoint(
                "POST",
                reverse("crisis:sitrep_share", args=[done.uid]),
                {**hidden, "kz_analyst": 302},
                data={},
                json_body=False,
            ),
        ],
    )


# API --------------------------------------------------------------------------------------------


@pytest.fixture
def english(settings):
    settings.LANGUAGE_CODE = "en"


@time_machine.travel(NOW, tick=False)
def test_api_request_and_poll(
    english, world, kz_analyst, client_for, django_capture_on_commit_callbacks
):
    client = client_for(kz_analyst)
    body = {
        "title": "API sitrep",
        "period_start": "2025-01-01T00:00:00Z",
        "period_end": "2025-02-01T00:00:00+00:00",
        "region": "north-afg",
        "language": "en",
        "tlp": "GREEN",
    }
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(
            reverse("api:crisis_sitrep_request"),
            json.dumps(body),
            content_type="application/json",
        )

    # The response is sent before the sitrep is generated (on commit, in the background).
    sitrep = Sitrep.objects.get()
    queued = {
        "uid": str(sitrep.uid),
        "title": "API sitrep",
        "period_start": "2025-01-01T00:00:00Z",
        "period_end": "2025-02-01T00:00:00Z",
        "region": "north-afg",
        "crisis": None,
        "language": "en",
        "tlp": "GREEN",
        "state": "queued",
        "progress": 0,
        "progress_note": "queued",
        "error": "",
        "event_count": 0,
        "owner_agency": "KZ-KNB",
        "author": "kz-analyst",
        "created_at": "2025-02-03T10:00:00Z",
        "generated_at": None,
        "pdf_url": None,
    }
    assert created.status_code == 202
    assert created.json() == queued
    done = {
        **queued,
        "tlp": "AMBER",
        "state": "done",
        "progress": 100,
        "progress_note": "Marked TLP:AMBER, not TLP:GREEN as asked: it includes events marked so.",
        "event_count": 3,
        "generated_at": "2025-02-03T10:00:00Z",
        "pdf_url": reverse("api:crisis_sitrep_pdf", kwargs={"uid": sitrep.uid}),
    }
    detail = client.get(reverse("api:crisis_sitrep", kwargs={"uid": sitrep.uid}))
    assert detail.status_code == 200
    assert detail.json() == done
    assert client.get(reverse("api:crisis_sitreps")).json() == {"items": [done], "count": 1}
    pdf = client.get(done["pdf_url"])
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content == bytes(Sitrep.objects.get().pdf)


@pytest.mark.parametrize(
    ("changes", "status", "detail"),
    [
        pytest.param(
            {"region": "nowhere"}, 400, "unknown region of concern 'nowhere'", id="region"
        ),
        pytest.param(
            {"period_start": "2025-01-01T00:00:00"},
            400,
            "the period's dates need a time zone (UTC offset)",
            id="naive",
        ),
        pytest.param({"tlp": "PINK"}, 400, "unknown TLP marking 'PINK'", id="tlp"),
    ],
)
def test_api_refuses_bad_requests(english, world, kz_analyst, client_for, changes, status, detail):
    body = {
        "title": "API sitrep",
        "period_start": "2025-01-01T00:00:00Z",
        "period_end": "2025-02-01T00:00:00Z",
        **changes,
    }

    response = client_for(kz_analyst).post(
        reverse("api:crisis_sitrep_request"), json.dumps(body), content_type="application/json"
    )

    assert response.status_code == status
    assert response.json() == {"detail": detail, "errors": [{"msg": detail}]}
    assert Sitrep.objects.count() == 0


def test_api_running_sitrep_has_no_pdf(english, kz_analyst, client_for):
    sitrep = running_sitrep(kz_analyst)
    client = client_for(kz_analyst)

    detail = client.get(reverse("api:crisis_sitrep", kwargs={"uid": sitrep.uid})).json()
    pdf = client.get(reverse("api:crisis_sitrep_pdf", kwargs={"uid": sitrep.uid}))

    assert (detail["state"], detail["progress"], detail["progress_note"]) == (
        "running",
        30,
        "drawing the map",
    )
    assert detail["pdf_url"] is None
    assert pdf.status_code == 404


def test_api_matrix(english, done, personas, client_for):
    hidden = {"ru_analyst": 404, "secretariat": 404, "admin": 404, "anonymous": 401}
    body = {
        "title": "x",
        "period_start": "2025-01-01T00:00:00Z",
        "period_end": "2025-01-01T00:00:00Z",  # refused by everyone: nothing is generated
    }
    assert_matrix(
        personas,
        client_for,
        [
            Endpoint("GET", reverse("api:crisis_sitreps"), {"anonymous": 401}),
            Endpoint(
                "POST",
                reverse("api:crisis_sitrep_request"),
                {"anonymous": 401, "admin": 403},
                400,
                body,
            ),
            Endpoint("GET", reverse("api:crisis_sitrep", kwargs={"uid": done.uid}), hidden),
            Endpoint("GET", reverse("api:crisis_sitrep_pdf", kwargs={"uid": done.uid}), hidden),
        ],
    )


def test_api_list_holds_only_visible_sitreps(english, done, ru_analyst, client_for):
    other = running_sitrep(ru_analyst)

    listing = client_for(ru_analyst).get(reverse("api:crisis_sitreps")).json()

    assert [item["uid"] for item in listing["items"]] == [str(other.uid)]
    assert listing["count"] == 1
    assert datetime.fromisoformat(listing["items"][0]["period_start"]) == JAN_1.astimezone(UTC)
