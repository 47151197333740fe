"""Running the WSGI application under gunicorn from our own CLI (no separate config file)."""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.apps import apps
from django.utils.module_loading import import_string
from gunicorn.app.base import BaseApplication
from gunicorn.util import import_app

log = logging.getLogger(__name__)


def warm_up_apps() -> None:
    """Run every app's `warm_up` (a dotted path on its AppConfig) in a background thread, so a
    worker answers at once while slow caches (the name matcher's) fill."""
    for config in apps.get_app_configs():
        path = getattr(config, "warm_up", None)
        if path:
            threading.Thread(
                target=_warm, args=(path,), name=f"warm-{config.label}", daemon=True
            ).start()


def _warm(path: str) -> None:
    try:
        import_string(path)()
    except Exception:  # a failed warm-up only costs the first request the time it saves
        log.exception("warm-up %s failed", path)


def _post_worker_init(worker: object) -> None:
    warm_up_apps()


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return import_app("config.wsgi:application")


def run_gunicorn(*, bind: str, workers: int, threads: int = 1) -> None:
    _Gunicorn(
        {
            "bind": bind,
            "workers": workers,
            "threads": threads,
            "worker_class": "gthread" if threads > 1 else "sync",
            "keepalive": 5,
            "accesslog": "-",
            "errorlog": "-",
            "timeout": 60,
            "graceful_timeout": 10,
            "forwarded_allow_ips": "127.0.0.1",
            "post_worker_init": _post_worker_init,
        }
    ).run()
