"""Settings for the test suite: fast hasher, tasks run immediately, no network."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import database_from_url

SECRET_KEY = "test-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
DATABASES = {"default": database_from_url(os.environ.get("DATABASE_URL", "sqlite:///:memory:"))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Transactional tests flush with TRUNCATE; let the audit table's guard allow it (only here).
    DATABASES["default"]["OPTIONS"] = {"options": "-c concord.allow_audit_truncate=on"}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
AXES_ENABLED = True
# Tests never write into the developer's var/.
STATIC_ROOT = Path(tempfile.gettempdir()) / "concord-test-static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns on every request otherwise
# Tests never read the shared data directory: the demo loads its national reports only.
CRISIS_DEMO_DATA_DIR = ""
