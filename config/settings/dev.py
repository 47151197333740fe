"""Local and demo use: an embedded SQLite database under var/, a key kept under var/."""

from __future__ import annotations

import secrets

from .base import *  # noqa: F403
from .base import VAR_DIR


def _local_secret_key() -> str:
    """A key generated once per installation and kept beside the database (never in git)."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _local_secret_key()
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

# The demo has no mail server: alert e-mails are written as files under var/mail/.
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = VAR_DIR / "mail"
