"""Concurrent writers keep the audit chain linear: no duplicate sequence numbers, no forks."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest
from django.db import connection, connections, transaction

from concord.core import audit
from concord.core.models import AuditEvent
from concord.core.tests.cli import ROOT, clean_env, run_concord

WRITER = """
import django, os, sys
django.setup()
from django.db import transaction
from concord.core import audit
for n in range(int(sys.argv[1])):
    with transaction.atomic():
        audit.record(actor=None, action="test.write", summary={"pid": os.getpid(), "n": n})
"""


def test_two_processes_writing_to_one_sqlite_file_keep_the_chain(tmp_path):
    env = clean_env(CONCORD_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="config.settings.dev")
    assert run_concord("migrate", "--verbosity", "0", env=env).returncode == 0
    writers = [
        subprocess.Popen(  # noqa: S603 - our own code
            [sys.executable, "-c", WRITER, "40"], cwd=ROOT, env=env, stderr=subprocess.PIPE
        )
        for _ in range(3)
    ]
    errors = [w.communicate(timeout=120)[1].decode() for w in writers]

    assert [w.returncode for w in writers] == [0, 0, 0], errors
    verify = run_concord("audit", "verify", env=env)
    assert verify.returncode == 0, verify.stderr
    assert verify.stdout.startswith("audit chain ok: 120 events; head 120:")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL advisory lock")
@pytest.mark.django_db(transaction=True)
def test_threads_writing_to_postgres_keep_the_chain():
    def write(count: int) -> None:
        try:
            for n in range(count):
                with transaction.atomic():
                    audit.record(actor=None, action="test.write", summary={"n": n})
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(25,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert AuditEvent.objects.count() == 100
    report = audit.verify()
    assert (report.ok, report.count, report.head_seq) == (True, 100, 100)
