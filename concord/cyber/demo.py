"""Demo data of the cyber module."""

from __future__ import annotations


def load(*, password: str | None = None, reset_passwords: bool = False) -> list[object]:
    return []
