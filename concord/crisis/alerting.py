"""Alert rules applied to new and changed events. (Stub written by the lead; the alerts helper
fills it in.)"""

from __future__ import annotations

from collections.abc import Sequence


def events_recorded(event_ids: Sequence[int]) -> None:
    """Call inside the writing transaction: after commit, the rules are evaluated for these
    events in the background (`tasks.evaluate_alert_rules`) and notifications dispatched."""


def evaluate(event_ids: Sequence[int]) -> int:
    """Apply every active rule to these events; dispatch to each recipient who may see the
    event, by the rule's channels; log each dispatch. The number of dispatches made."""
    return 0
