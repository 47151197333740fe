"""`/api/v1/crisis`: events (list, GeoJSON, one event, recording), imports, regions, alerts and
situation reports. Each part lives in its own module; permissions are decided in `access.py`
and the services, endpoints only translate."""

from __future__ import annotations

from ninja import Router

from . import api_alerts, api_events, api_imports, api_regions, api_sitreps

router = Router(tags=["crisis"])
# Imports first: `/events/import` must not be taken for an event's `/events/{uid}`.
router.add_router("", api_imports.router)
router.add_router("", api_events.router)
router.add_router("", api_regions.router)
router.add_router("", api_alerts.router)
router.add_router("", api_sitreps.router)
