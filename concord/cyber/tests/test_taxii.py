"""The TAXII 2.1 server over raw HTTP (Django's test client): what the real clients do not
check — headers, every error code, filters, cursor stability, visibility, queries per page."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from django.urls import reverse

from concord.core.markings import Tlp
from concord.core.models import ApiToken, Role, User
from concord.core.tests.factories import TEST_PASSWORD, UserFactory
from concord.core.tests.matrix import Endpoint, assert_matrix
from concord.cyber.models import AddStatus, StixObject
from concord.cyber.tests.taxii_data import (
    BASE,
    bearer,
    indicator_body,
    make_collection,
    new_id,
    stored,
    token_for,
)

TAXII = "application/taxii+json;version=2.1"
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def shared(kz_analyst):
    return make_collection(kz_analyst, alias="shared", tlp=Tlp.GREEN)


def objects_url(collection, object_id: str = "") -> str:
    if object_id:
        return reverse("taxii:object", args=[collection.uid, object_id])
    return reverse("taxii:objects", args=[collection.uid])


def get(client, url, user=None, **extra):
    headers = bearer(user) if user is not None else {}
    return client.get(url, HTTP_ACCEPT=TAXII, **headers, **extra)


def ids_of(response) -> list[str]:
    return [o["id"] for o in json.loads(response.content).get("objects", [])]


def basic(username: str, password: str) -> dict[str, str]:
    raw = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {raw}"}


def error_body(status: int, code: str, title: str, description: str) -> dict[str, str]:
    return {
        "title": title,
        "description": description,
        "error_code": code,
        "http_status": str(status),
    }


# Discovery and API root ---------------------------------------------------------------------


def test_discovery_names_the_api_root(client, kz_analyst):
    response = get(client, reverse("taxii:discovery"), kz_analyst)

    assert response.status_code == 200
    assert response["Content-Type"] == TAXII
    assert json.loads(response.content) == {
        "title": "Concord TAXII server",
        "description": "Incidents and indicators shared between national CERTs",
        "default": "http://testserver/taxii2/api1/",
        "api_roots": ["http://testserver/taxii2/api1/"],
    }


def test_api_root_information(client, kz_analyst, settings):
    settings.TAXII_MAX_CONTENT_LENGTH = 1234

    response = get(client, reverse("taxii:api_root"), kz_analyst)

    assert response.status_code == 200
    assert json.loads(response.content) == {
        "title": "Concord",
        "description": "STIX 2.1 objects under TLP 2.0, by collection",
        "versions": [TAXII],
        "max_content_length": 1234,
    }


# Authentication -------------------------------------------------------------------------------


def test_anonymous_request_gets_401_with_basic_challenge(client):
    response = client.get(reverse("taxii:api_root"), HTTP_ACCEPT=TAXII)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Basic realm="Concord TAXII"'
    assert response["Content-Type"] == TAXII
    assert json.loads(response.content) == error_body(
        401, "unauthorized", "Authentication required", "authentication required"
    )


@pytest.mark.parametrize(
    ("how", "status"),
    [
        pytest.param("bearer", 200, id="bearer-token"),
        pytest.param("basic-password", 200, id="basic-password"),
        pytest.param("basic-token", 200, id="basic-with-token-as-password"),
        pytest.param("basic-wrong", 401, id="basic-wrong-password"),
        pytest.param("bearer-unknown", 401, id="bearer-unknown-token"),
        pytest.param("bearer-revoked", 401, id="bearer-revoked-token"),
        pytest.param("digest", 401, id="other-scheme"),
        pytest.param("basic-garbage", 401, id="basic-not-base64"),
    ],
)
def test_authentication_schemes(client, kz_analyst, how, status):
    token = token_for(kz_analyst)
    headers = {
        "bearer": {"HTTP_AUTHORIZATION": f"Bearer {token}"},
        "basic-password": basic("kz-analyst", TEST_PASSWORD),
        "basic-token": basic("anything", token),
        "basic-wrong": basic("kz-analyst", "wrong"),
        "bearer-unknown": {"HTTP_AUTHORIZATION": "Bearer cnc_unknown"},
        "bearer-revoked": {"HTTP_AUTHORIZATION": f"Bearer {token}"},
        "digest": {"HTTP_AUTHORIZATION": "Digest username=kz-analyst"},
        "basic-garbage": {"HTTP_AUTHORIZATION": "Basic %%%"},
    }[how]
    if how == "bearer-revoked":
        ApiToken.objects.update(revoked_at=BASE)

    response = client.get(reverse("taxii:api_root"), HTTP_ACCEPT=TAXII, **headers)

    assert response.status_code == status
    if status == 401:
        assert response["WWW-Authenticate"] == 'Basic realm="Concord TAXII"'


def test_basic_password_respects_axes_lockout(client, kz_analyst):
    statuses = [
        client.get(
            reverse("taxii:api_root"), HTTP_ACCEPT=TAXII, **basic("kz-analyst", "wrong")
        ).status_code
        for _ in range(5)
    ]

    locked = client.get(
        reverse("taxii:api_root"), HTTP_ACCEPT=TAXII, **basic("kz-analyst", TEST_PASSWORD)
    )

    assert statuses == [401, 401, 401, 401, 429]  # the fifth failure locks the account out
    assert locked.status_code == 429


def test_second_factor_accounts_must_use_a_token(client, secretariat_user, settings):
    settings.CONCORD_SECOND_FACTOR_ROLES = ["secretariat"]
    url = reverse("taxii:api_root")

    by_password = client.get(url, HTTP_ACCEPT=TAXII, **basic("secretariat", TEST_PASSWORD))
    by_token = get(client, url, secretariat_user)

    assert by_password.status_code == 401
    assert json.loads(by_password.content)["description"] == (
        "this account signs in with a second factor: use an API token"
    )
    assert by_token.status_code == 200


def test_browser_session_reads_but_cannot_write(client_for, kz_analyst, shared):
    browser = client_for(kz_analyst)

    read = browser.get(reverse("taxii:collections"))
    write = browser.post(objects_url(shared), data='{"objects": []}', content_type=TAXII)

    assert read.status_code == 200
    assert write.status_code == 401
    assert StixObject.objects.count() == 0


def test_deactivated_user_is_refused(client, kz_analyst):
    headers = bearer(kz_analyst)
    User.objects.filter(pk=kz_analyst.pk).update(is_active=False)

    response = client.get(reverse("taxii:api_root"), HTTP_ACCEPT=TAXII, **headers)

    assert response.status_code == 401


# Content negotiation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "status"),
    [
        pytest.param(TAXII, 200, id="taxii-2.1"),
        pytest.param("application/taxii+json", 200, id="taxii-without-version"),
        pytest.param("application/taxii+json; version=2.1", 200, id="taxii-with-space"),
        pytest.param("*/*", 200, id="anything"),
        pytest.param("text/html, */*;q=0.1", 200, id="browser-default"),
        pytest.param(None, 200, id="no-accept-header"),
        pytest.param("application/taxii+json;version=2.0", 406, id="taxii-2.0"),
        pytest.param("application/json", 406, id="plain-json"),
        pytest.param("application/stix+json;version=2.1", 406, id="stix"),
        pytest.param("text/html", 406, id="html"),
    ],
)
def test_accept_negotiation(client, kz_analyst, accept, status):
    headers = bearer(kz_analyst)
    if accept is not None:
        headers["HTTP_ACCEPT"] = accept

    response = client.get(reverse("taxii:api_root"), **headers)

    assert response.status_code == status
    assert response["Content-Type"] == TAXII
    if status == 406:
        assert json.loads(response.content)["error_code"] == "not_acceptable"


def test_wrong_method_is_405(client, kz_analyst):
    response = client.put(reverse("taxii:api_root"), HTTP_ACCEPT=TAXII, **bearer(kz_analyst))

    assert response.status_code == 405
    assert response["Allow"] == "GET"


# Collections --------------------------------------------------------------------------------------


def test_collections_list_only_what_the_user_sees(client, kz_analyst, ru_analyst, shared):
    make_collection(kz_analyst, alias="kz-only", tlp=Tlp.AMBER_STRICT)

    seen_by_ru = json.loads(get(client, reverse("taxii:collections"), ru_analyst).content)
    seen_by_kz = json.loads(get(client, reverse("taxii:collections"), kz_analyst).content)

    assert [c["alias"] for c in seen_by_ru["collections"]] == ["shared"]
    assert [c["alias"] for c in seen_by_kz["collections"]] == ["kz-only", "shared"]


def test_collection_resource(client, kz_analyst, shared):
    response = get(client, reverse("taxii:collection", args=[shared.uid]), kz_analyst)

    assert response.status_code == 200
    assert json.loads(response.content) == {
        "id": str(shared.uid),
        "title": "Collection shared",
        "alias": "shared",
        "can_read": True,
        "can_write": True,
        "media_types": ["application/stix+json;version=2.1"],
    }


@pytest.mark.parametrize(
    ("role", "writable", "can_write"),
    [
        pytest.param(Role.ANALYST, True, True, id="analyst-writable"),
        pytest.param(Role.VIEWER, True, False, id="viewer"),
        pytest.param(Role.ANALYST, False, False, id="read-only-collection"),
    ],
)
def test_can_write_follows_role_and_collection(client, kz_analyst, role, writable, can_write):
    collection = make_collection(kz_analyst, alias="c", writable=writable)
    user = UserFactory(username="someone", agency=kz_analyst.agency, role=role)

    body = json.loads(get(client, reverse("taxii:collection", args=[collection.uid]), user).content)

    assert (body["can_read"], body["can_write"]) == (True, can_write)


def test_unseen_or_unknown_collection_is_404(client, kz_analyst, ru_analyst):
    hidden = make_collection(kz_analyst, alias="kz-only", tlp=Tlp.AMBER_STRICT)

    for url in (
        reverse("taxii:collection", args=[hidden.uid]),
        objects_url(hidden),
        reverse("taxii:manifest", args=[hidden.uid]),
        reverse("taxii:collection", args=["not-a-uuid"]),
    ):
        response = get(client, url, ru_analyst)
        assert response.status_code == 404, url
        assert json.loads(response.content)["error_code"] == "not_found"


def test_authorization_matrix_of_reads(personas, client_for, kz_analyst, shared):
    stored(shared, kz_analyst, n=1, stix_id="indicator--11111111-1111-4111-8111-111111111111")
    hidden = make_collection(kz_analyst, alias="kz-only", tlp=Tlp.AMBER_STRICT)
    kz_only = {"kz_analyst": 200, "anonymous": 401}
    object_url = objects_url(shared, "indicator--11111111-1111-4111-8111-111111111111")
    assert_matrix(
        personas,
        client_for,
        [
            Endpoint("GET", reverse("taxii:discovery"), {"anonymous": 401}),
            Endpoint("GET", reverse("taxii:api_root"), {"anonymous": 401}),
            Endpoint("GET", reverse("taxii:collections"), {"anonymous": 401}),
            Endpoint("GET", objects_url(shared), {"anonymous": 401}),
            Endpoint("GET", object_url, {"anonymous": 401}),
            Endpoint("GET", object_url + "versions/", {"anonymous": 401}),
            Endpoint("GET", reverse("taxii:manifest", args=[shared.uid]), {"anonymous": 401}),
            Endpoint("GET", reverse("taxii:collection", args=[hidden.uid]), kz_only, 404),
        ],
    )


# Objects: envelope, headers, paging -----------------------------------------------------------


def test_envelope_carries_the_stored_text_verbatim(client, kz_analyst, shared):
    odd = '{"type":"indicator",  "id":"indicator--22222222-2222-4222-8222-222222222222"}'
    stored(
        shared, kz_analyst, n=1, stix_id="indicator--22222222-2222-4222-8222-222222222222", body=odd
    )
    second = stored(shared, kz_analyst, n=2)

    response = get(client, objects_url(shared), kz_analyst)

    assert response.status_code == 200
    assert response["Content-Type"] == TAXII
    assert response["Cache-Control"] == "no-store"
    assert response.content.decode() == f'{{"more":false,"objects":[{odd},{second.body}]}}'
    assert response["X-TAXII-Date-Added-First"] == "2024-05-01T10:00:01.000000Z"
    assert response["X-TAXII-Date-Added-Last"] == "2024-05-01T10:00:02.000000Z"


def test_empty_collection_gives_an_empty_envelope_without_date_headers(client, kz_analyst, shared):
    response = get(client, objects_url(shared), kz_analyst)

    assert json.loads(response.content) == {"more": False}
    assert "X-TAXII-Date-Added-First" not in response


def test_paging_with_limit_and_next(client, kz_analyst, shared):
    made = [stored(shared, kz_analyst, n=n).stix_id for n in range(5)]

    first = json.loads(get(client, objects_url(shared) + "?limit=2", kz_analyst).content)
    second = json.loads(
        get(client, objects_url(shared) + f"?limit=2&next={first['next']}", kz_analyst).content
    )
    third = json.loads(
        get(client, objects_url(shared) + f"?limit=2&next={second['next']}", kz_analyst).content
    )

    assert (first["more"], second["more"], third["more"]) == (True, True, False)
    assert "next" not in third
    got = [o["id"] for page in (first, second, third) for o in page["objects"]]
    assert got == made


def test_cursor_is_stable_when_objects_arrive_between_pages(client, kz_analyst, shared):
    made = [stored(shared, kz_analyst, n=n).stix_id for n in range(4)]
    first = json.loads(get(client, objects_url(shared) + "?limit=3", kz_analyst).content)
    made += [stored(shared, kz_analyst, n=10 + n).stix_id for n in range(3)]

    seen = [o["id"] for o in first["objects"]]
    cursor = first["next"]
    while cursor:
        page = json.loads(
            get(client, objects_url(shared) + f"?limit=3&next={cursor}", kz_analyst).content
        )
        seen += [o["id"] for o in page.get("objects", [])]
        cursor = page.get("next")

    assert seen == made


def test_limit_is_capped_by_the_page_size(client, kz_analyst, shared, settings):
    settings.TAXII_PAGE_SIZE = 2
    for n in range(3):
        stored(shared, kz_analyst, n=n)

    default = json.loads(get(client, objects_url(shared), kz_analyst).content)
    asked_more = json.loads(get(client, objects_url(shared) + "?limit=50", kz_analyst).content)

    assert (len(default["objects"]), default["more"]) == (2, True)
    assert (len(asked_more["objects"]), asked_more["more"]) == (2, True)


def test_added_after(client, kz_analyst, shared):
    made = [stored(shared, kz_analyst, n=n).stix_id for n in range(4)]

    response = get(client, objects_url(shared) + "?added_after=2024-05-01T10:00:01Z", kz_analyst)

    assert ids_of(response) == made[2:]
    assert response["X-TAXII-Date-Added-First"] == "2024-05-01T10:00:02.000000Z"


@pytest.mark.parametrize(
    ("query", "description"),
    [
        ("limit=0", "limit must be a positive whole number, got '0'"),
        ("limit=ten", "limit must be a positive whole number, got 'ten'"),
        (
            "added_after=yesterday",
            "added_after must be a timestamp like 2024-05-01T10:00:00Z, got 'yesterday'",
        ),
        (
            "added_after=2024-05-01T10:00:00",
            "added_after must be a timestamp like 2024-05-01T10:00:00Z, got '2024-05-01T10:00:00'",
        ),
        ("next=bm9wZQ", "next 'bm9wZQ' is not a cursor this server issued"),
        (
            "match[version]=newest",
            "match[version] must be a timestamp like 2024-05-01T10:00:00Z, got 'newest'",
        ),
    ],
)
def test_bad_filters_are_400(client, kz_analyst, shared, query, description):
    response = get(client, objects_url(shared) + "?" + query, kz_analyst)

    assert response.status_code == 400
    assert json.loads(response.content) == error_body(
        400, "bad_request", "Bad request", description
    )


# Filters and versions ---------------------------------------------------------------------------


@pytest.fixture
def versioned(shared, kz_analyst):
    """Three versions of one indicator, a malware object and another indicator."""
    one = "indicator--33333333-3333-4333-8333-333333333333"
    for n, version in enumerate(
        ["2024-01-01T00:00:00.000Z", "2024-02-01T00:00:00.000Z", "2024-03-01T00:00:00.000Z"]
    ):
        stored(shared, kz_analyst, n=n, stix_id=one, version=version)
    malware = stored(shared, kz_analyst, n=5, kind="malware")
    other = stored(shared, kz_analyst, n=6)
    return one, malware.stix_id, other.stix_id


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("", ["one@3", "malware", "other"], id="default-last"),
        pytest.param("match[version]=last", ["one@3", "malware", "other"], id="last"),
        pytest.param("match[version]=first", ["one@1", "malware", "other"], id="first"),
        pytest.param(
            "match[version]=all", ["one@1", "one@2", "one@3", "malware", "other"], id="all"
        ),
        pytest.param(
            "match[version]=first,last", ["one@1", "one@3", "malware", "other"], id="first-last"
        ),
        pytest.param("match[version]=2024-02-01T00:00:00Z", ["one@2"], id="timestamp-seconds"),
        pytest.param("match[version]=2024-02-01T00:00:00.000000Z", ["one@2"], id="timestamp-micro"),
        pytest.param("match[type]=malware", ["malware"], id="type"),
        pytest.param("match[type]=malware,indicator", ["one@3", "malware", "other"], id="types"),
        pytest.param("match[id]=ONE", ["one@3"], id="id"),
        pytest.param("match[id]=ONE&match[version]=all", ["one@1", "one@2", "one@3"], id="id-all"),
        pytest.param("match[spec_version]=2.0", [], id="spec-version"),
        pytest.param(
            "match[color]=blue", ["one@3", "malware", "other"], id="unknown-filter-ignored"
        ),
    ],
)
def test_match_filters(client, kz_analyst, shared, versioned, query, expected):
    one, malware, other = versioned
    names = {malware: "malware", other: "other"}

    response = get(client, objects_url(shared) + "?" + query.replace("ONE", one), kz_analyst)

    got = [
        names.get(o["id"], f"one@{o['modified'][6]}")
        for o in json.loads(response.content).get("objects", [])
    ]
    assert got == expected


def test_last_version_is_the_newest_the_user_may_see(client, kz_analyst, ru_analyst, shared):
    one = "indicator--44444444-4444-4444-8444-444444444444"
    stored(shared, kz_analyst, n=1, stix_id=one, version="2024-01-01T00:00:00.000Z")
    stored(shared, kz_analyst, n=2, stix_id=one, version="2024-02-01T00:00:00.000Z", tlp=Tlp.RED)

    seen_by_ru = json.loads(get(client, objects_url(shared), ru_analyst).content)
    seen_by_author = json.loads(get(client, objects_url(shared), kz_analyst).content)

    assert [o["modified"] for o in seen_by_ru["objects"]] == ["2024-01-01T00:00:00.000Z"]
    assert [o["modified"] for o in seen_by_author["objects"]] == ["2024-02-01T00:00:00.000Z"]


def test_red_object_of_another_agency_never_appears(client, kz_analyst, ru_analyst, shared):
    secret = stored(shared, kz_analyst, n=1, tlp=Tlp.RED)
    public = stored(shared, kz_analyst, n=2)
    collection_id = shared.uid

    listed = get(client, objects_url(shared) + "?match[version]=all", ru_analyst)
    manifest = get(client, reverse("taxii:manifest", args=[collection_id]), ru_analyst)
    one = get(client, objects_url(shared, secret.stix_id), ru_analyst)
    versions = get(client, objects_url(shared, secret.stix_id) + "versions/", ru_analyst)

    assert ids_of(listed) == [public.stix_id]
    assert ids_of(manifest) == [public.stix_id]
    assert (one.status_code, versions.status_code) == (404, 404)
    assert secret.stix_id not in listed.content.decode() + manifest.content.decode()


def test_get_one_object_and_its_versions(client, kz_analyst, shared, versioned):
    one = versioned[0]

    latest = json.loads(get(client, objects_url(shared, one), kz_analyst).content)
    every = json.loads(
        get(client, objects_url(shared, one) + "?match[version]=all", kz_analyst).content
    )
    versions = get(client, objects_url(shared, one) + "versions/", kz_analyst)

    assert [o["modified"] for o in latest["objects"]] == ["2024-03-01T00:00:00.000Z"]
    assert len(every["objects"]) == 3
    assert versions.status_code == 200
    assert json.loads(versions.content) == {
        "more": False,
        "versions": [
            "2024-01-01T00:00:00.000Z",
            "2024-02-01T00:00:00.000Z",
            "2024-03-01T00:00:00.000Z",
        ],
    }
    assert versions["X-TAXII-Date-Added-First"] == "2024-05-01T10:00:00.000000Z"
    assert versions["X-TAXII-Date-Added-Last"] == "2024-05-01T10:00:02.000000Z"


def test_unknown_object_is_404(client, kz_analyst, shared):
    response = get(client, objects_url(shared, new_id()), kz_analyst)

    assert response.status_code == 404
    assert json.loads(response.content)["title"] == "Not found"


def test_manifest_records(client, kz_analyst, shared):
    first = stored(shared, kz_analyst, n=1, version="2024-01-01T00:00:00.000Z")
    second = stored(shared, kz_analyst, n=2, kind="malware", version="2024-02-01T00:00:00.123Z")

    response = get(client, reverse("taxii:manifest", args=[shared.uid]) + "?limit=1", kz_analyst)
    body = json.loads(response.content)

    assert body == {
        "more": True,
        "next": body["next"],
        "objects": [
            {
                "id": first.stix_id,
                "date_added": "2024-05-01T10:00:01.000000Z",
                "version": "2024-01-01T00:00:00.000Z",
                "media_type": "application/stix+json;version=2.1",
            }
        ],
    }
    rest = get(
        client,
        reverse("taxii:manifest", args=[shared.uid]) + f"?limit=1&next={body['next']}",
        kz_analyst,
    )
    assert ids_of(rest) == [second.stix_id]
    assert json.loads(rest.content)["more"] is False


# Queries per page -------------------------------------------------------------------------------


def _bulk(collection, author, count: int, start: int = 0) -> None:
    rows = []
    for n in range(start, start + count):
        stix_id = new_id()
        tlp = (Tlp.GREEN, Tlp.AMBER, Tlp.RED)[n % 3]
        rows.append(
            StixObject(
                collection=collection,
                stix_id=stix_id,
                type="indicator",
                version="2024-01-01T00:00:00.000Z",
                date_added=BASE + timedelta(microseconds=n),
                body=indicator_body(stix_id, "2024-01-01T00:00:00.000Z", tlp=tlp),
                tlp=tlp,
                owner_agency=author.agency,
                author=author,
            )
        )
    StixObject.objects.bulk_create(rows)


@pytest.mark.parametrize("endpoint", ["taxii:objects", "taxii:manifest"])
@pytest.mark.parametrize("size", [1, 10, 1000])
def test_a_page_takes_the_same_few_queries_whatever_its_size(
    client, kz_analyst, ru_analyst, shared, size, endpoint, django_assert_num_queries
):
    _bulk(shared, kz_analyst, size * 3 + 3)  # GREEN, AMBER, RED in turn: ru_analyst sees GREEN
    headers = bearer(ru_analyst)
    ApiToken.objects.update(last_used_at=BASE + timedelta(days=10_000))  # no "last used" write

    # the token's user, the user's agency, the collection, the page
    with django_assert_num_queries(4):
        response = client.get(
            reverse(endpoint, args=[shared.uid]) + f"?limit={size}", HTTP_ACCEPT=TAXII, **headers
        )

    body = json.loads(response.content)
    assert (len(body["objects"]), body["more"]) == (size, True)


# Adding, status, deleting ------------------------------------------------------------------------


def envelope(*objects: dict) -> str:
    return json.dumps({"objects": list(objects)})


def indicator(stix_id: str = "", version: str = "2024-06-01T00:00:00.000Z") -> dict:
    return json.loads(indicator_body(stix_id or new_id(), version))


def post(client, collection, body, user, content_type=TAXII, **extra):
    return client.post(
        objects_url(collection),
        data=body,
        content_type=content_type,
        HTTP_ACCEPT=TAXII,
        **bearer(user),
        **extra,
    )


def test_add_objects_returns_a_complete_status(client, kz_analyst, shared):
    good = indicator()
    bad = {"type": "indicator", "id": new_id(), "spec_version": "2.0"}

    response = post(client, shared, envelope(good, bad), kz_analyst)

    assert response.status_code == 202
    assert response["Content-Type"] == TAXII
    body = json.loads(response.content)
    status = AddStatus.objects.get()
    assert body["id"] == str(status.uid)
    assert (body["status"], body["total_count"], body["success_count"]) == ("complete", 2, 1)
    assert (body["failure_count"], body["pending_count"]) == (1, 0)
    assert body["successes"] == [{"id": good["id"], "version": "2024-06-01T00:00:00.000Z"}]
    assert [f["id"] for f in body["failures"]] == [bad["id"]]
    assert list(StixObject.objects.values_list("stix_id", flat=True)) == [good["id"]]

    polled = get(client, reverse("taxii:status", args=[status.uid]), kz_analyst)
    assert json.loads(polled.content) == body


def test_status_is_only_for_the_user_who_asked(client, kz_analyst, kz_coordinator, shared):
    post(client, shared, envelope(indicator()), kz_analyst)
    status = AddStatus.objects.get()

    response = get(client, reverse("taxii:status", args=[status.uid]), kz_coordinator)

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("body", "content_type", "status", "description"),
    [
        pytest.param(
            "{}",
            "application/json",
            415,
            "send the envelope as application/taxii+json;version=2.1, not application/json",
            id="json-content-type",
        ),
        pytest.param(
            "{}",
            "application/taxii+json;version=2.0",
            415,
            "send the envelope as application/taxii+json;version=2.1, not "
            "application/taxii+json;version=2.0",
            id="taxii-2.0",
        ),
        pytest.param("{nope", TAXII, 400, None, id="not-json"),
        pytest.param(
            "[]", TAXII, 422, 'the body is not a TAXII envelope: no "objects" list', id="list"
        ),
        pytest.param(
            '{"more": false}',
            TAXII,
            422,
            'the body is not a TAXII envelope: no "objects" list',
            id="no-objects",
        ),
        pytest.param(
            '{"objects": [{}, 5]}', TAXII, 422, "objects[1] is not a JSON object but int", id="item"
        ),
    ],
)
def test_malformed_additions(client, kz_analyst, shared, body, content_type, status, description):
    response = post(client, shared, body, kz_analyst, content_type=content_type)

    assert response.status_code == status
    error = json.loads(response.content)
    assert error["http_status"] == str(status)
    if description is not None:
        assert error["description"] == description
    else:
        assert error["description"].startswith("the body is not JSON: ")
    assert (StixObject.objects.count(), AddStatus.objects.count()) == (0, 0)


def test_oversized_body_is_413(client, kz_analyst, shared, settings):
    settings.TAXII_MAX_CONTENT_LENGTH = 100

    response = post(client, shared, envelope(indicator()), kz_analyst)

    assert response.status_code == 413
    assert json.loads(response.content) == error_body(
        413,
        "too_large",
        "Request entity too large",
        "the body is over max_content_length (100 bytes)",
    )
    assert StixObject.objects.count() == 0


@pytest.mark.parametrize(
    ("who", "status"),
    [
        pytest.param("viewer", 403, id="viewer"),
        pytest.param("read-only-collection", 403, id="read-only-collection"),
        pytest.param("unseen-collection", 404, id="unseen-collection"),
    ],
)
def test_who_may_not_add(client, kz_analyst, ru_analyst, who, status):
    user: User = ru_analyst
    if who == "viewer":
        collection = make_collection(kz_analyst, alias="c")
        user = UserFactory(username="viewer", agency=kz_analyst.agency, role=Role.VIEWER)
    elif who == "read-only-collection":
        collection = make_collection(kz_analyst, alias="c", writable=False)
    else:
        collection = make_collection(kz_analyst, alias="c", tlp=Tlp.AMBER_STRICT)

    response = post(client, collection, envelope(indicator()), user)

    assert response.status_code == status
    assert (StixObject.objects.count(), AddStatus.objects.count()) == (0, 0)


def test_delete_an_object(client, kz_analyst, shared, versioned):
    one = versioned[0]

    response = client.delete(objects_url(shared, one), HTTP_ACCEPT=TAXII, **bearer(kz_analyst))

    assert response.status_code == 200
    assert not StixObject.objects.filter(stix_id=one).exists()
    assert StixObject.objects.count() == 2


def test_delete_one_version(client, kz_analyst, shared, versioned):
    one = versioned[0]

    response = client.delete(
        objects_url(shared, one) + "?match[version]=2024-02-01T00:00:00.000Z",
        HTTP_ACCEPT=TAXII,
        **bearer(kz_analyst),
    )

    assert response.status_code == 200
    assert sorted(StixObject.objects.filter(stix_id=one).values_list("version", flat=True)) == [
        "2024-01-01T00:00:00.000Z",
        "2024-03-01T00:00:00.000Z",
    ]


def test_delete_refused_to_another_agency_and_hidden_from_the_unseeing(
    client, kz_analyst, ru_analyst, shared
):
    green = stored(shared, kz_analyst, n=1)
    red = stored(shared, kz_analyst, n=2, tlp=Tlp.RED)

    other_agency = client.delete(objects_url(shared, green.stix_id), **bearer(ru_analyst))
    unseen = client.delete(objects_url(shared, red.stix_id), **bearer(ru_analyst))

    assert (other_agency.status_code, unseen.status_code) == (403, 404)
    assert StixObject.objects.count() == 2
