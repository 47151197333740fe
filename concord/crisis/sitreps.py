"""Situation reports. (Stub written by the lead; the sitreps helper fills it in.)"""

from __future__ import annotations


def generate(sitrep_id: int) -> None:
    """Render the sitrep's HTML and PDF, updating its progress as it goes."""
