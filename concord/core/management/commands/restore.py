from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from concord.core import backup


class Command(BaseCommand):
    help = (
        "Replace the whole database with a backup: `concord restore IN [--yes]`. The file is "
        "checked completely first. Exit 0 when restored, 1 when the file is refused or the "
        "restore failed, 2 for a bad IN or a restore not confirmed."
    )
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", metavar="IN", type=Path, help="a file written by `backup`")
        parser.add_argument("--yes", action="store_true", help="do not ask (scripts, CI)")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if not path.is_file():
            raise CommandError(f"{path} is not a file", returncode=2)
        try:
            with backup.open_backup(path=path) as candidate:
                if not options["yes"]:
                    self._confirm(candidate, options.get("stdin") or sys.stdin)
                backup.restore(candidate=candidate)
        except backup.BackupError as exc:
            raise CommandError(str(exc), returncode=1) from exc
        metadata = candidate.metadata
        self.stdout.write(
            f"restored {path} (made {metadata.created_at}); audit head {metadata.head_text}, "
            "then backup.restore recorded"
        )
        if pending := backup.pending_migrations():
            self.stdout.write(f"the restored database lacks {pending} migrations: run migrate")

    def _confirm(self, candidate: backup.Candidate, stdin: TextIO) -> None:
        metadata = candidate.metadata
        self.stdout.write(
            f"{candidate.path}: a {metadata.vendor} backup made {metadata.created_at}, "
            f"audit head {metadata.head_text}.\n"
            f"It will REPLACE everything in the {connection.vendor} database "
            f"{connection.settings_dict['NAME']}. Type yes to continue: ",
            ending="",
        )
        self.stdout.flush()
        answer = stdin.readline()
        if not answer:
            self.stdout.write("")
            raise CommandError(
                "no answer on stdin; pass --yes to restore without asking", returncode=2
            )
        if answer.strip() != "yes":
            raise CommandError("restore not confirmed; nothing was changed", returncode=2)
