"""`/api/v1/cyber` registry endpoints: the authorization matrix, lookup rules (exact host, no
subdomain or registrable-domain widening, URL path prefix, accounts), the 10,000-item limit,
registering and acting through the API, CSV import, statistics and the transparency report."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from concord.core.tests.matrix import Endpoint, assert_matrix
from concord.cyber import demo_registry, services_registry
from concord.cyber.models_registry import Resource, ResourceAction

pytestmark = pytest.mark.django_db

RU_BASIS = "Roskomnadzor decision under Federal Law 149-FZ art. 15.3"
KZ_BASIS = "Ministry of Information order under Law on Communications art. 41-1"


@pytest.fixture(autouse=True)
def english_by_default(settings):
    settings.LANGUAGE_CODE = "en"


def post_json(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def act(user, resource, state, action, day, **extra):
    return services_registry.action_record(
        acting_user=user, resource=resource, state=state, action=action, date=day, **extra
    )


@pytest.fixture
def registry(kz_analyst, ru_analyst, state_kz, state_ru):
    """evil.vercel.app (host, blocked in KZ, identified in RU), a URL under files.example/pub/bad
    (blocked in RU), a Telegram channel (KZ, unblocked after an upheld appeal)."""
    categories = demo_registry.load_categories()

    def register(user, kind, value, category, platform=""):
        return services_registry.resource_register(
            acting_user=user,
            kind=kind,
            value=value,
            category=categories[category],
            identified_on=date(2026, 3, 1),
            platform=platform,
        ).resource

    host = register(kz_analyst, "host", "evil.vercel.app", "fraud_phishing")
    act(
        kz_analyst,
        host,
        state_kz,
        "blocked",
        date(2026, 3, 3),
        basis_kind="authority",
        basis=KZ_BASIS,
    )
    register(ru_analyst, "host", "evil.vercel.app", "fraud_phishing")
    url = register(ru_analyst, "url", "https://files.example/pub/bad", "malware")
    act(
        ru_analyst,
        url,
        state_ru,
        "blocked",
        date(2026, 3, 2),
        basis_kind="authority",
        basis=RU_BASIS,
    )
    channel = register(kz_analyst, "account", "demo_channel", "recruitment", platform="telegram")
    act(
        kz_analyst,
        channel,
        state_kz,
        "blocked",
        date(2026, 3, 4),
        basis_kind="court",
        basis="Almaty court",
    )
    act(
        kz_analyst,
        channel,
        state_kz,
        "unblocked",
        date(2026, 3, 20),
        basis_kind="court",
        basis="Almaty court, appeal",
        outcome="appeal_upheld",
    )
    return {"host": host, "url": url, "channel": channel}


def test_authorization_matrix(registry, personas, client_for):
    signed_in = {"anonymous": 401}
    host = registry["host"]
    body = {
        "kind": "host",
        "value": "new.example",
        "category": "other",
        "identified_on": "2026-03-01",
    }
    action = {
        "state": "KZ",
        "action": "suspended",
        "date": "2026-03-09",
        "basis_kind": "host_terms",
        "basis": "Host",
    }
    assert_matrix(
        personas,
        client_for,
        [
            Endpoint("GET", reverse("api:registry_resources"), signed_in),
            Endpoint("GET", reverse("api:registry_resource", args=[host.pk]), signed_in),
            Endpoint(
                "POST", reverse("api:registry_lookup"), signed_in, data={"items": ["x.example"]}
            ),
            Endpoint("GET", reverse("api:registry_statistics"), signed_in),
            Endpoint("GET", reverse("api:registry_transparency"), signed_in),
            Endpoint(
                "POST",
                reverse("api:registry_register"),
                {
                    "kz_analyst": 201,
                    "ru_analyst": 200,
                    "secretariat": 200,
                    "admin": 403,
                    "anonymous": 401,
                },
                data=body,
            ),
            Endpoint(
                "POST",
                reverse("api:registry_action", args=[host.pk]),
                {"kz_analyst": 201, "anonymous": 401},
                default=403,
                data=action,
            ),
        ],
    )


def lookup(client, items):
    response = post_json(client, reverse("api:registry_lookup"), {"items": items})
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_lookup_gives_the_whole_answer_for_a_match(registry, kz_analyst, client_for):
    results = lookup(client_for(kz_analyst), ["HTTPS://Evil.Vercel.App/login?next=1"])

    assert results == [
        {
            "input": "HTTPS://Evil.Vercel.App/login?next=1",
            "canonical": "https://evil.vercel.app/login?next=1",
            "found": True,
            "matches": [
                {
                    "resource_id": registry["host"].pk,
                    "canonical": "evil.vercel.app",
                    "kind": "host",
                    "category": "fraud_phishing",
                    "states": {"KZ": "blocked", "RU": "identified"},
                }
            ],
            "error": None,
        }
    ]


@pytest.mark.parametrize(
    ("item", "found"),
    [
        ("evil.vercel.app", "host"),
        ("http://evil.vercel.app:8080/any/path", "host"),
        ("sub.evil.vercel.app", None),
        ("vercel.app", None),
        ("https://files.example/pub/bad", "url"),
        ("https://files.example/pub/bad/x.exe", "url"),
        ("http://files.example/pub/bad?x=1", "url"),
        ("https://files.example/pub/badx", None),
        ("https://files.example/pub/", None),
        ("files.example", None),
        ("https://t.me/Demo_Channel", "channel"),
        ("telegram:demo_channel", "channel"),
    ],
    ids=[
        "exact-host", "host-any-path", "subdomain", "registrable-domain", "url-itself",
        "url-under-path", "url-with-query", "url-sibling", "url-parent", "url-host-only",
        "account-url", "account-typed",
    ],
)  # fmt: skip
def test_lookup_rules(registry, kz_analyst, client_for, item, found):
    [result] = lookup(client_for(kz_analyst), [item])

    expected = [registry[found].pk] if found else []
    assert ([m["resource_id"] for m in result["matches"]], result["found"]) == (
        expected,
        bool(found),
    )


def test_lookup_reports_unusable_items_one_by_one(registry, kz_analyst, client_for):
    results = lookup(client_for(kz_analyst), ["http://user:pw@evil.vercel.app/", "evil.vercel.app"])

    assert [(r["found"], r["error"], r["canonical"]) for r in results] == [
        (False, "credentials", None),
        (True, None, "evil.vercel.app"),
    ]
    assert results[1]["matches"][0]["states"] == {"KZ": "blocked", "RU": "identified"}


def test_lookup_refuses_more_than_10000_items(kz_analyst, client_for):
    response = post_json(
        client_for(kz_analyst), reverse("api:registry_lookup"), {"items": ["x.example"] * 10_001}
    )

    assert response.status_code == 413
    assert response.json() == {
        "detail": "at most 10,000 items per call; this call has 10,001: split it",
        "errors": [],
    }


def test_lookup_of_10000_items_is_answered(registry, kz_analyst, client_for):
    items = [f"host{i}.example" for i in range(9_999)] + ["evil.vercel.app"]

    results = lookup(client_for(kz_analyst), items)

    assert (len(results), sum(r["found"] for r in results)) == (10_000, 1)


def test_lookup_sees_a_resource_registered_after_the_index_was_built(
    registry, kz_analyst, client_for
):
    client = client_for(kz_analyst)
    assert lookup(client, ["late.example"])[0]["found"] is False
    post_json(
        client,
        reverse("api:registry_register"),
        {
            "kind": "host",
            "value": "late.example",
            "category": "other",
            "identified_on": "2026-03-01",
        },
    )

    assert lookup(client, ["late.example"])[0]["found"] is True


def test_register_answers_201_then_200(kz_analyst, client_for, state_kz):
    demo_registry.load_categories()
    client = client_for(kz_analyst)
    body = {
        "kind": "url",
        "value": "http://Evil.example/a/../b",
        "category": "malware",
        "identified_on": "2026-03-01",
    }

    first = post_json(client, reverse("api:registry_register"), body)
    second = post_json(client, reverse("api:registry_register"), body)

    resource = Resource.objects.get()
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json() == {
        "created": False,
        "identified_recorded": False,
        "message": "Already registered: http://evil.example/b (no second entry was made).",
        "resource": {
            "id": resource.pk,
            "kind": "url",
            "value": "http://Evil.example/a/../b",
            "canonical": "http://evil.example/b",
            "host": "evil.example",
            "platform": "",
            "category": "malware",
            "identified_by": "KZ-KNB",
            "identified_on": "2026-03-01",
            "description": "",
            "evidence_sha256": "",
            "evidence_ref": "",
            "flags": [],
            "states": {"KZ": "identified"},
        },
    }


def test_register_refusal_is_a_400_with_the_reason(kz_analyst, client_for, state_kz):
    demo_registry.load_categories()
    body = {
        "kind": "url",
        "value": "https://a:b@evil.example/",
        "category": "malware",
        "identified_on": "2026-03-01",
    }

    response = post_json(client_for(kz_analyst), reverse("api:registry_register"), body)

    message = "a URL with a user name or password is refused, so that credentials are never stored"
    assert response.status_code == 400
    assert response.json() == {"detail": message, "errors": [{"msg": message}]}
    assert Resource.objects.count() == 0


def test_action_without_basis_is_a_400_naming_the_fields(registry, kz_analyst, client_for):
    response = post_json(
        client_for(kz_analyst),
        reverse("api:registry_action", args=[registry["url"].pk]),
        {"state": "KZ", "action": "blocked", "date": "2026-03-05"},
    )

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"msg": "basis_kind: say what kind of legal basis the blocked rests on"},
        {"msg": "basis: name the authority, decision or court ruling"},
    ]


def test_resource_detail_shows_each_state(registry, kz_analyst, client_for):
    channel = registry["channel"]

    body = client_for(kz_analyst).get(reverse("api:registry_resource", args=[channel.pk])).json()

    assert body["states"] == {"KZ": "unblocked"}
    assert body["status"] == [
        {
            "state": "KZ",
            "status": "unblocked",
            "date": "2026-03-20",
            "basis_kind": "court",
            "basis": "Almaty court, appeal",
            "reasons": "",
            "case_numbers": [],
            "outcome": "appeal_upheld",
            "blocked": False,
        },
        {
            "state": "RU",
            "status": "",
            "date": None,
            "basis_kind": "",
            "basis": "",
            "reasons": "",
            "case_numbers": [],
            "outcome": "",
            "blocked": False,
        },
    ]
    assert [(a["state"], a["action"], a["date"]) for a in body["actions"]] == [
        ("KZ", "identified", "2026-03-01"),
        ("KZ", "blocked", "2026-03-04"),
        ("KZ", "unblocked", "2026-03-20"),
    ]


def test_resources_are_filtered(registry, kz_analyst, client_for):
    client = client_for(kz_analyst)

    def ids(**params):
        body = client.get(reverse("api:registry_resources"), params).json()
        return body["count"], sorted(r["id"] for r in body["results"])

    assert ids() == (3, sorted(r.pk for r in registry.values()))
    assert ids(state="RU", action="blocked") == (1, [registry["url"].pk])
    assert ids(action="unblocked", year=2026) == (1, [registry["channel"].pk])
    assert ids(q="vercel") == (1, [registry["host"].pk])
    assert ids(category="malware") == (1, [registry["url"].pk])


def test_import_through_the_api(kz_analyst, ru_analyst, client_for, state_kz):
    demo_registry.load_categories()
    text = (
        "value,kind,category,identified_on,state,action,date,basis_kind,basis\n"
        "evil.example,host,malware,2026-03-01,KZ,blocked,2026-03-02,authority,Order\n"
        "bad.example,host,malware,2026-03-01,KZ,blocked,2026-03-02,,\n"
    )

    refused = client_for(kz_analyst).post(
        reverse("api:registry_import"), {"file": SimpleUploadedFile("kz.csv", text.encode())}
    )
    good = text.rsplit("bad.example", 1)[0]
    applied = client_for(kz_analyst).post(
        reverse("api:registry_import"), {"file": SimpleUploadedFile("kz.csv", good.encode())}
    )

    assert refused.status_code == 400
    assert refused.json() == {
        "detail": "file refused: 2 problem(s); nothing was imported",
        "errors": [
            {
                "file": "kz.csv",
                "row": 3,
                "column": "basis_kind",
                "msg": "required when the action is blocked",
            },
            {
                "file": "kz.csv",
                "row": 3,
                "column": "basis",
                "msg": "required when the action is blocked",
            },
        ],
    }
    assert applied.status_code == 200
    assert (applied.json()["applied"], applied.json()["actions_recorded"]) == (True, 2)


def test_import_by_another_states_user_names_the_rows(ru_analyst, client_for, state_kz, state_ru):
    demo_registry.load_categories()
    text = (
        "value,kind,category,identified_on,state,action,date\n"
        "x.example,host,other,2026-03-01,KZ,identified,2026-03-01\n"
    )

    response = client_for(ru_analyst).post(
        reverse("api:registry_import"), {"file": SimpleUploadedFile("kz.csv", text.encode())}
    )

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "file": "kz.csv",
            "row": 2,
            "column": "state",
            "msg": "you may record actions only for RU, not KZ",
        }
    ]
    assert Resource.objects.count() == 0


def test_transparency_report_counts(registry, kz_analyst, client_for):
    response = client_for(kz_analyst).get(reverse("api:registry_transparency"), {"year": 2026})

    body = response.json()
    body.pop("generated_at")
    by_category = {row["category"]: row for row in body.pop("by_category")}
    assert by_category["malware"] == {
        "category": "malware",
        "name": "Malware",
        "identified": 1,
        "blocked": 1,
        "suspended": 0,
        "criminal_case": 0,
        "unblocked": 0,
    }
    assert body == {
        "year": 2026,
        "by_legal_basis": [
            {"action": "blocked", "basis_kind": "authority", "count": 2},
            {"action": "blocked", "basis_kind": "court", "count": 1},
            {"action": "unblocked", "basis_kind": "court", "count": 1},
        ],
        "grounds": [
            {
                "state": "KZ",
                "action": "blocked",
                "basis_kind": "court",
                "basis": "Almaty court",
                "count": 1,
            },
            {
                "state": "KZ",
                "action": "blocked",
                "basis_kind": "authority",
                "basis": KZ_BASIS,
                "count": 1,
            },
            {
                "state": "KZ",
                "action": "unblocked",
                "basis_kind": "court",
                "basis": "Almaty court, appeal",
                "count": 1,
            },
            {
                "state": "RU",
                "action": "blocked",
                "basis_kind": "authority",
                "basis": RU_BASIS,
                "count": 1,
            },
        ],
        "appeals": [{"outcome": "appeal_upheld", "count": 1}],
        "blocks": 3,
        "blocks_without_basis": 0,
        "yearly_returns": {"identified": 0, "blocked": 0, "suspended": 0, "criminal_cases": 0},
    }


def test_transparency_csv(registry, kz_analyst, client_for):
    response = client_for(kz_analyst).get(
        reverse("api:registry_transparency"), {"year": 2026, "format": "csv"}
    )

    lines = response.content.decode("utf-8-sig").splitlines()
    assert response["Content-Disposition"] == 'attachment; filename="transparency-report-2026.csv"'
    assert lines[0] == "section,state,category,action,basis_kind,basis,outcome,count"
    assert "appeal_outcome,,,unblocked,,,appeal_upheld,1" in lines
    assert f"grounds,RU,,blocked,authority,{RU_BASIS},,1" in lines


def test_statistics_add_registry_actions_to_returns(registry, kz_coordinator, client_for, state_kz):
    services_registry.yearly_return_set(
        acting_user=kz_coordinator,
        year=2026,
        state=state_kz,
        identified=100,
        blocked=50,
        suspended=10,
        criminal_cases=5,
        source="KZ return",
    )

    body = client_for(kz_coordinator).get(reverse("api:registry_statistics"), {"year": 2026}).json()

    assert body["total"] == {
        "identified": 104,
        "blocked": 53,
        "suspended": 10,
        "criminal_cases": 5,
        "unblocked": 1,
    }
    assert body["by_state"] == {
        "KZ": {
            "identified": 102,
            "blocked": 52,
            "suspended": 10,
            "criminal_cases": 5,
            "unblocked": 1,
        },
        "RU": {"identified": 2, "blocked": 1, "suspended": 0, "criminal_cases": 0, "unblocked": 0},
    }
    assert ResourceAction.objects.count() == 8
