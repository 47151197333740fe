"""Rendered reference data (member states, bodies, agencies), cached in each process.

Reference data changes a few times a year and is read on every page and by every machine
client; rendering it costs more than the rest of a request (the benchmark in bench/core shows
the ORM and schema validation dominate `GET /api/v1/states`). So the rendered bytes are kept in
Django's cache (per-process memory unless CACHES says otherwise) for `TTL_SECONDS`. A write
through core's services or the demo loader bumps the version at once in its own process; other
processes see the change within `TTL_SECONDS`.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.cache import cache

TTL_SECONDS = 60
_VERSION_KEY = "concord.reference.version"


def version() -> int:
    """The current version of the reference data in this process (part of every cache key)."""
    version = cache.get(_VERSION_KEY)
    if version is None:
        version = 1
        cache.set(_VERSION_KEY, version, None)
    return int(version)


def get_or_render(key: str, render: Callable[[], bytes]) -> bytes:
    """The cached rendering of `key`, rendered now if missing or stale."""
    full_key = f"concord.reference.{version()}.{key}"
    body = cache.get(full_key)
    if body is None:
        body = render()
        cache.set(full_key, body, TTL_SECONDS)
    return bytes(body)


def invalidate() -> None:
    """Forget every rendering in this process (others expire within TTL_SECONDS)."""
    cache.set(_VERSION_KEY, version() + 1, None)
