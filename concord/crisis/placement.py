"""Where events lie: the regions of concern they fall in and their distance to the nearest
member-state border. Called by every write path (forms, imports) after events are saved.

(Stub written by the lead; the geo helper fills it in.)
"""

from __future__ import annotations

from collections.abc import Sequence


def place_events(event_ids: Sequence[int]) -> None:
    """Recompute region memberships and `border_distance_km` for these events (bulk)."""
