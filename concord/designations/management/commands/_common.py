"""What the designations commands share: resolving `--as USER`, and reading names to screen."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

from django.core.management.base import CommandError

from concord.core.models import User


def acting_user(username: str | None) -> User | None:
    """`--as USER` applies that user's permissions; without it the command acts as the system
    operator (audited with no actor), as `concord demo` does."""
    if not username:
        return None
    try:
        return User.objects.get(username=username, is_active=True)
    except User.DoesNotExist:
        raise CommandError(f"no active user {username!r}", returncode=2) from None


def read_names(path: Path) -> Iterator[str]:
    """Names from a CSV (column `name`, else the first column), XLSX (same) or text file (one
    per line), streamed so files of any size fit in memory."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(path, read_only=True).worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        first = [str(c or "").strip() for c in next(rows, ())]
        header = [c.lower() for c in first]
        column = header.index("name") if "name" in header else 0
        if "name" not in header and first and first[0]:
            yield first[0]  # no header: the first row is a name
        for row in rows:
            if row and column < len(row) and row[column] not in (None, ""):
                yield str(row[column])
        return
    with path.open("rb") as raw:
        head = raw.read(3)
    encoding = "utf-8-sig" if head == b"\xef\xbb\xbf" else "utf-8"
    with path.open(encoding=encoding, newline="") as handle:
        if suffix == ".csv":
            reader = csv.reader(handle)
            header = next(reader, [])
            lowered = [h.strip().lower() for h in header]
            column = lowered.index("name") if "name" in lowered else 0
            if "name" not in lowered and header:
                yield header[0]
            for row in reader:
                if column < len(row) and row[column].strip():
                    yield row[column].strip()
        else:
            for line in handle:
                if line.strip():
                    yield line.strip()


def csv_text(rows: list[dict[str, object]], columns: tuple[str, ...]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
