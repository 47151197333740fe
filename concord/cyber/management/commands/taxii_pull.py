"""`concord taxii_pull --all-due | --subscription ID [--enqueue]`: pull TAXII subscriptions.

Run `--all-due` every few minutes from cron or a systemd timer. Exit status 1 if a pull failed.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from concord.cyber import queries_taxii
from concord.cyber.models import Subscription
from concord.cyber.tasks import pull_due_subscriptions
from concord.cyber.taxii_pull import PullReport, pull_subscription


class Command(BaseCommand):
    help = "Pull the objects TAXII peers added since the last pull."

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--all-due", action="store_true", help="every subscription due")
        which.add_argument("--subscription", type=int, metavar="ID", help="this one, now")
        parser.add_argument(
            "--enqueue", action="store_true", help="with --all-due: hand the work to the worker"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            pull_due_subscriptions.enqueue()
            self.stdout.write("enqueued pull_due_subscriptions")
            return
        if options["subscription"] is not None:
            found = Subscription.objects.select_related("target").filter(pk=options["subscription"])
            if not found:
                raise CommandError(f"no subscription {options['subscription']}")
            subscriptions = list(found)
        else:
            subscriptions = queries_taxii.due_subscriptions()
        reports = [pull_subscription(subscription=s) for s in subscriptions]
        for subscription, report in zip(subscriptions, reports, strict=True):
            self.stdout.write(_line(subscription, report))
        if any(not report.succeeded for report in reports):
            raise CommandError("some pulls failed (see above)")


def _line(subscription: Subscription, report: PullReport) -> str:
    outcome = f"FAILED: {report.error}" if report.error else "ok"
    return (
        f"{subscription.pk} {subscription.name}: {report.pages} page(s), "
        f"{report.received} received, {report.added} added, {report.failed} refused, "
        f"cursor {report.cursor or '-'} — {outcome}"
    )
