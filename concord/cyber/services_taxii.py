"""Writes of the TAXII 2.1 server: an `add objects` request and its status resource.

The objects themselves are stored by `services_stix.ingest_objects` (markings, ownership,
versions, its own audit record); this records the request's status resource in the same
transaction, so a status exists exactly when its objects were committed.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from concord.core import audit
from concord.core.models import User

from .models import AddStatus, Collection
from .services_stix import ingest_objects


@transaction.atomic
def taxii_objects_add(
    *, acting_user: User, collection: Collection, objects: list[dict[str, Any]]
) -> AddStatus:
    """Ingest the objects of one TAXII envelope and record its (complete) status resource."""
    requested_at = timezone.now()
    report = ingest_objects(acting_user=acting_user, collection=collection, objects=objects)
    successes = [{"id": str(i), "version": str(v)} for i, v in report.successes]
    failures = [{"id": str(i), "version": str(v), "message": str(m)} for i, v, m in report.failures]
    status = AddStatus.objects.create(
        collection=collection,
        user=acting_user,
        status=AddStatus.State.COMPLETE,
        request_timestamp=requested_at,
        total_count=len(successes) + len(failures),
        success_count=len(successes),
        failure_count=len(failures),
        pending_count=0,
        successes=successes,
        failures=failures,
    )
    audit.record(
        actor=acting_user,
        action="cyber.taxii.add",
        obj=status,
        summary={
            "collection": str(collection.uid),
            "total": status.total_count,
            "succeeded": status.success_count,
            "failed": status.failure_count,
        },
    )
    return status
