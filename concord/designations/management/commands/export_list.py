from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from concord.designations import exports, queries
from concord.designations.models import Publication


class Command(BaseCommand):
    help = (
        "Write a published version of the single list: "
        "`concord export_list --format csv|xlsx|ftm|pdf|json [--version N] OUT`. "
        "Without --version, the latest; `json` gives every cluster with its entries and "
        "recognition matrix."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        # `--version N` is this command's public interface; Django's own `--version` (print
        # Django's version) gives way to it.
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("out", type=Path, metavar="OUT")
        parser.add_argument("--format", required=True, choices=exports.FORMATS, dest="fmt")
        parser.add_argument("--version", type=int, dest="number", default=None)
        parser.add_argument("--language", choices=("ru", "en"), default="ru")

    def handle(self, *args: Any, **options: Any) -> None:
        number = options["number"]
        publication = (
            Publication.objects.filter(number=number).first()
            if number
            else queries.latest_publication()
        )
        if publication is None:
            which = f"version {number}" if number else "any version"
            raise CommandError(f"the single list has not been published ({which})", returncode=2)
        export = exports.render(publication.content, options["fmt"], language=options["language"])
        out: Path = options["out"]
        out.write_bytes(export.content)
        self.stdout.write(
            f"version {publication.number} written to {out} ({len(export.content)} bytes)"
        )
