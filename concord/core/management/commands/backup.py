from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from concord.core import backup


class Command(BaseCommand):
    help = (
        "Write a backup of the whole database to a new file: `concord backup OUT`. "
        "Exit 0 when written, 1 when it failed, 2 for a bad OUT."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("out", metavar="OUT", type=Path, help="new file to write (a tar)")

    def handle(self, *args: Any, **options: Any) -> None:
        out: Path = options["out"]
        if out.exists():
            raise CommandError(f"{out} already exists; choose a new file name", returncode=2)
        if not out.parent.is_dir():
            raise CommandError(f"directory {out.parent} does not exist", returncode=2)
        try:
            made = backup.create(out=out)
        except backup.BackupError as exc:
            raise CommandError(str(exc), returncode=1) from exc
        self.stdout.write(
            f"backup written: {made.path} ({made.size} bytes); audit head {made.metadata.head_text}"
        )
