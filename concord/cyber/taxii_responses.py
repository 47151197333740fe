"""The TAXII 2.1 wire conventions: media types and their negotiation, who is asking (HTTP Basic,
Bearer API tokens, or the browser session), error resources, and JSON responses.

Basic passwords go through Django's `authenticate()` with the request, so django-axes counts
failures and refuses locked-out users exactly as on the sign-in page; an API token is also
accepted as the Basic password (what OpenCTI and most TAXII clients can send). A user whose
sign-in needs a second factor cannot use a bare password here: they use a token.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django_otp import user_has_device

from concord.core.models import TOKEN_PREFIX, ApiToken, User, hash_token
from concord.core.queries import token_user

TAXII_MEDIA_TYPE = "application/taxii+json;version=2.1"
STIX_MEDIA_TYPE = "application/stix+json;version=2.1"
_TAXII_TYPE = "application/taxii+json"
REALM = 'Basic realm="Concord TAXII"'
_TOUCH_EVERY = timedelta(minutes=5)

_ERROR_TITLES = {
    400: ("bad_request", _lazy("Bad request")),
    401: ("unauthorized", _lazy("Authentication required")),
    403: ("forbidden", _lazy("Forbidden")),
    404: ("not_found", _lazy("Not found")),
    405: ("method_not_allowed", _lazy("Method not allowed")),
    406: ("not_acceptable", _lazy("Not acceptable")),
    413: ("too_large", _lazy("Request entity too large")),
    415: ("unsupported_media_type", _lazy("Unsupported media type")),
    422: ("unprocessable", _lazy("Unprocessable entity")),
}


class TaxiiError(Exception):
    """Raised anywhere in a TAXII view; rendered as an error resource with this status."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def taxii_response(
    body: str | bytes, status: int = 200, headers: Mapping[str, str] | None = None
) -> HttpResponse:
    response = HttpResponse(body, status=status, content_type=TAXII_MEDIA_TYPE)
    response["Cache-Control"] = "no-store"  # marked content: no shared or browser caches
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def taxii_json(data: Any, status: int = 200) -> HttpResponse:
    return taxii_response(json.dumps(data, ensure_ascii=False, separators=(",", ":")), status)


def error_response(status: int, description: str) -> HttpResponse:
    code, title = _ERROR_TITLES.get(status, ("error", _lazy("Error")))
    response = taxii_json(
        {
            "title": str(title),
            "description": description,
            "error_code": code,
            "http_status": str(status),
        },
        status,
    )
    if status == 401:
        response["WWW-Authenticate"] = REALM
    return response


# Media types ----------------------------------------------------------------------------------


def _media_type(text: str) -> tuple[str, dict[str, str]]:
    kind, *params = (part.strip() for part in text.split(";"))
    parsed: dict[str, str] = {}
    for param in params:
        key, _sep, value = param.partition("=")
        parsed[key.strip().lower()] = value.strip().strip('"')
    return kind.lower(), parsed


def _is_taxii_21(kind: str, params: dict[str, str]) -> bool:
    return kind == _TAXII_TYPE and params.get("version", "2.1") == "2.1"


def check_accept(request: HttpRequest) -> None:
    """406 unless the client accepts TAXII 2.1 JSON (or anything, or says nothing)."""
    header = request.META.get("HTTP_ACCEPT", "").strip()
    if not header:
        return
    for item in header.split(","):
        kind, params = _media_type(item)
        if params.get("q") in ("0", "0.0", "0.00", "0.000"):
            continue
        if kind in ("*/*", "application/*") or _is_taxii_21(kind, params):
            return
    raise TaxiiError(
        406,
        _("this server answers with %(type)s; the Accept header asks for %(header)s")
        % {"type": TAXII_MEDIA_TYPE, "header": header},
    )


def check_content_type(request: HttpRequest) -> None:
    """415 unless the body is TAXII 2.1 JSON."""
    header = request.META.get("CONTENT_TYPE", "")
    if not _is_taxii_21(*_media_type(header)):
        raise TaxiiError(
            415,
            _("send the envelope as %(type)s, not %(header)s")
            % {"type": TAXII_MEDIA_TYPE, "header": header or _("no Content-Type")},
        )


# Who is asking ----------------------------------------------------------------------------------


def _token_holder(raw: str) -> User | None:
    now = timezone.now()
    user = token_user(token_hash=hash_token(raw), stale_before=now - _TOUCH_EVERY)
    if user is not None and user.api_token_stale:  # type: ignore[attr-defined]
        # At most one write per token every few minutes, as in the JSON API: reads stay reads.
        ApiToken.objects.filter(pk=user.api_token_id).update(  # type: ignore[attr-defined]
            last_used_at=now
        )
    return user


def _needs_second_factor(user: User) -> bool:
    return user.role in settings.CONCORD_SECOND_FACTOR_ROLES or bool(user_has_device(user))


def _basic_user(request: HttpRequest, credentials: str) -> User:
    try:
        decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise TaxiiError(401, _("malformed Basic credentials")) from None
    username, sep, password = decoded.partition(":")
    if not sep:
        raise TaxiiError(401, _("malformed Basic credentials"))
    if password.startswith(TOKEN_PREFIX):
        holder = _token_holder(password)
        if holder is not None:
            return holder
    user = authenticate(request, username=username, password=password)
    if not isinstance(user, User):
        raise TaxiiError(401, _("wrong user name or password"))
    if _needs_second_factor(user):
        raise TaxiiError(401, _("this account signs in with a second factor: use an API token"))
    return user


def request_user(request: HttpRequest) -> User:
    """The user making the request, or TaxiiError(401). An Authorization header, when sent, is
    the only thing considered; without one, a signed-in browser session."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header:
        scheme, _sep, credentials = header.strip().partition(" ")
        scheme = scheme.lower()
        if scheme == "bearer":
            user = _token_holder(credentials.strip())
            if user is None:
                raise TaxiiError(401, _("unknown or revoked API token"))
            return user
        if scheme == "basic":
            return _basic_user(request, credentials.strip())
        raise TaxiiError(401, _("use HTTP Basic or a Bearer API token"))
    session_user = getattr(request, "user", None)
    if isinstance(session_user, User) and session_user.is_active:
        return session_user
    raise TaxiiError(401, _("authentication required"))
