"""Background work of the cyber module: pulling TAXII subscriptions.

django-tasks has no scheduler: `concord taxii_pull --all-due`, run every few minutes by cron or
a systemd timer, pulls what is due (or enqueues `pull_due_subscriptions` with `--enqueue` for
the worker to run).
"""

from __future__ import annotations

import logging

from django_tasks import task

from . import queries_taxii
from .models import Subscription
from .taxii_pull import pull_subscription

logger = logging.getLogger(__name__)


@task()
def pull_one_subscription(subscription_id: int) -> bool:
    """Pull one subscription now; False when the pull failed (its last_error says why)."""
    subscription = Subscription.objects.select_related("target").get(pk=subscription_id)
    return pull_subscription(subscription=subscription).succeeded


@task()
def pull_due_subscriptions() -> int:
    """Pull every subscription that is due, one after another; the number that failed."""
    failed = 0
    for subscription in queries_taxii.due_subscriptions():
        report = pull_subscription(subscription=subscription)
        if not report.succeeded:
            failed += 1
            logger.warning("subscription %s: %s", subscription.pk, report.error)
    return failed
