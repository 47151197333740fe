from __future__ import annotations

import csv
import json
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from concord.designations import queries, services
from concord.designations.matching.bulk import RESULT_COLUMNS, result_row, screen_stream
from concord.designations.matching.engine import DEFAULT_THRESHOLD

from ._common import acting_user, read_names


class Command(BaseCommand):
    help = (
        "Screen names against the organisations on the lists: `concord screen NAME...` or "
        "`concord screen --file IN --out OUT [--threshold T] [--format json|csv] [--workers N]`. "
        "Files of any size are streamed and screened on every core."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("names", nargs="*", metavar="NAME")
        parser.add_argument("--file", type=Path, dest="infile")
        parser.add_argument("--out", type=Path)
        parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
        parser.add_argument("--format", choices=("json", "csv"), default=None, dest="fmt")
        parser.add_argument("--workers", type=int, default=None, help="default: every core")
        parser.add_argument("--as", dest="username", help="log the screening as this user")

    def handle(self, *args: Any, **options: Any) -> None:
        names: list[str] = options["names"]
        infile: Path | None = options["infile"]
        if bool(names) == bool(infile):
            raise CommandError("give NAME... or --file IN --out OUT", returncode=2)
        if not 0 < options["threshold"] <= 1:
            raise CommandError("--threshold must be in (0, 1]", returncode=2)
        screener = queries.screener()
        user = acting_user(options["username"])
        if names:
            rows = [
                result_row(name, screener.screen(name, threshold=options["threshold"], limit=1))
                for name in names
            ]
            self._write(rows, self.stdout, options["fmt"] or "json")
            self._log(user, len(rows), sum(r["match"] for r in rows))
            return
        assert infile is not None  # noqa: S101
        if not infile.is_file():
            raise CommandError(f"{infile}: no such file", returncode=2)
        out: Path | None = options["out"]
        if out is None:
            raise CommandError("--file needs --out", returncode=2)
        fmt = options["fmt"] or ("json" if out.suffix in {".json", ".jsonl"} else "csv")
        started = time.perf_counter()
        count = matched = 0
        with out.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=RESULT_COLUMNS) if fmt == "csv" else None
            if writer:
                writer.writeheader()
            stream = screen_stream(
                screener,
                read_names(infile),
                threshold=options["threshold"],
                workers=options["workers"],
            )
            for row in stream:
                count += 1
                matched += row["match"]
                if writer:
                    writer.writerow(row)
                else:
                    handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        seconds = time.perf_counter() - started
        self._log(user, count, matched)
        self.stderr.write(
            f"{count} names screened in {seconds:.1f} s ({count / max(seconds, 1e-9):.0f}/s), "
            f"{matched} matched; written to {out}"
        )

    def _write(self, rows: list[dict[str, Any]], stream: Any, fmt: str) -> None:
        if fmt == "csv":
            writer = csv.DictWriter(stream, fieldnames=RESULT_COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
        else:
            for row in rows:
                stream.write(json.dumps(row, ensure_ascii=False) + "\n")

    def _log(self, user: Any, count: int, matched: int) -> None:
        if user is not None:
            services.screening_logged(acting_user=user, channel="cli", count=count, matched=matched)
