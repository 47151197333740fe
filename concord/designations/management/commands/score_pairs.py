from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from concord.designations import queries
from concord.designations.matching.engine import DEFAULT_THRESHOLD, compare_names


class Command(BaseCommand):
    help = (
        "Score pairs of names, to measure matching quality: "
        "`concord score_pairs --pairs IN.csv --out OUT.csv` (columns name1,name2; the output "
        "adds score and match, keeping every input column)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--pairs", type=Path, required=True)
        parser.add_argument("--out", type=Path, required=True)
        parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)

    def handle(self, *args: Any, **options: Any) -> None:
        source: Path = options["pairs"]
        if not source.is_file():
            raise CommandError(f"{source}: no such file", returncode=2)
        store = queries.build_alias_store()
        with source.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            fields = list(reader.fieldnames or [])
            if not {"name1", "name2"} <= set(fields):
                raise CommandError(f"{source}: needs columns name1,name2", returncode=2)
            rows = list(reader)
        with options["out"].open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=[*fields, "score", "match"])
            writer.writeheader()
            for line, row in enumerate(rows, start=2):
                if not (row.get("name1") or "").strip() or not (row.get("name2") or "").strip():
                    raise CommandError(f"{source}:{line}: empty name", returncode=2)
                result = compare_names(row["name1"], row["name2"], store)
                row["score"] = f"{result.score:.4f}"
                row["match"] = "1" if result.score >= options["threshold"] else "0"
                writer.writerow(row)
        self.stdout.write(f"{len(rows)} pairs scored into {options['out']}")
