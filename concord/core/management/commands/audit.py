from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from concord.core import audit


class Command(BaseCommand):
    help = "Audit chain: `concord audit verify [--checkpoint SEQ:HASH]`."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="recompute the chain; exit 1 at the first break")
        verify.add_argument("--checkpoint", help="SEQ:HASH noted earlier (catches a cut tail)")

    def handle(self, *args: Any, **options: Any) -> None:
        checkpoint = None
        if options.get("checkpoint"):
            try:
                checkpoint = audit.parse_checkpoint(options["checkpoint"])
            except ValueError as exc:
                raise CommandError(str(exc), returncode=2) from exc
        report = audit.verify(checkpoint=checkpoint)
        if not report.ok:
            raise CommandError(
                f"audit chain BROKEN at event {report.broken_seq}: {report.problem} "
                f"({report.count} events verified before it)",
                returncode=1,
            )
        self.stdout.write(
            f"audit chain ok: {report.count} events; head {report.head_seq}:{report.head_hash}"
        )
