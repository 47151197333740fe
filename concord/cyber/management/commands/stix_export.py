from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import Http404

from concord.core.models import User
from concord.cyber import services_stix


class Command(BaseCommand):
    help = (
        "Write incidents (with their indicators) and indicators as one STIX 2.1 bundle: "
        "`concord stix_export --incident UID [--incident UID …] [--indicator UID …] -o FILE "
        "--as USERNAME`. Only records that user may see; `-o -` writes to standard output."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--incident", action="append", default=[], metavar="UID")
        parser.add_argument("--indicator", action="append", default=[], metavar="UID")
        parser.add_argument("-o", "--output", required=True, metavar="FILE")
        parser.add_argument("--as", dest="username", required=True, help="export as this user")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["incident"] and not options["indicator"]:
            raise CommandError("name at least one --incident or --indicator", returncode=2)
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {options['username']!r}", returncode=2)
        try:
            bundle = services_stix.export_bundle(
                acting_user=user, incidents=options["incident"], indicators=options["indicator"]
            )
        except (Http404, PermissionDenied) as exc:
            raise CommandError(
                f"{exc or 'not found'}: a record named does not exist or is not visible to "
                f"{user.username}",
                returncode=1,
            ) from exc
        text = json.dumps(bundle, ensure_ascii=False, indent=2) + "\n"
        if options["output"] == "-":
            self.stdout.write(text, ending="")
            return
        out = Path(options["output"])
        out.write_text(text, encoding="utf-8")
        self.stdout.write(f"{len(bundle['objects'])} objects written to {out} ({bundle['id']})")
