"""Background work of the crisis module (django-tasks): evaluating alert rules for recorded
events, and generating situation reports. Thin: each task calls the domain function."""

from __future__ import annotations

from django_tasks import task


@task()
def evaluate_alert_rules(event_ids: list[int]) -> int:
    """Apply the alert rules to these events and dispatch notifications; the number sent."""
    from . import alerting  # imported here: alerting enqueues this task

    return alerting.evaluate(event_ids)


@task()
def generate_sitrep(sitrep_id: int) -> None:
    """Render a situation report (HTML and PDF), recording progress on the record."""
    from . import sitreps

    sitreps.generate(sitrep_id)
