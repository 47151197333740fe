"""Settings for the benchmark server: the developer settings plus the bench URLconf.

The harness points CONCORD_VAR_DIR at a throwaway directory, so the database, the secret key
and the collected static files never touch the developer's var/.
"""

from __future__ import annotations

from config.settings.dev import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
