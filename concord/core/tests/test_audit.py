"""The audit chain: written with each change, and any edit, deletion or truncation is detected."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from concord.core import audit, services
from concord.core.markings import Tlp
from concord.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@contextmanager
def tampering():
    """Act as someone with direct database access: on PostgreSQL, switch the append-only
    triggers off for the duration (as a table owner could)."""
    postgres = connection.vendor == "postgresql"
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER USER")
    try:
        yield
    finally:
        if postgres:
            with connection.cursor() as cursor:
                cursor.execute("ALTER TABLE core_auditevent ENABLE TRIGGER USER")


@pytest.fixture
def chain(kz_analyst):
    """Five events from real service calls."""
    for n in range(5):
        services.notice_create(acting_user=kz_analyst, title=f"Notice {n}", tlp=Tlp.GREEN)
    return list(AuditEvent.objects.order_by("seq"))


def test_each_write_appends_one_linked_event(chain, kz_analyst):
    assert [e.seq for e in chain] == [1, 2, 3, 4, 5]
    assert chain[0].prev_hash == audit.GENESIS_HASH
    assert [e.prev_hash for e in chain[1:]] == [e.hash for e in chain[:-1]]
    assert {(e.action, e.actor_username) for e in chain} == {("notice.create", "kz-analyst")}
    assert chain[0].summary == (
        '{"shared_agencies":[],"shared_bodies":[],"shared_states":[],"shared_users":[],'
        '"title":"Notice 0","tlp":"GREEN"}'
    )
    assert audit.verify() == audit.ChainReport(True, 5, 5, chain[-1].hash)


def test_empty_chain_is_valid():
    assert audit.verify() == audit.ChainReport(True, 0, 0, audit.GENESIS_HASH)


@pytest.mark.django_db(transaction=True)
def test_record_outside_a_transaction_is_refused(kz_analyst):
    with pytest.raises(audit.AuditError, match="inside the transaction"):
        audit.record(actor=kz_analyst, action="x")


def _create_then_fail(user) -> None:
    with transaction.atomic():
        services.notice_create(acting_user=user, title="Lost", tlp=Tlp.GREEN)
        raise RuntimeError("boom")


def test_a_failed_change_leaves_no_event(kz_analyst):
    with pytest.raises(RuntimeError, match="boom"):
        _create_then_fail(kz_analyst)
    assert AuditEvent.objects.count() == 0


def test_edited_event_is_detected(chain):
    with tampering():
        AuditEvent.objects.filter(seq=3).update(summary='{"title":"forged"}')

    report = audit.verify()

    assert (report.ok, report.broken_seq, report.count) == (False, 3, 2)
    assert report.problem == "event 3 was altered (its content does not match its hash)"


def test_edited_and_rehashed_event_breaks_the_next_link(chain):
    forged = {f: getattr(chain[2], f) for f in audit.AUDIT_FIELDS}
    forged["summary"] = '{"title":"forged"}'
    forged["actor_id"] = chain[2].actor_id
    with tampering():
        AuditEvent.objects.filter(seq=3).update(
            summary=forged["summary"], hash=audit.event_hash(forged)
        )

    report = audit.verify()

    assert (report.ok, report.broken_seq) == (False, 4)
    assert report.problem == "event 4 does not link to event 3 (previous hash differs)"


def test_deleted_event_is_detected_as_a_gap(chain):
    with tampering():
        AuditEvent.objects.filter(seq=2).delete()

    report = audit.verify()

    assert (report.ok, report.broken_seq, report.problem) == (
        False,
        2,
        "gap: expected event 2, found 3",
    )


def test_truncated_tail_is_caught_by_a_checkpoint(chain):
    checkpoint = (5, chain[-1].hash)
    with tampering():
        AuditEvent.objects.filter(seq__gte=4).delete()

    assert audit.verify().ok is True  # the links alone cannot show a cut tail
    report = audit.verify(checkpoint=checkpoint)

    assert (report.ok, report.broken_seq) == (False, 4)
    assert report.problem == (
        "truncated: the checkpoint names event 5, but the chain ends at event 3"
    )


def test_checkpoint_with_a_different_hash_is_a_mismatch(chain):
    report = audit.verify(checkpoint=(2, "f" * 64))

    assert (report.ok, report.broken_seq, report.problem) == (
        False,
        2,
        "event 2 does not match the checkpoint hash",
    )


def test_cli_verify_ok_prints_the_head(chain, capsys):
    call_command("audit", "verify", "--checkpoint", f"5:{chain[-1].hash}")

    assert capsys.readouterr().out == f"audit chain ok: 5 events; head 5:{chain[-1].hash}\n"


def test_cli_verify_broken_exits_1_with_the_sequence_number(chain):
    with tampering():
        AuditEvent.objects.filter(seq=4).update(action="forged")

    with pytest.raises(CommandError, match="BROKEN at event 4") as failure:
        call_command("audit", "verify")
    assert failure.value.returncode == 1


@pytest.mark.parametrize("text", ["5", "x:abc", "5:" + "z" * 64, "5:abc"])
def test_cli_refuses_a_malformed_checkpoint(text):
    with pytest.raises(CommandError, match="checkpoint") as failure:
        call_command("audit", "verify", "--checkpoint", text)
    assert failure.value.returncode == 2


def _execute_as_production(statement: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL concord.allow_audit_truncate = off")
        cursor.execute(statement)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL triggers")
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE core_auditevent SET action = 'x'",
        "DELETE FROM core_auditevent",
        "TRUNCATE core_auditevent",
    ],
)
def test_postgres_keeps_the_table_append_only(chain, statement):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        _execute_as_production(statement)
    assert AuditEvent.objects.count() == 5
