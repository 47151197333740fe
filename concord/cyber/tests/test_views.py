"""Pages: the module's home, incidents, indicators, sharing groups; each page for its personas."""

from __future__ import annotations

import pytest
from django.urls import reverse

from concord.core.markings import Tlp
from concord.cyber import services, services_indicators
from concord.cyber.models import Comment, Incident

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def incident(kz_analyst):
    incident = services.incident_create(
        acting_user=kz_analyst,
        title="Bank phishing",
        classification="fraud:phishing",
        tlp=Tlp.AMBER,
    )
    services_indicators.indicator_add(
        acting_user=kz_analyst, kind="domain", value="evil.example", incident=incident
    )
    return incident


@pytest.mark.parametrize(
    "name",
    ["home", "incidents", "indicators", "groups", "incident_new", "indicators_add", "group_new"],
)
def test_pages_render_for_an_analyst(client_for, kz_analyst, name):
    response = client_for(kz_analyst).get(reverse(f"cyber:{name}"), **EN)
    assert response.status_code == 200


def test_pages_need_sign_in(client_for):
    response = client_for(None).get(reverse("cyber:home"), **EN)
    assert response.status_code == 302


def test_incident_page_shows_workflow_indicators_and_audience(client_for, kz_analyst, incident):
    client = client_for(kz_analyst)
    page = client.get(reverse("cyber:incident", args=[incident.uid]), **EN).content.decode()
    assert "→ triaged" in page
    assert "evil.example" in page
    audience = client.get(reverse("cyber:incident_audience", args=[incident.uid]), **EN)
    assert 'data-kind="state" data-code="KZ"' in audience.content.decode()


def test_other_state_gets_404(client_for, ru_analyst, incident):
    response = client_for(ru_analyst).get(reverse("cyber:incident", args=[incident.uid]), **EN)
    assert response.status_code == 404


def test_report_incident_and_move_it(client_for, kz_analyst):
    client = client_for(kz_analyst)
    response = client.post(
        reverse("cyber:incident_new"),
        {
            "title": "DDoS",
            "classification": "availability:ddos",
            "severity": "high",
            "pap": "AMBER",
            "tlp": "AMBER",
        },
        **EN,
    )
    incident = Incident.objects.get()
    assert response.status_code == 302
    client.post(reverse("cyber:incident_status", args=[incident.uid]), {"status": "triaged"}, **EN)
    incident.refresh_from_db()
    assert incident.status == "triaged"


def test_comment_by_htmx_returns_the_section(client_for, kz_cert_analyst, incident):
    response = client_for(kz_cert_analyst).post(
        reverse("cyber:incident_comment", args=[incident.uid]),
        {"text": "Same kit here"},
        HTTP_HX_REQUEST="true",
        **EN,
    )
    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith('<section class="card" id="comments">')
    assert list(Comment.objects.values_list("text", flat=True)) == ["Same kit here"]


def test_paste_indicators_lists_problems(client_for, kz_analyst):
    response = client_for(kz_analyst).post(
        reverse("cyber:indicators_add"), {"text": "???", "confidence": 50}, **EN
    )
    assert response.status_code == 400
    assert "line 1: &#x27;???&#x27; is not an address" in response.content.decode()
