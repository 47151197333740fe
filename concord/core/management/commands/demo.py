from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.utils.module_loading import import_string


class Command(BaseCommand):
    help = "Migrate, load the demo data (idempotent), print the demo accounts, and serve."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-serve", action="store_true", help="stop after loading")
        parser.add_argument("--password", help="give every new demo account this password")
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help="generate new passwords for existing demo accounts too",
        )
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--workers", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        accounts = []
        for config in apps.get_app_configs():
            loader = getattr(config, "demo_loader", None)
            if loader:
                accounts += import_string(loader)(
                    password=options["password"], reset_passwords=options["reset_passwords"]
                )
        self.stdout.write(self.style.SUCCESS("Demo data loaded. Accounts:"))
        self.stdout.write(f"  {'username':<18} {'role':<12} {'agency':<10} password")
        for account in accounts:
            shown = account.password or "(unchanged; --reset-passwords to set a new one)"
            self.stdout.write(
                f"  {account.username:<18} {account.role:<12} {account.agency:<10} {shown}"
            )
        if not options["no_serve"]:
            call_command("serve", bind=options["bind"], workers=options["workers"])
