from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DesignationsConfig(AppConfig):
    """National lists of terrorist organisations, their harmonisation and the single list."""

    name = "concord.designations"
    label = "designations"
    verbose_name = _("Single list of terrorist organisations")
    demo_loader = "concord.designations.demo.load"
    tile: dict[str, object] = {
        "url_name": "designations:home",
        "title": _("Single list of terrorist organisations"),
        "description": _(
            "National lists, harmonisation of the gaps between them, the published single list "
            "and name screening."
        ),
    }
    # logic-v2 and pymorphy3 load their data on first use, and the screener takes seconds to
    # build: each server worker does both in the background as it starts.
    warm_up = "concord.designations.screening.warm_up"
