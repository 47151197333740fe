from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from concord.core import services
from concord.core.models import User


class Command(BaseCommand):
    help = "API tokens: `concord token create USERNAME [--label TEXT]` prints a new token once."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="issue a token for a user")
        create.add_argument("username")
        create.add_argument("--label", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {options['username']!r}")
        issued = services.api_token_create(acting_user=None, user=user, label=options["label"])
        self.stdout.write(issued.raw)
