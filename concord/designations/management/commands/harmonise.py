from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from concord.designations import services

from ._common import acting_user


class Command(BaseCommand):
    help = (
        "Match entries across the national lists: merge pairs scoring at least the automatic "
        "threshold, queue the rest for review. `concord harmonise [--auto-threshold 0.9]`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--auto-threshold", type=float, default=services.DEFAULT_AUTO_THRESHOLD)
        parser.add_argument(
            "--review-threshold", type=float, default=services.DEFAULT_REVIEW_THRESHOLD
        )
        parser.add_argument("--as", dest="username", help="apply this user's permissions")

    def handle(self, *args: Any, **options: Any) -> None:
        report = services.harmonise(
            acting_user=acting_user(options["username"]),
            auto_threshold=options["auto_threshold"],
            review_threshold=options["review_threshold"],
        )
        self.stdout.write(
            f"{report.entries} entries, {report.pairs} candidate pairs scored: "
            f"{report.auto_merged} merged automatically, {report.queued} queued for review, "
            f"{report.blocked} blocked by a negative judgement ({report.seconds} s)"
        )
