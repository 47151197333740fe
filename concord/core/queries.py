"""Reads in core that more than one interface needs."""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.db.models import Prefetch, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from . import access
from .models import Agency, Body, Chairmanship, ChairmanshipPriority, MemberState, Notice, User


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


def notices_for(user: User) -> QuerySet[Notice]:
    return access.visible(Notice.objects.select_related("owner_agency"), user)[:10]
