from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrisisConfig(AppConfig):
    """The Crisis Response Centre: events, the offline map, regions of concern, alerts and
    situation reports."""

    name = "concord.crisis"
    label = "crisis"
    verbose_name = _("Crisis Response Centre")
    demo_loader = "concord.crisis.demo.load"
    tile: dict[str, object] = {
        "url_name": "crisis:home",
        "title": _("Crisis Response Centre"),
        "description": _(
            "Armed incidents, terrorist acts, natural and man-made disasters on an offline map; "
            "regions of concern, alerts and situation reports."
        ),
    }
