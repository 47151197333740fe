"""Sign-in: rate limiting of wrong passwords and the TOTP second factor."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from concord.core.models import AuditEvent
from concord.core.tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def _sign_in(client: Client, username: str, password: str):
    return client.post(reverse("core:login"), {"username": username, "password": password})


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_wrong_passwords_are_rate_limited(kz_analyst):
    client = Client()
    statuses = [_sign_in(client, "kz-analyst", "wrong").status_code for _ in range(5)]

    locked = _sign_in(client, "kz-analyst", TEST_PASSWORD)

    assert statuses == [200, 200, 200, 200, 429]
    assert locked.status_code == 429
    assert "Too many failed sign-in attempts" in locked.content.decode() or (
        "Слишком много" in locked.content.decode()
    )
    assert client.get("/").status_code == 302  # still not signed in


def test_lockout_is_per_username(kz_analyst, ru_analyst):
    client = Client()
    for _ in range(5):
        _sign_in(client, "kz-analyst", "wrong")

    assert _sign_in(client, "ru-analyst", TEST_PASSWORD).status_code == 302


@override_settings(CONCORD_SECOND_FACTOR_ROLES=["admin", "secretariat"], OTP_TOTP_THROTTLE_FACTOR=0)
def test_required_second_factor_enrols_then_verifies(secretariat_user):
    client = Client()
    assert _sign_in(client, "secretariat", TEST_PASSWORD).status_code == 302

    held = client.get("/")
    assert held.status_code == 302
    assert held["Location"] == f"{reverse('core:second_factor')}?next=/"
    api = client.get(reverse("api:me"), HTTP_ACCEPT_LANGUAGE="en")
    assert (api.status_code, api.json()) == (
        403,
        {"detail": "second factor required", "errors": []},
    )

    page = client.get(reverse("core:second_factor")).content.decode()
    assert "<svg" in page
    device = TOTPDevice.objects.get(user=secretariat_user, confirmed=False)
    wrong = client.post(reverse("core:second_factor"), {"token": "000000", "next": "/"})
    assert wrong.status_code == 200
    done = client.post(reverse("core:second_factor"), {"token": _code(device), "next": "/"})

    assert done.status_code == 302
    assert done["Location"] == "/"
    assert client.get("/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed is True
    assert list(AuditEvent.objects.values_list("action", flat=True)) == [
        "second_factor.start",
        "second_factor.enrol",
    ]


@override_settings(CONCORD_SECOND_FACTOR_ROLES=["admin", "secretariat"])
def test_roles_without_the_requirement_pass_straight_through(kz_analyst):
    client = Client()
    _sign_in(client, "kz-analyst", TEST_PASSWORD)

    assert client.get("/").status_code == 200


def test_a_user_who_enrolled_must_present_the_code_next_time(kz_analyst):
    device = TOTPDevice.objects.create(user=kz_analyst, name="app", confirmed=True)
    client = Client()
    _sign_in(client, "kz-analyst", TEST_PASSWORD)

    assert client.get("/").status_code == 302
    page = client.get(reverse("core:second_factor")).content.decode()
    assert "<svg" not in page  # verifying, not enrolling
    client.post(reverse("core:second_factor"), {"token": _code(device), "next": "/"})
    assert client.get("/").status_code == 200


@override_settings(CONCORD_SECOND_FACTOR_ROLES=["admin"])
def test_admin_site_needs_the_second_factor_too(admin_user):
    client = Client()
    client.force_login(admin_user)

    assert client.get(reverse("admin:index")).status_code == 302


def test_next_parameter_cannot_leave_the_site(kz_analyst):
    device = TOTPDevice.objects.create(user=kz_analyst, name="app", confirmed=True)
    client = Client()
    _sign_in(client, "kz-analyst", TEST_PASSWORD)

    done = client.post(
        reverse("core:second_factor"), {"token": _code(device), "next": "https://evil.example/"}
    )

    assert done["Location"] == "/"
