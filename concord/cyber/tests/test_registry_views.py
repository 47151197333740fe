"""Pages of the registry: who may open them, what they show in English and Russian, the action
form for the user's own state, registering, CSV import (preview then apply), lookup, statistics
and the transparency report with its downloads."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from concord.core.tests.matrix import Endpoint, assert_matrix
from concord.cyber import demo_registry, services_registry
from concord.cyber.models_registry import Resource, ResourceAction

pytestmark = pytest.mark.django_db

BASIS = "Ministry of Information order under Law on Communications art. 41-1"


@pytest.fixture
def resource(kz_analyst, state_kz, state_ru):
    categories = demo_registry.load_categories()
    found = services_registry.resource_register(
        acting_user=kz_analyst,
        kind="host",
        value="evil.example",
        category=categories["malware"],
        identified_on=date(2026, 3, 1),
    ).resource
    services_registry.action_record(
        acting_user=kz_analyst,
        resource=found,
        state=state_kz,
        action="blocked",
        date=date(2026, 3, 4),
        basis_kind="authority",
        basis=BASIS,
        reasons="C2 server of a banking trojan",
    )
    return found


def page(client, name, *args, language="en", **params):
    return client.get(reverse(f"cyber:{name}", args=args), params, HTTP_ACCEPT_LANGUAGE=language)


def test_page_matrix(resource, personas, client_for):
    readers = {"anonymous": 302}
    editors = {"anonymous": 302, "admin": 403}
    assert_matrix(
        personas,
        client_for,
        [
            Endpoint("GET", reverse("cyber:registry"), readers),
            Endpoint("GET", reverse("cyber:resource", args=[resource.pk]), readers),
            Endpoint("GET", reverse("cyber:registry_stats"), readers),
            Endpoint("GET", reverse("cyber:transparency"), readers),
            Endpoint("GET", reverse("cyber:transparency_download", args=["csv"]), readers),
            Endpoint("GET", reverse("cyber:registry_lookup"), readers),
            Endpoint("GET", reverse("cyber:register"), editors),
            Endpoint("GET", reverse("cyber:registry_import"), editors),
            Endpoint(
                "POST",
                reverse("cyber:resource_action", args=[resource.pk]),
                {"anonymous": 302, "secretariat": 403, "admin": 403},
                default=400,
                data={"action": "blocked", "date": "2026-03-05"},
                json_body=False,
            ),
        ],
    )


@pytest.mark.parametrize(
    ("language", "heading"),
    [("en", "Registry of harmful information resources"), ("ru", '<html lang="ru">')],
)
def test_registry_list_in_both_languages(resource, kz_analyst, client_for, language, heading):
    response = page(client_for(kz_analyst), "registry", language=language)

    content = response.content.decode()
    assert response.status_code == 200
    assert heading in content
    assert "evil.example" in content


def test_registry_search_answers_htmx_with_the_results_only(resource, kz_analyst, client_for):
    response = client_for(kz_analyst).get(
        reverse("cyber:registry"),
        {"q": "nothing-like-it"},
        HTTP_HX_REQUEST="true",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    content = response.content.decode()
    assert content.lstrip().startswith('<section id="results">')
    assert "No resources match." in content


def test_detail_shows_the_state_by_state_table(resource, kz_analyst, client_for):
    response = page(client_for(kz_analyst), "resource", resource.pk)

    content = response.content.decode()
    assert '<tr data-state="KZ" data-status="blocked">' in content
    assert '<tr data-state="RU" data-status="">' in content
    assert BASIS in content
    assert "C2 server of a banking trojan" in content
    assert "Record an action of" in content


def test_detail_in_russian(resource, ru_analyst, client_for):
    response = page(client_for(ru_analyst), "resource", resource.pk, language="ru")

    assert response.status_code == 200
    assert '<html lang="ru">' in response.content.decode()


def test_a_user_records_an_action_for_its_own_state(resource, ru_analyst, client_for):
    response = client_for(ru_analyst).post(
        reverse("cyber:resource_action", args=[resource.pk]),
        {"action": "blocked", "date": "2026-03-06", "basis_kind": "authority", "basis": "RKN"},
    )

    assert response.status_code == 302
    assert list(
        resource.actions.filter(state__code="RU").values_list("action", "agency__code")
    ) == [("identified", "RU-FSB"), ("blocked", "RU-FSB")]


def test_an_action_without_grounds_is_shown_back(resource, kz_analyst, client_for):
    response = client_for(kz_analyst).post(
        reverse("cyber:resource_action", args=[resource.pk]),
        {"action": "unblocked", "date": "2026-03-06"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    assert "outcome: say why the block was lifted (outcome)" in response.content.decode()
    assert resource.actions.count() == 2


def test_register_page_registers_and_says_when_already_registered(kz_analyst, client_for, state_kz):
    demo_registry.load_categories()
    client = client_for(kz_analyst)
    form = {
        "kind": "host",
        "value": "Bad.Example",
        "category": "malware",
        "identified_on": "2026-03-01",
    }

    first = client.post(reverse("cyber:register"), form)
    second = client.post(reverse("cyber:register"), form, follow=True, HTTP_ACCEPT_LANGUAGE="en")

    resource = Resource.objects.get()
    assert first["Location"] == reverse("cyber:resource", args=[resource.pk])
    assert "Already registered: bad.example" in second.content.decode()


def test_register_page_shows_a_refusal(kz_analyst, client_for, state_kz):
    demo_registry.load_categories()
    form = {
        "kind": "url",
        "value": "https://a:b@bad.example/",
        "category": "malware",
        "identified_on": "2026-03-01",
    }

    response = client_for(kz_analyst).post(
        reverse("cyber:register"), form, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 400
    assert "credentials are never stored" in response.content.decode()
    assert Resource.objects.count() == 0


def test_import_previews_then_applies(kz_analyst, client_for, state_kz):
    demo_registry.load_categories()
    client = client_for(kz_analyst)
    text = (
        "value;kind;category;identified_on;state;action;date;basis_kind;basis\n"
        "evil.example;host;malware;2026-03-01;KZ;blocked;2026-03-02;authority;Приказ\n"
    ).encode("cp1251")

    preview = client.post(
        reverse("cyber:registry_import"),
        {"file": SimpleUploadedFile("kz.csv", text)},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert Resource.objects.count() == 0
    sha256 = preview.context["report"].sha256
    applied = client.post(reverse("cyber:registry_import_apply"), {"sha256": sha256})

    assert '<dd id="actions">2</dd>' in preview.content.decode()
    assert applied["Location"] == reverse("cyber:registry")
    assert ResourceAction.objects.get(action="blocked").basis == "Приказ"


def test_import_of_a_bad_file_lists_the_rows(kz_analyst, client_for, state_kz):
    demo_registry.load_categories()
    text = (
        b"value,kind,category,identified_on,state,action,date\n"
        b"x.example,host,malware,soon,KZ,identified,2026-03-01\n"
    )

    response = client_for(kz_analyst).post(
        reverse("cyber:registry_import"),
        {"file": SimpleUploadedFile("kz.csv", text)},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    content = response.content.decode()
    assert response.status_code == 400
    assert "<td>2</td><td>identified_on</td><td>&#x27;soon&#x27; is not a date" in content
    assert Resource.objects.count() == 0


def test_apply_without_a_preview_applies_nothing(kz_analyst, client_for):
    response = client_for(kz_analyst).post(reverse("cyber:registry_import_apply"), {"sha256": "x"})

    assert response["Location"] == reverse("cyber:registry_import")
    assert Resource.objects.count() == 0


@pytest.mark.parametrize("language", ["en", "ru"])
def test_lookup_page(resource, kz_analyst, client_for, language):
    response = client_for(kz_analyst).post(
        reverse("cyber:registry_lookup"),
        {"items": "https://evil.example/login\nsub.evil.example\n"},
        HTTP_ACCEPT_LANGUAGE=language,
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert content.count('data-found="1"') == 1
    assert content.count('data-found="0"') == 1


@pytest.mark.parametrize("language", ["en", "ru"])
def test_statistics_page(resource, kz_analyst, client_for, language):
    response = page(client_for(kz_analyst), "registry_stats", language=language, year="2026")

    content = response.content.decode()
    assert response.status_code == 200
    assert 'id="by-year"' in content
    assert 'id="detail"' in content


@pytest.mark.parametrize("language", ["en", "ru"])
def test_transparency_page(resource, kz_analyst, client_for, language):
    response = page(client_for(kz_analyst), "transparency", language=language)

    content = response.content.decode()
    assert response.status_code == 200
    assert BASIS in content


def test_transparency_pdf_download(resource, kz_analyst, client_for):
    response = page(client_for(kz_analyst), "transparency_download", "pdf", lang="ru")

    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="transparency-report-all-years.pdf"'
    )
