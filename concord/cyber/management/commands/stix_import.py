from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from concord.core.markings import MarkingError
from concord.core.models import User
from concord.cyber import services_stix
from concord.cyber.models import Collection
from concord.cyber.stix_import import BundleTooLarge, StixImportRejected, misp_to_stix


def _strict_errors(path: Path, fmt: str) -> list[str]:
    """Every error stix2-validator finds in the bundle (the converted one for MISP)."""
    from stix2validator import ValidationOptions, validate_string

    data = path.read_bytes()
    text = misp_to_stix(data).decode("utf-8") if fmt == "misp" else data.decode("utf-8")
    result = validate_string(text, ValidationOptions(version="2.1"))
    results = result if isinstance(result, list) else [result]
    return [f"{r.object_id}: {error}" for r in results for error in r.errors]


class Command(BaseCommand):
    help = (
        "Import a STIX 2.1 bundle or a MISP event: `concord stix_import FILE [--format misp] "
        "[--tlp AMBER] [--collection ALIAS] [--strict] --as USERNAME`. All or nothing; a marking "
        "the source carried is never lowered. `--strict` first validates the whole bundle with "
        "stix2-validator. Exit 0 on success, 1 when the file is refused, 2 for bad arguments."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, metavar="FILE")
        parser.add_argument("--format", choices=("stix", "misp"), default="stix", dest="fmt")
        parser.add_argument("--tlp", default=None, help="CLEAR, GREEN, AMBER, AMBER+STRICT, RED")
        parser.add_argument("--collection", default="", help="collection alias (default: concord)")
        parser.add_argument("--strict", action="store_true", help="validate with stix2-validator")
        parser.add_argument("--as", dest="username", required=True, help="import as this user")

    def _resolve(self, options: dict[str, Any]) -> tuple[Path, User, Collection | None]:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file", returncode=2)
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {options['username']!r}", returncode=2)
        if not options["collection"]:
            return path, user, None
        collection = Collection.objects.filter(alias=options["collection"]).first()
        if collection is None:
            raise CommandError(f"no collection {options['collection']!r}", returncode=2)
        return path, user, collection

    def _validate(self, path: Path, fmt: str) -> None:
        errors = _strict_errors(path, fmt)
        for error in errors:
            self.stderr.write(error)
        if errors:
            raise CommandError(
                f"{path.name}: {len(errors)} validation error(s); nothing was imported",
                returncode=1,
            )

    def handle(self, *args: Any, **options: Any) -> None:
        path, user, collection = self._resolve(options)
        if options["strict"]:
            self._validate(path, options["fmt"])
        try:
            with path.open("rb") as handle:
                report = services_stix.ingest_bundle(
                    acting_user=user,
                    source=handle,
                    collection=collection,
                    tlp=options["tlp"],
                    fmt=options["fmt"],
                    filename=path.name,
                )
        except StixImportRejected as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            count = len(exc.problems) + exc.more
            raise CommandError(
                f"{path.name}: refused, {count} problem(s); nothing was imported", returncode=1
            ) from exc
        except BundleTooLarge as exc:
            raise CommandError(f"{path.name}: {exc}; nothing was imported", returncode=1) from exc
        except (PermissionDenied, MarkingError) as exc:
            raise CommandError(str(exc), returncode=2) from exc
        for warning in report.warnings:
            self.stderr.write(f"warning: {warning}")
        self.stdout.write(
            f"{path.name}: {report.total} objects, {report.stored} stored "
            f"({report.versions} new versions), {report.duplicates} duplicates, "
            f"{report.unknown_kept} of unknown types kept; indicators "
            f"{report.indicators_created} created, {report.indicators_updated} updated; "
            f"incidents {report.incidents_created} created, {report.incidents_updated} updated; "
            f"collection {report.collection}, sha256 {report.sha256}"
        )
        if options["verbosity"] > 1:
            self.stdout.write(json.dumps(report.objects))
