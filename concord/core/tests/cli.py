"""Running the `concord` CLI in a child process, for tests that need a real process (production
settings, a database file shared by several processes)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without Concord's, Django's and the database settings."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CONCORD_", "DJANGO_", "DATABASE_URL"))
    }
    return {**env, **extra}


def run_concord(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own CLI, fixed arguments
        [sys.executable, "-m", "concord.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
