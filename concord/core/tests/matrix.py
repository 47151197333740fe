"""The authorization matrix: endpoint × persona → expected status, checked in one go.

Other apps reuse it:

    def test_matrix(personas, client_for):
        assert_matrix(personas, client_for, [
            Endpoint("GET", reverse("api:list_states"), {"anonymous": 401}, default=200),
        ])

A request that is refused must leave the database as it was: `assert_matrix` compares the row
counts of every model before and after each refused request.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.test import Client

from concord.core.models import User


@dataclass(frozen=True)
class Endpoint:
    method: str
    url: str
    expected: Mapping[str, int] = field(default_factory=dict)  # persona → status
    default: int = 200  # status for personas not named in `expected`
    data: Any = None
    json_body: bool = True

    def status_for(self, persona: str) -> int:
        return self.expected.get(persona, self.default)


def _row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.managed and model._meta.label not in _VOLATILE
    }


# Tables that legitimately change on a refused request (sessions, denial log, lockouts).
_VOLATILE = {
    "sessions.Session",
    "core.AuditEvent",
    "axes.AccessAttempt",
    "axes.AccessLog",
    "axes.AccessFailureLog",
}


def _call(client: Client, endpoint: Endpoint) -> int:
    method = getattr(client, endpoint.method.lower())
    kwargs: dict[str, Any] = {}
    if endpoint.data is not None:
        if endpoint.json_body:
            kwargs = {"data": json.dumps(endpoint.data), "content_type": "application/json"}
        else:
            kwargs = {"data": endpoint.data}
    return int(method(endpoint.url, **kwargs).status_code)


def assert_matrix(
    personas: Mapping[str, User | None],
    client_for: Callable[[User | None], Client],
    endpoints: list[Endpoint],
) -> None:
    """Every endpoint for every persona; fails listing every cell that differs."""
    wrong = []
    for endpoint in endpoints:
        for name, user in personas.items():
            expected = endpoint.status_for(name)
            before = _row_counts() if expected >= 400 else None
            got = _call(client_for(user), endpoint)
            if got != expected:
                wrong.append(
                    f"{endpoint.method} {endpoint.url} as {name}: {got}, expected {expected}"
                )
            elif before is not None and _row_counts() != before:
                wrong.append(
                    f"{endpoint.method} {endpoint.url} as {name}: refused but changed data"
                )
    assert not wrong, "authorization matrix:\n" + "\n".join(wrong)
