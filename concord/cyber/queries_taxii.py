"""Reads of the TAXII 2.1 server: collections, pages of stored objects, manifests, versions,
status resources, and the subscriptions due for a pull.

A page is one SQL query whatever its size: the visibility rule (core's chokepoint, through
`access.objects_for`) and the version filter are subqueries of the page query, and the stored
JSON text comes back as it is, to be joined into the envelope without being parsed.

Paging: `date_added` is unique per collection, so the cursor is the last `date_added` served
(`next` is that timestamp, base64-encoded so clients treat it as opaque). Objects added while a
client pages get a later `date_added` and turn up on a later page: nothing is lost or repeated.
"""

from __future__ import annotations

import base64
import binascii
import operator
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import reduce
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from concord.core.access import AnyUser

from . import access
from .models import AddStatus, Collection, StixObject, Subscription

DEFAULT_PAGE_SIZE = 1000
MAX_PAGE_SIZE = 1000
_CURSOR_PREFIX = "c1:"


class FilterError(ValueError):
    """A filter or paging parameter the server cannot use (HTTP 400)."""


def page_size_limits() -> tuple[int, int]:
    """(default, maximum) objects per page: both `settings.TAXII_PAGE_SIZE` (1000)."""
    maximum = int(getattr(settings, "TAXII_PAGE_SIZE", MAX_PAGE_SIZE))
    return maximum, maximum


def taxii_timestamp(moment: datetime) -> str:
    """A TAXII timestamp with microsecond precision, e.g. 2024-05-01T10:00:00.000000Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_timestamp(text: str, *, name: str) -> datetime:
    """An RFC 3339 timestamp with a time zone (normally `Z`), or FilterError naming `name`."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise FilterError(
            _("%(name)s must be a timestamp like 2024-05-01T10:00:00Z, got %(text)r")
            % {"name": name, "text": text}
        )
    return moment.astimezone(UTC)


def encode_cursor(moment: datetime) -> str:
    raw = (_CURSOR_PREFIX + taxii_timestamp(moment)).encode("ascii")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(token: str) -> datetime:
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    if not text.startswith(_CURSOR_PREFIX):
        raise FilterError(_("next %(token)r is not a cursor this server issued") % {"token": token})
    return parse_timestamp(text.removeprefix(_CURSOR_PREFIX), name="next")


def version_forms(text: str) -> tuple[str, ...]:
    """The spellings a STIX timestamp may be stored under (seconds, milliseconds, microseconds,
    trailing zeros trimmed), so `match[version]=<timestamp>` finds the version however the
    client and the original producer wrote it."""
    moment = parse_timestamp(text, name="match[version]")
    base = moment.strftime("%Y-%m-%dT%H:%M:%S")
    micro = moment.strftime("%f")
    forms = {text.strip(), f"{base}.{micro}Z"}
    if moment.microsecond == 0:
        forms.add(f"{base}Z")
    else:
        forms.add(f"{base}.{micro.rstrip('0')}Z")
    if moment.microsecond % 1000 == 0:
        forms.add(f"{base}.{micro[:3]}Z")
    return tuple(sorted(forms))


@dataclass(frozen=True)
class Filters:
    """The filters of one request (TAXII 2.1 section 3.5), already checked."""

    limit: int = DEFAULT_PAGE_SIZE
    added_after: datetime | None = None
    after: datetime | None = None  # from `next`
    ids: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    versions: tuple[str, ...] = ("last",)
    spec_versions: tuple[str, ...] = ()

    @property
    def start(self) -> datetime | None:
        moments = [m for m in (self.added_after, self.after) if m is not None]
        return max(moments) if moments else None


@dataclass(frozen=True)
class Page:
    """One page: `rows` are tuples of the requested fields (the last one is `date_added`)."""

    rows: list[tuple[Any, ...]]
    more: bool
    next: str | None

    @property
    def first_added(self) -> datetime | None:
        return self.rows[0][-1] if self.rows else None

    @property
    def last_added(self) -> datetime | None:
        return self.rows[-1][-1] if self.rows else None


# Collections and status ---------------------------------------------------------------------


def collections(user: AnyUser) -> QuerySet[Collection]:
    return access.collections_for(user).order_by("alias")


def collection(user: AnyUser, collection_id: str) -> Collection | None:
    """The collection with this TAXII id if the user sees it, else None (unseen = unknown)."""
    try:
        uid = uuid.UUID(collection_id)
    except ValueError:
        return None
    return access.collections_for(user).filter(uid=uid).first()


def add_status(user: AnyUser, status_id: str) -> AddStatus | None:
    """A status resource: only the user who made the request sees it."""
    try:
        uid = uuid.UUID(status_id)
    except ValueError:
        return None
    person = access.reader(user)
    return AddStatus.objects.filter(uid=uid, user=person).first()


# Objects --------------------------------------------------------------------------------------


def _version_filter(visible: QuerySet[StixObject], versions: tuple[str, ...]) -> Q | None:
    """`last` and `first` are the newest and oldest version of an id *among those the user
    sees*, as NOT EXISTS subqueries on the (collection, stix_id, version) index."""
    if "all" in versions:
        return None
    parts: list[Q] = []
    stamps: list[str] = []
    for value in versions:
        if value == "last":
            newer = visible.filter(stix_id=OuterRef("stix_id"), version__gt=OuterRef("version"))
            parts.append(~Q(Exists(newer)))
        elif value == "first":
            older = visible.filter(stix_id=OuterRef("stix_id"), version__lt=OuterRef("version"))
            parts.append(~Q(Exists(older)))
        else:
            stamps.extend(version_forms(value))
    if stamps:
        parts.append(Q(version__in=stamps))
    return reduce(operator.or_, parts)


def matching(user: AnyUser, collection: Collection, filters: Filters) -> QuerySet[StixObject]:
    """The stored versions the user sees that match the filters (not yet paged)."""
    visible = access.objects_for(user, collection)
    found = visible
    if filters.ids:
        found = found.filter(stix_id__in=filters.ids)
    if filters.types:
        found = found.filter(type__in=filters.types)
    if filters.spec_versions:
        found = found.filter(spec_version__in=filters.spec_versions)
    version_q = _version_filter(visible, filters.versions)
    if version_q is not None:
        found = found.filter(version_q)
    return found


def _page(found: QuerySet[StixObject], filters: Filters, *fields: str) -> Page:
    start = filters.start
    if start is not None:
        found = found.filter(date_added__gt=start)
    rows = list(
        found.order_by("date_added").values_list(*fields, "date_added")[: filters.limit + 1]
    )
    more = len(rows) > filters.limit
    del rows[filters.limit :]
    return Page(rows, more, encode_cursor(rows[-1][-1]) if more else None)


def object_page(user: AnyUser, collection: Collection, filters: Filters) -> Page:
    """Rows of (stored JSON text, date_added)."""
    return _page(matching(user, collection, filters), filters, "body")


def manifest_page(user: AnyUser, collection: Collection, filters: Filters) -> Page:
    """Rows of (stix_id, version, spec_version, date_added)."""
    return _page(matching(user, collection, filters), filters, "stix_id", "version", "spec_version")


def versions_page(user: AnyUser, collection: Collection, filters: Filters) -> Page:
    """Rows of (version, date_added) of the ids in the filters."""
    return _page(matching(user, collection, filters), filters, "version")


# Subscriptions --------------------------------------------------------------------------------


def due_subscriptions(*, now: datetime | None = None) -> list[Subscription]:
    """Enabled subscriptions never pulled, or last pulled at least their interval ago."""
    moment = now or timezone.now()
    return [
        subscription
        for subscription in Subscription.objects.filter(enabled=True).select_related("target")
        if subscription.last_pulled_at is None
        or (moment - subscription.last_pulled_at).total_seconds()
        >= subscription.interval_minutes * 60
    ]
