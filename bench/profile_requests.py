"""Where a request's time goes, in-process (no server, no load): `python -m bench.profile_requests`.

For each core target: status, body size, SQL queries per request (with their SQL), mean time per
request through the full middleware stack, and the top functions by cumulative time (cProfile,
or pyinstrument if installed and --pyinstrument is given). Uses a throwaway data directory.

    python -m bench.profile_requests [--requests 300] [--target api-token] [--top 25]
                                     [--pyinstrument]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

_TRANSACTION_WORDS = {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"}


class _QueryLog:
    """A database execute wrapper that keeps (seconds, sql) of every query."""

    def __init__(self) -> None:
        self.entries: list[tuple[float, str]] = []

    def __call__(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.entries.append((time.perf_counter() - started, sql))


def _setup(var_dir: Path, settings: str) -> None:
    os.environ["CONCORD_VAR_DIR"] = str(var_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = settings
    os.environ.pop("DATABASE_URL", None)
    import logging

    import django

    django.setup()
    logging.disable(logging.WARNING)  # keep the timings' output readable
    from django.core.management import call_command

    call_command("demo", no_serve=True, password=secrets.token_urlsafe(18), stdout=io.StringIO())
    call_command("collectstatic", interactive=False, verbosity=0)  # as `concord serve` does


def _targets(username: str) -> dict[str, Callable[[], object]]:
    from django.conf import settings
    from django.test import Client

    from concord.core import services
    from concord.core.models import User

    user = User.objects.get(username=username)
    raw = services.api_token_create(acting_user=None, user=user, label="profile").raw
    anonymous = Client(HTTP_HOST="127.0.0.1")
    session = Client(HTTP_HOST="127.0.0.1")
    session.force_login(user, backend=settings.AUTHENTICATION_BACKENDS[-1])
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    return {
        "bare": lambda: anonymous.get("/bench/bare"),
        "api-token": lambda: anonymous.get("/api/v1/states", **bearer),
        "api-session": lambda: session.get("/api/v1/states"),
        "home": lambda: session.get("/"),
    }


def _capture(call: Callable[[], object]) -> tuple[object, _QueryLog, list[str] | None]:
    """One request with its queries and, on SQLite, its transaction statements (SQLite's own
    trace sees BEGIN/COMMIT/SAVEPOINT, which Django's execute wrappers do not)."""
    from django.db import connection

    queries = _QueryLog()
    statements: list[str] = []
    sqlite = connection.vendor == "sqlite"
    if sqlite:
        connection.ensure_connection()
        connection.connection.set_trace_callback(statements.append)
    # An execute wrapper, not CaptureQueriesContext: request_started resets its log.
    try:
        with connection.execute_wrapper(queries):
            response = call()
    finally:
        if sqlite:
            connection.connection.set_trace_callback(None)
    if not sqlite:
        return response, queries, None
    words = [s.split(None, 1)[0].upper() for s in statements if s.strip()]
    return response, queries, [w for w in words if w in _TRANSACTION_WORDS]


def _profile(call: Callable[[], object], requests: int, top: int, pyinstrument: bool) -> str:
    if pyinstrument:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
        profiler.start()
        for _ in range(requests):
            call()
        profiler.stop()
        return str(profiler.output_text(unicode=True, color=False, show_all=False))
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(requests):
        call()
    profile.disable()
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_requests")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--target", action="append", help="bare, api-token, api-session, home")
    parser.add_argument("--user", default="kz-analyst")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--pyinstrument", action="store_true")
    parser.add_argument("--settings", default="bench.settings")
    parser.add_argument("--no-profile", action="store_true", help="timings and SQL only")
    options = parser.parse_args()

    var_dir = Path(tempfile.mkdtemp(prefix="concord-profile-"))
    try:
        _setup(var_dir, options.settings)
        targets = _targets(options.user)
        for name in options.target or list(targets):
            call = targets[name]
            call()  # warm caches and the connection
            response, queries, transactions = _capture(call)
            started = time.perf_counter()
            for _ in range(options.requests):
                call()
            per_request = (time.perf_counter() - started) / options.requests * 1000
            print(
                f"\n=== {name}: HTTP {response.status_code}, {len(response.content)} bytes, "  # type: ignore[attr-defined]
                f"{len(queries.entries)} queries, {per_request:.2f} ms/request in-process"
            )
            for seconds, sql in queries.entries:
                print(f"  sql {seconds * 1000:6.3f} ms  {sql[:300]}")
            if transactions is not None:
                print(f"  transaction statements: {transactions or 'none (autocommit reads)'}")
            if not options.no_profile:
                print(_profile(call, options.requests, options.top, options.pyinstrument))
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
