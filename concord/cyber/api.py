"""`/api/v1/cyber`: incidents and indicators, STIX import and export, the resource registry.
Each part has its own router module; permissions are decided in `access.py` and the services."""

from __future__ import annotations

from ninja import Router

from .api_incidents import router as incidents_router
from .api_registry import router as registry_router
from .api_stix import router as stix_router

router = Router(tags=["cyber"])
router.add_router("", incidents_router)
router.add_router("", registry_router)
router.add_router("", stix_router)
