"""The server's start-up hooks."""

from __future__ import annotations

import threading

from django.apps import apps

from concord.core import server

CALLS: list[str] = []
DONE = threading.Event()


def record_warm_up() -> None:
    CALLS.append(threading.current_thread().name)
    DONE.set()


def failing_warm_up() -> None:
    raise RuntimeError("no database yet")


def test_each_app_warms_up_in_a_background_thread(monkeypatch):
    config = apps.get_app_config("designations")
    monkeypatch.setattr(config, "warm_up", f"{__name__}.record_warm_up", raising=False)
    CALLS.clear()
    DONE.clear()

    server.warm_up_apps()

    assert DONE.wait(5)
    assert CALLS == ["warm-designations"]


def test_a_failing_warm_up_is_logged_not_raised(caplog):
    server._warm(f"{__name__}.failing_warm_up")

    assert caplog.records[-1].getMessage() == f"warm-up {__name__}.failing_warm_up failed"
