from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from concord.core.server import run_gunicorn


class Command(BaseCommand):
    help = "Serve Concord with gunicorn (static files by whitenoise)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="worker processes (default: 2 × cores + 1, at most 8)",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=4,
            help="threads per worker (gthread keeps connections alive)",
        )
        parser.add_argument(
            "--no-tasks",
            action="store_true",
            help="do not start a background-task worker beside the server (run `concord worker`)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # Cheap when nothing changed; a missing manifest entry would otherwise be a 500.
        call_command("collectstatic", interactive=False, verbosity=0)
        workers = options["workers"] or min(2 * (os.cpu_count() or 1) + 1, 8)
        self.stdout.write(f"Serving Concord at http://{options['bind']} with {workers} workers")
        # Background work (sitreps, alert dispatch, file screening) needs a task worker; a
        # single machine gets one beside the server, stopped with it.
        tasks = None
        if not options["no_tasks"]:
            tasks = subprocess.Popen(
                [sys.executable, "-c", "from concord.cli import main; main(['worker'])"]
            )
        try:
            run_gunicorn(bind=options["bind"], workers=workers, threads=options["threads"])
        finally:
            if tasks is not None:
                tasks.terminate()
                tasks.wait(timeout=10)
