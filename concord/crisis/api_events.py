"""(Stub written by the lead; a helper fills it in.)"""

from __future__ import annotations

from ninja import Router

router = Router(tags=["crisis"])
