"""`/api/v1/designations`: the authorization matrix, screening with tokens, the lists and
organisations, review, imports, and published versions with their exports."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from concord.core import services as core_services
from concord.core.models import AuditEvent
from concord.core.tests.matrix import Endpoint, assert_matrix
from concord.designations import services
from concord.designations.models import Entry, Judgement, ListVersion, Publication
from concord.designations.queries import organisation_id
from concord.designations.tests.factories import KZ_BASIS, csv_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english_by_default(settings):
    """These tests read the API's English messages; requests carry no Accept-Language, so the
    site's default language decides (the Russian catalogue is tested with the pages)."""
    settings.LANGUAGE_CODE = "en"


def token_client(user) -> Client:
    issued = core_services.api_token_create(acting_user=user, user=user, label="screening")
    return Client(headers={"Authorization": f"Bearer {issued.raw}"})


def post_json(client: Client, url: str, body: object):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_authorization_matrix(data, personas, client_for):
    signed_in = {"anonymous": 401}
    reviewers = {"anonymous": 401, "admin": 403}
    judgement = {"left_uid": "kz:KZ-2", "right_uid": "ru:RU-2", "verdict": "unsure"}
    assert_matrix(
        personas,
        client_for,
        [
            Endpoint("GET", reverse("api:lists"), signed_in),
            Endpoint("GET", reverse("api:list_entries", args=["KZ"]), signed_in),
            Endpoint("GET", reverse("api:organisations"), signed_in),
            Endpoint("GET", reverse("api:publications"), signed_in),
            Endpoint("POST", reverse("api:screen"), signed_in, data={"queries": [{"name": "x"}]}),
            Endpoint("GET", reverse("api:candidates"), reviewers),
            Endpoint("POST", reverse("api:judge"), reviewers, default=201, data=judgement),
            Endpoint(
                "POST",
                reverse("api:publish"),
                {"anonymous": 401, "secretariat": 201},
                default=403,
            ),
        ],
    )


# --- screening -----------------------------------------------------------------------------------


def test_screen_with_a_token_gives_the_whole_result(data, kz_analyst):
    client = token_client(kz_analyst)

    response = post_json(
        client,
        reverse("api:screen"),
        {
            "queries": [
                {"name": "ISIL", "country": "kz", "language": "en"},
                {"name": "Acme Trading"},
            ],
            "limit": 1,
        },
    )

    assert response.status_code == 200
    assert response.json() == {
        "threshold": 0.7,
        "results": [
            {
                "query": {"name": "ISIL", "country": "kz", "language": "en"},
                "match": True,
                "matches": [
                    {
                        "organisation_id": organisation_id(["kz:KZ-1", "ru:RU-1"]),
                        "canonical_name": "Islamic State",
                        "name_ru": "Исламское государство",
                        "name_en": "Islamic State",
                        "matched_name": "Исламское государство",
                        "query_name": "ISIL",
                        "score": 0.95,
                        "match": True,
                        "features": {"alias_group": "isil"},
                        "listed_by": ["KZ", "RU"],
                        "listed_in_country": True,
                        "in_single_list": True,
                        "un": None,
                    }
                ],
            },
            {
                "query": {"name": "Acme Trading", "country": None, "language": None},
                "match": False,
                "matches": [],
            },
        ],
    }


def test_screen_reports_branches_below_the_threshold(data, kz_analyst):
    body = post_json(
        token_client(kz_analyst),
        reverse("api:screen"),
        {"queries": [{"name": "ISIL", "country": "RU"}]},
    ).json()

    assert [
        (m["organisation_id"], m["score"], m["match"], m["listed_in_country"], m["features"])
        for m in body["results"][0]["matches"]
    ] == [
        (organisation_id(["kz:KZ-1"]), 0.95, True, True, {"alias_group": "isil"}),
        (
            organisation_id(["kz:KZ-3"]),
            0.5,
            False,
            False,
            {"alias_group": "isil", "qualifier_mismatch": [[], ["caucasus"]]},
        ),
        (
            organisation_id(["ru:RU-3"]),
            0.5,
            False,
            True,
            {"alias_group": "isil", "qualifier_mismatch": [[], ["yemen"]]},
        ),
    ]


def test_screen_canonical_name_follows_the_request_language(data, kz_analyst, settings):
    settings.LANGUAGE_CODE = "ru"  # the organisation's working language, by default
    client = token_client(kz_analyst)

    body = post_json(client, reverse("api:screen"), {"queries": [{"name": "ISIL"}]}).json()

    assert body["results"][0]["matches"][0]["canonical_name"] == "Исламское государство"


def test_screen_threshold_override(data, kz_analyst):
    client = token_client(kz_analyst)

    body = post_json(
        client,
        reverse("api:screen"),
        {"queries": [{"name": "Taliban"}], "threshold": 0.99, "limit": 1},
    ).json()

    assert body["threshold"] == 0.99
    assert [(m["name_ru"], m["score"], m["match"]) for m in body["results"][0]["matches"]] == [
        ("Талибан", 1.0, True)
    ]
    strict = post_json(
        client, reverse("api:screen"), {"queries": [{"name": "Taliben"}], "threshold": 0.99}
    ).json()
    assert strict["results"][0]["match"] is False


def test_screen_is_audited_with_counts_and_never_names(data, kz_analyst):
    client = token_client(kz_analyst)

    post_json(
        client,
        reverse("api:screen"),
        {"queries": [{"name": "ISIL"}, {"name": "Secret Person Name"}]},
    )

    event = AuditEvent.objects.get(action="designations.screen")
    assert (event.actor_username, json.loads(event.summary)) == (
        "kz-analyst",
        {"channel": "api", "queries": 2, "matched": 1},
    )
    everything = json.dumps(list(AuditEvent.objects.values()), default=str, ensure_ascii=False)
    assert "Secret Person Name" not in everything
    assert "ISIL" not in everything


def test_more_than_a_thousand_queries_are_refused(data, kz_analyst):
    client = token_client(kz_analyst)

    response = post_json(
        client, reverse("api:screen"), {"queries": [{"name": f"n{i}"} for i in range(1001)]}
    )

    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "invalid request"
    assert [e["loc"] for e in body["errors"]] == [["body", "payload", "queries"]]
    assert AuditEvent.objects.filter(action="designations.screen").count() == 0


def test_a_thousand_queries_are_accepted(data, kz_analyst):
    client = token_client(kz_analyst)

    response = post_json(
        client, reverse("api:screen"), {"queries": [{"name": "Talibn"}] * 1000, "limit": 1}
    )

    assert response.status_code == 200
    assert len(response.json()["results"]) == 1000


@pytest.mark.parametrize("header", [None, "Bearer cnc_wrong"], ids=["none", "bad-token"])
def test_screen_needs_authentication(data, header):
    client = Client(headers={"Authorization": header} if header else {})

    response = post_json(client, reverse("api:screen"), {"queries": [{"name": "ISIL"}]})

    assert response.status_code == 401
    assert response.json() == {"detail": "authentication required", "errors": []}
    assert AuditEvent.objects.filter(action="designations.screen").count() == 0


# --- lists and organisations ---------------------------------------------------------------------


def test_lists(data, client_for, kz_analyst):
    body = client_for(kz_analyst).get(reverse("api:lists")).json()

    assert body == [
        {
            "code": "KZ",
            "name_ru": "Национальный перечень: Казахстан",
            "name_en": "National list: Kazakhstan",
            "is_reference": False,
            "version": 1,
            "entries": 3,
        },
        {
            "code": "RU",
            "name_ru": "Национальный перечень: Россия",
            "name_en": "National list: Russia",
            "is_reference": False,
            "version": 1,
            "entries": 3,
        },
        {
            "code": "UN",
            "name_ru": "Сводный санкционный перечень Совета Безопасности ООН",
            "name_en": "UN Security Council Consolidated List",
            "is_reference": True,
            "version": None,
            "entries": 0,
        },
    ]


def test_list_entries(data, client_for, kz_analyst):
    body = client_for(kz_analyst).get(reverse("api:list_entries", args=["kz"])).json()

    assert [e["uid"] for e in body] == ["kz:KZ-1", "kz:KZ-2", "kz:KZ-3"]
    assert body[0] == {
        "uid": "kz:KZ-1",
        "entry_id": "KZ-1",
        "names": [{"text": "Исламское государство", "kind": "name", "lang": "ru", "flags": []}],
        "category": "terrorist",
        "listed_on": "2015-10-15",
        "legal_basis": KZ_BASIS,
        "reasons": "",
        "status": "listed",
        "delisted_on": None,
        "source_url": "",
        "notes": "",
        "present": True,
    }


def test_unknown_list_is_a_400(data, client_for, kz_analyst):
    response = client_for(kz_analyst).get(reverse("api:list_entries", args=["XX"]))

    assert response.status_code == 400
    assert response.json() == {
        "detail": "unknown list XX (known: KZ, RU, UN)",
        "errors": [{"msg": "unknown list XX (known: KZ, RU, UN)"}],
    }


def test_gaps_of_a_state(data, client_for, kz_analyst):
    body = (
        client_for(kz_analyst)
        .get(reverse("api:organisations"), {"view": "gaps", "state": "kz"})
        .json()
    )

    assert [(o["name_ru"], o["entries"]) for o in body] == [
        ("ISIL – Yemen Province", ["ru:RU-3"]),
        ("Taleban", ["ru:RU-2"]),
    ]
    assert body[1] == {
        "id": body[1]["id"],
        "name_ru": "Taleban",
        "name_en": "Taleban",
        "category": "terrorist",
        "in_single_list": False,
        "listed_by": ["RU"],
        "missing": ["KZ"],
        "recognition": {
            "KZ": {"listed": False},
            "RU": {
                "listed": True,
                "entry_id": "RU-2",
                "listed_on": None,
                "legal_basis": "",
                "status": "listed",
                "delisted_on": None,
            },
        },
        "un": None,
        "entries": ["ru:RU-2"],
    }


@pytest.mark.parametrize(
    ("view", "entries"),
    [
        ("recognised", [["kz:KZ-1", "ru:RU-1"]]),
        ("single", [["kz:KZ-1", "ru:RU-1"]]),
        ("all", [["kz:KZ-3"], ["ru:RU-3"], ["ru:RU-2"], ["kz:KZ-1", "ru:RU-1"], ["kz:KZ-2"]]),
    ],
)
def test_organisation_views(data, client_for, kz_analyst, view, entries):
    body = client_for(kz_analyst).get(reverse("api:organisations"), {"view": view}).json()

    assert [o["entries"] for o in body] == entries


# --- review --------------------------------------------------------------------------------------


def test_candidates_for_reviewers(data, client_for, kz_analyst):
    body = client_for(kz_analyst).get(reverse("api:candidates")).json()

    assert [(c["left_uid"], c["right_uid"], c["score"]) for c in body] == [
        ("kz:KZ-2", "ru:RU-2", 0.81),
        ("kz:KZ-3", "ru:RU-3", 0.5),
    ]
    assert body[0]["features"] == {
        "logic_v2": 0.81,
        "logic_v2_detail": "['taliban'≈'taleban' fuzzyMatch: 0.81, weight 1.00]",
        "query": "Талибан",
        "matched": "Taleban",
    }


def test_judge_and_undo(data, client_for, kz_analyst):
    client = client_for(kz_analyst)

    created = post_json(
        client,
        reverse("api:judge"),
        {"left_uid": "ru:RU-2", "right_uid": "kz:KZ-2", "verdict": "positive"},
    )
    queue = client.get(reverse("api:candidates")).json()
    undone = client.delete(reverse("api:undo", args=[created.json()["id"]]))

    assert created.status_code == 201
    body = created.json()
    assert {k: v for k, v in body.items() if k not in {"id", "created_at"}} == {
        "left_uid": "kz:KZ-2",
        "right_uid": "ru:RU-2",
        "verdict": "positive",
        "auto": False,
        "deleted_at": None,
    }
    assert ("kz:KZ-2", "ru:RU-2") not in [(c["left_uid"], c["right_uid"]) for c in queue]
    assert undone.status_code == 200
    assert undone.json()["deleted_at"] is not None
    judgement = Judgement.objects.get(pk=body["id"])
    assert (judgement.deleted_by, judgement.user) == (kz_analyst, kz_analyst)


def test_judgement_with_a_bad_verdict_is_a_422(data, client_for, kz_analyst):
    response = post_json(
        client_for(kz_analyst),
        reverse("api:judge"),
        {"left_uid": "kz:KZ-2", "right_uid": "ru:RU-2", "verdict": "same"},
    )

    assert response.status_code == 422
    assert Judgement.objects.filter(auto=False).count() == 0


def test_undo_unknown_judgement_is_a_404(data, client_for, kz_analyst):
    response = client_for(kz_analyst).delete(reverse("api:undo", args=[999]))

    assert response.status_code == 404
    assert response.json() == {"detail": "not found", "errors": []}


# --- imports -------------------------------------------------------------------------------------

GOOD_CSV = csv_bytes(
    [
        [
            "KZ-1",
            "Исламское государство",
            "ИГИЛ@ru;ISIL@en",
            "ru",
            "2015-10-15",
            KZ_BASIS,
            "listed",
        ],
        ["KZ-2", "Талибан", "", "ru", "2015-10-15", KZ_BASIS, "listed"],
    ]
)
BAD_CSV = csv_bytes(
    [
        ["KZ-1", "Исламское государство", "", "ru", "2015-10-15", KZ_BASIS, "listed"],
        ["KZ-2", "", "", "ru", "2015-10-15", KZ_BASIS, "listed"],
        ["KZ-3", "Талибан", "", "xx", "2015-10-15", KZ_BASIS, "listed"],
    ]
)


def upload(client: Client, code: str, content: bytes, **fields: str):
    return client.post(
        reverse("api:import_list", args=[code]),
        {"file": SimpleUploadedFile("kz.csv", content, content_type="text/csv"), **fields},
    )


def test_coordinator_imports_their_states_list(lists, client_for, kz_coordinator):
    response = upload(client_for(kz_coordinator), "KZ", GOOD_CSV)

    assert response.status_code == 200
    assert response.json() == {
        "list": "KZ",
        "applied": True,
        "unchanged": False,
        "version": 1,
        "diff": {
            "added": ["KZ-1", "KZ-2"],
            "removed": [],
            "renamed": [],
            "basis_changed": [],
            "changed": [],
            "returned": [],
            "unchanged": 0,
        },
        "warnings": [],
    }
    assert [
        (n.text, n.lang) for n in Entry.objects.get(uid="kz:KZ-1").names.order_by("position")
    ] == [("Исламское государство", "ru"), ("ИГИЛ", "ru"), ("ISIL", "en")]
    assert ListVersion.objects.get().created_by == kz_coordinator


def test_dry_run_import_applies_nothing(lists, client_for, kz_coordinator):
    response = upload(client_for(kz_coordinator), "KZ", GOOD_CSV, dry_run="true")

    assert response.status_code == 200
    body = response.json()
    assert (body["applied"], body["version"], body["diff"]["added"]) == (
        False,
        None,
        ["KZ-1", "KZ-2"],
    )
    assert (ListVersion.objects.count(), Entry.objects.count()) == (0, 0)


def test_identical_upload_is_unchanged(lists, client_for, kz_coordinator):
    client = client_for(kz_coordinator)
    upload(client, "KZ", GOOD_CSV)

    body = upload(client, "KZ", GOOD_CSV).json()

    assert (body["applied"], body["unchanged"], body["version"]) == (False, True, None)
    assert ListVersion.objects.count() == 1


def test_refused_file_names_every_problem(lists, client_for, kz_coordinator):
    response = upload(client_for(kz_coordinator), "KZ", BAD_CSV)

    assert response.status_code == 400
    assert response.json() == {
        "detail": "file refused: 2 problem(s)",
        "errors": [
            {"file": "kz.csv", "line": 3, "column": "name", "msg": "empty name"},
            {"file": "kz.csv", "line": 4, "column": "language", "msg": "unknown language 'xx'"},
        ],
    }
    assert (ListVersion.objects.count(), Entry.objects.count()) == (0, 0)


@pytest.mark.parametrize(
    ("persona", "code"),
    [("kz_coordinator", "RU"), ("kz_analyst", "KZ"), ("kz_coordinator", "UN")],
    ids=["other-state", "analyst", "un-list"],
)
def test_others_cannot_import(lists, client_for, request, persona, code):
    response = upload(client_for(request.getfixturevalue(persona)), code, GOOD_CSV)

    assert response.status_code == 403
    assert response.json() == {
        "detail": f"only a coordinator of {code} may change the {code} list",
        "errors": [],
    }
    assert (ListVersion.objects.count(), Entry.objects.count()) == (0, 0)


# --- publications --------------------------------------------------------------------------------


def test_publications_list(data, client_for, kz_analyst, secretariat_user):
    publication = services.publish(acting_user=secretariat_user)

    body = client_for(kz_analyst).get(reverse("api:publications")).json()

    assert body == [
        {
            "number": 1,
            "published_at": body[0]["published_at"],
            "audit_seq": publication.audit_seq,
            "audit_hash": publication.audit_hash,
            "content_hash": publication.content_hash,
            "organisation_count": 1,
            "diff": publication.diff,
        }
    ]


def test_secretariat_publishes_through_the_api(data, client_for, secretariat_user):
    response = client_for(secretariat_user).post(reverse("api:publish"))

    assert response.status_code == 201
    assert (response.json()["number"], response.json()["organisation_count"]) == (1, 1)
    assert Publication.objects.get().published_by == secretariat_user


def test_analyst_cannot_publish(data, client_for, kz_analyst):
    response = client_for(kz_analyst).post(reverse("api:publish"))

    assert response.status_code == 403
    assert response.json() == {"detail": "only the Secretariat may do this", "errors": []}
    assert Publication.objects.count() == 0


@pytest.mark.parametrize(
    ("fmt", "content_type", "filename", "start"),
    [
        ("json", "application/json; charset=utf-8", "csto-single-list-v1.json", b"{"),
        ("csv", "text/csv; charset=utf-8", "csto-single-list-v1.csv", b"\xef\xbb\xbf"),
        (
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "csto-single-list-v1.xlsx",
            b"PK",
        ),
        ("ftm", "application/x-ndjson; charset=utf-8", "csto-single-list-v1.ftm.json", b"{"),
        ("pdf", "application/pdf", "csto-single-list-v1.pdf", b"%PDF"),
    ],
)
def test_export_formats(
    data, client_for, kz_analyst, secretariat_user, fmt, content_type, filename, start
):
    services.publish(acting_user=secretariat_user)

    response = client_for(kz_analyst).get(reverse("api:export", args=[1]), {"format": fmt})

    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert response.content.startswith(start)


def test_export_json_is_the_snapshot(data, client_for, kz_analyst, secretariat_user):
    publication = services.publish(acting_user=secretariat_user)

    body = client_for(kz_analyst).get(reverse("api:export", args=[1])).json()

    assert body["version"] == 1
    assert body["states"] == ["KZ", "RU"]
    assert body["organisations"] == publication.content["organisations"]


def test_export_refuses_unknown_format_and_missing_version(
    data, client_for, kz_analyst, secretariat_user
):
    services.publish(acting_user=secretariat_user)
    client = client_for(kz_analyst)

    bad = client.get(reverse("api:export", args=[1]), {"format": "docx"})
    missing = client.get(reverse("api:export", args=[2]))

    assert (bad.status_code, bad.json()) == (
        400,
        {"detail": "format must be one of csv, xlsx, ftm, pdf, json; language ru|en", "errors": []},
    )
    assert (missing.status_code, missing.json()) == (404, {"detail": "not found", "errors": []})
