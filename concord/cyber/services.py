"""Writes of the cyber module: incidents and their workflow, comments, timeline and attachments,
sharing groups and the release of incidents to them. Indicators and sightings are written in
`services_indicators.py`. Each function is one transaction with its audit event.

Every incident and indicator change ends in `_publish(obj)`, which writes the record's new STIX
version into our TAXII collection so that peers pulling from us get it.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from concord.core import audit
from concord.core import services as core_services
from concord.core.markings import MarkingError, Tlp, parse_tlp
from concord.core.models import Agency, Body, MemberState, Protected, User

from . import access, services_stix, taxonomy
from .models import (
    STATUS_FLOW,
    Attachment,
    Comment,
    Incident,
    IncidentStatus,
    Indicator,
    Pap,
    Sector,
    Severity,
    SharingGroup,
    TimelineEntry,
)

DEFAULT_MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# Clock skew tolerated on a reported time.
FUTURE_SKEW = timedelta(minutes=5)


def _publish(obj: Incident | Indicator) -> None:
    """Write the record's current STIX form into our default TAXII collection, inside the
    caller's transaction."""
    services_stix.publish_record(obj=obj)


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise PermissionDenied(message)


@dataclass(frozen=True)
class Shares:
    """Who a record is shared with, beyond what its marking already admits."""

    states: tuple[MemberState, ...] = ()
    bodies: tuple[Body, ...] = ()
    agencies: tuple[Agency, ...] = ()
    users: tuple[User, ...] = ()

    def apply(self, obj: Protected) -> None:
        obj.shared_states.add(*self.states)
        obj.shared_bodies.add(*self.bodies)
        obj.shared_agencies.add(*self.agencies)
        obj.shared_users.add(*self.users)


def _share_codes(obj: Protected) -> dict[str, list[str]]:
    return {
        "shared_states": sorted(obj.shared_states.values_list("code", flat=True)),
        "shared_bodies": sorted(obj.shared_bodies.values_list("code", flat=True)),
        "shared_agencies": sorted(obj.shared_agencies.values_list("code", flat=True)),
        "shared_users": sorted(obj.shared_users.values_list("username", flat=True)),
    }


def _tlp(value: object) -> Tlp:
    try:
        return parse_tlp(str(value))
    except MarkingError as error:
        raise ValidationError(str(error)) from None


# --- incidents ---------------------------------------------------------------------------------


def _clean_title(value: object) -> str:
    title = " ".join(str(value).split())
    if not title:
        raise ValidationError(_("an incident needs a title"))
    if len(title) > 300:
        raise ValidationError(_("the title is longer than 300 characters"))
    return title


def _clean_classification(value: object) -> str:
    tag = taxonomy.normalise(str(value))
    if not taxonomy.is_valid(tag):
        raise ValidationError(
            _("%(value)s is not an RSIT classification (expected e.g. fraud:phishing)")
            % {"value": repr(value)}
        )
    return tag


def _clean_choice(name: str, value: object) -> str:
    choices, what = {
        "severity": (Severity, _("severity")),
        "pap": (Pap, _("PAP level")),
    }[name]
    text = str(value).strip()
    text = text.upper().removeprefix("PAP:") if name == "pap" else text.lower()
    if text not in choices.values:
        raise ValidationError(
            _("unknown %(what)s %(value)s (known: %(known)s)")
            % {"what": what, "value": repr(value), "known": ", ".join(choices.values)}
        )
    return text


def _clean_sectors(value: Iterable[str]) -> list[str]:
    sectors = list(dict.fromkeys(str(s) for s in value))
    unknown = [s for s in sectors if s not in Sector.values]
    if unknown:
        raise ValidationError(
            _("unknown sector %(value)s (known: %(known)s)")
            % {"value": ", ".join(map(repr, unknown)), "known": ", ".join(Sector.values)}
        )
    return sectors


def _clean_occurred(value: datetime) -> datetime:
    if value > timezone.now() + FUTURE_SKEW:
        raise ValidationError(_("the incident cannot have occurred in the future"))
    return value


_CLEANERS: dict[str, Any] = {
    "title": _clean_title,
    "description": lambda value: str(value).strip(),
    "classification": _clean_classification,
    "severity": lambda value: _clean_choice("severity", value),
    "pap": lambda value: _clean_choice("pap", value),
    "sectors": _clean_sectors,
    "occurred_at": _clean_occurred,
}


def _clean_incident_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Check the fields given (None: not given) and return them in stored form."""
    return {name: _CLEANERS[name](value) for name, value in fields.items() if value is not None}


@transaction.atomic
def incident_create(
    *,
    acting_user: User,
    title: str,
    classification: str,
    description: str = "",
    severity: str = Severity.MEDIUM,
    pap: str = Pap.AMBER,
    tlp: Tlp | str = Tlp.AMBER,
    sectors: Iterable[str] = (),
    affected_states: Iterable[MemberState] = (),
    occurred_at: datetime | None = None,
    sharing_groups: Iterable[SharingGroup] = (),
    shared_states: Iterable[MemberState] = (),
    shared_bodies: Iterable[Body] = (),
    shared_agencies: Iterable[Agency] = (),
    shared_users: Iterable[User] = (),
) -> Incident:
    """Report an incident owned by the author's agency, shared as given and released to the
    sharing groups given."""
    access.editor(acting_user)
    fields = _clean_incident_fields(
        {
            "title": title,
            "description": description,
            "classification": classification,
            "severity": severity,
            "pap": pap,
            "sectors": sectors,
            "occurred_at": occurred_at,
        }
    )
    incident = Incident.objects.create(
        **fields, tlp=_tlp(tlp), owner_agency=acting_user.agency, author=acting_user
    )
    incident.affected_states.set(affected_states)
    Shares(
        tuple(shared_states), tuple(shared_bodies), tuple(shared_agencies), tuple(shared_users)
    ).apply(incident)
    groups = list(sharing_groups)
    _release(incident, groups)
    TimelineEntry.objects.create(
        incident=incident,
        kind=TimelineEntry.Kind.STATUS,
        text=_("reported as %(status)s") % {"status": IncidentStatus.NEW.label},
        author=acting_user,
        at=incident.created_at,
    )
    audit.record(
        actor=acting_user,
        action="cyber.incident.create",
        obj=incident,
        summary={
            "uid": incident.uid,
            "title": incident.title,
            "classification": incident.classification,
            "severity": incident.severity,
            "tlp": incident.tlp,
            "pap": incident.pap,
            "groups": sorted(g.code for g in groups),
            **_share_codes(incident),
        },
    )
    _publish(incident)
    return incident


@transaction.atomic
def incident_update(
    *,
    acting_user: User,
    incident: Incident,
    title: str | None = None,
    description: str | None = None,
    classification: str | None = None,
    severity: str | None = None,
    pap: str | None = None,
    tlp: Tlp | str | None = None,
    sectors: Iterable[str] | None = None,
    affected_states: Iterable[MemberState] | None = None,
    occurred_at: datetime | None = None,
) -> Incident:
    """Change the fields given (None leaves a field as it is). A marking change goes through
    core's `marking_change`, which audits a widening separately."""
    _require(access.can_edit(incident, acting_user), _("only the owner agency may change it"))
    given = {
        "title": title,
        "description": description,
        "classification": classification,
        "severity": severity,
        "pap": pap,
        "sectors": sectors,
        "occurred_at": occurred_at,
    }
    clean = _clean_incident_fields(given)
    changed = sorted(k for k, v in clean.items() if getattr(incident, k) != v)
    for name in changed:
        setattr(incident, name, clean[name])
    if affected_states is not None:
        states = list(affected_states)
        before = set(incident.affected_states.values_list("pk", flat=True))
        if before != {s.pk for s in states}:
            incident.affected_states.set(states)
            changed.append("affected_states")
    if tlp is not None and _tlp(tlp) != incident.tlp:
        core_services.marking_change(acting_user=acting_user, obj=incident, tlp=_tlp(tlp))
        changed.append("tlp")
    if not changed:
        return incident
    incident.modified_at = timezone.now()
    incident.save(update_fields=[*[c for c in clean if c in changed], "modified_at"])
    audit.record(
        actor=acting_user,
        action="cyber.incident.update",
        obj=incident,
        summary={"uid": incident.uid, "changed": sorted(changed)},
    )
    _publish(incident)
    return incident


@transaction.atomic
def incident_set_status(
    *, acting_user: User, incident: Incident, status: str, note: str = ""
) -> Incident:
    """Move an incident along the workflow (`STATUS_FLOW`); the move is a timeline entry."""
    _require(access.can_edit(incident, acting_user), _("only the owner agency may change it"))
    locked = Incident.objects.select_for_update().get(pk=incident.pk)
    old = locked.status
    if status not in IncidentStatus.values:
        raise ValidationError(
            _("unknown status %(value)s (known: %(known)s)")
            % {"value": repr(status), "known": ", ".join(IncidentStatus.values)}
        )
    allowed = STATUS_FLOW[old]
    if status not in allowed:
        raise ValidationError(
            _("an incident that is %(old)s cannot become %(new)s; it may become: %(allowed)s")
            % {
                "old": IncidentStatus(old).label,
                "new": IncidentStatus(status).label,
                "allowed": ", ".join(str(IncidentStatus(s).label) for s in allowed) or "—",
            }
        )
    now = timezone.now()
    incident.status = status
    incident.modified_at = now
    incident.save(update_fields=["status", "modified_at"])
    text = f"{IncidentStatus(old).label} → {IncidentStatus(status).label}"
    TimelineEntry.objects.create(
        incident=incident,
        kind=TimelineEntry.Kind.STATUS,
        text=f"{text}: {note.strip()}" if note.strip() else text,
        author=acting_user,
        at=now,
    )
    audit.record(
        actor=acting_user,
        action="cyber.incident.status",
        obj=incident,
        summary={"uid": incident.uid, "from": old, "to": status, "note": note.strip()},
    )
    _publish(incident)
    return incident


def _check_releasable(incident: Incident) -> None:
    if incident.tlp == Tlp.RED:
        raise ValidationError(
            _(
                "a TLP:RED incident is seen only by its author and the people named in its share "
                "list; release to sharing groups does not apply"
            )
        )


def _release(incident: Incident, groups: list[SharingGroup]) -> None:
    """Add the groups' members to a new incident's share lists and remember the groups."""
    if not groups:
        return
    _check_releasable(incident)
    for group in groups:
        Shares(
            tuple(group.states.all()), tuple(group.bodies.all()), tuple(group.agencies.all())
        ).apply(incident)
    incident.sharing_groups.add(*groups)


@transaction.atomic
def incident_release(
    *, acting_user: User, incident: Incident, groups: Iterable[SharingGroup]
) -> Incident:
    """Release an incident to several sharing groups at once: each group's states, bodies and
    agencies join the incident's share lists (through core's `record_share`, which never widens
    the marking), and so do the incident's own indicators'. A group changed later does not
    change what was released."""
    chosen = list(groups)
    if not chosen:
        raise ValidationError(_("choose at least one sharing group"))
    _require(access.can_edit(incident, acting_user), _("only the owner agency may release it"))
    _check_releasable(incident)
    members = _group_members(chosen)
    own_indicators = incident.indicators.filter(owner_agency_id=incident.owner_agency_id)
    for obj in [incident, *own_indicators]:
        core_services.record_share(acting_user=acting_user, obj=obj, **members)
    incident.sharing_groups.add(*chosen)
    incident.modified_at = timezone.now()
    incident.save(update_fields=["modified_at"])
    audit.record(
        actor=acting_user,
        action="cyber.incident.release",
        obj=incident,
        summary={"uid": incident.uid, "groups": sorted(g.code for g in chosen)},
    )
    for obj in [incident, *own_indicators]:
        _publish(obj)
    return incident


def _group_members(groups: list[SharingGroup]) -> dict[str, Any]:
    states: dict[int, MemberState] = {}
    bodies: dict[int, Body] = {}
    agencies: dict[int, Agency] = {}
    for group in groups:
        states.update((s.pk, s) for s in group.states.all())
        bodies.update((b.pk, b) for b in group.bodies.all())
        agencies.update((a.pk, a) for a in group.agencies.all())
    return {
        "states": list(states.values()),
        "bodies": list(bodies.values()),
        "agencies": list(agencies.values()),
    }


@transaction.atomic
def timeline_add(
    *,
    acting_user: User,
    incident: Incident,
    text: str,
    kind: str = TimelineEntry.Kind.ACTION,
    at: datetime | None = None,
) -> TimelineEntry:
    """A dated action or note in the incident's history (status changes have their own service)."""
    _require(access.can_edit(incident, acting_user), _("only the owner agency may add to it"))
    if kind not in (TimelineEntry.Kind.ACTION, TimelineEntry.Kind.NOTE):
        raise ValidationError(
            _("a timeline entry is an action or a note, not %(value)s") % {"value": repr(kind)}
        )
    if not text.strip():
        raise ValidationError(_("a timeline entry needs text"))
    moment = at or timezone.now()
    if moment > timezone.now() + FUTURE_SKEW:
        raise ValidationError(_("a timeline entry cannot be dated in the future"))
    entry = TimelineEntry.objects.create(
        incident=incident, kind=kind, text=text.strip(), author=acting_user, at=moment
    )
    audit.record(
        actor=acting_user,
        action="cyber.timeline.add",
        obj=incident,
        summary={"uid": incident.uid, "kind": kind, "entry": entry.pk},
    )
    return entry


@transaction.atomic
def comment_add(*, acting_user: User, incident: Incident, text: str) -> Comment:
    """Any active user who sees the incident may comment, in the name of their agency."""
    _require(access.can_comment(incident, acting_user), _("you cannot comment on this incident"))
    if not text.strip():
        raise ValidationError(_("a comment needs text"))
    comment = Comment.objects.create(
        incident=incident, author=acting_user, agency=acting_user.agency, text=text.strip()
    )
    audit.record(
        actor=acting_user,
        action="cyber.comment.add",
        obj=incident,
        summary={"uid": incident.uid, "comment": comment.pk, "agency": acting_user.agency.code},
    )
    return comment


_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\]")


def max_attachment_bytes() -> int:
    return int(getattr(settings, "CYBER_MAX_ATTACHMENT_BYTES", DEFAULT_MAX_ATTACHMENT_BYTES))


@transaction.atomic
def attachment_add(
    *, acting_user: User, incident: Incident, filename: str, data: bytes
) -> Attachment:
    """Attach a file (kept in the database). The content type comes from the file name's
    extension only: the content is never inspected or run."""
    _require(access.can_edit(incident, acting_user), _("only the owner agency may attach files"))
    name = _UNSAFE_NAME.sub("_", PurePath(filename.replace("\\", "/")).name).strip()[:255]
    if not name or name in {".", ".."}:
        raise ValidationError(_("the attached file needs a name"))
    limit = max_attachment_bytes()
    if not data:
        raise ValidationError(_("the file %(name)s is empty") % {"name": name})
    if len(data) > limit:
        raise ValidationError(
            _("the file %(name)s is %(size)s bytes; attachments are limited to %(limit)s bytes")
            % {"name": name, "size": len(data), "limit": limit}
        )
    content_type = mimetypes.guess_type(name, strict=False)[0] or "application/octet-stream"
    attachment = Attachment.objects.create(
        incident=incident,
        filename=name,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
        author=acting_user,
    )
    audit.record(
        actor=acting_user,
        action="cyber.attachment.add",
        obj=incident,
        summary={
            "uid": incident.uid,
            "attachment": attachment.pk,
            "filename": name,
            "size": attachment.size,
            "sha256": attachment.sha256,
        },
    )
    return attachment


# --- sharing groups ----------------------------------------------------------------------------

_GROUP_CODE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def _group_names(name_ru: str, name_en: str) -> tuple[str, str]:
    name_ru, name_en = name_ru.strip(), name_en.strip()
    if not (name_ru or name_en):
        raise ValidationError(_("a sharing group needs a name"))
    return name_ru or name_en, name_en or name_ru


def _set_members(
    group: SharingGroup,
    states: Iterable[MemberState] | None,
    bodies: Iterable[Body] | None,
    agencies: Iterable[Agency] | None,
) -> None:
    if states is not None:
        group.states.set(states)
    if bodies is not None:
        group.bodies.set(bodies)
    if agencies is not None:
        group.agencies.set(agencies)


def _members_summary(group: SharingGroup) -> dict[str, list[str]]:
    return {
        "states": sorted(group.states.values_list("code", flat=True)),
        "bodies": sorted(group.bodies.values_list("code", flat=True)),
        "agencies": sorted(group.agencies.values_list("code", flat=True)),
    }


@transaction.atomic
def sharing_group_create(
    *,
    acting_user: User,
    code: str,
    name_ru: str,
    name_en: str,
    description: str = "",
    states: Iterable[MemberState] = (),
    bodies: Iterable[Body] = (),
    agencies: Iterable[Agency] = (),
) -> SharingGroup:
    """A named audience owned by the author's agency; every signed-in user may inspect it."""
    access.editor(acting_user)
    code = code.strip().lower()
    if not _GROUP_CODE.fullmatch(code) or len(code) > 50:
        raise ValidationError(
            _("%(code)s is not a group code: use lower-case letters, digits and hyphens")
            % {"code": repr(code)}
        )
    if SharingGroup.objects.filter(code=code).exists():
        raise ValidationError(_("a sharing group %(code)s already exists") % {"code": code})
    name_ru, name_en = _group_names(name_ru, name_en)
    group = SharingGroup.objects.create(
        code=code,
        name_ru=name_ru,
        name_en=name_en,
        description=description.strip(),
        owner_agency=acting_user.agency,
    )
    _set_members(group, states, bodies, agencies)
    audit.record(
        actor=acting_user,
        action="cyber.sharing_group.create",
        obj=group,
        summary={"code": code, **_members_summary(group)},
    )
    return group


@transaction.atomic
def sharing_group_update(
    *,
    acting_user: User,
    group: SharingGroup,
    name_ru: str | None = None,
    name_en: str | None = None,
    description: str | None = None,
    states: Iterable[MemberState] | None = None,
    bodies: Iterable[Body] | None = None,
    agencies: Iterable[Agency] | None = None,
) -> SharingGroup:
    """Change a group (its owner agency's editors). Incidents already released keep the audience
    they were released to."""
    _require(access.can_edit_group(group, acting_user), _("only the owner agency may change it"))
    before = _members_summary(group)
    group.name_ru, group.name_en = _group_names(
        group.name_ru if name_ru is None else name_ru,
        group.name_en if name_en is None else name_en,
    )
    if description is not None:
        group.description = description.strip()
    group.save(update_fields=["name_ru", "name_en", "description"])
    _set_members(group, states, bodies, agencies)
    audit.record(
        actor=acting_user,
        action="cyber.sharing_group.update",
        obj=group,
        summary={"code": group.code, "before": before, "after": _members_summary(group)},
    )
    return group
