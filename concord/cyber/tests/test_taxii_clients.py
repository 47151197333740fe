"""The TAXII server through real clients against a live server: `taxii2-client` (what OpenCTI's
connector and most peers use) and `stix2`'s TAXIICollectionSource."""

from __future__ import annotations

import json

import pytest
import requests
from stix2 import Filter, TAXIICollectionSource
from taxii2client.v21 import ApiRoot, Collection, Server, as_pages

from concord.core.markings import Tlp
from concord.core.tests.factories import TEST_PASSWORD
from concord.core.tests.test_e2e import loopback
from concord.cyber.models import AddStatus, StixObject
from concord.cyber.tests.taxii_data import (
    indicator_body,
    make_collection,
    new_id,
    stored,
    token_for,
)

pytestmark = pytest.mark.django_db(transaction=True)


class BearerAuth(requests.auth.AuthBase):
    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, request):
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request


@pytest.fixture
def base(live_server) -> str:
    return loopback(live_server.url)


@pytest.fixture
def shared(kz_analyst):
    return make_collection(kz_analyst, alias="shared", tlp=Tlp.GREEN)


@pytest.fixture
def collection_url(base, shared) -> str:
    return f"{base}/taxii2/api1/collections/{shared.uid}/"


def test_discovery_api_root_and_collections(base, kz_analyst, ru_analyst, shared, settings):
    settings.LANGUAGE_CODE = "en"  # taxii2-client sends no Accept-Language
    make_collection(kz_analyst, alias="kz-only", tlp=Tlp.AMBER_STRICT)

    server = Server(f"{base}/taxii2/", user="ru-analyst", password=TEST_PASSWORD)

    assert server.title == "Concord TAXII server"
    assert [root.url for root in server.api_roots] == [f"{base}/taxii2/api1/"]
    root = server.default
    assert root.title == "Concord"
    assert root.versions == ["application/taxii+json;version=2.1"]
    assert root.max_content_length == 10 * 1024 * 1024
    assert [(c.id, c.alias, c.can_read, c.can_write) for c in root.collections] == [
        (str(shared.uid), "shared", True, True)
    ]


def test_paged_get_objects_manifest_and_versions(kz_analyst, collection_url, shared):
    one = "indicator--55555555-5555-4555-8555-555555555555"
    stored(shared, kz_analyst, n=0, stix_id=one, version="2024-01-01T00:00:00.000Z")
    stored(shared, kz_analyst, n=1, stix_id=one, version="2024-02-01T00:00:00.000Z")
    others = [stored(shared, kz_analyst, n=2 + n).stix_id for n in range(4)]
    collection = Collection(collection_url, auth=BearerAuth(token_for(kz_analyst)))

    pages = list(as_pages(collection.get_objects, per_request=2))
    manifest = list(as_pages(collection.get_manifest, per_request=3))
    versions = collection.object_versions(one)
    single = collection.get_object(one)

    assert [len(page["objects"]) for page in pages] == [2, 2, 1]
    assert [o["id"] for page in pages for o in page["objects"]] == [one, *others]
    assert [r["id"] for page in manifest for r in page["objects"]] == [one, *others]
    assert manifest[0]["objects"][0]["version"] == "2024-02-01T00:00:00.000Z"
    assert versions == {
        "more": False,
        "versions": ["2024-01-01T00:00:00.000Z", "2024-02-01T00:00:00.000Z"],
    }
    assert [o["modified"] for o in single["objects"]] == ["2024-02-01T00:00:00.000Z"]


def test_add_objects_waits_for_completion_and_status_can_be_polled(
    base, kz_analyst, collection_url, shared
):
    token = token_for(kz_analyst)
    collection = Collection(collection_url, user="kz-analyst", password=token)
    first, second = new_id(), new_id()
    envelope = {
        "objects": [
            json.loads(indicator_body(first, "2024-06-01T00:00:00.000Z")),
            json.loads(indicator_body(second, "2024-06-01T00:00:00.000Z")),
        ]
    }

    status = collection.add_objects(envelope, wait_for_completion=True, poll_interval=0.1)

    assert (status.status, status.total_count, status.success_count) == ("complete", 2, 2)
    assert (status.failure_count, status.pending_count) == (0, 0)
    assert sorted(s["id"] for s in status.successes) == sorted([first, second])
    polled = ApiRoot(f"{base}/taxii2/api1/", user="kz-analyst", password=token).get_status(
        status.id
    )
    assert (polled.id, polled.status, polled.success_count) == (status.id, "complete", 2)
    assert AddStatus.objects.get().uid.hex == status.id.replace("-", "")
    assert set(StixObject.objects.values_list("stix_id", flat=True)) == {first, second}


def test_delete_object(kz_analyst, collection_url, shared):
    gone = stored(shared, kz_analyst, n=1)
    kept = stored(shared, kz_analyst, n=2)
    collection = Collection(collection_url, auth=BearerAuth(token_for(kz_analyst)))

    collection.delete_object(gone.stix_id)

    assert list(StixObject.objects.values_list("stix_id", flat=True)) == [kept.stix_id]


def test_delete_by_another_agency_is_refused(kz_analyst, ru_analyst, collection_url, shared):
    target = stored(shared, kz_analyst, n=1)
    collection = Collection(collection_url, auth=BearerAuth(token_for(ru_analyst)))

    with pytest.raises(requests.HTTPError) as refused:
        collection.delete_object(target.stix_id)

    assert refused.value.response.status_code == 403
    assert StixObject.objects.count() == 1


def test_stix2_taxii_collection_source(kz_analyst, ru_analyst, collection_url, shared):
    visible = stored(shared, kz_analyst, n=1)
    stored(shared, kz_analyst, n=2, tlp=Tlp.RED)
    malware = stored(
        shared,
        kz_analyst,
        n=3,
        kind="malware",
        body=(
            '{"type":"malware","spec_version":"2.1","id":"malware--66666666-6666-4666-8666-'
            '666666666666","created":"2024-01-01T00:00:00.000Z","modified":'
            '"2024-01-01T00:00:00.000Z","name":"Dropper","is_family":false}'
        ),
        stix_id="malware--66666666-6666-4666-8666-666666666666",
    )
    source = TAXIICollectionSource(
        Collection(collection_url, auth=BearerAuth(token_for(ru_analyst))), items_per_page=1
    )

    indicators = source.query([Filter("type", "=", "indicator")])
    everything = source.query()
    one = source.get(malware.stix_id)

    assert [o.id for o in indicators] == [visible.stix_id]
    assert sorted(o.id for o in everything) == sorted([visible.stix_id, malware.stix_id])
    assert (one.type, one.name) == ("malware", "Dropper")
