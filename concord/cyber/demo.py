"""Demo data of the cyber module: sharing groups, CERT accounts, incidents and indicators
(`demo_incidents`), and the registry of harmful resources with the operation's yearly returns
(`demo_registry`). Idempotent, like every demo loader."""

from __future__ import annotations

from . import demo_incidents, demo_registry


def load(*, password: str | None, reset_passwords: bool) -> list[object]:
    accounts = demo_incidents.load(password=password, reset_passwords=reset_passwords)
    demo_registry.load()
    return list(accounts)
