"""Settings shared by every environment. Environment-specific files import from here.

Nothing here reads secrets: `dev`, `test` and `prod` decide where those come from.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("CONCORD_VAR_DIR", BASE_DIR / "var"))

DEBUG = False
ALLOWED_HOSTS: list[str] = []

INSTALLED_APPS = [
    "django.contrib.admin.apps.SimpleAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "concord.core",
    "concord.designations",
    "concord.cyber",
    "concord.operations",
    "leaflet",
    "concord.crisis",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "concord.core.middleware.LanguageFallbackMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "concord.core.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "concord.core.context_processors.concord",
            ],
        },
    }
]


def database_from_url(url: str) -> dict[str, object]:
    """One database setting from a URL; SQLite gets WAL and immediate write transactions.

    `transaction_mode=IMMEDIATE` makes `atomic()` blocks take SQLite's write lock up front, so
    two writers queue instead of failing with "database is locked" on upgrade. Reads run in
    autocommit (ATOMIC_REQUESTS stays off), so they never take the write lock.
    """
    config: dict[str, object] = dict(dj_database_url.parse(url, conn_max_age=600))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["CONN_MAX_AGE"] = 0 if str(config["NAME"]) == ":memory:" else 600
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                "PRAGMA synchronous=NORMAL;"
                "PRAGMA foreign_keys=ON;"
                "PRAGMA busy_timeout=20000;"
            ),
        }
    elif config["ENGINE"] == "django.db.backends.postgresql":
        config["CONN_HEALTH_CHECKS"] = True
        # PostgreSQL's JIT spends longer compiling our short, indexed queries than running them
        # (a TAXII page: 58 ms of JIT for 20 ms of work), so Concord's sessions turn it off.
        options = dict(config.get("OPTIONS") or {})  # type: ignore[call-overload]
        options["options"] = (str(options.get("options", "")) + " -c jit=off").strip()
        config["OPTIONS"] = options
    else:
        config["CONN_HEALTH_CHECKS"] = True
    return config


DEFAULT_DATABASE_URL = f"sqlite:///{VAR_DIR / 'concord.sqlite3'}"
DATABASES = {"default": database_from_url(os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "concord.core.authentication.ModelBackendWithAgency",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:login"

# Russian is the working language, English the second. Anything else falls back to Russian.
LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Russian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "concord" / "core" / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True
LANGUAGE_COOKIE_NAME = "concord_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Failed sign-ins are rate-limited per username and address (django-axes).
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "core/locked_out.html"
AXES_VERBOSE = False

# Roles that must present a second factor (TOTP). Production turns it on; see prod.py.
CONCORD_SECOND_FACTOR_ROLES: list[str] = []
OTP_TOTP_ISSUER = "Concord"

CONCORD_ORGANISATION = {
    "code": "CSTO",
    "name_ru": "Организация Договора о коллективной безопасности",
    "name_en": "Collective Security Treaty Organisation",
}

# Cyber module (computer incident coordination).
CYBER_STIX_MAX_BYTES = int(os.environ.get("CONCORD_STIX_MAX_BYTES", str(50 * 1024 * 1024)))
CYBER_STIX_UNKNOWN_TYPES = os.environ.get("CONCORD_STIX_UNKNOWN_TYPES", "keep")  # or "refuse"
CYBER_MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
CYBER_LOOKUP_MAX_ITEMS = 10_000
TAXII_MAX_CONTENT_LENGTH = int(
    os.environ.get("CONCORD_TAXII_MAX_CONTENT_LENGTH", str(10 * 1024 * 1024))
)
TAXII_PAGE_SIZE = 1000
# The outbound HTTP client (TAXII subscriptions): private addresses are refused unless allowed.
CONCORD_HTTP_ALLOW_PRIVATE = os.environ.get("CONCORD_HTTP_ALLOW_PRIVATE", "") == "1"
CONCORD_HTTP_ALLOWED_HOSTS: list[str] = [
    host for host in os.environ.get("CONCORD_HTTP_ALLOWED_HOSTS", "").split(",") if host
]

# Crisis module. The map has no tile server: the basemap is the app's own GeoJSON.
LEAFLET_CONFIG = {
    "TILES": [],
    "DEFAULT_CENTER": (38.0, 68.0),
    "DEFAULT_ZOOM": 5,
    "MIN_ZOOM": 2,
    "MAX_ZOOM": 14,
    "RESET_VIEW": False,
    "NO_GLOBALS": False,
}
CRISIS_IMPORT_MAX_BYTES = int(
    os.environ.get("CONCORD_CRISIS_IMPORT_MAX_BYTES", str(200 * 1024 * 1024))
)
CRISIS_MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# Alert e-mails go through Django's mail backend (SMTP by default; configure EMAIL_HOST…).
EMAIL_BACKEND = os.environ.get(
    "CONCORD_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = os.environ.get("CONCORD_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("CONCORD_EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = os.environ.get("CONCORD_EMAIL_FROM", "concord@localhost")
# Links in e-mails and feeds: the address users reach this installation at (no trailing slash).
CONCORD_BASE_URL = os.environ.get("CONCORD_BASE_URL", "")
# `concord demo` imports the public open-source files (HDX, GDACS, CAP) from here when present.
CRISIS_DEMO_DATA_DIR = os.environ.get(
    "CONCORD_CRISIS_DEMO_DATA", str(BASE_DIR.parent / "shared" / "data" / "crisis")
)
# The feed of the Centre's published CAP alerts names this sender.
CRISIS_CAP_SENDER = os.environ.get("CONCORD_CAP_SENDER", "crc@concord.csto.invalid")

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"concord": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}
