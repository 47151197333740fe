from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from concord.core.models import User
from concord.cyber import services_registry
from concord.cyber.registry_import import RegistryImportRejected


class Command(BaseCommand):
    help = (
        "Import an agency's CSV list of harmful information resources: "
        "`concord registry_import FILE --as USER [--dry-run]`. The user's state is the state "
        "whose actions the file records. Nothing is applied unless every row is valid. "
        "Exit 0 on success, 1 when the file is refused, 2 for bad arguments."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, metavar="FILE")
        parser.add_argument("--as", dest="username", required=True, help="the importing user")
        parser.add_argument("--dry-run", action="store_true", help="check and count, apply nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file", returncode=2)
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {options['username']!r}", returncode=2)
        try:
            report = services_registry.import_csv(
                acting_user=user,
                data=path.read_bytes(),
                filename=path.name,
                dry_run=options["dry_run"],
            )
        except RegistryImportRejected as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                f"{path.name}: refused, {len(exc.problems)} problem(s); nothing was applied",
                returncode=1,
            ) from exc
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError(
                " ".join(getattr(exc, "messages", [str(exc)])), returncode=2
            ) from exc
        for line in report.flagged:
            self.stderr.write(f"warning: {line}")
        verb = "checked (dry run)" if report.dry_run else "imported"
        self.stdout.write(
            f"{path.name}: {verb}: {report.rows} rows, {report.resources_created} new resources, "
            f"{report.resources_existing} already registered, {report.actions_recorded} actions, "
            f"{report.duplicates_skipped} duplicates skipped"
        )
