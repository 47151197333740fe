"""TLP 2.0 markings: the levels, their order of width, and the rule that re-sharing never widens.

https://www.first.org/tlp/ — CLEAR is the widest audience, RED the narrowest.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Tlp(models.TextChoices):
    CLEAR = "CLEAR", _("TLP:CLEAR")
    GREEN = "GREEN", _("TLP:GREEN")
    AMBER = "AMBER", _("TLP:AMBER")
    AMBER_STRICT = "AMBER+STRICT", _("TLP:AMBER+STRICT")
    RED = "RED", _("TLP:RED")


# Width of each marking's audience: a larger number reaches more people.
_WIDTH = {
    Tlp.RED: 0,
    Tlp.AMBER_STRICT: 1,
    Tlp.AMBER: 2,
    Tlp.GREEN: 3,
    Tlp.CLEAR: 4,
}


class MarkingError(ValueError):
    """A marking that is unknown, or wider than the rules allow."""


def parse_tlp(value: str) -> Tlp:
    """`Tlp` from its value, with or without the `TLP:` prefix; anything else is refused."""
    text = value.strip().upper().removeprefix("TLP:")
    try:
        return Tlp(text)
    except ValueError:
        raise MarkingError(
            gettext("unknown TLP marking %(value)s") % {"value": repr(value)}
        ) from None


def width(tlp: str) -> int:
    """How wide a marking's audience is; unknown markings raise (fail closed)."""
    try:
        return _WIDTH[Tlp(tlp)]
    except ValueError:
        raise MarkingError(
            gettext("unknown TLP marking %(value)s") % {"value": repr(tlp)}
        ) from None


def is_wider(new: str, old: str) -> bool:
    """True when `new` reaches a wider audience than `old`."""
    return width(new) > width(old)


def derived_marking(source: str, requested: str | None = None) -> Tlp:
    """The marking of a record derived from (re-shared out of) a record marked `source`.

    A re-share keeps the source marking or narrows it; asking for a wider one is refused.
    """
    if requested is None:
        return Tlp(source)
    if is_wider(requested, source):
        raise MarkingError(
            gettext(
                "a record marked TLP:%(source)s cannot be re-shared as TLP:%(requested)s: "
                "only its owner may widen a marking"
            )
            % {"source": source, "requested": requested}
        )
    return Tlp(requested)
