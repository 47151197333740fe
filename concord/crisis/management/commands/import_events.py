from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from concord.core.models import Role, User
from concord.crisis.event_import import FORMATS, import_files
from concord.crisis.records import ImportRefused


def acting_user(username: str | None) -> User:
    """The user named, or else the one active administrator; refused when that is ambiguous."""
    if username:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {username!r}", returncode=2)
        return user
    admins = list(
        User.objects.filter(Q(role=Role.ADMIN) | Q(is_superuser=True), is_active=True)[:2]
    )
    if len(admins) != 1:
        found = "no" if not admins else "more than one"
        raise CommandError(
            f"{found} active administrator: name the importing user with --user USERNAME",
            returncode=2,
        )
    return admins[0]


class Command(BaseCommand):
    help = (
        "Import crisis events: `concord import_events --format cap|gdacs|ucdp|acled|hxl FILE… "
        "[--dry-run] [--user USERNAME] [--tlp TLP]`. All files or none; a re-import updates "
        "and never duplicates. Exit 0 on success, 1 when a file is refused, 2 for bad arguments."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
        parser.add_argument("--format", choices=FORMATS, required=True, dest="fmt")
        parser.add_argument("--dry-run", action="store_true", help="check and count; write nothing")
        parser.add_argument("--user", default=None, help="import as this user (default: the admin)")
        parser.add_argument("--tlp", default=None, help="marking: CLEAR, GREEN, AMBER, …, RED")

    def handle(self, *args: Any, **options: Any) -> None:
        paths: list[Path] = options["files"]
        for path in paths:
            if not path.is_file():
                raise CommandError(f"{path}: no such file", returncode=2)
        user = acting_user(options["user"])
        try:
            report = import_files(
                fmt=options["fmt"],
                files=[(path.name, path.read_bytes()) for path in paths],
                acting_user=user,
                dry_run=options["dry_run"],
                tlp=options["tlp"],
            )
        except ImportRefused as refusal:
            for problem in refusal.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                f"refused, {len(refusal.problems)} problem(s); nothing was imported: "
                f"{refusal.problems[0]}",
                returncode=1,
            ) from refusal
        except PermissionDenied as denied:
            raise CommandError(f"{user.username}: {denied}", returncode=2) from denied
        self.stdout.write(
            f"created {report.created}, updated {report.updated}, "
            f"unchanged {report.unchanged}, cancelled {report.cancelled}, "
            f"refused {len(report.refused)}"
            + (" (dry run: nothing written)" if options["dry_run"] else "")
        )
        skipped = getattr(report, "skipped_rows", 0)
        if skipped:
            self.stdout.write(f"skipped {skipped} rows without events")
        if report.unmatched_places:
            self.stdout.write(f"unmatched places ({len(report.unmatched_places)}):")
            for place in report.unmatched_places:
                self.stdout.write(f"  {place}")
