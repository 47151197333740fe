from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Run background tasks (django-tasks database backend)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--queue-name", default="default")
        parser.add_argument("--batch", action="store_true", help="exit when the queue is empty")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("db_worker", queue_name=options["queue_name"], batch=options["batch"])
