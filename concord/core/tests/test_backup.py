"""`concord backup` / `concord restore` and `concord.core.backup`.

How these tests reach a live database. The module runs SQLite's online-backup API on Django's
own connection (`connection.connection`): it copies the live database from it and copies a
checked backup back into it. So the test settings' in-memory database serves as the live
database as it is, with no DATABASES override and no second connection that would have to
share the in-memory file. Tests that touch the database use the `committed_db` fixture
(`transaction=True`): a backup holds what is committed, pg_dump is another process that sees
only committed rows, and the module refuses to back up or restore inside a transaction. The
online property itself (a consistent copy of a WAL file while another connection writes) is
tested apart, on a temporary file with plain sqlite3 connections.

Vendors: CI runs the suite on SQLite and on PostgreSQL. Tests that name no vendor run on both;
`on_sqlite` / `on_postgres` tests run only on theirs. (On PostgreSQL the flush that ends a
transactional test may TRUNCATE the append-only audit table: the test settings allow that.)
"""

from __future__ import annotations

import hashlib
import io
import json
import random
import re
import sqlite3
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from concord.core import audit, backup, services
from concord.core.backup import DATABASE_MEMBERS, METADATA_MEMBER
from concord.core.management.commands.restore import Command as RestoreCommand
from concord.core.models import AuditEvent, Notice, User
from concord.core.tests.factories import UserFactory

VENDOR = connection.vendor
OTHER_VENDOR = "postgresql" if VENDOR == "sqlite" else "sqlite"
on_sqlite = pytest.mark.skipif(VENDOR != "sqlite", reason="SQLite only")
on_postgres = pytest.mark.skipif(VENDOR != "postgresql", reason="PostgreSQL only")


@pytest.fixture
def committed_db(transactional_db):
    """Committed data (`transaction=True`): what a backup and pg_dump can see."""


@pytest.fixture
def seeded(committed_db, kz_analyst) -> User:
    """Two notices, so two audit events, written through the services like the app does."""
    services.notice_create(acting_user=kz_analyst, title="before one")
    services.notice_create(acting_user=kz_analyst, title="before two")
    return kz_analyst


@pytest.fixture
def good_backup(seeded, tmp_path) -> backup.CreatedBackup:
    """A sound backup, then one more change, so a wrong restore would show in `live_state()`."""
    made = backup.create(out=tmp_path / "good.tar")
    services.notice_create(acting_user=seeded, title="after")
    return made


def live_state() -> dict[str, Any]:
    return {
        "users": User.objects.count(),
        "notices": sorted(Notice.objects.values_list("title", flat=True)),
        "events": AuditEvent.objects.count(),
        "head": audit.head(),
    }


def write_tar(dest: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(dest, "w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return dest


def read_backup(path: Path) -> tuple[dict[str, Any], bytes]:
    """The metadata and database bytes of a backup file."""
    with tarfile.open(path) as tar:
        metadata = json.loads(tar.extractfile(METADATA_MEMBER).read())
        database = tar.extractfile(metadata["database_member"]).read()
    return metadata, database


def repack(source: Path, dest: Path, *, database: bytes | None = None, **changes: Any) -> Path:
    """A copy of a backup with other database bytes and/or metadata fields."""
    metadata, original = read_backup(source)
    metadata.update(changes)
    data = original if database is None else database
    return write_tar(
        dest, {METADATA_MEMBER: json.dumps(metadata).encode(), metadata["database_member"]: data}
    )


def with_checksum(database: bytes) -> dict[str, Any]:
    return {
        "database": database,
        "database_sha256": hashlib.sha256(database).hexdigest(),
        "database_size": len(database),
    }


def edit_sqlite_member(source: Path, dest: Path, sql: str) -> Path:
    """A backup whose SQLite database was changed by `sql`, with a checksum that matches."""
    _, database = read_backup(source)
    scratch = dest.with_suffix(".sqlite3")
    scratch.write_bytes(database)
    with sqlite3.connect(scratch) as db:
        db.execute(sql)
    db.close()
    return repack(source, dest, **with_checksum(scratch.read_bytes()))


# --- making a backup ---------------------------------------------------------------------------


def test_backup_file_holds_metadata_and_database_from_the_copy(seeded, tmp_path):
    head_before = audit.head()

    made = backup.create(out=tmp_path / "b.tar")

    with tarfile.open(made.path) as tar:
        assert tar.getnames() == [METADATA_MEMBER, DATABASE_MEMBERS[VENDOR]]
    metadata, database = read_backup(made.path)
    assert metadata["format"] == "concord-backup"
    assert metadata["format_version"] == 1
    assert metadata["vendor"] == VENDOR
    assert metadata["created_at"].endswith("+00:00")
    assert (metadata["audit_head_seq"], metadata["audit_head_hash"]) == head_before
    assert metadata["database_sha256"] == hashlib.sha256(database).hexdigest()
    assert metadata["database_size"] == len(database)
    assert metadata["migrations"]["core"] == ["0002_auditevent_append_only"]
    assert made.size == made.path.stat().st_size
    assert made.path.stat().st_mode & 0o777 == 0o600
    assert made.metadata == backup.BackupMetadata(**metadata)


def test_backup_create_event_follows_the_copy_and_names_it(seeded, tmp_path):
    seq, head_hash = audit.head()

    made = backup.create(out=tmp_path / "b.tar")

    event = AuditEvent.objects.get(seq=seq + 1)
    assert event.action == "backup.create"
    assert event.prev_hash == head_hash
    assert event.object_id == made.metadata.database_sha256
    assert json.loads(event.summary) == {
        "file": "b.tar",
        "created_at": made.metadata.created_at,
        "head": f"{seq}:{head_hash}",
        "vendor": VENDOR,
        "database_sha256": made.metadata.database_sha256,
    }
    assert audit.verify().ok


def test_backup_refuses_an_existing_file_and_a_transaction(seeded, tmp_path):
    existing = tmp_path / "exists.tar"
    existing.write_bytes(b"keep me")

    with pytest.raises(backup.BackupError, match=r"exists\.tar already exists"):
        backup.create(out=existing)
    with transaction.atomic(), pytest.raises(backup.BackupError, match="inside a transaction"):
        backup.create(out=tmp_path / "new.tar")

    assert existing.read_bytes() == b"keep me"
    assert not (tmp_path / "new.tar").exists()


@on_sqlite
def test_backup_of_a_broken_live_chain_is_not_written(seeded, tmp_path):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET summary = '{}' WHERE seq = 1")

    with pytest.raises(backup.BackupError, match="broken at event 1: event 1 was altered"):
        backup.create(out=tmp_path / "b.tar")

    assert list(tmp_path.iterdir()) == []


def test_sqlite_copy_is_consistent_while_another_connection_writes(tmp_path):
    live = tmp_path / "live.sqlite3"
    writer = sqlite3.connect(live, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("CREATE TABLE t (n INTEGER)")
    writer.execute("INSERT INTO t VALUES (1)")
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO t VALUES (2)")  # not committed while the copy is made
    reader = sqlite3.connect(live)

    backup.sqlite_copy(source=reader, dest=tmp_path / "copy.sqlite3")
    writer.execute("COMMIT")

    copy = sqlite3.connect(tmp_path / "copy.sqlite3")
    assert copy.execute("SELECT n FROM t").fetchall() == [(1,)]
    assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    assert reader.execute("SELECT n FROM t ORDER BY n").fetchall() == [(1,), (2,)]
    for db in (copy, reader, writer):
        db.close()


# --- round trips -------------------------------------------------------------------------------


def round_trip(tmp_path: Path, author: User) -> None:
    made = backup.create(out=tmp_path / "b.tar")
    services.notice_create(acting_user=author, title="after")
    Notice.objects.filter(title="before one").delete()
    UserFactory(username="newcomer")

    restored = backup.restore_file(path=made.path)

    assert restored == made.metadata
    assert sorted(Notice.objects.values_list("title", flat=True)) == ["before one", "before two"]
    assert not User.objects.filter(username="newcomer").exists()
    report = audit.verify()
    assert report.ok
    seq, head_hash = made.metadata.head
    assert AuditEvent.objects.get(seq=seq).hash == head_hash
    assert report.head_seq == seq + 1
    event = AuditEvent.objects.get(seq=seq + 1)
    assert event.action == "backup.restore"
    assert event.prev_hash == head_hash
    summary = json.loads(event.summary)
    assert summary["created_at"] == made.metadata.created_at
    assert summary["head"] == f"{seq}:{head_hash}"
    assert summary["file"] == "b.tar"


@on_sqlite
def test_round_trip_on_sqlite(seeded, tmp_path):
    round_trip(tmp_path, seeded)


@pytest.mark.postgres
@on_postgres
def test_round_trip_on_postgres(seeded, tmp_path):
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone() == ("origin",)  # `committed_db` of earlier tests did not leak

    round_trip(tmp_path, seeded)

    with (
        pytest.raises(DatabaseError, match="core_auditevent is append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM core_auditevent WHERE seq = 1")


@on_sqlite
def test_restoring_an_empty_chain_leaves_only_the_restore_event(committed_db, tmp_path):
    made = backup.create(out=tmp_path / "empty.tar")
    assert made.metadata.head == (0, audit.GENESIS_HASH)

    backup.restore_file(path=made.path)

    assert list(AuditEvent.objects.values_list("seq", "action")) == [(1, "backup.restore")]
    assert audit.verify().ok


# --- refused files -----------------------------------------------------------------------------


def random_bytes(tmp_path: Path, good: Path) -> Path:
    path = tmp_path / "random.tar"
    path.write_bytes(random.Random(7).randbytes(20_000))
    return path


def empty_file(tmp_path: Path, good: Path) -> Path:
    path = tmp_path / "empty.tar"
    path.write_bytes(b"")
    return path


def plain_sqlite_file(tmp_path: Path, good: Path) -> Path:
    path = tmp_path / "plain.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE core_auditevent (seq INTEGER)")
    db.close()
    return path


def tar_without_metadata(tmp_path: Path, good: Path) -> Path:
    return write_tar(tmp_path / "nometa.tar", {"notes.txt": b"not a backup"})


def altered_database(tmp_path: Path, good: Path) -> Path:
    _, database = read_backup(good)
    middle = len(database) // 2
    altered = database[:middle] + bytes([database[middle] ^ 0xFF]) + database[middle + 1 :]
    return repack(good, tmp_path / "altered.tar", database=altered)


def other_vendor(tmp_path: Path, good: Path) -> Path:
    return repack(
        good,
        tmp_path / "other.tar",
        vendor=OTHER_VENDOR,
        database_member=DATABASE_MEMBERS[OTHER_VENDOR],
    )


def other_format(tmp_path: Path, good: Path) -> Path:
    return repack(good, tmp_path / "format.tar", format="someone-elses-backup")


def newer_format_version(tmp_path: Path, good: Path) -> Path:
    return repack(good, tmp_path / "v2.tar", format_version=2)


def unknown_migration(tmp_path: Path, good: Path) -> Path:
    return repack(good, tmp_path / "newer.tar", migrations={"core": ["0099_from_the_future"]})


def path_traversal_member(tmp_path: Path, good: Path) -> Path:
    metadata, database = read_backup(good)
    return write_tar(
        tmp_path / "traversal.tar",
        {
            METADATA_MEMBER: json.dumps(metadata).encode(),
            metadata["database_member"]: database,
            "../../escaped": b"x",
        },
    )


def symlink_member(tmp_path: Path, good: Path) -> Path:
    metadata, _ = read_backup(good)
    path = write_tar(tmp_path / "link.tar", {METADATA_MEMBER: json.dumps(metadata).encode()})
    with tarfile.open(path, "a") as tar:
        link = tarfile.TarInfo(metadata["database_member"])
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tar.addfile(link)
    return path


REFUSALS: list[tuple[Callable[[Path, Path], Path], str]] = [
    (random_bytes, "it is not a tar archive, so it is not a Concord backup"),
    (empty_file, "it is not a tar archive"),
    (plain_sqlite_file, "it is not a tar archive"),
    (tar_without_metadata, "it has no concord-backup.json, so it is not a Concord backup"),
    (altered_database, "checksum mismatch: the database member has SHA-256 [0-9a-f]{64}"),
    (other_vendor, f"it was made on {OTHER_VENDOR}; this database is {VENDOR}"),
    (other_format, "concord-backup.json names format 'someone-elses-backup'"),
    (newer_format_version, r"format version 2 is not supported \(this Concord reads version 1\)"),
    (
        unknown_migration,
        r"it was made by a newer Concord \(unknown migrations: core.0099_from_the_future",
    ),
    (path_traversal_member, "it holds an unexpected member '../../escaped'"),
    (symlink_member, "member 'database.[a-z0-9]+' is not a regular file"),
]


@pytest.mark.parametrize(
    ("make_file", "problem"), REFUSALS, ids=[make.__name__ for make, _ in REFUSALS]
)
def test_refused_file_leaves_the_live_database_untouched(good_backup, tmp_path, make_file, problem):
    bad = make_file(tmp_path, good_backup.path)
    before = live_state()

    with pytest.raises(
        backup.BackupRefusedError, match=rf"^refused {re.escape(str(bad))}: {problem}"
    ):
        backup.restore_file(path=bad)

    assert live_state() == before
    assert audit.verify().ok


@on_sqlite
@pytest.mark.parametrize(
    ("sql", "problem"),
    [
        (
            "UPDATE core_auditevent SET summary = '{\"edited\":true}' WHERE seq = 1",
            "the audit chain in it is broken at event 1: event 1 was altered",
        ),
        (
            "DELETE FROM core_auditevent WHERE seq = 2",
            "the audit chain in it is broken at event 2: truncated: the checkpoint names event 2",
        ),
        (
            (
                "INSERT INTO django_migrations (app, name, applied) "
                "VALUES ('core', '0099_from_the_future', '2030-01-01')"
            ),
            r"it was made by a newer Concord \(unknown migrations: core.0099_from_the_future\)$",
        ),
    ],
    ids=["altered_event", "cut_tail", "unknown_migration_in_database"],
)
def test_refused_sqlite_backup_whose_database_is_wrong(good_backup, tmp_path, sql, problem):
    bad = edit_sqlite_member(good_backup.path, tmp_path / "chain.tar", sql)
    before = live_state()

    with pytest.raises(
        backup.BackupRefusedError, match=rf"^refused {re.escape(str(bad))}: {problem}"
    ):
        backup.restore_file(path=bad)

    assert live_state() == before


@on_sqlite
def test_refused_sqlite_file_that_fails_the_integrity_check(good_backup, tmp_path):
    _, database = read_backup(good_backup.path)
    damaged = database[:4096] + b"\xff" * 4096 + database[8192:]
    bad = repack(good_backup.path, tmp_path / "damaged.tar", **with_checksum(damaged))
    before = live_state()

    with pytest.raises(
        backup.BackupRefusedError,
        match=rf"^refused {re.escape(str(bad))}: the database fails the SQLite integrity check",
    ):
        backup.restore_file(path=bad)

    assert live_state() == before


@pytest.mark.postgres
@on_postgres
def test_refused_postgres_member_that_is_not_a_dump(good_backup, tmp_path):
    bad = repack(good_backup.path, tmp_path / "notdump.tar", **with_checksum(b"PGDMP garbage"))
    before = live_state()

    with pytest.raises(
        backup.BackupRefusedError,
        match=rf"^refused {re.escape(str(bad))}: the database is not a pg_dump archive",
    ):
        backup.restore_file(path=bad)

    assert live_state() == before


def test_metadata_of_the_wrong_type_is_refused():
    metadata = {
        "format": "concord-backup",
        "format_version": 1,
        "vendor": "sqlite",
        "created_at": "2025-01-01T00:00:00+00:00",
        "django_version": "5.2",
        "migrations": {"core": ["0002_auditevent_append_only"]},
        "audit_head_seq": True,
        "audit_head_hash": "0" * 64,
        "database_member": "database.sqlite3",
        "database_sha256": "0" * 64,
        "database_size": 1,
    }
    with pytest.raises(ValueError, match="audit_head_seq is missing or not a int"):
        backup.BackupMetadata.from_json(json.dumps(metadata).encode())
    with pytest.raises(ValueError, match=r"concord-backup\.json is not valid JSON"):
        backup.BackupMetadata.from_json(b"\xff{")
    metadata["audit_head_seq"] = 3
    assert backup.BackupMetadata.from_json(json.dumps(metadata).encode()).head == (3, "0" * 64)


# --- PostgreSQL plumbing (pure) ----------------------------------------------------------------


def test_copy_rows_decode_postgres_copy_text():
    lines = [
        "SET client_encoding = 'UTF8';",
        "COPY public.core_auditevent (seq, summary, actor_id) FROM stdin;",
        "1\ttab\\there\\nnewline \\\\ backslash é\t\\N",
        "2\t{}\t7",
        "\\.",
        "COPY public.other (x) FROM stdin;",
    ]
    assert list(backup.copy_rows(lines=lines)) == [
        {"seq": "1", "summary": "tab\there\nnewline \\ backslash é", "actor_id": None},
        {"seq": "2", "summary": "{}", "actor_id": "7"},
    ]


def test_postgres_password_goes_to_the_environment_never_the_arguments(monkeypatch, tmp_path):
    calls: list[tuple[list[str], dict[str, str]]] = []
    monkeypatch.setattr(
        backup.subprocess, "run", lambda args, *, env, **kwargs: calls.append((args, env))
    )
    monkeypatch.setattr(backup, "_pg_binary", lambda name: f"/usr/bin/{name}")
    for key, value in {
        "NAME": "concord",
        "USER": "app",
        "PASSWORD": "s3cret",
        "HOST": "db",
    }.items():
        monkeypatch.setitem(connection.settings_dict, key, value)

    backup._Postgres().dump(tmp_path / "d.pgdump")
    backup._Postgres().load(tmp_path / "d.pgdump")

    (dump_args, dump_env), (load_args, load_env) = calls
    assert dump_args == [
        "/usr/bin/pg_dump",
        "--format=custom",
        "--no-password",
        f"--file={tmp_path / 'd.pgdump'}",
    ]
    assert load_args == [
        "/usr/bin/pg_restore",
        "--clean",
        "--if-exists",
        "--no-owner",
        "--single-transaction",
        "--no-password",
        "--dbname=concord",
        str(tmp_path / "d.pgdump"),
    ]
    for env in (dump_env, load_env):
        assert (env["PGPASSWORD"], env["PGUSER"], env["PGHOST"]) == ("s3cret", "app", "db")
        assert env["PGDATABASE"] == "concord"


# --- the commands ------------------------------------------------------------------------------


def test_backup_command_prints_path_size_and_head(seeded, tmp_path):
    seq, head_hash = audit.head()
    out, stdout = tmp_path / "cli.tar", io.StringIO()

    call_command("backup", str(out), stdout=stdout)

    assert stdout.getvalue() == (
        f"backup written: {out} ({out.stat().st_size} bytes); audit head {seq}:{head_hash}\n"
    )


def test_backup_command_exit_2_for_an_existing_file_or_missing_directory(seeded, tmp_path):
    (tmp_path / "there.tar").write_bytes(b"")

    with pytest.raises(CommandError, match=r"there\.tar already exists") as existing:
        call_command("backup", str(tmp_path / "there.tar"))
    with pytest.raises(CommandError, match="nowhere does not exist") as missing:
        call_command("backup", str(tmp_path / "nowhere" / "b.tar"))

    assert (existing.value.returncode, missing.value.returncode) == (2, 2)


def test_restore_command_with_yes_asks_nothing(good_backup):
    stdout = io.StringIO()

    call_command("restore", str(good_backup.path), "--yes", stdout=stdout)

    metadata = good_backup.metadata
    assert stdout.getvalue() == (
        f"restored {good_backup.path} (made {metadata.created_at}); "
        f"audit head {metadata.head_text}, then backup.restore recorded\n"
    )
    assert "after" not in Notice.objects.values_list("title", flat=True)
    assert AuditEvent.objects.order_by("-seq").first().action == "backup.restore"


def test_restore_command_needs_typed_yes(good_backup):
    before = live_state()
    stdout = io.StringIO()

    with pytest.raises(CommandError, match="restore not confirmed; nothing was changed") as exc:
        call_command("restore", str(good_backup.path), stdin=io.StringIO("y\n"), stdout=stdout)

    with pytest.raises(CommandError, match="no answer on stdin; pass --yes") as eof:
        call_command("restore", str(good_backup.path), stdin=io.StringIO(""), stdout=stdout)

    assert (exc.value.returncode, eof.value.returncode) == (2, 2)
    assert "Type yes to continue: " in stdout.getvalue()
    assert live_state() == before

    call_command("restore", str(good_backup.path), stdin=io.StringIO("yes\n"), stdout=stdout)
    assert audit.head()[0] == good_backup.metadata.audit_head_seq + 1


def test_restore_command_exit_1_for_a_refused_file(good_backup, tmp_path):
    bad = random_bytes(tmp_path, good_backup.path)
    before = live_state()

    with pytest.raises(
        CommandError, match=rf"^refused {re.escape(str(bad))}: it is not a tar archive"
    ) as exc:
        call_command("restore", str(bad), "--yes")

    assert exc.value.returncode == 1
    assert live_state() == before


def test_restore_command_exit_2_for_usage(tmp_path, capsys):
    with pytest.raises(CommandError, match=r"missing\.tar is not a file") as missing:
        call_command("restore", str(tmp_path / "missing.tar"), "--yes")
    with pytest.raises(SystemExit) as no_argument:
        RestoreCommand().run_from_argv(["concord", "restore"])

    assert missing.value.returncode == 2
    assert no_argument.value.code == 2
    assert "the following arguments are required: IN" in capsys.readouterr().err
