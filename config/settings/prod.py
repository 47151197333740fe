"""Production: everything that matters comes from the environment, and missing values stop start-up.

Secrets may be given directly (`CONCORD_SECRET_KEY`) or as a file (`CONCORD_SECRET_KEY_FILE`), as
container secrets usually are.
"""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import database_from_url


def _required(name: str) -> str:
    value = os.environ.get(name)
    file_path = os.environ.get(f"{name}_FILE")
    if not value and file_path:
        with open(file_path, encoding="utf-8") as handle:
            value = handle.read().strip()
    if not value:
        raise ImproperlyConfigured(f"{name} (or {name}_FILE) must be set in production")
    return value


SECRET_KEY = _required("CONCORD_SECRET_KEY")
ALLOWED_HOSTS = [h.strip() for h in _required("CONCORD_ALLOWED_HOSTS").split(",") if h.strip()]
DATABASES = {"default": database_from_url(_required("DATABASE_URL"))}
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CONCORD_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

DEBUG = False
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = os.environ.get("CONCORD_SSL_REDIRECT", "1") == "1"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = int(os.environ.get("CONCORD_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True

CONCORD_SECOND_FACTOR_ROLES = ["admin", "secretariat"]
