"""The audit chain: every write appends one event, hash-linked to the one before it.

`record()` runs inside the transaction of the change it describes, so an event exists exactly when
its change was committed. Writers are serialised: on PostgreSQL by a transaction-scoped advisory
lock, on SQLite by the write lock that `atomic()` takes up front (`transaction_mode=IMMEDIATE`).
`verify_rows()` is a pure function over rows, so the same check runs on the live table, on a
backup file before it is restored, and in tests.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db import connection, models, transaction
from django.utils import timezone

from .models import AuditEvent, User

logger = logging.getLogger("concord.audit")

GENESIS_HASH = "0" * 64
# Any 64-bit number unique to this lock; "CONCORD" in ASCII.
_ADVISORY_LOCK_KEY = 0x434F4E434F5244


class AuditError(RuntimeError):
    """The audit chain was asked to do something that would break it."""


def _json_default(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, set | frozenset | tuple):
        return sorted(value, key=str)
    if isinstance(value, models.Model):
        return f"{value._meta.label_lower}:{value.pk}"
    raise TypeError(f"cannot put {type(value).__name__} in an audit summary")


def canonical_json(value: object) -> str:
    """Key-sorted, compact, UTF-8 JSON: the same value always gives the same text."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_default
    )


def _utc_iso(value: datetime | str) -> str:
    """One text for a moment, whether it comes from the ORM or raw from a SQLite file."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


def event_hash(row: Mapping[str, Any]) -> str:
    """SHA-256 of one event's content and the previous event's hash."""
    created_at = _utc_iso(row["created_at"])
    content = canonical_json(
        {
            "seq": int(row["seq"]),
            "created_at": created_at,
            "actor_id": row["actor_id"],
            "actor_username": row["actor_username"],
            "action": row["action"],
            "object_type": row["object_type"],
            "object_id": row["object_id"],
            "summary": row["summary"],
            "prev_hash": row["prev_hash"],
        }
    )
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def _serialise_writers() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK_KEY])
    # SQLite: the enclosing atomic() began IMMEDIATE and already holds the database write lock.


def record(
    *,
    actor: User | None,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    summary: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain, inside the caller's transaction."""
    if not connection.in_atomic_block:
        raise AuditError("audit.record() must run inside the transaction of the change")
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    _serialise_writers()
    head_seq, head_hash = head()
    row: dict[str, Any] = {
        "seq": head_seq + 1,
        "created_at": timezone.now(),
        "actor_id": actor.pk if actor is not None else None,
        "actor_username": actor.get_username() if actor is not None else "",
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "summary": canonical_json(dict(summary or {})),
        "prev_hash": head_hash,
    }
    row["hash"] = event_hash(row)
    return AuditEvent.objects.create(**row)


def record_denied(*, actor: User | None, obj: models.Model, reason: str) -> None:
    """Log a refused read or write of a protected object: who and what, never its content."""
    with transaction.atomic():
        record(actor=actor, action="access.denied", obj=obj, summary={"reason": reason})
    logger.info(
        "access denied: %s to %s:%s (%s)",
        actor.get_username() if actor else "anonymous",
        obj._meta.label_lower,
        obj.pk,
        reason,
    )


@dataclass(frozen=True)
class ChainReport:
    """The result of checking the chain: `ok`, how far it went, and the first broken link."""

    ok: bool
    count: int
    head_seq: int
    head_hash: str
    broken_seq: int | None = None
    problem: str = ""


AUDIT_FIELDS = (
    "seq",
    "created_at",
    "actor_id",
    "actor_username",
    "action",
    "object_type",
    "object_id",
    "summary",
    "prev_hash",
    "hash",
)


def verify_rows(
    rows: Iterable[Mapping[str, Any]], *, checkpoint: tuple[int, str] | None = None
) -> ChainReport:
    """Walk events in sequence order; name the first gap, broken link or altered event.

    A checkpoint (a sequence number and the hash it had, noted earlier) catches a chain whose
    tail was cut off, which the links alone cannot show.
    """
    expected_seq, prev_hash, count = 1, GENESIS_HASH, 0
    checkpoint_seen = False
    for row in rows:
        seq = int(row["seq"])
        if seq != expected_seq:
            return ChainReport(
                False,
                count,
                expected_seq - 1,
                prev_hash,
                expected_seq,
                f"gap: expected event {expected_seq}, found {seq}",
            )
        if row["prev_hash"] != prev_hash:
            return ChainReport(
                False,
                count,
                seq - 1,
                prev_hash,
                seq,
                f"event {seq} does not link to event {seq - 1} (previous hash differs)",
            )
        if event_hash(row) != row["hash"]:
            return ChainReport(
                False,
                count,
                seq - 1,
                prev_hash,
                seq,
                f"event {seq} was altered (its content does not match its hash)",
            )
        if checkpoint is not None and seq == checkpoint[0]:
            checkpoint_seen = True
            if row["hash"] != checkpoint[1]:
                return ChainReport(
                    False,
                    count,
                    seq - 1,
                    prev_hash,
                    seq,
                    f"event {seq} does not match the checkpoint hash",
                )
        count += 1
        expected_seq, prev_hash = seq + 1, row["hash"]
    if checkpoint is not None and not checkpoint_seen:
        return ChainReport(
            False,
            count,
            expected_seq - 1,
            prev_hash,
            expected_seq,
            f"truncated: the checkpoint names event {checkpoint[0]}, "
            f"but the chain ends at event {expected_seq - 1}",
        )
    return ChainReport(True, count, expected_seq - 1, prev_hash)


def verify(*, checkpoint: tuple[int, str] | None = None) -> ChainReport:
    """Check the live chain."""
    rows = AuditEvent.objects.order_by("seq").values(*AUDIT_FIELDS).iterator(chunk_size=2000)
    return verify_rows(rows, checkpoint=checkpoint)


def parse_checkpoint(text: str) -> tuple[int, str]:
    """`SEQ:HASH` as printed by `concord audit verify`."""
    seq_text, sep, hash_text = text.partition(":")
    hash_text = hash_text.strip().lower()
    if not sep or not seq_text.strip().isdigit() or len(hash_text) != 64:
        raise ValueError(f"checkpoint must be SEQ:HASH (64 hex digits), got {text!r}")
    try:
        int(hash_text, 16)
    except ValueError:
        raise ValueError(f"checkpoint hash is not hexadecimal: {hash_text!r}") from None
    return int(seq_text), hash_text


def head() -> tuple[int, str]:
    """The newest event's sequence number and hash (0 and the genesis hash when empty)."""
    last = AuditEvent.objects.order_by("-seq").values("seq", "hash").first()
    return (last["seq"], last["hash"]) if last else (0, GENESIS_HASH)
