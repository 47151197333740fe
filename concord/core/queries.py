"""Reads in core that more than one interface needs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.apps import apps
from django.db import connection
from django.db.models import Prefetch, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from . import access
from .models import (
    Agency,
    ApiToken,
    Body,
    Chairmanship,
    ChairmanshipPriority,
    MemberState,
    Notice,
    User,
)


@dataclass(frozen=True)
class Tile:
    url: str
    title: str
    description: str


def module_tiles() -> list[Tile]:
    """One tile per installed module that declares one; modules not built yet do not appear."""
    tiles = []
    for config in apps.get_app_configs():
        tile = getattr(config, "tile", None)
        if not tile:
            continue
        try:
            url = reverse(tile["url_name"])
        except NoReverseMatch:
            continue
        tiles.append(Tile(url=url, title=str(tile["title"]), description=str(tile["description"])))
    return tiles


def current_chairmanship() -> Chairmanship | None:
    """The chairmanship of this year, or the latest one on record before it."""
    return (
        Chairmanship.objects.filter(year__lte=timezone.localdate().year)
        .select_related("state")
        .prefetch_related(Prefetch("priorities", ChairmanshipPriority.objects.order_by("position")))
        .order_by("-year")
        .first()
    )


def member_states() -> QuerySet[MemberState]:
    return MemberState.objects.current().select_related("country").order_by("code")


def bodies() -> QuerySet[Body]:
    return Body.objects.select_related("parent").order_by("position", "code")


def agencies(*, state_code: str | None = None) -> QuerySet[Agency]:
    rows = Agency.objects.select_related("state", "body").order_by("code")
    if state_code:
        rows = rows.filter(state__code=state_code.upper())
    return rows


def token_user(*, token_hash: str, stale_before: datetime) -> User | None:
    """The active user holding an unrevoked token with this hash, or None.

    Every API call from a machine runs this, so it is one hand-written query rather than an ORM
    chain: building the equivalent QuerySet costs about ten times what SQLite takes to run it
    (measured in bench/core). The user comes back with two extra attributes: `api_token_id`, and
    `api_token_stale` (true when the token was last used before `stale_before`).
    """
    quote = connection.ops.quote_name
    user_table, token_table = quote(User._meta.db_table), quote(ApiToken._meta.db_table)
    # Only our own models' table names are formatted in; values go as parameters.
    sql = (
        f"SELECT u.*, t.id AS api_token_id, "  # noqa: S608
        f"CASE WHEN t.last_used_at IS NULL OR t.last_used_at < %s THEN 1 ELSE 0 END "
        f"AS api_token_stale "
        f"FROM {user_table} u JOIN {token_table} t ON t.user_id = u.id "
        f"WHERE t.token_hash = %s AND t.revoked_at IS NULL AND u.is_active = %s"
    )
    params = [connection.ops.adapt_datetimefield_value(stale_before), token_hash, True]
    return next(iter(User.objects.raw(sql, params)), None)


def notices_for(user: User) -> QuerySet[Notice]:
    return access.visible(Notice.objects.select_related("owner_agency"), user)[:10]
