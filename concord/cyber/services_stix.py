"""Writes to the STIX object store: bundle and MISP imports, TAXII adds and deletes, publishing
our own records; and STIX exports of what a user may see.

Rules every import follows (README invariants):
- A marking the source carried is never lowered: an object's stored TLP is the narrower of its
  source marking (TLP 2.0 or 1.0 `object_marking_refs`) and the requested one; asking for a
  wider one keeps the source's, with a warning. Unmarked objects take the requested marking,
  else the collection's default, else AMBER. The JSON body is stored exactly as received.
- `created_by_ref` (or an `identity` object) naming an agency of another state (or body) than
  the importer's is refused as spoofing; identities that are not our agencies are external
  sources and welcome.
- The same id with another `modified` is a new version (every version is kept; the latest
  drives the indicator or incident made from it); the same id and `modified` again is a
  duplicate and skipped, so a re-submitted file changes nothing.
- File imports are all or nothing and name every refused object; TAXII adds accept what they
  can and report the rest.
- One audit record per import, not one per object.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from concord.core import audit
from concord.core.markings import Tlp, parse_tlp
from concord.core.models import Agency, User

from . import access, stix_export
from .models import Collection, Incident, Indicator, StixObject
from .stix_import import (
    BundleReader,
    BundleTooLarge,
    Problem,
    Readable,
    StixImportRejected,
    misp_to_stix,
    normalise_version,
)
from .stix_ingest import AddedClock, Ingest, IngestReport, compact, max_bytes

DEFAULT_COLLECTION = "concord"

__all__ = [
    "BundleTooLarge",
    "IngestReport",
    "StixImportRejected",
    "default_collection",
    "delete_object",
    "export_bundle",
    "ingest_bundle",
    "ingest_objects",
    "publish_record",
]
# Collections ----------------------------------------------------------------------------------


def default_collection(*, creator: User) -> Collection:
    """The shared collection `concord` (TLP:GREEN, writable), created on first use and owned by
    the Secretariat (or the creator's agency where there is no Secretariat)."""
    found = Collection.objects.filter(alias=DEFAULT_COLLECTION).first()
    if found is not None:
        return found
    owner = Agency.objects.filter(code="SEC").first() or creator.agency
    collection, _created = Collection.objects.get_or_create(
        alias=DEFAULT_COLLECTION,
        defaults={
            "title": "Concord shared objects",
            "description": "Incidents and indicators published by the member states' agencies.",
            "tlp": Tlp.GREEN,
            "default_tlp": Tlp.AMBER,
            "owner_agency": owner,
            "author": creator,
        },
    )
    return collection


def _writable(person: User, collection: Collection | None) -> Collection:
    target = collection or default_collection(creator=person)
    if not access.can_write_collection(target, person):
        raise PermissionDenied(
            _("you cannot add objects to the collection %(alias)s") % {"alias": target.alias}
        )
    return target


@transaction.atomic
def ingest_bundle(
    *,
    acting_user: User,
    source: bytes | Readable,
    collection: Collection | None = None,
    tlp: str | None = None,
    fmt: Literal["stix", "misp"] = "stix",
    filename: str = "",
) -> IngestReport:
    """Import a STIX 2.1 bundle (streamed) or a MISP event into a collection (the shared one by
    default): all or nothing, `StixImportRejected` naming every refused object, `BundleTooLarge`
    over the size limit."""
    person = access.editor(acting_user)
    target = _writable(person, collection)
    requested = parse_tlp(tlp) if tlp else None
    limit = max_bytes()
    run = Ingest(
        person=person, collection=target, requested=requested, atomic_all=True, per_object=False
    )
    if fmt == "misp":
        raw = source if isinstance(source, bytes) else source.read(limit + 1)
        if len(raw) > limit:
            raise BundleTooLarge(limit)
        reader = BundleReader(misp_to_stix(raw), max_bytes=1 << 62)
        run.report.sha256 = hashlib.sha256(raw).hexdigest()
    elif fmt == "stix":
        reader = BundleReader(source, max_bytes=limit)
    else:
        raise StixImportRejected([Problem(None, "", _("unknown format %(fmt)s") % {"fmt": fmt})])
    for index, data in reader:
        run.add(index, data)
    for problem in reader.problems:
        run.refuse(problem, None)
    run.finish()
    if fmt == "stix":
        run.report.sha256 = reader.sha256
    run.raise_if_refused(filename)
    run.audit(fmt=fmt, via="file", filename=filename)
    return run.report


@transaction.atomic
def ingest_objects(
    *,
    acting_user: User,
    collection: Collection,
    objects: list[dict[str, Any]],
    atomic_all: bool = False,
) -> IngestReport:
    """Add already-parsed objects (a TAXII `add objects` envelope). Each refused object is
    listed in `failures` and the others are stored, unless `atomic_all`."""
    person = access.editor(acting_user)
    target = _writable(person, collection)
    run = Ingest(
        person=person, collection=target, requested=None, atomic_all=atomic_all, per_object=True
    )
    for index, data in enumerate(objects):
        run.add(index, data)
    run.finish()
    if atomic_all:
        run.raise_if_refused("")
    run.audit(fmt="stix", via="taxii", filename="")
    return run.report


# Publishing our records -----------------------------------------------------------------------


def _share_ids(obj: Any) -> dict[str, set[int]]:
    return {
        name: set(getattr(obj, name).values_list("pk", flat=True))
        for name in ("shared_states", "shared_bodies", "shared_agencies", "shared_users")
    }


def _put(
    collection: Collection,
    clock: AddedClock | None,
    body: dict[str, Any],
    *,
    tlp: str,
    owner: Agency,
    author: User,
    shares: dict[str, set[int]],
) -> tuple[StixObject, AddedClock | None]:
    """Store one version of one object (or refresh it when that version is already there)."""
    version = normalise_version(str(body.get("modified") or body.get("created")))
    assert version is not None  # noqa: S101 - we wrote the timestamp ourselves
    row = StixObject.objects.filter(
        collection=collection, stix_id=body["id"], version=version
    ).first()
    if row is None:
        clock = clock or AddedClock(collection)
        row = StixObject(
            collection=collection,
            stix_id=body["id"],
            type=body["type"],
            version=version,
            date_added=clock.tick(),
        )
    row.body, row.tlp, row.owner_agency, row.author = compact(body), tlp, owner, author
    row.save()
    for name, ids in shares.items():
        getattr(row, name).set(ids)
    return row, clock


def publish_record(
    *, obj: Incident | Indicator, collection: Collection | None = None
) -> StixObject:
    """Write the record's current STIX form as a version in a collection (the shared one by
    default), with the record's marking, owner, author and share lists; an indicator brings
    its `indicates` relationships (marked as the narrower of the two records, shared with
    whom both are shared). The owner agency's identity is stored once. Runs inside the
    caller's transaction; the caller's audit record covers it."""
    target = collection or default_collection(creator=obj.author)
    clock: AddedClock | None = None
    owner = obj.owner_agency
    identity = stix_export.to_dict(stix_export.identity_for(owner))
    if not StixObject.objects.filter(collection=target, stix_id=identity["id"]).exists():
        _row, clock = _put(
            target, clock, identity, tlp=Tlp.GREEN, owner=owner, author=obj.author, shares={}
        )
    stix = (
        stix_export.incident_to_stix(obj)
        if isinstance(obj, Incident)
        else stix_export.indicator_to_stix(obj)
    )
    shares = _share_ids(obj)
    row, clock = _put(
        target, clock, stix_export.to_dict(stix), tlp=obj.tlp, owner=owner, author=obj.author,
        shares=shares,
    )  # fmt: skip
    if isinstance(obj, Indicator):
        for incident in obj.incidents.select_related("owner_agency"):
            both = _share_ids(incident)
            link = stix_export.to_dict(stix_export.relationship(obj, incident))
            _unused, clock = _put(
                target, clock, link,
                tlp=stix_export.narrower(obj.tlp, incident.tlp), owner=owner, author=obj.author,
                shares={name: ids & both[name] for name, ids in shares.items()},
            )  # fmt: skip
    return row


@transaction.atomic
def delete_object(
    *, acting_user: User, collection: Collection, stix_id: str, version: str | None = None
) -> int:
    """Delete an object (every version, or one) from a collection (TAXII delete). Only editors
    of the owner agency delete; an object the user does not see is 404."""
    person = access.editor(acting_user)
    rows = access.objects_for(person, collection).filter(stix_id=stix_id)
    if version is not None:
        rows = rows.filter(version=normalise_version(version) or version)
    found = list(rows.values_list("pk", "owner_agency_id", "version"))
    if not found:
        raise Http404(_("no such object"))
    if any(owner != person.agency_id for _pk, owner, _v in found):
        audit.record_denied(actor=person, obj=collection, reason="write")
        raise PermissionDenied(_("this object belongs to another agency"))
    StixObject.objects.filter(pk__in=[pk for pk, _o, _v in found]).delete()
    audit.record(
        actor=person,
        action="cyber.stix.delete",
        obj=collection,
        summary={
            "collection": collection.alias,
            "stix_id": stix_id,
            "versions": sorted(v for _pk, _o, v in found),
        },
    )
    return len(found)


# Export ---------------------------------------------------------------------------------------


def _uids(values: Iterable[object] | None) -> list[str]:
    result = []
    for value in values or ():
        text = str(getattr(value, "uid", value))
        try:
            result.append(str(uuid.UUID(text.rsplit("--", maxsplit=1)[-1])))
        except ValueError:
            raise Http404(_("no such record")) from None
    return result


@transaction.atomic
def export_bundle(
    *,
    acting_user: User,
    incidents: Iterable[Incident | uuid.UUID | str] | None = None,
    indicators: Iterable[Indicator | uuid.UUID | str] | None = None,
) -> dict[str, Any]:
    """A STIX bundle of the incidents (with the indicators of theirs the user sees) and the
    indicators asked for. A record the user does not see is 404, as if it did not exist."""
    person = access.reader(acting_user)
    incident_uids, indicator_uids = _uids(incidents), _uids(indicators)
    related = "owner_agency__state", "owner_agency__body"
    incident_rows = list(
        access.incidents_for(person).filter(uid__in=incident_uids).select_related(*related)
    )
    indicator_rows = list(
        access.indicators_for(person)
        .filter(uid__in=indicator_uids)
        .select_related(*related)
        .prefetch_related("incidents")
    )
    if len(incident_rows) != len(set(incident_uids)) or len(indicator_rows) != len(
        set(indicator_uids)
    ):
        raise Http404(_("no such record"))
    if incident_rows:
        indicator_rows += list(
            access.indicators_for(person)
            .filter(incidents__in=incident_rows)
            .exclude(uid__in=indicator_uids)
            .distinct()
            .select_related(*related)
            .prefetch_related("incidents")
        )
    bundle = stix_export.bundle_for(incidents=incident_rows, indicators=indicator_rows)
    audit.record(
        actor=person,
        action="cyber.stix.export",
        summary={
            "incidents": sorted(str(i.uid) for i in incident_rows),
            "indicators": len(indicator_rows),
            "bundle": bundle["id"],
        },
    )
    return bundle
