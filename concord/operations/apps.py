from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    """Joint operations ("Channel", "Illegal migrant", …): stages, results, statistics."""

    name = "concord.operations"
    label = "operations"
    verbose_name = _("Joint operations")
    demo_loader = "concord.operations.demo.load"
    tile: dict[str, object] = {
        "url_name": "operations:home",
        "title": _("Joint operations"),
        "description": _(
            "“Channel”, “Illegal migrant” and other joint operations: stages, participants, "
            "results reported by each country, statistics and reports."
        ),
    }
