from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CyberConfig(AppConfig):
    """Computer incident coordination: incidents, indicators, STIX/TAXII, harmful resources."""

    name = "concord.cyber"
    label = "cyber"
    verbose_name = _("Computer incident coordination")
    demo_loader = "concord.cyber.demo.load"
    tile: dict[str, object] = {
        "url_name": "cyber:home",
        "title": _("Computer incident coordination"),
        "description": _(
            "Incidents and indicators shared between national CERTs under TLP 2.0, STIX 2.1 and "
            "TAXII 2.1, and the joint operation against harmful information resources."
        ),
    }
