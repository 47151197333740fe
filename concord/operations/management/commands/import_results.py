from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from concord.core.models import User
from concord.operations import services
from concord.operations.models import Operation, Participant, Stage
from concord.operations.results_import import ResultsImportRejected


class Command(BaseCommand):
    help = (
        "Import a CSV or XLSX file of an agency's results for one stage of a joint operation: "
        "`concord import_results --operation SLUG --stage N --country ISO FILE --as USER "
        "[--dry-run]`. Nothing is written unless every row is valid. "
        "Exit 0 on success, 1 when the file is refused, 2 for bad arguments or a refusal."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, metavar="FILE")
        parser.add_argument("--operation", required=True, help="the operation's slug (channel)")
        parser.add_argument("--stage", type=int, required=True, help="the stage number")
        parser.add_argument("--country", required=True, help="participant code: KZ, AF, INTERPOL")
        parser.add_argument("--as", dest="username", required=True, help="the importing user")
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file", returncode=2)
        user, stage, participant = self._arguments(options)
        try:
            report = services.import_results(
                acting_user=user,
                stage=stage,
                participant=participant,
                data=path.read_bytes(),
                filename=path.name,
                dry_run=options["dry_run"],
            )
        except ResultsImportRejected as exc:
            for error in exc.errors:
                self.stderr.write(f"{path.name}: {error}")
            raise CommandError(
                f"{path.name}: refused, {len(exc.errors)} problem(s); nothing was imported",
                returncode=1,
            ) from exc
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError(
                " ".join(getattr(exc, "messages", [str(exc)])), returncode=2
            ) from exc
        verb = "checked (dry run)" if report.dry_run else "imported"
        count = report.rows if report.dry_run else report.created
        self.stdout.write(
            f"{path.name}: {verb}: {count} lines for {participant.code}, "
            f"{stage.operation.slug} stage {stage.number}"
        )

    def _arguments(self, options: dict[str, Any]) -> tuple[User, Stage, Participant]:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {options['username']!r}", returncode=2)
        operation = Operation.objects.filter(slug=options["operation"]).first()
        if operation is None:
            raise CommandError(f"no operation {options['operation']!r}", returncode=2)
        stage = operation.stages.filter(number=options["stage"]).first()
        if stage is None:
            raise CommandError(f"{operation.slug} has no stage {options['stage']}", returncode=2)
        code = options["country"].strip().upper()
        participant = operation.participants.filter(code=code).first()
        if participant is None:
            raise CommandError(f"{code} does not take part in {operation.slug}", returncode=2)
        return user, stage, participant
