"""Pages: who may open them, what they show, the admin site and API tokens in the UI."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django_otp.plugins.otp_totp.models import TOTPDevice

from concord.core import services
from concord.core.demo import load_countries, load_organisation
from concord.core.markings import Tlp
from concord.core.models import ApiToken, AuditEvent, Body, hash_token
from concord.core.tests.matrix import Endpoint, assert_matrix

pytestmark = pytest.mark.django_db


@pytest.fixture
def organisation():
    load_countries()
    load_organisation()


def _login_redirect(url: str) -> str:
    return f"{reverse('core:login')}?next={url}"


def test_page_matrix(organisation, personas, client_for):
    pages = [
        "core:home",
        "core:states",
        "core:bodies",
        "core:agencies",
        "core:chairmanships",
        "core:account",
    ]
    endpoints = [Endpoint("GET", reverse(name), {"anonymous": 302}) for name in pages]
    endpoints += [
        Endpoint("GET", reverse("core:state", args=["KZ"]), {"anonymous": 302}),
        Endpoint("GET", reverse("core:state", args=["XX"]), {"anonymous": 302}, default=404),
        Endpoint("GET", reverse("admin:index"), {"admin": 200}, default=302),
        Endpoint("GET", reverse("admin:core_agency_changelist"), {"admin": 200}, default=302),
        Endpoint(
            "POST",
            reverse("core:token_create"),
            {"anonymous": 302},
            data={"label": "x"},
            json_body=False,
        ),
    ]
    assert_matrix(personas, client_for, endpoints)


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(reverse("core:states"))

    assert response.status_code == 302
    assert response["Location"] == _login_redirect("/states/")


def test_home_shows_the_organisation_and_the_chairmanship(organisation, client_for, kz_analyst):
    with translation.override("en"):
        html = client_for(kz_analyst).get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Kazakhstan, 2018" in html
    assert "Joint responses of member states to cybersecurity threats" in html
    for code in ["AM", "BY", "KG", "KZ", "RU", "TJ"]:
        assert f'<span class="flag">{code}</span>' in html
    assert "Crisis Response Centre" in html
    assert 'id="modules"' in html  # one tile per module built: the single list so far
    assert 'href="/designations/"' in html


def test_home_lists_only_the_notices_the_user_may_see(
    organisation, client_for, kz_analyst, ru_analyst
):
    services.notice_create(acting_user=kz_analyst, title="Seen by all", tlp=Tlp.GREEN)
    services.notice_create(acting_user=kz_analyst, title="Kazakh eyes only", tlp=Tlp.AMBER)

    html = client_for(ru_analyst).get("/").content.decode()

    assert "Seen by all" in html
    assert "Kazakh eyes only" not in html


def test_state_page_lists_its_agencies(organisation, client_for, kz_analyst):
    html = (
        client_for(kz_analyst)
        .get(reverse("core:state", args=["tj"]), HTTP_ACCEPT_LANGUAGE="en")
        .content.decode()
    )

    assert "Ҷумҳурии Тоҷикистон" in html
    assert "Drug Control Agency under the President of the Republic of Tajikistan" in html


def test_token_created_in_the_ui_is_shown_once_then_revoked(client_for, kz_analyst):
    client = client_for(kz_analyst)

    html = client.post(
        reverse("core:token_create"), {"label": "siem"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    token = ApiToken.objects.get()
    client.post(reverse("core:token_revoke", args=[token.pk]))

    raw = re.search(r'id="new-token">(cnc_[^<]+)<', html).group(1)
    assert hash_token(raw) == token.token_hash
    assert html.count(raw) == 1
    assert '<div id="tokens">' in html
    assert "<html" not in html  # an HTMX partial
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert client.get(reverse("core:account")).content.decode().count('id="new-token"') == 0


def test_another_users_token_cannot_be_revoked(client_for, kz_analyst, ru_analyst):
    issued = services.api_token_create(acting_user=kz_analyst, user=kz_analyst)

    response = client_for(ru_analyst).post(reverse("core:token_revoke", args=[issued.token.pk]))

    assert response.status_code == 404
    issued.token.refresh_from_db()
    assert issued.token.revoked_at is None


def test_admin_changes_to_reference_data_are_audited(organisation, client_for, admin_user):
    body = Body.objects.get(code="CRC")
    url = reverse("admin:core_body_change", args=[body.pk])
    client = client_for(admin_user)
    form = {
        "code": "CRC",
        "kind": "centre",
        "name_ru": body.name_ru,
        "name_en": "Crisis Centre",
        "short_ru": body.short_ru,
        "short_en": body.short_en,
        "parent": "",
        "established_year": "2016",
        "description_ru": "",
        "description_en": "",
        "position": "7",
    }

    response = client.post(url, form)

    assert response.status_code == 302
    event = AuditEvent.objects.get(action="reference.change")
    assert (event.actor_username, event.object_type, event.object_id) == (
        "admin",
        "core.body",
        str(body.pk),
    )
    assert event.summary == (
        '{"changed":["description_en","description_ru","name_en"],"repr":"Кризисный центр"}'
    )


def test_admin_site_is_closed_to_other_roles(client_for, secretariat_user):
    response = client_for(secretariat_user).get(reverse("admin:index"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_sign_in_with_password_then_sign_out(kz_analyst):
    client = Client()

    response = client.post(
        reverse("core:login"),
        {"username": "kz-analyst", "password": "correct horse battery staple"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200

    client.post(reverse("core:logout"))
    assert client.get("/").status_code == 302


def test_home_reference_blocks_follow_reference_changes(
    organisation, client_for, kz_analyst, admin_user, django_capture_on_commit_callbacks
):
    client = client_for(kz_analyst)
    first = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    crc = Body.objects.get(code="CRC")

    with django_capture_on_commit_callbacks(execute=True):
        crc.name_en = "Crisis Response Center"
        crc.save()
        services.reference_saved(acting_user=admin_user, obj=crc, created=False, changed=[])
    second = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    russian = client.get("/").content.decode()

    assert ("Crisis Response Centre" in first, "Crisis Response Center" in second) == (True, True)
    assert "Кризисный центр" in russian


def test_admin_deletes_a_lost_second_factor_device_and_it_is_audited(
    client_for, admin_user, kz_analyst
):
    device = TOTPDevice.objects.create(user=kz_analyst, name="phone", confirmed=True)
    url = reverse("admin:otp_totp_totpdevice_delete", args=[device.pk])

    response = client_for(admin_user).post(url, {"post": "yes"})

    assert response.status_code == 302
    assert TOTPDevice.objects.count() == 0
    event = AuditEvent.objects.get(action="reference.delete")
    assert (event.object_type, event.actor_username) == ("otp_totp.totpdevice", "admin")
