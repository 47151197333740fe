"""`/api/v1/cyber/stix/…`: import (report, 400 with every refused object, 413) and export."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from concord.core.tests.matrix import Endpoint, assert_matrix
from concord.cyber import services_stix, stix_export
from concord.cyber.models import Indicator, StixObject
from concord.cyber.stix_import import normalise_version
from concord.cyber.tests.test_stix_export import INCIDENT_UID, make_incident

DATA = Path(__file__).parent / "data"
COA = (DATA / "stix" / "indicators-for-C2-with-COA.json").read_bytes()


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


class _Upload:
    """A file for the authorization matrix: the same content however often it is read."""

    def __init__(self, name: str, content: bytes) -> None:
        self.name, self.content = name, content

    def read(self) -> bytes:
        return self.content


def _post(client, content: bytes, name: str = "bundle.json", **fields: str):
    upload = SimpleUploadedFile(name, content, content_type="application/json")
    return client.post(reverse("api:stix_import"), {"file": upload, **fields})


@pytest.mark.django_db
def test_an_import_answers_its_report(client_for, kz_analyst):
    response = _post(client_for(kz_analyst), COA, name="coa.json", tlp="AMBER")

    body = response.json()
    assert response.status_code == 200
    assert body == {
        "collection": "concord",
        "sha256": hashlib.sha256(COA).hexdigest(),
        "total": 8,
        "stored": 8,
        "duplicates": 0,
        "versions": 0,
        "unknown_kept": 0,
        "indicators_created": 2,
        "indicators_updated": 0,
        "incidents_created": 0,
        "incidents_updated": 0,
        "relationships_linked": 0,
        "warnings": [],
        "objects": body["objects"],
        "objects_truncated": False,
    }
    assert body["objects"] == [
        {"id": o["id"], "version": normalise_version(o["modified"])}
        for o in json.loads(COA)["objects"]
    ]


@pytest.mark.django_db
def test_a_misp_event_imports_through_the_api(client_for, kz_analyst):
    event = (DATA / "misp" / "circl_osint_event_57c4445b.json").read_bytes()

    response = _post(client_for(kz_analyst), event, name="event.json", format="misp")

    assert response.status_code == 200
    assert response.json()["indicators_created"] == 3
    assert Indicator.objects.count() == 3


@pytest.mark.django_db
def test_a_refused_file_answers_400_with_every_problem(client_for, kz_analyst):
    broken = (DATA / "tlp2" / "using-tlp2.0-green.json").read_bytes()

    response = _post(client_for(kz_analyst), broken)

    assert response.status_code == 400
    assert response.json() == {
        "detail": "file refused: 2 problem(s)",
        "errors": [
            {
                "index": 2,
                "id": "relationship--1621d4d4-b67d-11e3-9670-f01faf20d111",
                "msg": "created is not a STIX timestamp (YYYY-MM-DDTHH:MM:SS[.s]Z): "
                "'2022-101-27T13:49:54.326Z'",
            },
            {
                "index": None,
                "id": "",
                "msg": 'the file is not a STIX bundle: it has no "type": "bundle"',
            },
        ],
    }
    assert StixObject.objects.count() == 0


@pytest.mark.django_db
def test_a_spoofed_author_answers_400(client_for, kz_analyst, agency_ru):
    data = json.loads(COA)
    data["objects"][2]["created_by_ref"] = stix_export.identity_id("RU-FSB")

    response = _post(client_for(kz_analyst), json.dumps(data).encode())

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "index": 2,
            "id": "indicator--53fe3b22-0201-47cf-85d0-97c02164528d",
            "msg": "created_by_ref names RU-FSB, an agency of another state: objects cannot be "
            "published in its name",
        }
    ]
    assert StixObject.objects.count() == 0


@pytest.mark.django_db
def test_an_oversize_file_answers_413(client_for, kz_analyst, settings):
    settings.CYBER_STIX_MAX_BYTES = 1000

    response = _post(client_for(kz_analyst), COA)

    assert response.status_code == 413
    assert response.json() == {
        "detail": "the file is larger than the limit of 1,000 bytes",
        "errors": [],
    }
    assert StixObject.objects.count() == 0


@pytest.mark.django_db
def test_an_unknown_marking_answers_400(client_for, kz_analyst):
    response = _post(client_for(kz_analyst), COA, tlp="PURPLE")

    assert response.status_code == 400
    assert response.json() == {"detail": "unknown TLP marking 'PURPLE'", "errors": []}


@pytest.mark.django_db
def test_an_unknown_format_answers_400(client_for, kz_analyst):
    response = _post(client_for(kz_analyst), COA, format="csv")

    assert response.status_code == 400
    assert response.json() == {"detail": "format must be stix or misp", "errors": []}


@pytest.mark.django_db
def test_an_unknown_collection_answers_404(client_for, kz_analyst):
    response = _post(client_for(kz_analyst), COA, collection="nowhere")

    assert response.status_code == 404
    assert response.json() == {"detail": "no such collection nowhere", "errors": []}


@pytest.mark.django_db
def test_import_matrix(personas, client_for):
    upload = _Upload("coa.json", COA)

    assert_matrix(
        personas,
        client_for,
        [
            Endpoint(
                "POST",
                reverse("api:stix_import"),
                {"anonymous": 401, "admin": 403},
                data={"file": upload},
                json_body=False,
            )
        ],
    )


@pytest.mark.django_db
def test_a_bundle_is_served_as_stix(client_for, kz_analyst):
    incident = make_incident(kz_analyst)

    response = client_for(kz_analyst).get(reverse("api:stix_bundle"), {"incident": INCIDENT_UID})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/stix+json;version=2.1"
    assert response.json() == stix_export.bundle_for(incidents=[incident])


@pytest.mark.django_db
def test_a_bundle_needs_a_record(client_for, kz_analyst):
    response = client_for(kz_analyst).get(reverse("api:stix_bundle"))

    assert response.status_code == 400
    assert response.json() == {"detail": "name at least one incident or indicator", "errors": []}


@pytest.mark.django_db
def test_bundle_matrix(personas, client_for, kz_analyst):
    make_incident(kz_analyst)
    url = reverse("api:stix_bundle") + f"?incident={INCIDENT_UID}"

    assert_matrix(
        personas,
        client_for,
        [
            Endpoint("GET", url, {"anonymous": 401, "kz_analyst": 200}, default=404),
            Endpoint(
                "GET",
                reverse("api:stix_bundle") + "?indicator=not-a-uuid",
                {"anonymous": 401},
                default=404,
            ),
        ],
    )


@pytest.mark.django_db
def test_a_published_record_is_what_the_bundle_holds(client_for, kz_analyst):
    incident = make_incident(kz_analyst)
    row = services_stix.publish_record(obj=incident)

    response = client_for(kz_analyst).get(reverse("api:stix_bundle"), {"incident": INCIDENT_UID})

    served = next(o for o in response.json()["objects"] if o["type"] == "incident")
    assert served == json.loads(row.body)
