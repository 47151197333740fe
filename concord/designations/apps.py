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

    def ready(self) -> None:
        # logic-v2 and pymorphy3 load their data on first use (seconds); warm them in the
        # background so the first screening request does not pay for it.
        from .matching import engine

        engine.warm_up_in_background()
