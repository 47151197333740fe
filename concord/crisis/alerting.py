"""Alert rules applied to new and changed events. (Stub written by the lead; the alerts helper
fills it in.)"""

from __future__ import annotations

from collections.abc import Sequence


def events_recorded(event_ids: Sequence[int]) -> None:
    """Call inside the writing transaction: after commit, the rules are evaluated for these
    events in the background (django-tasks) and notifications dispatched."""
