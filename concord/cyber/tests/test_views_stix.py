"""Pages for STIX import and export, the warninglists, and the cyber settings in the admin site."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from concord.core.markings import Tlp
from concord.cyber import services
from concord.cyber.models import Indicator, StixObject, Subscription

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
SHARED = Path(__file__).parent / "data"


def _upload(path: Path) -> SimpleUploadedFile:
    return SimpleUploadedFile(path.name, path.read_bytes(), content_type="application/json")


def test_import_page_stores_a_bundle_and_reports_counts(client_for, kz_analyst):
    response = client_for(kz_analyst).post(
        reverse("cyber:stix_import"),
        {"file": _upload(SHARED / "stix" / "indicator-for-c2-ip-address.json"), "fmt": "stix"},
        **EN,
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="report"' in page
    assert StixObject.objects.filter(owner_agency=kz_analyst.agency).count() == 1
    assert list(Indicator.objects.values_list("kind", "canonical")) == [("ipv4", "10.0.0.0")]


def test_import_page_refuses_a_broken_bundle_and_stores_nothing(client_for, kz_analyst):
    response = client_for(kz_analyst).post(
        reverse("cyber:stix_import"),
        {"file": _upload(SHARED / "tlp2" / "using-tlp2.0-green.json"), "fmt": "stix"},
        **EN,
    )

    assert response.status_code == 400
    assert "Nothing was imported" in response.content.decode()
    assert StixObject.objects.count() == 0


def test_import_page_takes_a_misp_event(client_for, kz_analyst):
    response = client_for(kz_analyst).post(
        reverse("cyber:stix_import"),
        {"file": _upload(SHARED / "misp" / "circl_osint_event_57c4445b.json"), "fmt": "misp"},
        **EN,
    )

    assert response.status_code == 200
    assert sorted(Indicator.objects.values_list("kind", flat=True)) == ["md5", "sha1", "sha256"]


def test_viewers_cannot_import(client_for, kz_analyst):
    kz_analyst.role = "viewer"
    kz_analyst.save()
    response = client_for(kz_analyst).get(reverse("cyber:stix_import"), **EN)
    assert response.status_code == 403


def test_incident_downloads_as_a_stix_bundle(client_for, kz_analyst, ru_analyst):
    incident = services.incident_create(
        acting_user=kz_analyst, title="DDoS", classification="availability:ddos", tlp=Tlp.AMBER
    )
    url = reverse("cyber:incident_stix", args=[incident.uid])

    response = client_for(kz_analyst).get(url, **EN)
    bundle = json.loads(response.content)

    assert response["Content-Type"] == "application/stix+json;version=2.1"
    assert bundle["type"] == "bundle"
    assert [o["id"] for o in bundle["objects"] if o["type"] == "incident"] == [incident.stix_id]
    assert client_for(ru_analyst).get(url, **EN).status_code == 404


@pytest.mark.parametrize(
    ("kind", "value", "benign", "warning"),
    [
        ("domain", "vercel.app", True, False),
        ("domain", "evil.vercel.app", False, True),  # never widened to the platform
        ("ipv4", "10.1.2.3", True, False),
        ("domain", "evil.example", False, False),
    ],
)
def test_warninglist_check_matches_exact_hosts(
    client_for, kz_analyst, kind, value, benign, warning
):
    response = client_for(kz_analyst).get(
        reverse("cyber:warninglists"), {"kind": kind, "value": value}, **EN
    )
    page = response.content.decode()
    result = page[
        page.index('id="check-result"') : page.index("</section>", page.index('id="check-result"'))
    ]

    assert response.status_code == 200
    assert ('class="badge warn"' in result) is benign
    assert ('class="badge info"' in result) is warning
    assert ("On no warninglist." in result) is not (benign or warning)


def test_warninglist_page_explains_a_refused_value(client_for, kz_analyst):
    response = client_for(kz_analyst).get(
        reverse("cyber:warninglists"), {"kind": "url", "value": "http://u:p@evil.example/"}, **EN
    )
    assert "credentials are never stored" in response.content.decode()


def test_subscription_admin_never_shows_the_stored_authorization(client_for, admin_user):
    from concord.cyber.models import Collection

    collection = Collection.objects.create(
        alias="peer", title="Peer", owner_agency=admin_user.agency, author=admin_user
    )
    subscription = Subscription.objects.create(
        name="KZ-CERT feed",
        api_root_url="https://taxii.cert.example/api1/",
        collection_id="91a7b528-80eb-42ed-a74d-c6fbd5a26116",
        authorization="Bearer secret-token-123",
        target=collection,
        owner_agency=admin_user.agency,
    )
    client = client_for(admin_user)
    page = client.get(
        reverse("admin:cyber_subscription_change", args=[subscription.pk]), **EN
    ).content.decode()

    assert "secret-token-123" not in page
    assert 'type="password"' in page
