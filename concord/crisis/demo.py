"""Demo data of the crisis module. (Stub written by the lead.)"""

from __future__ import annotations


def load(*, password: str | None, reset_passwords: bool) -> list[object]:
    del password, reset_passwords
    return []
