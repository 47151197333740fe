"""Plain records that cross the boundary between files and the database.

Parsers turn a file into `ParsedEntry` records (or refuse it with every problem named);
services compare them with what is stored and apply them. Nothing here touches Django.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date


class NameKind:
    NAME = "name"
    ALIAS = "alias"
    WEAK_ALIAS = "weak_alias"
    PREVIOUS_NAME = "previous_name"
    ABBREVIATION = "abbreviation"
    ALL = (NAME, ALIAS, WEAK_ALIAS, PREVIOUS_NAME, ABBREVIATION)


# Languages a name may be tagged with (ISO 639-1). Lists of the region use these; anything else
# is refused so that a typo ("ru " or "rus") is caught at import instead of silently kept.
LANGUAGES = frozenset(
    {"ru", "en", "kk", "ky", "tg", "hy", "be", "uz", "tk", "az", "ar", "fa", "ps", "ur", "fr",
     "de", "es", "tr", "zh", "uk", "ka"}
)  # fmt: skip

CATEGORIES = ("terrorist", "extremist")
STATUSES = ("listed", "delisted")


@dataclass(frozen=True)
class ParsedName:
    text: str  # exactly as written in the file (invisible characters included)
    kind: str = NameKind.NAME
    lang: str = ""
    flags: tuple[str, ...] = ()  # e.g. "mixed_script:Ислaм", "invisible:ZERO WIDTH SPACE"


@dataclass(frozen=True)
class ParsedEntry:
    entry_id: str
    names: tuple[ParsedName, ...]
    line: int = 0  # line (CSV), row (XLSX), record number (XML, FtM) it came from
    category: str = "terrorist"
    listed_on: date | None = None
    legal_basis: str = ""
    reasons: str = ""
    status: str = "listed"
    delisted_on: date | None = None
    source_url: str = ""
    notes: str = ""
    extra: dict[str, str] = field(default_factory=dict)  # e.g. UN reference number

    @property
    def primary_name(self) -> str:
        return self.names[0].text

    def content(self) -> dict[str, object]:
        """Everything that makes up the entry, without where in the file it came from."""
        data = asdict(self)
        data.pop("line")
        return data

    def content_hash(self) -> str:
        text = json.dumps(self.content(), sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class ImportProblem:
    file: str
    line: int  # 0: the file as a whole
    reason: str
    column: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        column = f" [{self.column}]" if self.column else ""
        return f"{where}{column}: {self.reason}"


class ImportRejected(ValueError):  # noqa: N818 - a refusal of input, not a program fault
    """The file was refused; `problems` names every row that made it so."""

    def __init__(self, problems: list[ImportProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems[:20]))


@dataclass(frozen=True)
class ParsedList:
    file: str
    format: str
    encoding: str
    entries: tuple[ParsedEntry, ...]
    warnings: tuple[ImportProblem, ...] = ()

    def content_hash(self) -> str:
        digest = hashlib.sha256()
        for entry in sorted(self.entries, key=lambda e: e.entry_id):
            digest.update(entry.content_hash().encode())
        return digest.hexdigest()
