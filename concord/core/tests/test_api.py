"""The JSON API: authorization matrix, token and session auth, bodies and error format."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from concord.core import services
from concord.core.demo import load_countries, load_organisation
from concord.core.models import ApiToken, AuditEvent, Body
from concord.core.tests.matrix import Endpoint, assert_matrix

pytestmark = pytest.mark.django_db


@pytest.fixture
def organisation():
    load_countries()
    load_organisation()


def test_authorization_matrix(personas, client_for, kz_analyst):
    token = ApiToken.objects.create(
        user=kz_analyst, label="x", prefix="cnc_xxxx", token_hash="0" * 64
    )
    signed_in = {"anonymous": 401}
    assert_matrix(
        personas,
        client_for,
        [
            Endpoint("GET", reverse("api:list_states"), signed_in),
            Endpoint("GET", reverse("api:list_bodies"), signed_in),
            Endpoint("GET", reverse("api:list_agencies"), signed_in),
            Endpoint("GET", reverse("api:me"), signed_in),
            Endpoint("GET", reverse("api:list_tokens"), signed_in),
            Endpoint("POST", reverse("api:create_token"), signed_in, default=201, data={}),
            Endpoint(
                "DELETE",
                reverse("api:revoke_token", args=[token.pk]),
                {"anonymous": 401, "kz_analyst": 204},
                default=404,
            ),
            Endpoint(
                "GET", reverse("api:list_audit"), {"anonymous": 401, "admin": 200}, default=403
            ),
            Endpoint("GET", reverse("api:openapi-json"), {"anonymous": 302}),
            Endpoint("GET", reverse("api:openapi-view"), {"anonymous": 302}),
        ],
    )


def test_states_lists_the_six_members_with_their_names(organisation, client_for, kz_analyst):
    response = client_for(kz_analyst).get(reverse("api:list_states"))

    assert response.status_code == 200
    body = response.json()
    assert [s["code"] for s in body] == ["AM", "BY", "KG", "KZ", "RU", "TJ"]
    assert body[3] == {
        "code": "KZ",
        "alpha3": "KAZ",
        "name_ru": "Казахстан",
        "name_en": "Kazakhstan",
        "official_name_ru": "Республика Казахстан",
        "official_name_en": "Republic of Kazakhstan",
        "name_own": "Қазақстан Республикасы",
        "own_language": "kk",
        "joined_on": "1992-05-15",
        "left_on": None,
    }


def test_bodies_include_the_crisis_response_centre(organisation, client_for, kz_analyst):
    body = client_for(kz_analyst).get(reverse("api:list_bodies")).json()

    assert [b["code"] for b in body] == [
        "CSC",
        "CFM",
        "CMD",
        "CSSC",
        "PC",
        "SEC",
        "JS",
        "CRC",
        "CCC-CI",
        "WG-AFG",
    ]
    crc = body[7]
    assert (crc["name_en"], crc["established_year"], crc["parent"]) == (
        "Crisis Response Centre",
        2016,
        None,
    )
    assert body[9]["parent"] == "CFM"


def test_agencies_filter_by_state(organisation, client_for, kz_analyst):
    body = client_for(kz_analyst).get(reverse("api:list_agencies"), {"state": "tj"}).json()

    assert [(a["code"], a["state"], a["body"]) for a in body] == [
        ("TJ-CERT", "TJ", None),
        ("TJ-DCA", "TJ", None),
        ("TJ-GKNB", "TJ", None),
    ]


def test_me_describes_the_caller(client_for, kz_analyst):
    body = client_for(kz_analyst).get(reverse("api:me")).json()

    assert body == {
        "username": "kz-analyst",
        "role": "analyst",
        "agency": "KZ-KNB",
        "state": "KZ",
        "body": None,
    }


def test_bearer_token_authenticates_and_touches_last_used(kz_analyst):
    issued = services.api_token_create(acting_user=kz_analyst, user=kz_analyst, label="etl")
    client = Client(headers={"Authorization": f"Bearer {issued.raw}"})

    response = client.get(reverse("api:me"))

    assert response.status_code == 200
    assert response.json()["username"] == "kz-analyst"
    issued.token.refresh_from_db()
    assert issued.token.last_used_at is not None
    assert issued.token.token_hash != issued.raw
    assert issued.raw not in json.dumps(list(AuditEvent.objects.values()), default=str)


@pytest.mark.parametrize("header", ["Bearer cnc_wrong", "Bearer ", "Token abc", "Basic a2F6Og=="])
def test_bad_tokens_are_refused_with_the_error_format(header):
    response = Client(headers={"Authorization": header}).get(reverse("api:me"))

    assert response.status_code == 401
    assert response.json() == {"detail": "authentication required", "errors": []}


def test_revoked_token_and_inactive_user_are_refused(kz_analyst, ru_analyst):
    revoked = services.api_token_create(acting_user=kz_analyst, user=kz_analyst)
    services.api_token_revoke(acting_user=kz_analyst, token=revoked.token)
    inactive = services.api_token_create(acting_user=ru_analyst, user=ru_analyst)
    ru_analyst.is_active = False
    ru_analyst.save()

    for raw in (revoked.raw, inactive.raw):
        response = Client(headers={"Authorization": f"Bearer {raw}"}).get(reverse("api:me"))
        assert response.status_code == 401


def test_token_created_through_the_api_is_shown_once(client_for, kz_analyst):
    client = client_for(kz_analyst)

    created = client.post(
        reverse("api:create_token"), {"label": "siem"}, content_type="application/json"
    ).json()
    listed = client.get(reverse("api:list_tokens")).json()

    assert created["token"].startswith("cnc_")
    assert created["prefix"] == created["token"][:8]
    assert listed == [{k: v for k, v in created.items() if k != "token"}]


def test_session_writes_need_csrf(kz_analyst):
    client = Client(enforce_csrf_checks=True)
    client.force_login(kz_analyst)

    response = client.post(reverse("api:create_token"), {}, content_type="application/json")

    assert response.status_code == 403
    assert ApiToken.objects.count() == 0


def test_validation_errors_use_the_error_format(client_for, kz_analyst):
    response = client_for(kz_analyst).post(
        reverse("api:create_token"), {"label": "x" * 101}, content_type="application/json"
    )

    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "invalid request"
    assert [e["loc"] for e in body["errors"]] == [["body", "payload", "label"]]


def test_audit_is_paginated_newest_first(client_for, admin_user, kz_analyst):
    for n in range(3):
        services.api_token_create(acting_user=kz_analyst, user=kz_analyst, label=f"t{n}")

    body = client_for(admin_user).get(reverse("api:list_audit"), {"limit": 2}).json()

    assert body["count"] == 3
    assert [(e["seq"], e["action"], e["actor"]) for e in body["items"]] == [
        (3, "api_token.create", "kz-analyst"),
        (2, "api_token.create", "kz-analyst"),
    ]


def test_docs_are_served_from_our_own_static_files(client_for, kz_analyst):
    html = client_for(kz_analyst).get(reverse("api:openapi-view")).content.decode()

    assert "/static/ninja/swagger-ui" in html
    assert "cdn" not in html.lower()


@pytest.mark.parametrize(
    ("minutes_ago", "touched"), [(1, False), (4, False), (6, True), (600, True)]
)
def test_last_used_is_touched_at_most_every_five_minutes(kz_analyst, minutes_ago, touched):
    issued = services.api_token_create(acting_user=kz_analyst, user=kz_analyst)
    before = timezone.now() - timedelta(minutes=minutes_ago)
    ApiToken.objects.filter(pk=issued.token.pk).update(last_used_at=before)

    response = Client(headers={"Authorization": f"Bearer {issued.raw}"}).get(reverse("api:me"))

    assert response.status_code == 200
    issued.token.refresh_from_db()
    assert (issued.token.last_used_at != before) is touched


def test_reference_lists_follow_admin_changes(
    organisation, client_for, kz_analyst, admin_user, django_capture_on_commit_callbacks
):
    client = client_for(kz_analyst)
    first = client.get(reverse("api:list_bodies")).json()
    crc = Body.objects.get(code="CRC")

    with django_capture_on_commit_callbacks(execute=True):
        crc.name_en = "Crisis Response Center"
        crc.save()
        services.reference_saved(
            acting_user=admin_user, obj=crc, created=False, changed=["name_en"]
        )
    second = client.get(reverse("api:list_bodies")).json()

    assert (first[7]["name_en"], second[7]["name_en"]) == (
        "Crisis Response Centre",
        "Crisis Response Center",
    )
