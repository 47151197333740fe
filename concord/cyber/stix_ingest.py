"""The import engine behind `services_stix`: objects are checked one by one (`stix_import`),
stored in batches as `StixObject` rows, mapped to indicators and incidents, and linked by
their `indicates` relationships at the end. The rules it applies are listed in
`services_stix`; the transaction, the access checks and the audit record are the caller's.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import connection, models
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from concord.core import audit
from concord.core.markings import Tlp, is_wider
from concord.core.models import Agency, MemberState, User

from . import access, stix_export, taxonomy
from .canon import CanonError, canonical
from .models import (
    DEFAULT_LIFETIME_DAYS,
    Collection,
    Incident,
    IncidentStatus,
    Indicator,
    Pap,
    Sector,
    Severity,
    StixObject,
)
from .stix_import import (
    MAX_LISTED_PROBLEMS,
    UNKNOWN_KEEP,
    Checked,
    Problem,
    StixImportRejected,
    check_object,
    format_version,
    parse_timestamp,
    simple_pattern,
)
from .warninglists import any_benign, stored_hits

BATCH_SIZE = 1000
REPORT_OBJECTS_LIMIT = 1000  # (id, version) pairs listed in a file import's report
LISTED_WARNINGS = 20
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
ONE_MICROSECOND = timedelta(microseconds=1)
FALLBACK_CLASSIFICATION = "other:undetermined"


@dataclass
class IngestReport:
    total: int = 0
    stored: int = 0
    duplicates: int = 0
    versions: int = 0  # stored objects that are a new version of an id already held
    indicators_created: int = 0
    indicators_updated: int = 0
    incidents_created: int = 0
    incidents_updated: int = 0
    relationships_linked: int = 0
    unknown_kept: int = 0
    refused: int = 0
    warnings: list[str] = field(default_factory=list)
    objects: list[tuple[str, str]] = field(default_factory=list)  # stored (id, version)
    objects_truncated: bool = False
    # TAXII add: per-object outcome (duplicates are successes: a re-submission is idempotent)
    successes: list[tuple[str, str]] = field(default_factory=list)
    failures: list[tuple[str, str, str]] = field(default_factory=list)
    sha256: str = ""
    collection: str = ""


@dataclass(slots=True)
class _Pending:
    checked: Checked
    tlp: Tlp


_Key = tuple[str, str]  # (indicator kind, canonical value)
_Latest = dict[_Key, tuple[_Pending, str, tuple[str, ...]]]  # → (object, value, canon flags)


def max_bytes() -> int:
    return int(getattr(settings, "CYBER_STIX_MAX_BYTES", DEFAULT_MAX_BYTES))


def unknown_types_policy() -> str:
    return str(getattr(settings, "CYBER_STIX_UNKNOWN_TYPES", UNKNOWN_KEEP))


def compact(data: dict[str, Any]) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


# Types whose values go to the database as they are; the others pass through the field.
_PLAIN_FIELDS = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.ForeignKey,
)
_MISSING = object()


def insert_rows(model: type[models.Model], rows: list[dict[str, Any]]) -> None:
    """`bulk_create` for the ingest's hot path: rows as {attname: value} (a missing field takes
    its default), no primary keys coming back.

    Written by hand because Django's bulk_create builds a model instance per row and compiles
    every value through the SQL compiler (field_as_sql, get_db_prep_save, pre_save_val):
    measured at 60 % of the ingest time, against 15 % for the database itself. Here the INSERT
    is built once, each value is prepared only when its type needs it (dates through the
    backend's own adapter, UUIDs and JSON through their field), and the rows go through one
    `executemany`.
    """
    if not rows:
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    adapt_datetime = connection.ops.adapt_datetimefield_value
    prepare: list[Any] = []
    for model_field in fields:
        if isinstance(model_field, models.DateTimeField):
            prepare.append(adapt_datetime)
        elif isinstance(model_field, _PLAIN_FIELDS):
            prepare.append(None)
        else:
            prepare.append(partial(model_field.get_db_prep_save, connection=connection))
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} "  # noqa: S608 - quoted model names only
        f"({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    plan = list(zip(fields, prepare, strict=True))
    params = []
    for row in rows:
        values = []
        for model_field, prep in plan:
            value = row.get(model_field.attname, _MISSING)
            if value is _MISSING:
                value = model_field.get_default()
            values.append(value if prep is None or value is None else prep(value))
        params.append(values)
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


class AddedClock:
    """`date_added` values strictly increasing per collection: after the latest stored one (or
    now), one microsecond apart. The collection row is locked while objects are added."""

    def __init__(self, collection: Collection) -> None:
        Collection.objects.select_for_update().filter(pk=collection.pk).first()
        latest = StixObject.objects.filter(collection=collection).aggregate(
            latest=Max("date_added")
        )["latest"]
        now = timezone.now()
        self.cursor = now if latest is None or latest < now else latest + ONE_MICROSECOND

    def tick(self) -> datetime:
        moment = self.cursor
        self.cursor += ONE_MICROSECOND
        return moment


# Ingest ---------------------------------------------------------------------------------------


def _agency_identities() -> dict[str, Agency]:
    """Our agencies by their STIX identity id."""
    return {stix_export.identity_id(a.code): a for a in Agency.objects.all()}


def _same_side(one: Agency, other: Agency) -> bool:
    """Whether two agencies belong to the same state (or the same body)."""
    if one.state_id is not None:
        return one.state_id == other.state_id
    return one.body_id is not None and one.body_id == other.body_id


class Ingest:
    """One import: objects are checked one by one, stored in batches, mapped to indicators and
    incidents; relationships are linked at the end."""

    def __init__(
        self,
        *,
        person: User,
        collection: Collection,
        requested: Tlp | None,
        atomic_all: bool,
        per_object: bool,
    ) -> None:
        self.person = person
        self.agency = person.agency
        self.collection = collection
        self.requested = requested
        try:
            default = Tlp(collection.default_tlp)
        except ValueError:
            default = Tlp.AMBER
        self.unmarked = requested or default
        self.atomic_all = atomic_all
        self.per_object = per_object
        self.unknown = unknown_types_policy()
        self.identities = _agency_identities()
        self.clock = AddedClock(collection)
        self.report = IngestReport(collection=collection.alias)
        self.problems: list[Problem] = []
        self.problem_count = 0
        self.batch: list[_Pending] = []
        self.relations: list[tuple[str, str]] = []  # (indicator uuid, incident uuid)
        self.aliases: dict[str, str] = {}  # STIX indicator uuid → the native indicator's uid
        self.kept_source: Counter[tuple[str, str]] = Counter()
        self.notes: list[str] = []
        self.note_count = 0

    # checking ---------------------------------------------------------------------------------

    def add(self, index: int, data: object) -> None:
        self.report.total += 1
        checked = check_object(data, index, unknown=self.unknown)
        if isinstance(checked, Problem):
            self.refuse(checked, data)
            return
        problem = self._author_problem(checked)
        if problem:
            self.refuse(Problem(index, checked.id, problem), data)
            return
        if not checked.known:
            self.report.unknown_kept += 1
        if self.atomic_all and self.problem_count:
            return  # the file is refused anyway: only check the rest
        self.batch.append(_Pending(checked, self._marking(checked)))
        if len(self.batch) >= BATCH_SIZE:
            self.flush()

    def refuse(self, problem: Problem, data: object) -> None:
        self.problem_count += 1
        self.report.refused += 1
        if len(self.problems) < MAX_LISTED_PROBLEMS:
            self.problems.append(problem)
        if self.per_object:
            version = ""
            if isinstance(data, dict):
                version = str(data.get("modified") or data.get("created") or "")
            self.report.failures.append((problem.stix_id, version, problem.reason))

    def _author_problem(self, checked: Checked) -> str:
        claimed = [(checked.created_by_ref, False)]
        if checked.type == "identity":
            claimed.append((checked.id, True))
        for identity, is_self in claimed:
            agency = self.identities.get(identity)
            if agency is None or _same_side(agency, self.agency):
                continue
            template = (
                _("this is the identity of %(agency)s; only its own state's agencies publish it")
                if is_self
                else _(
                    "created_by_ref names %(agency)s, an agency of another state: objects "
                    "cannot be published in its name"
                )
            )
            return template % {"agency": agency.code}
        return ""

    def _marking(self, checked: Checked) -> Tlp:
        levels = [
            stix_export.TLP_BY_MARKING_ID[ref]
            for ref in checked.marking_refs
            if ref in stix_export.TLP_BY_MARKING_ID
        ]
        if not levels:
            return self.unmarked
        source = levels[0]
        for level in levels[1:]:
            source = stix_export.narrower(source, level)
        if self.requested is None:
            return source
        if is_wider(self.requested, source):
            self.kept_source[(source.value, self.requested.value)] += 1
            return source
        return self.requested

    def note(self, text: str) -> None:
        self.note_count += 1
        if len(self.notes) < LISTED_WARNINGS:
            self.notes.append(text)

    # storing ----------------------------------------------------------------------------------

    def flush(self) -> None:
        batch, self.batch = self.batch, []
        if not batch or (self.atomic_all and self.problem_count):
            return
        stored: dict[str, set[str]] = {}
        for stix_id, version in StixObject.objects.filter(
            collection=self.collection, stix_id__in={p.checked.id for p in batch}
        ).values_list("stix_id", "version"):
            stored.setdefault(stix_id, set()).add(version)
        rows: list[dict[str, Any]] = []
        new: list[_Pending] = []
        for pending in batch:
            row = self._row(pending, stored)
            if row is not None:
                rows.append(row)
                new.append(pending)
        insert_rows(StixObject, rows)
        self._map_natives(new)

    def _row(self, pending: _Pending, stored: dict[str, set[str]]) -> dict[str, Any] | None:
        checked, report = pending.checked, self.report
        versions = stored.setdefault(checked.id, set())
        version = checked.version
        if (version is None and versions) or version in versions:
            report.duplicates += 1
            if self.per_object:
                report.successes.append((checked.id, version or min(versions)))
            return None
        added = self.clock.tick()
        if version is None:  # unversioned (an SCO): its first arrival is its version
            version = format_version(added)
        if versions:
            report.versions += 1
        versions.add(version)
        report.stored += 1
        if self.per_object:
            report.successes.append((checked.id, version))
        if len(report.objects) < REPORT_OBJECTS_LIMIT or self.per_object:
            report.objects.append((checked.id, version))
        else:
            report.objects_truncated = True
        return {
            "collection_id": self.collection.pk,
            "stix_id": checked.id,
            "type": checked.type,
            "spec_version": str(checked.data.get("spec_version") or "2.1"),
            "version": version,
            "date_added": added,
            "body": compact(checked.data),
            "tlp": pending.tlp.value,
            "owner_agency_id": self.agency.pk,
            "author_id": self.person.pk,
        }

    # native records ---------------------------------------------------------------------------

    def _map_natives(self, new: list[_Pending]) -> None:
        indicators = [p for p in new if p.checked.type == "indicator"]
        incidents = [p for p in new if p.checked.type == "incident"]
        if indicators:
            self._map_indicators(indicators)
        if incidents:
            self._map_incidents(incidents)
        for pending in new:
            data = pending.checked.data
            if pending.checked.type != "relationship" or data.get("relationship_type") != (
                "indicates"
            ):
                continue
            source, target = str(data.get("source_ref", "")), str(data.get("target_ref", ""))
            if source.startswith("indicator--") and target.startswith("incident--"):
                self.relations.append((source[11:].lower(), target[10:].lower()))

    def _latest_indicators(self, pendings: list[_Pending]) -> tuple[_Latest, dict[_Key, list[str]]]:
        """The latest version of each value the batch maps to an indicator, and the STIX ids of
        the other objects that map to the same value."""
        latest: _Latest = {}
        others: dict[_Key, list[str]] = {}
        for pending in pendings:
            data = pending.checked.data
            found = simple_pattern(data.get("pattern"))
            if found is None or data.get("pattern_type", "stix") != "stix":
                continue  # a pattern we keep as STIX only
            try:
                result = canonical(*found)
            except CanonError as error:
                self.note(
                    _("%(id)s is stored but not made an indicator: %(reason)s")
                    % {"id": pending.checked.id, "reason": error}
                )
                continue
            key = (result.kind, result.value)
            current = latest.get(key)
            if current is None or _moment(pending) >= _moment(current[0]):
                if current is not None:
                    others.setdefault(key, []).append(current[0].checked.uuid)
                latest[key] = (pending, found[1], tuple(result.flags))
            else:
                others.setdefault(key, []).append(pending.checked.uuid)
        return latest, others

    def _map_indicators(self, pendings: list[_Pending]) -> None:
        """One indicator per value and agency: a new value is created (its uid the STIX id's
        UUID when free), a held one is updated when this version is at least as recent."""
        latest, others = self._latest_indicators(pendings)
        if not latest:
            return
        by_kind: dict[str, list[str]] = {}
        for kind, canonical_value in latest:
            by_kind.setdefault(kind, []).append(canonical_value)
        held = Q()
        for kind, values in by_kind.items():  # (kind, canonical): the unique index's order
            held |= Q(kind=kind, canonical__in=values)
        existing = {
            (row.kind, row.canonical): row
            for row in Indicator.objects.filter(held, owner_agency=self.agency)
        }
        wanted = [p.checked.uuid for key, (p, _v, _f) in latest.items() if key not in existing]
        taken = {
            str(u) for u in Indicator.objects.filter(uid__in=wanted).values_list("uid", flat=True)
        }
        created: list[dict[str, Any]] = []
        updated: list[Indicator] = []
        for key, (pending, value, flags) in latest.items():
            fields = self._indicator_fields(pending, key, value, flags)
            row = existing.get(key)
            if row is None:
                uid = (
                    pending.checked.uuid if pending.checked.uuid not in taken else str(uuid.uuid4())
                )
                taken.add(uid)
                fields.update(uid=uid, owner_agency_id=self.agency.pk, author_id=self.person.pk)
                created.append(fields)
                native = uid
            else:
                native = str(row.uid)
                if fields["modified_at"] >= row.modified_at:
                    fields["tlp"] = stix_export.narrower(row.tlp, fields["tlp"])
                    for name in _INDICATOR_UPDATED:
                        setattr(row, name, fields[name])
                    updated.append(row)
            for stix_uuid in [pending.checked.uuid, *others.get(key, [])]:
                if stix_uuid != native:
                    self.aliases[stix_uuid] = native
        insert_rows(Indicator, created)
        Indicator.objects.bulk_update(updated, _INDICATOR_UPDATED, batch_size=500)
        self.report.indicators_created += len(created)
        self.report.indicators_updated += len(updated)

    def _indicator_fields(
        self, pending: _Pending, key: tuple[str, str], value: str, flags: tuple[str, ...]
    ) -> dict[str, Any]:

        data, checked = pending.checked.data, pending.checked
        kind, canonical_value = key
        hits = stored_hits(kind, canonical_value)
        valid_from = parse_timestamp(data.get("valid_from")) or _moment(pending)
        valid_until = parse_timestamp(data.get("valid_until"))
        confidence = data.get("confidence")
        actionable = data.get("x_concord_actionable", True) is not False
        return {
            "kind": kind,
            "value": value[:2048],
            "canonical": canonical_value,
            "description": str(data.get("description") or "")[:10_000],
            "confidence": confidence
            if isinstance(confidence, int) and 0 <= confidence <= 100
            else 50,
            "actionable": actionable and not any_benign(hits),
            "valid_from": valid_from,
            "valid_until": valid_until if valid_until and valid_until > valid_from else None,
            "lifetime_days": DEFAULT_LIFETIME_DAYS.get(kind),
            "warnings": hits + [{"list": "canon", "reason": flag} for flag in flags],
            "tlp": pending.tlp,
            "created_at": parse_timestamp(data.get("created")) or _moment(pending),
            "modified_at": checked.moment or timezone.now(),
        }

    def _map_incidents(self, pendings: list[_Pending]) -> None:
        latest: dict[str, _Pending] = {}
        for pending in pendings:
            current = latest.get(pending.checked.uuid)
            if current is None or _moment(pending) >= _moment(current):
                latest[pending.checked.uuid] = pending
        existing = {str(row.uid): row for row in Incident.objects.filter(uid__in=list(latest))}
        created: list[tuple[Incident, list[str]]] = []
        updated: list[Incident] = []
        for stix_uuid, pending in latest.items():
            fields, states = _incident_fields(pending)
            row = existing.get(stix_uuid)
            if row is None:
                row = Incident(
                    uid=stix_uuid, owner_agency=self.agency, author=self.person, **fields
                )
                created.append((row, states))
            elif row.owner_agency_id != self.agency.pk:
                self.note(
                    _("%(id)s belongs to another agency's incident: stored as STIX only")
                    % {"id": pending.checked.id}
                )
            elif fields["modified_at"] >= row.modified_at:
                fields["tlp"] = stix_export.narrower(row.tlp, fields["tlp"])
                fields.pop("created_at")
                for name, value in fields.items():
                    setattr(row, name, value)
                updated.append(row)
        Incident.objects.bulk_create([row for row, _states in created])
        if updated:
            Incident.objects.bulk_update(updated, [*_INCIDENT_UPDATED])
        codes = {code for _row, states in created for code in states}
        if codes:
            by_code = {s.code: s.pk for s in MemberState.objects.filter(code__in=codes)}
            through = Incident.affected_states.through
            through.objects.bulk_create(
                [
                    through(incident_id=row.pk, memberstate_id=by_code[code])
                    for row, states in created
                    for code in states
                    if code in by_code
                ]
            )
        self.report.incidents_created += len(created)
        self.report.incidents_updated += len(updated)

    # the end ----------------------------------------------------------------------------------

    def finish(self) -> None:
        self.flush()
        if self.atomic_all and self.problem_count:
            return
        self._link()
        report = self.report
        for (source, requested), count in sorted(self.kept_source.items()):
            report.warnings.append(
                _(
                    "%(count)s object(s) kept their source marking TLP:%(source)s: the requested "
                    "TLP:%(requested)s is wider, and an import never lowers a marking"
                )
                % {"count": count, "source": source, "requested": requested}
            )
        report.warnings += self.notes
        if self.note_count > len(self.notes):
            report.warnings.append(
                _("… and %(count)s more") % {"count": self.note_count - len(self.notes)}
            )

    def _link(self) -> None:
        if not self.relations:
            return
        pairs = {(self.aliases.get(s, s), t) for s, t in self.relations}
        indicators = {
            str(uid): pk
            for uid, pk in Indicator.objects.filter(
                owner_agency=self.agency, uid__in={s for s, _t in pairs}
            ).values_list("uid", "pk")
        }
        incidents = {
            str(uid): pk
            for uid, pk in access.incidents_for(self.person)
            .filter(uid__in={t for _s, t in pairs})
            .values_list("uid", "pk")
        }
        through = Indicator.incidents.through
        links = [
            through(indicator_id=indicators[s], incident_id=incidents[t])
            for s, t in sorted(pairs)
            if s in indicators and t in incidents
        ]
        through.objects.bulk_create(links, ignore_conflicts=True)
        self.report.relationships_linked = len(links)

    def raise_if_refused(self, filename: str) -> None:
        if self.problem_count:
            raise StixImportRejected(
                self.problems, filename=filename, more=self.problem_count - len(self.problems)
            )

    def audit(self, *, fmt: str, via: str, filename: str) -> None:
        report = self.report
        audit.record(
            actor=self.person,
            action="cyber.stix.import",
            obj=self.collection,
            summary={
                "via": via,
                "format": fmt,
                "filename": filename,
                "sha256": report.sha256,
                "collection": self.collection.alias,
                "total": report.total,
                "stored": report.stored,
                "duplicates": report.duplicates,
                "versions": report.versions,
                "refused": report.refused,
                "unknown_kept": report.unknown_kept,
                "indicators_created": report.indicators_created,
                "indicators_updated": report.indicators_updated,
                "incidents_created": report.incidents_created,
                "incidents_updated": report.incidents_updated,
                "relationships_linked": report.relationships_linked,
                "requested_tlp": self.requested.value if self.requested else None,
            },
        )


_INDICATOR_UPDATED = (
    "value",
    "description",
    "confidence",
    "actionable",
    "valid_from",
    "valid_until",
    "warnings",
    "tlp",
    "modified_at",
)
_INCIDENT_UPDATED = (
    "title",
    "description",
    "classification",
    "severity",
    "status",
    "pap",
    "sectors",
    "occurred_at",
    "tlp",
    "modified_at",
)


def _moment(pending: _Pending) -> datetime:
    return pending.checked.moment or timezone.now()


def _classification(data: dict[str, Any]) -> str:
    candidates = [data.get("x_concord_classification")]
    candidates += [
        label for label in data.get("labels") or [] if str(label).lower().startswith("rsit:")
    ]
    for candidate in candidates:
        if isinstance(candidate, str):
            tag = taxonomy.normalise(candidate).replace("=", ":")
            if taxonomy.is_valid(tag):
                return tag
    return FALLBACK_CLASSIFICATION


def _severity(data: dict[str, Any], extension: dict[str, Any]) -> str:
    value = data.get("x_concord_severity")
    if value in Severity.values:
        return str(value)
    criticality = extension.get("criticality")
    if isinstance(criticality, int):
        for threshold, level in (
            (90, Severity.CRITICAL),
            (70, Severity.HIGH),
            (40, Severity.MEDIUM),
        ):
            if criticality >= threshold:
                return level
        return Severity.LOW
    return Severity.MEDIUM


def _incident_fields(pending: _Pending) -> tuple[dict[str, Any], list[str]]:
    data = pending.checked.data
    extension = (data.get("extensions") or {}).get(stix_export.INCIDENT_EXTENSION) or {}
    if not isinstance(extension, dict):
        extension = {}
    status = data.get("x_concord_status") or extension.get("investigation_status")
    pap = data.get("x_concord_pap")
    if pap not in Pap.values:
        paps = [
            p
            for p, (ref, _c) in stix_export.PAP_MARKINGS.items()
            if ref in pending.checked.marking_refs
        ]
        pap = paps[-1] if paps else Pap.AMBER
    sectors = data.get("x_concord_sectors") or []
    states = data.get("x_concord_affected_states") or []
    fields = {
        "title": str(data.get("name") or _("(untitled incident)"))[:300],
        "description": str(data.get("description") or "")[:100_000],
        "classification": _classification(data),
        "severity": _severity(data, extension),
        "status": status if status in IncidentStatus.values else IncidentStatus.NEW,
        "pap": pap,
        "sectors": [s for s in sectors if s in Sector.values] if isinstance(sectors, list) else [],
        "occurred_at": parse_timestamp(data.get("x_concord_occurred")),
        "tlp": pending.tlp,
        "created_at": parse_timestamp(data.get("created")) or _moment(pending),
        "modified_at": _moment(pending),
    }
    return fields, [str(s) for s in states] if isinstance(states, list) else []
