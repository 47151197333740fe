"""Template context every page needs: the organisation's code and name."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from .models import localized


def concord(request: HttpRequest) -> dict[str, object]:
    org = settings.CONCORD_ORGANISATION
    return {
        "organisation_code": org["code"],
        "organisation_name": localized(org["name_ru"], org["name_en"]),
    }
