"""Read an agency's CSV list of harmful information resources: bytes in, typed rows out.

`parse_csv` is pure (no database): it decodes the file, reads the header and checks every cell
it can check on its own, then either returns all rows or raises `RegistryImportRejected` naming
every problem as `file:row: column: what is wrong`. The services (`services_registry.import_csv`)
check the rest against the database and apply the rows in one transaction.

The file
--------
- Encoding: UTF-8, UTF-8 with a byte-order mark, or CP1251 (detected: a file that is not
  valid UTF-8 is read as CP1251 when that gives Cyrillic text, otherwise it is refused).
- Delimiter: `,` or `;` (decided by the header line).
- Row numbers count records as a spreadsheet shows them: the header is row 1.
- One row per action. Rows with the same value (after canonicalisation) describe one resource;
  the first row that names it gives its kind, category, identification date, evidence and
  description.

| column          | required | meaning                                                          |
|-----------------|----------|------------------------------------------------------------------|
| value           | yes      | the URL, host or account handle as reported                      |
| kind            | yes      | `url`, `host` or `account`                                       |
| category        | yes      | a category code (`terrorist_propaganda`, `recruitment`, …)       |
| identified_on   | yes      | date the resource was identified (YYYY-MM-DD or DD.MM.YYYY)      |
| state           | yes      | ISO alpha-2 code of the state taking the action (the importer's) |
| action          | yes      | `identified`, `blocked`, `suspended`, `criminal_case`, `unblocked` |
| date            | yes      | date of the action                                               |
| basis_kind      | blocked, unblocked | `authority`, `prosecutor`, `court`, `host_terms`, `other` |
| basis           | blocked, unblocked | the authority, decision or court ruling               |
| reasons         | no       | statement of reasons                                             |
| case_number     | for criminal_case | the criminal case number                                |
| outcome         | for unblocked | `appeal_upheld`, `review`, `remedied`                       |
| evidence_sha256 | no       | SHA-256 of the evidence file (64 hexadecimal digits)              |
| evidence_ref    | no       | reference of the evidence in the agency's archive                 |
| platform        | for accounts | the platform (`telegram`, `vk`, …, or `other`)               |
| description     | no       | what the resource is                                             |
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _

from concord.core.textfiles import csv_delimiter, decode_text

from .models_registry import Action, AppealOutcome, LegalBasisKind, ResourceKind

COLUMNS = (
    "value", "kind", "category", "identified_on", "state", "action", "date", "basis_kind",
    "basis", "reasons", "case_number", "outcome", "evidence_sha256", "evidence_ref", "platform",
    "description",
)  # fmt: skip
REQUIRED_COLUMNS = ("value", "kind", "category", "identified_on", "state", "action", "date")
MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
MAX_PROBLEMS = 1000
MAX_VALUE = 2048

_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_DOTTED_DATE = re.compile(r"(\d{2})\.(\d{2})\.(\d{4})")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_STATE = re.compile(r"[A-Z]{2}")


@dataclass(frozen=True)
class RowProblem:
    file: str
    row: int  # 0: the file as a whole
    reason: str
    column: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.row}" if self.row else self.file
        return (
            f"{where}: {self.column}: {self.reason}" if self.column else f"{where}: {self.reason}"
        )


class RegistryImportRejected(ValueError):  # noqa: N818 - a refusal of input, not a program fault
    """The file was refused; `problems` names every row that made it so. Nothing was applied."""

    def __init__(self, problems: list[RowProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems[:20]))


@dataclass(frozen=True)
class ImportRow:
    row: int
    value: str
    kind: str
    category: str
    identified_on: date
    state: str
    action: str
    date: date
    basis_kind: str = ""
    basis: str = ""
    reasons: str = ""
    case_number: str = ""
    outcome: str = ""
    evidence_sha256: str = ""
    evidence_ref: str = ""
    platform: str = ""
    description: str = ""


@dataclass(frozen=True)
class ParsedFile:
    filename: str
    encoding: str
    delimiter: str
    sha256: str
    rows: tuple[ImportRow, ...]


@dataclass
class _Problems:
    file: str
    items: list[RowProblem] = field(default_factory=list)

    def add(self, row: int, reason: str, column: str = "") -> None:
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(RowProblem(self.file, row, reason, column))


def is_sha256(text: str) -> bool:
    return _SHA256.fullmatch(text.strip().lower()) is not None


def parse_date(text: str) -> date | None:
    """YYYY-MM-DD or DD.MM.YYYY; None when it is neither or not a real date."""
    text = text.strip()
    try:
        if match := _ISO_DATE.fullmatch(text):
            return date(int(match[1]), int(match[2]), int(match[3]))
        if match := _DOTTED_DATE.fullmatch(text):
            return date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:
        return None
    return None


def parse_csv(data: bytes, *, filename: str, max_bytes: int = MAX_BYTES) -> ParsedFile:
    """Every row of the file, or `RegistryImportRejected` naming every problem found."""
    problems = _Problems(filename)
    if len(data) > max_bytes:
        problems.add(0, _("the file is larger than %(n)s MB") % {"n": max_bytes // (1024 * 1024)})
        raise RegistryImportRejected(problems.items)
    text, encoding = decode_text(data)
    if text is None:
        problems.add(0, _("cannot detect the encoding: use UTF-8 or CP1251"))
        raise RegistryImportRejected(problems.items)
    delimiter = csv_delimiter(text)
    rows = _rows(text, delimiter, problems)
    if not problems.items and not rows:
        problems.add(0, _("the file has no rows"))
    if problems.items:
        raise RegistryImportRejected(problems.items)
    digest = hashlib.sha256(data).hexdigest()
    return ParsedFile(filename, encoding, delimiter, digest, tuple(rows))


def _rows(text: str, delimiter: str, problems: _Problems) -> list[ImportRow]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    columns: list[str] | None = None
    rows: list[ImportRow] = []
    number = 0
    try:
        for cells in reader:
            number += 1
            if not any(cell.strip() for cell in cells):
                continue
            if columns is None:
                columns = _header(cells, number, problems)
                if columns is None:
                    return []
                continue
            if len(rows) >= MAX_ROWS:
                problems.add(number, _("more than %(n)s rows in one file") % {"n": MAX_ROWS})
                return rows
            row = _row(columns, cells, number, problems)
            if row is not None:
                rows.append(row)
    except csv.Error as error:
        problems.add(number + 1, _("cannot read the CSV: %(error)s") % {"error": error})
    return rows


def _header(cells: list[str], number: int, problems: _Problems) -> list[str] | None:
    columns = [cell.strip().lower() for cell in cells]
    named = [column for column in columns if column]
    missing = [column for column in REQUIRED_COLUMNS if column not in named]
    unknown = [column for column in named if column not in COLUMNS]
    twice = sorted({column for column in named if named.count(column) > 1})
    if missing:
        problems.add(number, _("missing required columns: %(c)s") % {"c": ", ".join(missing)})
    if unknown:
        problems.add(number, _("unknown columns: %(c)s") % {"c": ", ".join(unknown)})
    if twice:
        problems.add(number, _("columns appear more than once: %(c)s") % {"c": ", ".join(twice)})
    return None if missing or unknown or twice else columns


def _row(
    columns: list[str], cells: list[str], number: int, problems: _Problems
) -> ImportRow | None:
    if len(cells) > len(columns) and any(cell.strip() for cell in cells[len(columns) :]):
        problems.add(
            number,
            _("%(n)s cells, the header has %(m)s columns") % {"n": len(cells), "m": len(columns)},
        )
        return None
    values = {
        column: (cells[i].strip() if i < len(cells) else "") for i, column in enumerate(columns)
    }
    before = len(problems.items)
    for column in REQUIRED_COLUMNS:
        if not values.get(column):
            problems.add(number, _("required, but empty"), column)
    checks = (
        ("kind", ResourceKind.values),
        ("action", Action.values),
        ("basis_kind", LegalBasisKind.values),
        ("outcome", AppealOutcome.values),
    )
    for column, allowed in checks:
        value = values.get(column, "").lower()
        values[column] = value
        if value and value not in allowed:
            problems.add(
                number,
                _("'%(value)s' is not one of %(allowed)s")
                % {"value": value, "allowed": ", ".join(allowed)},
                column,
            )
    dates = {
        column: _date(values, column, number, problems) for column in ("identified_on", "date")
    }
    _check_fields(values, number, problems)
    if dates["identified_on"] and dates["date"] and dates["date"] < dates["identified_on"]:
        problems.add(
            number,
            _("%(day)s is before identified_on (%(identified)s)")
            % {"day": dates["date"], "identified": dates["identified_on"]},
            "date",
        )
    if len(problems.items) > before:
        return None
    return ImportRow(
        row=number,
        value=values["value"],
        kind=values["kind"],
        category=values["category"].lower(),
        identified_on=dates["identified_on"] or date.min,
        state=values["state"].upper(),
        action=values["action"],
        date=dates["date"] or date.min,
        **{
            column: values.get(column, "")
            for column in COLUMNS
            if column
            not in {"value", "kind", "category", "identified_on", "state", "action", "date"}
        },
    )


def _date(values: dict[str, str], column: str, number: int, problems: _Problems) -> date | None:
    text = values.get(column, "")
    if not text:
        return None
    parsed = parse_date(text)
    if parsed is None:
        problems.add(
            number,
            _("'%(value)s' is not a date: use YYYY-MM-DD or DD.MM.YYYY") % {"value": text},
            column,
        )
    return parsed


def _check_fields(values: dict[str, str], number: int, problems: _Problems) -> None:
    """What a row must hold given its action: checks that need no database."""
    action = values.get("action", "")
    if len(values.get("value", "")) > MAX_VALUE:
        problems.add(number, _("longer than %(n)s characters") % {"n": MAX_VALUE}, "value")
    state = values.get("state", "").upper()
    if state and not _STATE.fullmatch(state):
        problems.add(
            number, _("'%(value)s' is not a state code (e.g. KZ)") % {"value": state}, "state"
        )
    sha = values.get("evidence_sha256", "").lower()
    values["evidence_sha256"] = sha
    if sha and not _SHA256.fullmatch(sha):
        problems.add(number, _("not a SHA-256 (64 hexadecimal digits)"), "evidence_sha256")
    if action in (Action.BLOCKED, Action.UNBLOCKED):
        for column in ("basis_kind", "basis"):
            if not values.get(column):
                problems.add(number, _("required when the action is %(a)s") % {"a": action}, column)
    if action == Action.CRIMINAL_CASE and not values.get("case_number"):
        problems.add(number, _("required when the action is %(a)s") % {"a": action}, "case_number")
    if action == Action.UNBLOCKED and not values.get("outcome"):
        problems.add(number, _("required when the action is %(a)s") % {"a": action}, "outcome")
    if values.get("kind") == ResourceKind.ACCOUNT and not values.get("platform"):
        problems.add(number, _("required for an account"), "platform")
