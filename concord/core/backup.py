"""Backups of the whole database in one file, and restoring them: `concord backup` / `restore`.

The file is an uncompressed tar archive holding exactly two regular files, in this order:

* `concord-backup.json`: `BackupMetadata` (format name and version, vendor, when, Django
  version, the leaf migrations applied in the copy, the audit head in the copy, and the SHA-256
  and size of the database member);
* the database: `database.sqlite3` (a copy made with SQLite's online-backup API, journal mode
  DELETE so it is one self-contained file) or `database.pgdump` (`pg_dump -Fc`).

The audit head and the migrations in the metadata are read from the copy itself, never from the
live database, so they describe exactly what the file holds while the server keeps writing
(SQLite's backup step and pg_dump each read one consistent snapshot). `backup.create` is
recorded in the live chain *after* the copy: the file does not hold its own creation event, and
the event names the file's checksum and head.

Restoring validates everything first: the archive's shape, the metadata, the vendor, the
checksum, the database itself (`PRAGMA integrity_check`, or `pg_restore --list`) and the audit
chain inside it (`audit.verify_rows` up to the metadata's head). Only then is the live database
replaced: on SQLite by the backup API into the live file (one write transaction, so readers see
the old or the new database, nothing between), on PostgreSQL by `pg_restore --clean
--single-transaction` (a failure rolls back). Then the live chain is checked against the
metadata's head and `backup.restore` is appended to it.

The database member is streamed out of the archive into a private temporary directory (under
TMPDIR); the archive is never extracted. A backup whose database has migrations this code does
not know is refused; one with fewer is restored, and `concord migrate` brings it up to date.
On PostgreSQL, `--clean` drops and recreates the objects in the dump; tables that only newer
migrations created are left as they are.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import django
from django.db import connection, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from . import audit
from .models import AuditEvent, User

FORMAT_NAME = "concord-backup"
FORMAT_VERSION = 1
METADATA_MEMBER = "concord-backup.json"
DATABASE_MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
_METADATA_MAX_BYTES = 1 << 20
_CHUNK = 1 << 20
_HEX64 = re.compile(r"[0-9a-f]{64}")


class BackupError(RuntimeError):
    """A backup or restore could not be done; nothing was restored."""


class BackupRefusedError(BackupError):
    """A file is not a sound Concord backup for this database; the live database is untouched."""


class _ContentError(ValueError):
    """What is wrong with a file or a copy; the public functions say which file it concerns."""


@dataclass(frozen=True)
class BackupMetadata:
    """`concord-backup.json`: what the database member holds and how to check it."""

    format: str
    format_version: int
    vendor: str
    created_at: str
    django_version: str
    migrations: dict[str, list[str]]
    audit_head_seq: int
    audit_head_hash: str
    database_member: str
    database_sha256: str
    database_size: int

    @property
    def head(self) -> tuple[int, str]:
        return self.audit_head_seq, self.audit_head_hash

    @property
    def head_text(self) -> str:
        return f"{self.audit_head_seq}:{self.audit_head_hash}"

    def to_json(self) -> bytes:
        return (json.dumps(dataclasses.asdict(self), indent=2, sort_keys=True) + "\n").encode()

    @classmethod
    def from_json(cls, data: bytes) -> BackupMetadata:
        """Parse and type-check the metadata; raises ValueError naming the first problem."""
        try:
            raw = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise _ContentError(f"{METADATA_MEMBER} is not valid JSON") from None
        if not isinstance(raw, dict):
            raise _ContentError(f"{METADATA_MEMBER} is not a JSON object")
        if raw.get("format") != FORMAT_NAME:
            raise _ContentError(
                f"{METADATA_MEMBER} names format {raw.get('format')!r}, not {FORMAT_NAME!r}"
            )
        if raw.get("format_version") != FORMAT_VERSION:
            raise _ContentError(
                f"format version {raw.get('format_version')!r} is not supported "
                f"(this Concord reads version {FORMAT_VERSION})"
            )
        for field in dataclasses.fields(cls):
            _check_field(field.name, raw.get(field.name))
        return cls(**{field.name: raw[field.name] for field in dataclasses.fields(cls)})


_FIELD_TYPES: dict[str, type] = {
    "format": str,
    "format_version": int,
    "vendor": str,
    "created_at": str,
    "django_version": str,
    "migrations": dict,
    "audit_head_seq": int,
    "audit_head_hash": str,
    "database_member": str,
    "database_sha256": str,
    "database_size": int,
}


def _check_field(name: str, value: object) -> None:
    expected = _FIELD_TYPES[name]
    if not isinstance(value, expected) or isinstance(value, bool):
        raise _ContentError(f"{METADATA_MEMBER}: {name} is missing or not a {expected.__name__}")
    if name in {"audit_head_hash", "database_sha256"} and not _HEX64.fullmatch(str(value)):
        raise _ContentError(f"{METADATA_MEMBER}: {name} is not 64 lowercase hex digits")
    if isinstance(value, int) and value < 0:
        raise _ContentError(f"{METADATA_MEMBER}: {name} is negative")
    if isinstance(value, dict) and not all(
        isinstance(app, str) and isinstance(names, list) and all(isinstance(n, str) for n in names)
        for app, names in value.items()
    ):
        raise _ContentError(f"{METADATA_MEMBER}: {name} must map app labels to lists of names")


@dataclass(frozen=True)
class CreatedBackup:
    path: Path
    size: int
    metadata: BackupMetadata


@dataclass(frozen=True)
class Candidate:
    """A backup file that passed every check, and its database member unpacked beside it."""

    path: Path
    metadata: BackupMetadata
    database: Path


@dataclass(frozen=True)
class _CopyContents:
    """What a database copy holds, read from the copy itself."""

    head: tuple[int, str]
    applied: frozenset[tuple[str, str]]

    @property
    def migrations(self) -> dict[str, list[str]]:
        return _leaf_migrations(self.applied)


# --- the two vendors -------------------------------------------------------------------------


class _Engine(Protocol):
    vendor: str

    def dump(self, dest: Path) -> None: ...

    def check(self, database: Path, workdir: Path) -> None: ...

    def verify_chain(
        self, database: Path, workdir: Path, checkpoint: tuple[int, str] | None
    ) -> audit.ChainReport: ...

    def applied_migrations(self, database: Path, workdir: Path) -> list[tuple[str, str]]: ...

    def load(self, database: Path) -> None: ...


def sqlite_copy(*, source: sqlite3.Connection, dest: Path) -> None:
    """Copy a live (WAL) database to a new single file with the online-backup API.

    One step (`pages=-1`) copies under one read transaction: a consistent snapshot of what was
    committed, while other connections go on reading and writing.
    """
    target = sqlite3.connect(dest)
    try:
        source.backup(target)
        mode = target.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
        if str(mode).lower() != "delete":
            raise BackupError(f"could not take {dest} out of WAL mode (journal mode {mode})")
    finally:
        target.close()


def _open_readonly(database: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)


class _Sqlite:
    vendor = "sqlite"

    def dump(self, dest: Path) -> None:
        connection.ensure_connection()
        sqlite_copy(source=connection.connection, dest=dest)

    def check(self, database: Path, workdir: Path) -> None:
        try:
            with contextlib.closing(_open_readonly(database)) as db:
                result = [row[0] for row in db.execute("PRAGMA integrity_check")]
        except sqlite3.DatabaseError as exc:
            raise _ContentError(f"the database fails the SQLite integrity check ({exc})") from None
        if result != ["ok"]:
            raise _ContentError(f"the database fails the SQLite integrity check: {result[0]}")

    def verify_chain(
        self, database: Path, workdir: Path, checkpoint: tuple[int, str] | None
    ) -> audit.ChainReport:
        query = f"SELECT {', '.join(audit.AUDIT_FIELDS)} FROM {AuditEvent._meta.db_table}"  # noqa: S608
        with contextlib.closing(_open_readonly(database)) as db:
            db.row_factory = sqlite3.Row
            try:
                rows = db.execute(query + " ORDER BY seq")
                return audit.verify_rows((dict(row) for row in rows), checkpoint=checkpoint)
            except sqlite3.DatabaseError as exc:
                raise _ContentError(f"the audit table cannot be read ({exc})") from None

    def applied_migrations(self, database: Path, workdir: Path) -> list[tuple[str, str]]:
        table = MigrationRecorder.Migration._meta.db_table
        with contextlib.closing(_open_readonly(database)) as db:
            try:
                return list(db.execute(f"SELECT app, name FROM {table}"))  # noqa: S608
            except sqlite3.DatabaseError as exc:
                raise _ContentError(f"the migrations table cannot be read ({exc})") from None

    def load(self, database: Path) -> None:
        """Copy the checked file over the live database in one write transaction."""
        with contextlib.closing(_open_readonly(database)) as source:
            connection.ensure_connection()
            try:
                source.backup(connection.connection)
            except sqlite3.Error as exc:
                raise BackupError(f"restore failed, the live database is unchanged: {exc}") from exc


def _pg_binary(name: str) -> str:
    """`name` on PATH, else the newest /usr/lib/postgresql/*/bin/`name`."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda path: int(path.parent.parent.name) if path.parent.parent.name.isdigit() else 0,
    )
    if not candidates:
        raise BackupError(f"{name} not found: install the PostgreSQL client programs")
    return str(candidates[-1])


def pg_environment(*, settings_dict: Mapping[str, Any]) -> dict[str, str]:
    """libpq environment for the database: the password travels here, never on a command line."""
    env = dict(os.environ)
    for key, variable in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("NAME", "PGDATABASE"),
    ):
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    options = settings_dict.get("OPTIONS") or {}
    for option in ("sslmode", "sslrootcert", "sslcert", "sslkey", "service", "passfile"):
        if options.get(option):
            env[f"PG{option.upper()}"] = str(options[option])
    env["PGTZ"] = "UTC"
    env["PGAPPNAME"] = "concord-backup"
    return env


def _pg_run(arguments: list[str]) -> None:
    """Run a PostgreSQL client program; raises CalledProcessError with its stderr."""
    subprocess.run(  # noqa: S603 - absolute program path, arguments built here, no shell
        arguments,
        env=pg_environment(settings_dict=connection.settings_dict),
        capture_output=True,
        text=True,
        check=True,
    )


def _tail(exc: subprocess.CalledProcessError) -> str:
    lines = [line for line in str(exc.stderr or "").splitlines() if line.strip()]
    return "; ".join(lines[-3:]) or f"exit status {exc.returncode}"


_COPY_HEADER = re.compile(r"COPY (?P<table>\S+) \((?P<columns>[^)]*)\) FROM stdin;")
_COPY_ESCAPE = re.compile(r"\\(?:([0-7]{1,3})|x([0-9A-Fa-f]{1,2})|(.))")
_COPY_LETTERS = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}


def _copy_unescape(match: re.Match[str]) -> str:
    octal, hexadecimal, char = match.groups()
    if octal:
        return chr(int(octal, 8))
    if hexadecimal:
        return chr(int(hexadecimal, 16))
    return _COPY_LETTERS.get(char, char)


def _copy_field(text: str) -> str | None:
    """One field of PostgreSQL's COPY text format: `\\N` is NULL, backslash escapes decoded."""
    if text == "\\N":
        return None
    return _COPY_ESCAPE.sub(_copy_unescape, text)


def copy_rows(*, lines: Iterable[str]) -> Iterator[dict[str, str | None]]:
    """The rows of the first COPY block in SQL written by pg_restore, as column → text."""
    stream = iter(lines)
    for line in stream:
        header = _COPY_HEADER.fullmatch(line)
        if header:
            columns = [name.strip().strip('"') for name in header["columns"].split(",")]
            break
    else:
        raise _ContentError("the table is not in the dump")
    for line in stream:
        if line == "\\.":
            return
        fields = line.split("\t")
        if len(fields) != len(columns):
            raise _ContentError(f"a row of {header['table']} in the dump is malformed")
        yield dict(zip(columns, map(_copy_field, fields), strict=True))
    raise _ContentError(f"the data of {header['table']} in the dump is cut off")


def _audit_row(row: Mapping[str, str | None]) -> dict[str, Any]:
    actor_id = row["actor_id"]
    return {
        **row,
        "seq": int(str(row["seq"])),
        "actor_id": None if actor_id is None else int(actor_id),
    }


class _Postgres:
    vendor = "postgresql"

    def dump(self, dest: Path) -> None:
        try:
            _pg_run([_pg_binary("pg_dump"), "--format=custom", "--no-password", f"--file={dest}"])
        except subprocess.CalledProcessError as exc:
            raise BackupError(f"pg_dump failed: {_tail(exc)}") from exc

    def check(self, database: Path, workdir: Path) -> None:
        try:
            _pg_run([_pg_binary("pg_restore"), "--list", str(database)])
        except subprocess.CalledProcessError as exc:
            raise _ContentError(f"the database is not a pg_dump archive ({_tail(exc)})") from None

    def _table_lines(self, database: Path, workdir: Path, table: str) -> Iterator[str]:
        sql = workdir / f"{table}.sql"
        try:
            _pg_run(
                [
                    _pg_binary("pg_restore"),
                    "--data-only",
                    f"--table={table}",
                    f"--file={sql}",
                    str(database),
                ]
            )
        except subprocess.CalledProcessError as exc:
            raise _ContentError(f"{table} cannot be read from the dump ({_tail(exc)})") from None
        with sql.open(encoding="utf-8", newline="\n") as text:
            for line in text:
                yield line.removesuffix("\n")

    def verify_chain(
        self, database: Path, workdir: Path, checkpoint: tuple[int, str] | None
    ) -> audit.ChainReport:
        lines = self._table_lines(database, workdir, AuditEvent._meta.db_table)
        rows = (_audit_row(row) for row in copy_rows(lines=lines))
        return audit.verify_rows(rows, checkpoint=checkpoint)

    def applied_migrations(self, database: Path, workdir: Path) -> list[tuple[str, str]]:
        lines = self._table_lines(database, workdir, MigrationRecorder.Migration._meta.db_table)
        return [(str(row["app"]), str(row["name"])) for row in copy_rows(lines=lines)]

    def load(self, database: Path) -> None:
        """Replace the live database's objects in one transaction; a failure rolls back."""
        try:
            _pg_run(
                [
                    _pg_binary("pg_restore"),
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--single-transaction",
                    "--no-password",
                    f"--dbname={connection.settings_dict['NAME']}",
                    str(database),
                ]
            )
        except subprocess.CalledProcessError as exc:
            raise BackupError(
                f"pg_restore failed and rolled back, the live database is unchanged: {_tail(exc)}"
            ) from exc


def _engine() -> _Engine:
    engines: dict[str, _Engine] = {"sqlite": _Sqlite(), "postgresql": _Postgres()}
    if connection.vendor not in engines:
        raise BackupError(f"backups support SQLite and PostgreSQL, not {connection.vendor}")
    return engines[connection.vendor]


# --- what a copy holds -------------------------------------------------------------------------


def _leaf_migrations(applied: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """Per app, the applied migrations that no other applied migration of the app builds on."""
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    done = set(applied)
    leaves: dict[str, list[str]] = {}
    for app, name in sorted(done):
        node = graph.node_map.get((app, name))
        children = {child.key for child in node.children} if node is not None else set()
        if not any(child in done and child[0] == app for child in children):
            leaves.setdefault(app, []).append(name)
    return leaves


def _read_copy(
    engine: _Engine, database: Path, workdir: Path, checkpoint: tuple[int, str] | None
) -> _CopyContents:
    engine.check(database, workdir)
    try:
        report = engine.verify_chain(database, workdir, checkpoint)
    except _ContentError:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise _ContentError(f"the audit table is malformed ({exc})") from None
    if not report.ok:
        raise _ContentError(
            f"the audit chain in it is broken at event {report.broken_seq}: {report.problem}"
        )
    applied = frozenset(engine.applied_migrations(database, workdir))
    return _CopyContents(head=(report.head_seq, report.head_hash), applied=applied)


def _digest(path: Path) -> tuple[str, int]:
    sha, size = hashlib.sha256(), 0
    with path.open("rb") as data:
        while chunk := data.read(_CHUNK):
            sha.update(chunk)
            size += len(chunk)
    return sha.hexdigest(), size


def _require_autocommit(what: str) -> None:
    if connection.in_atomic_block:
        raise BackupError(f"{what} cannot run inside a transaction")


# --- writing a backup --------------------------------------------------------------------------


def _tar_info(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o600, int(timezone.now().timestamp())
    return info


def _write_container(*, out: Path, metadata: BackupMetadata, database: Path) -> None:
    """Write the tar (owner-only permissions) beside `out`, then move it into place."""
    partial = out.with_name(f".{out.name}.partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
                document = metadata.to_json()
                tar.addfile(_tar_info(METADATA_MEMBER, len(document)), io.BytesIO(document))
                with database.open("rb") as data:
                    size = database.stat().st_size
                    tar.addfile(_tar_info(metadata.database_member, size), data)
            raw.flush()
            os.fsync(raw.fileno())
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)


def create(*, out: Path, actor: User | None = None) -> CreatedBackup:
    """Back up the live database to `out` (which must not exist) and record `backup.create`."""
    _require_autocommit("a backup")
    if out.exists():
        raise BackupError(f"{out} already exists")
    engine = _engine()
    try:
        metadata = _write_backup(engine, out)
    except OSError as exc:
        raise BackupError(f"no backup written to {out}: {exc}") from exc
    _record(actor=actor, action="backup.create", path=out, metadata=metadata)
    return CreatedBackup(path=out, size=out.stat().st_size, metadata=metadata)


def _write_backup(engine: _Engine, out: Path) -> BackupMetadata:
    with tempfile.TemporaryDirectory(prefix=".concord-backup-", dir=out.parent) as tmp:
        workdir = Path(tmp)
        database = workdir / DATABASE_MEMBERS[engine.vendor]
        engine.dump(database)
        try:
            contents = _read_copy(engine, database, workdir, checkpoint=None)
        except _ContentError as exc:
            raise BackupError(
                f"no backup written: in the copy of the live database, {exc}"
            ) from exc
        sha256, size = _digest(database)
        metadata = BackupMetadata(
            format=FORMAT_NAME,
            format_version=FORMAT_VERSION,
            vendor=engine.vendor,
            created_at=timezone.now().isoformat(),
            django_version=django.get_version(),
            migrations=contents.migrations,
            audit_head_seq=contents.head[0],
            audit_head_hash=contents.head[1],
            database_member=database.name,
            database_sha256=sha256,
            database_size=size,
        )
        _write_container(out=out, metadata=metadata, database=database)
    return metadata


def _record(*, actor: User | None, action: str, path: Path, metadata: BackupMetadata) -> None:
    with transaction.atomic():
        audit.record(
            actor=actor,
            action=action,
            object_type="backup",
            object_id=metadata.database_sha256,
            summary={
                "file": path.name,
                "created_at": metadata.created_at,
                "head": metadata.head_text,
                "vendor": metadata.vendor,
                "database_sha256": metadata.database_sha256,
            },
        )


# --- reading a backup --------------------------------------------------------------------------


def _members(tar: tarfile.TarFile) -> dict[str, tarfile.TarInfo]:
    """The archive's members by name, if it holds only the files a backup may hold."""
    try:
        infos = tar.getmembers()
    except tarfile.TarError as exc:
        raise _ContentError(f"the tar archive is damaged ({exc})") from None
    names = [info.name for info in infos]
    if METADATA_MEMBER not in names:
        raise _ContentError(f"it has no {METADATA_MEMBER}, so it is not a Concord backup")
    allowed = {METADATA_MEMBER, *DATABASE_MEMBERS.values()}
    for info in infos:
        if info.name not in allowed:
            raise _ContentError(f"it holds an unexpected member {info.name!r}")
        if not info.isreg():
            raise _ContentError(f"member {info.name!r} is not a regular file")
        if names.count(info.name) > 1:
            raise _ContentError(f"member {info.name!r} appears more than once")
    return {info.name: info for info in infos}


def _read_metadata(tar: tarfile.TarFile, info: tarfile.TarInfo) -> BackupMetadata:
    if info.size > _METADATA_MAX_BYTES:
        raise _ContentError(f"{METADATA_MEMBER} is too large ({info.size} bytes)")
    data = tar.extractfile(info)
    if data is None:
        raise _ContentError(f"{METADATA_MEMBER} cannot be read")
    with data:
        return BackupMetadata.from_json(data.read())


def _check_compatible(metadata: BackupMetadata, vendor: str) -> None:
    if metadata.vendor != vendor:
        raise _ContentError(f"it was made on {metadata.vendor}; this database is {vendor}")
    if metadata.database_member != DATABASE_MEMBERS[vendor]:
        raise _ContentError(f"its metadata names the database member {metadata.database_member!r}")
    _check_migrations_known(
        (app, name) for app, names in metadata.migrations.items() for name in names
    )


def _check_migrations_known(migrations: Iterable[tuple[str, str]]) -> None:
    """Refuse a database that has migrations this code does not have (made by a newer Concord)."""
    known = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    unknown = sorted(f"{app}.{name}" for app, name in migrations if (app, name) not in known)
    if unknown:
        raise _ContentError(
            f"it was made by a newer Concord (unknown migrations: {', '.join(unknown)})"
        )


def _unpack_database(tar: tarfile.TarFile, info: tarfile.TarInfo, dest: Path) -> tuple[str, int]:
    """Stream one member to `dest`, a path chosen here; returns its SHA-256 and size."""
    data = tar.extractfile(info)
    if data is None:
        raise _ContentError(f"member {info.name!r} cannot be read")
    sha, size = hashlib.sha256(), 0
    with data, dest.open("xb") as out:
        while chunk := data.read(_CHUNK):
            sha.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return sha.hexdigest(), size


def _unpack(path: Path, workdir: Path, vendor: str) -> tuple[BackupMetadata, Path]:
    try:
        tar = tarfile.open(path, mode="r:")  # noqa: SIM115 - closed by the with below
    except tarfile.TarError:
        raise _ContentError("it is not a tar archive, so it is not a Concord backup") from None
    except OSError as exc:
        raise _ContentError(f"it cannot be read ({exc.strerror})") from None
    with tar:
        members = _members(tar)
        metadata = _read_metadata(tar, members[METADATA_MEMBER])
        _check_compatible(metadata, vendor)
        if metadata.database_member not in members:
            raise _ContentError(f"it has no database member {metadata.database_member!r}")
        database = workdir / metadata.database_member
        try:
            sha256, size = _unpack_database(tar, members[metadata.database_member], database)
        except tarfile.TarError as exc:
            raise _ContentError(f"the tar archive is damaged ({exc})") from None
    if (sha256, size) != (metadata.database_sha256, metadata.database_size):
        raise _ContentError(
            f"checksum mismatch: the database member has SHA-256 {sha256} ({size} bytes), "
            f"the metadata says {metadata.database_sha256} ({metadata.database_size} bytes)"
        )
    return metadata, database


def _validate(path: Path, workdir: Path, engine: _Engine) -> Candidate:
    metadata, database = _unpack(path, workdir, engine.vendor)
    checkpoint = metadata.head if metadata.audit_head_seq else None
    contents = _read_copy(engine, database, workdir, checkpoint)
    if contents.head != metadata.head:
        seq, head_hash = contents.head
        raise _ContentError(
            f"its audit chain ends at {seq}:{head_hash}, the metadata says {metadata.head_text}"
        )
    _check_migrations_known(contents.applied)
    return Candidate(path=path, metadata=metadata, database=database)


@contextlib.contextmanager
def open_backup(*, path: Path) -> Iterator[Candidate]:
    """Check a backup file completely; yields it ready to restore, or raises BackupRefusedError."""
    engine = _engine()
    with tempfile.TemporaryDirectory(prefix="concord-restore-") as tmp:
        try:
            candidate = _validate(path, Path(tmp), engine)
        except _ContentError as exc:
            raise BackupRefusedError(f"refused {path}: {exc}") from None
        yield candidate


# --- restoring ---------------------------------------------------------------------------------


def restore(*, candidate: Candidate, actor: User | None = None) -> None:
    """Replace the live database with a checked backup, then record `backup.restore`."""
    _require_autocommit("a restore")
    engine = _engine()
    if candidate.metadata.vendor != engine.vendor:
        raise BackupError(f"{candidate.path} was made on {candidate.metadata.vendor}")
    connections.close_all()
    try:
        engine.load(candidate.database)
    finally:
        connections.close_all()
    metadata = candidate.metadata
    report = audit.verify(checkpoint=metadata.head if metadata.audit_head_seq else None)
    if not report.ok or (report.head_seq, report.head_hash) != metadata.head:
        raise BackupError(
            f"restored {candidate.path}, but the live audit chain does not end at "
            f"{metadata.head_text}: {report.problem or f'it ends at {report.head_seq}'}"
        )
    _record(actor=actor, action="backup.restore", path=candidate.path, metadata=metadata)


def restore_file(*, path: Path, actor: User | None = None) -> BackupMetadata:
    """Check and restore `path` in one go; returns its metadata."""
    with open_backup(path=path) as candidate:
        restore(candidate=candidate, actor=actor)
        return candidate.metadata


def pending_migrations() -> int:
    """How many migrations the live database lacks (after restoring an older backup)."""
    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))
