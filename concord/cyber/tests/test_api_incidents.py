"""`/api/v1/cyber/` incidents, indicators and sharing groups: bodies, statuses, the matrix."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from concord.core.markings import Tlp
from concord.core.tests.matrix import Endpoint, assert_matrix
from concord.cyber import services
from concord.cyber.models import Incident

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def incident(kz_analyst):
    return services.incident_create(
        acting_user=kz_analyst, title="Bank phishing", classification="fraud:phishing"
    )


def _post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_create_and_read_incident(client_for, kz_analyst, state_kz):
    client = client_for(kz_analyst)
    response = _post(
        client,
        reverse("api:cyber_incident_create"),
        {"title": "DDoS", "classification": "availability:ddos", "affected_states": ["kz"]},
    )
    assert response.status_code == 201
    body = response.json()
    assert {
        k: body[k]
        for k in (
            "title",
            "classification_label",
            "status",
            "next_statuses",
            "affected_states",
            "owner_agency",
            "owner_state",
        )
    } == {
        "title": "DDoS",
        "classification_label": "Availability: Distributed Denial of Service",
        "status": "new",
        "next_statuses": ["triaged", "closed"],
        "affected_states": ["KZ"],
        "owner_agency": "KZ-KNB",
        "owner_state": "KZ",
    }
    listed = client.get(reverse("api:cyber_incidents")).json()
    assert (listed["count"], listed["items"][0]["uid"]) == (1, body["uid"])


def test_unknown_code_is_named(client_for, kz_analyst):
    response = _post(
        client_for(kz_analyst),
        reverse("api:cyber_incident_create"),
        {"title": "x", "classification": "fraud:phishing", "shared_states": ["ZZ"]},
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "unknown member state 'ZZ'"
    assert Incident.objects.count() == 0


def test_status_change_refused_by_workflow(client_for, kz_analyst, incident):
    url = reverse("api:cyber_incident_status", args=[incident.uid])
    response = _post(client_for(kz_analyst), url, {"status": "resolved"})
    assert response.status_code == 400
    assert response.json()["detail"] == (
        "an incident that is new cannot become resolved; it may become: triaged, closed"
    )


def test_indicator_add_detail_and_bulk(client_for, kz_analyst, incident):
    client = client_for(kz_analyst)
    added = _post(
        client,
        reverse("api:cyber_indicator_add"),
        {"kind": "domain", "value": "Evil.Example", "incident": str(incident.uid)},
    )
    assert added.status_code == 201
    uid = added.json()["indicator"]["uid"]
    again = _post(
        client, reverse("api:cyber_indicator_add"), {"kind": "domain", "value": "evil.example"}
    )
    assert (again.status_code, again.json()["created"]) == (200, False)
    detail = client.get(reverse("api:cyber_indicator", args=[uid])).json()
    assert detail["correlation"]["summary"] == "reported by 1 state in 1 incident"
    assert detail["indicator"]["canonical"] == "evil.example"
    bulk = _post(client, reverse("api:cyber_indicators_bulk"), {"text": "192.0.2.1\nevil.example"})
    assert {k: bulk.json()[k] for k in ("created", "existing", "flagged")} == {
        "created": 1,
        "existing": 1,
        "flagged": 1,
    }


def test_audience_lists_reasons(client_for, kz_analyst, incident):
    body = client_for(kz_analyst).get(reverse("api:cyber_audience", args=[incident.uid])).json()
    assert [(line["kind"], line["code"]) for line in body] == [
        ("state", "KZ"),
        ("agency", "KZ-KNB"),
        ("user", "kz-analyst"),
    ]


def test_matrix(personas, client_for, incident):
    detail = reverse("api:cyber_incident", args=[incident.uid])
    assert_matrix(
        personas,
        client_for,
        [
            Endpoint("GET", reverse("api:cyber_incidents"), {"anonymous": 401}),
            Endpoint(
                "GET",
                detail,
                {"ru_analyst": 404, "secretariat": 404, "admin": 404, "anonymous": 401},
            ),
            Endpoint(
                "PATCH",
                detail,
                {"ru_analyst": 404, "secretariat": 404, "admin": 404, "anonymous": 401},
                data={"title": "Renamed"},
            ),
            Endpoint(
                "POST",
                reverse("api:cyber_comment_add", args=[incident.uid]),
                {"ru_analyst": 404, "secretariat": 404, "admin": 404, "anonymous": 401},
                default=201,
                data={"text": "seen"},
            ),
            Endpoint(
                "POST",
                reverse("api:cyber_incident_create"),
                {"admin": 403, "anonymous": 401},
                default=201,
                data={"title": "x", "classification": "other:other", "tlp": Tlp.GREEN},
            ),
            Endpoint("GET", reverse("api:cyber_groups"), {"anonymous": 401}),
        ],
    )
