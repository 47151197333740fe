"""Template context every page needs: the organisation and the module tiles."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import get_language


def concord(request: HttpRequest) -> dict[str, object]:
    org = settings.CONCORD_ORGANISATION
    english = (get_language() or "ru").startswith("en")
    return {
        "organisation_code": org["code"],
        "organisation_name": org["name_en"] if english else org["name_ru"],
    }
