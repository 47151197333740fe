"""Stored STIX objects and collections for the TAXII tests, written straight into the store
(the ingest service has its own tests)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

from concord.core.markings import Tlp
from concord.core.models import User
from concord.core.services import api_token_create
from concord.cyber.models import Collection, StixObject

BASE = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
TLP_IDS = {
    Tlp.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    Tlp.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    Tlp.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    Tlp.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    Tlp.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}


def make_collection(owner: User, *, alias: str = "shared", tlp: str = Tlp.GREEN, **extra: object):
    return Collection._default_manager.create(
        alias=alias,
        title=extra.pop("title", f"Collection {alias}"),
        tlp=tlp,
        owner_agency=owner.agency,
        author=owner,
        **extra,
    )


def indicator_body(stix_id: str, version: str, *, tlp: str = Tlp.GREEN, name: str = "") -> str:
    """Compact JSON as the store keeps it, keys in STIX's usual order."""
    return json.dumps(
        {
            "type": "indicator",
            "spec_version": "2.1",
            "id": stix_id,
            "created": "2024-01-01T00:00:00.000Z",
            "modified": version,
            "name": name or f"indicator {stix_id[-4:]}",
            "pattern": "[ipv4-addr:value = '198.51.100.7']",
            "pattern_type": "stix",
            "valid_from": "2024-01-01T00:00:00Z",
            "object_marking_refs": [TLP_IDS[tlp]],
        },
        separators=(",", ":"),
    )


def new_id(kind: str = "indicator") -> str:
    return f"{kind}--{uuid.uuid4()}"


def stored(
    collection: Collection,
    author: User,
    *,
    n: int,
    tlp: str = Tlp.GREEN,
    stix_id: str = "",
    version: str = "2024-01-01T00:00:00.000Z",
    kind: str = "indicator",
    spec_version: str = "2.1",
    body: str = "",
) -> StixObject:
    """Object number `n` of a test: date_added is BASE + n seconds (unique and ordered)."""
    stix_id = stix_id or new_id(kind)
    return StixObject.objects.create(
        collection=collection,
        stix_id=stix_id,
        type=kind,
        spec_version=spec_version,
        version=version,
        date_added=BASE + timedelta(seconds=n),
        body=body or indicator_body(stix_id, version, tlp=tlp),
        tlp=tlp,
        owner_agency=author.agency,
        author=author,
    )


def token_for(user: User) -> str:
    return api_token_create(acting_user=None, user=user, label="taxii tests").raw


def bearer(user: User) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token_for(user)}"}
