"""TOTP second factor (django-otp): enrolling a device and checking a code."""

from __future__ import annotations

from io import BytesIO

import qrcode
import qrcode.image.svg
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import audit
from .models import User


@transaction.atomic
def pending_device(user: User) -> TOTPDevice:
    """The user's unconfirmed device, created on first visit to the enrolment page."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="default", confirmed=False)
        audit.record(actor=user, action="second_factor.start", obj=user, summary={})
    return device


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def qr_svg(device: TOTPDevice) -> str:
    """The provisioning URI as an inline SVG QR code (drawn here: no external images)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode("utf-8")


@transaction.atomic
def confirm(*, acting_user: User, device: TOTPDevice) -> None:
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=acting_user, confirmed=False).delete()
    audit.record(actor=acting_user, action="second_factor.enrol", obj=acting_user, summary={})
