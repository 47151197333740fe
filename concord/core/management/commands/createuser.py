from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from concord.core import services
from concord.core.models import Agency, Role


class Command(BaseCommand):
    help = "Create an account in an agency with a role; prints the password when generated."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--agency", required=True, help="agency code, e.g. KZ-KNB")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--password", help="default: generate one and print it once")
        parser.add_argument("--email", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        agency = Agency.objects.filter(code=options["agency"]).first()
        if agency is None:
            raise CommandError(f"no agency with code {options['agency']!r}")
        try:
            user, password = services.user_create(
                acting_user=None,
                username=options["username"],
                agency=agency,
                role=options["role"],
                password=options["password"],
                email=options["email"],
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(f"created {user.username} ({user.role}, {agency.code})")
        if not options["password"]:
            self.stdout.write(f"password: {password}")
