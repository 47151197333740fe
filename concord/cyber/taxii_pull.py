"""The TAXII client side: pull a peer's collection into one of ours.

A pull asks the peer for the objects added after the stored cursor (`added_after`), follows
`more`/`next` page by page, hands each page to `services_stix.ingest_objects` and stores the
peer's `X-TAXII-Date-Added-Last` as the new cursor, in one transaction per page: a pull that
fails half-way keeps what it received and resumes from there. No transaction is open while
waiting for the peer. Every request goes through `concord.core.http` (timeouts, size limit, no
private addresses unless configured). Each pull leaves one audit record, whether it succeeded
or not, and the subscription shows its last error.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from concord.core import audit
from concord.core.http import OutboundClient, OutboundError, OutboundResponse
from concord.core.models import EDITOR_ROLES, User

from .models import Subscription
from .services_stix import ingest_objects

logger = logging.getLogger(__name__)

TAXII_ACCEPT = "application/taxii+json;version=2.1"
DEFAULT_MAX_PAGES = 1000  # per pull; the next pull goes on from the stored cursor


class PullError(Exception):
    """The peer's answer cannot be used; the message says what was wrong."""


@dataclass
class PullReport:
    subscription_id: int
    pages: int = 0
    received: int = 0
    added: int = 0
    failed: int = 0
    cursor: str = ""
    error: str = ""
    failures: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def succeeded(self) -> bool:
        return not self.error


def objects_url(subscription: Subscription) -> str:
    root = subscription.api_root_url.rstrip("/")
    return f"{root}/collections/{subscription.collection_id}/objects/"


def _pull_user(subscription: Subscription, acting_user: User | None) -> User:
    """Who the objects are stored as: the user who asked for the pull, or for a scheduled one
    the subscription's `run_as` account, else the owner agency's first active editor."""
    if acting_user is not None:
        return acting_user
    chosen = subscription.run_as
    if (
        chosen is not None
        and chosen.is_active
        and chosen.can_edit_records
        and chosen.agency_id == subscription.owner_agency_id
    ):
        return chosen
    user = (
        User.objects.select_related("agency")
        .filter(agency=subscription.owner_agency, is_active=True, role__in=EDITOR_ROLES)
        .order_by("pk")
        .first()
    )
    if user is None:
        raise PullError(_("the owner agency has no active editor to store the objects as"))
    return user


def _envelope(response: OutboundResponse) -> tuple[list[dict[str, Any]], bool, str]:
    if response.status != 200:
        raise PullError(
            _("the peer answered HTTP %(status)d: %(body)s")
            % {"status": response.status, "body": response.text[:300]}
        )
    data = response.json()
    if not isinstance(data, dict):
        raise PullError(_("the peer's answer is not a TAXII envelope"))
    objects = data.get("objects", [])
    if not isinstance(objects, list) or not all(isinstance(o, dict) for o in objects):
        raise PullError(_('the peer\'s envelope has no list of objects in "objects"'))
    following = data.get("next")
    return objects, bool(data.get("more")), following if isinstance(following, str) else ""


@transaction.atomic
def _store_page(
    subscription: Subscription, user: User, objects: list[dict[str, Any]], cursor: str
) -> tuple[int, list[tuple[str, str, str]]]:
    ingested = ingest_objects(acting_user=user, collection=subscription.target, objects=objects)
    if cursor:
        subscription.added_after = cursor
        subscription.save(update_fields=["added_after"])
    failures = [(str(i), str(v), str(m)) for i, v, m in ingested.failures]
    return len(ingested.successes), failures


def _fetch_pages(
    subscription: Subscription, user: User, client: OutboundClient, report: PullReport
) -> None:
    headers = {"Accept": TAXII_ACCEPT}
    if subscription.authorization:
        headers["Authorization"] = subscription.authorization
    max_pages = int(getattr(settings, "TAXII_PULL_MAX_PAGES", DEFAULT_MAX_PAGES))
    start, following = subscription.added_after, ""
    while report.pages < max_pages:
        # A `next` token belongs to the query that issued it, so it goes with the same
        # added_after; without one, the next page starts after the stored cursor.
        if not following:
            start = subscription.added_after
        params = {"added_after": start} if start else {}
        if following:
            params["next"] = following
        response = client.get(objects_url(subscription), headers=headers, params=params)
        objects, more, following = _envelope(response)
        cursor = response.headers.get("X-TAXII-Date-Added-Last", "") if objects else ""
        added, failures = _store_page(subscription, user, objects, cursor)
        report.pages += 1
        report.received += len(objects)
        report.added += added
        report.failed += len(failures)
        report.failures += failures
        report.cursor = subscription.added_after
        if not more or not objects or not (following or cursor):
            return  # done, or a peer that says "more" without a way to get it


@transaction.atomic
def _finish(subscription: Subscription, user: User | None, report: PullReport) -> None:
    subscription.last_pulled_at = timezone.now()
    subscription.last_error = report.error
    subscription.save(update_fields=["last_pulled_at", "last_error"])
    audit.record(
        actor=user,
        action="cyber.subscription.pull",
        obj=subscription,
        summary={
            "pages": report.pages,
            "received": report.received,
            "added": report.added,
            "failed": report.failed,
            "cursor": report.cursor,
            "error": report.error,
        },
    )


def pull_subscription(*, subscription: Subscription, acting_user: User | None = None) -> PullReport:
    """Pull what the peer added since the last pull. Never raises for the peer's faults: the
    report (and the subscription's `last_error`) say what went wrong."""
    report = PullReport(subscription_id=subscription.pk, cursor=subscription.added_after)
    user: User | None = acting_user
    try:
        user = _pull_user(subscription, acting_user)
        with OutboundClient() as client:
            _fetch_pages(subscription, user, client, report)
    except (OutboundError, PullError) as error:
        report.error = str(error)
        logger.warning("TAXII pull of subscription %s failed: %s", subscription.pk, error)
    _finish(subscription, user, report)
    return report
