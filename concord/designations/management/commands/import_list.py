from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from concord.designations import parsers, services
from concord.designations.records import ImportRejected

from ._common import acting_user


class Command(BaseCommand):
    help = (
        "Import a national list (or the UN list) as a new version: "
        "`concord import_list --state KZ --format csv FILE [--as-of DATE] [--dry-run]`. "
        "Nothing is applied unless the whole file is valid; an identical file makes no version. "
        "Exit 0 on success, 1 when the file is refused, 2 for bad arguments."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, metavar="FILE")
        parser.add_argument("--state", required=True, help="AM, BY, KG, KZ, RU, TJ or UN")
        parser.add_argument("--format", required=True, choices=parsers.FORMATS, dest="fmt")
        parser.add_argument("--as-of", type=date.fromisoformat, default=None)
        parser.add_argument("--dry-run", action="store_true", help="show the diff, apply nothing")
        parser.add_argument("--as", dest="username", help="apply this user's permissions")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file", returncode=2)
        user = acting_user(options["username"])
        try:
            services.ensure_lists()
            national_list = services.get_list(options["state"])
            parsed = parsers.parse_file(path.read_bytes(), filename=path.name, fmt=options["fmt"])
            result = services.import_list(
                acting_user=user,
                national_list=national_list,
                parsed=parsed,
                as_of=options["as_of"],
                dry_run=options["dry_run"],
            )
        except ImportRejected as exc:
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
        for warning in result.warnings:
            self.stderr.write(f"warning: {warning}")
        diff = result.diff.as_dict()
        counts = (
            ", ".join(f"{k} {len(v)}" for k, v in diff.items() if isinstance(v, list) and v)
            or "no changes"
        )
        if result.dry_run:
            self.stdout.write(
                f"{national_list.code}: dry run, {len(parsed.entries)} entries; {counts}"
            )
            for kind, ids in diff.items():
                if isinstance(ids, list):
                    for entry_id in ids:
                        self.stdout.write(f"  {kind:<14} {entry_id}")
        elif result.unchanged:
            self.stdout.write(
                f"{national_list.code}: identical to the current version; nothing imported"
            )
        else:
            assert result.version is not None  # noqa: S101
            self.stdout.write(
                f"{national_list.code}: version {result.version.number} imported, "
                f"{len(parsed.entries)} entries; {counts}"
            )
