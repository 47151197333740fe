from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Member states, bodies, agencies, users and roles, markings, visibility and the audit chain.

    Every Concord app may declare, on its AppConfig:
    - `demo_loader`: dotted path of a function `(*, password, reset_passwords) -> list` that
      `concord demo` calls, in INSTALLED_APPS order;
    - `tile`: a dict with `url_name`, `title` and `description` for the home page;
    - `warm_up`: dotted path of a function `() -> None` each server worker runs in a background
      thread when it starts (to fill slow caches before the first request needs them).
    """

    name = "concord.core"
    label = "core"
    verbose_name = _("Concord core")
    demo_loader = "concord.core.demo.load"
