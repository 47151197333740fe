"""Writes to crisis events by hand (forms and the API): recording an event, changing it,
verifying it, adding a source with its figures, attaching a file, cancelling it. Imports write
through `event_import.apply` instead.

Each public function is one transaction with its audit record. Rules kept here:
- any agency's editor records events, owned by their agency and marked TLP:AMBER unless they
  choose otherwise (a national report); only the owner agency's editors change them;
- a marking changes only when the owner asks for it, through core's `marking_change`, which
  audits a widening on its own: an update never widens a marking by itself;
- coordinates are given both or neither and within range; the end is not before the start;
  severity is 1–5; a figure's low ≤ best ≤ high;
- the Crisis Response Centre's editors may also set the verification status of any event they
  can see (verifying reports is the Centre's work);
- after every write that can change where an event lies or whether it matches an alert rule,
  `placement.place_events` and `alerting.events_recorded` are called in the same transaction
  (the latter enqueues its work on commit).
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

import pycountry
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from concord.core import audit
from concord.core import services as core_services
from concord.core.markings import MarkingError, Tlp, parse_tlp
from concord.core.models import Agency, Body, MemberState, User

from . import access, alerting, placement
from .models import (
    Certainty,
    Crisis,
    Event,
    EventAttachment,
    EventFigure,
    EventSource,
    EventType,
    Figure,
    LocationPrecision,
    Origin,
    Precision,
    SourceKind,
    Urgency,
    Verification,
)
from .records import FigureRecord, SourceRecord

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise

TITLE_MAX = 500


# Checking fields --------------------------------------------------------------------------------


def _title(value: object) -> str:
    title = " ".join(str(value).split())
    if not title:
        raise ValidationError(_("an event needs a title"))
    if len(title) > TITLE_MAX:
        raise ValidationError(_("the title is longer than %(n)s characters") % {"n": TITLE_MAX})
    return title


def _choice(label: StrOrPromise, choices: Any) -> Callable[[object], str]:
    def clean(value: object) -> str:
        text = str(value).strip()
        if text not in choices.values:
            raise ValidationError(
                _("unknown %(what)s %(value)s (known: %(known)s)")
                % {"what": label, "value": repr(value), "known": ", ".join(choices.values)}
            )
        return text

    return clean


def _end_precision(value: object) -> str:
    return "" if not str(value).strip() else _choice(_("end precision"), Precision)(value)


def _severity(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise ValidationError(
            _("severity must be a whole number from 1 to 5; got %(value)s") % {"value": value}
        )
    return value


def _moment(label: StrOrPromise) -> Callable[[object], datetime | None]:
    def clean(value: object) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise ValidationError(_("%(what)s must be a date and time") % {"what": label})
        if timezone.is_naive(value):
            raise ValidationError(
                _("%(what)s %(value)s has no UTC offset")
                % {"what": label, "value": value.isoformat()}
            )
        return value

    return clean


def _country(value: object) -> str:
    code = str(value).strip().upper()
    if code and (len(code) != 3 or pycountry.countries.get(alpha_3=code) is None):
        raise ValidationError(
            _("%(value)s is not an ISO 3166-1 alpha-3 country code") % {"value": repr(value)}
        )
    return code


def _coordinate(label: StrOrPromise, bound: float) -> Callable[[object], float | None]:
    def clean(value: object) -> float | None:
        if value is None or value == "":
            return None
        try:
            number = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ValidationError(
                _("%(what)s %(value)s is not a number") % {"what": label, "value": repr(value)}
            ) from None
        if not -bound <= number <= bound:
            raise ValidationError(
                _("%(what)s %(value)s is outside -%(bound)s…%(bound)s")
                % {"what": label, "value": number, "bound": int(bound)}
            )
        return number

    return clean


def _text(limit: int) -> Callable[[object], str]:
    def clean(value: object) -> str:
        text = str(value or "").strip()
        if len(text) > limit:
            raise ValidationError(
                _("%(value)s… is longer than %(n)s characters") % {"value": text[:40], "n": limit}
            )
        return text

    return clean


def _area(value: object) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValidationError(_("the area must be a GeoJSON geometry"))
    if value.get("type") == "Polygon":
        from . import geo  # the geography helper's checks: closed rings, ranges, order

        geo.validate_polygon(value)
    return value


def _type(value: object) -> EventType:
    if isinstance(value, EventType):
        return value
    found = EventType.objects.filter(code=str(value).strip()).first()
    if found is None:
        raise ValidationError(_("unknown event type %(value)s") % {"value": repr(value)})
    return found


def _details(value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValidationError(_("details must be a mapping"))
    return value


_CLEANERS: dict[str, Callable[[Any], Any]] = {
    "title": _title,
    "description": lambda value: str(value or "").strip(),
    "event_type": _type,
    "crisis": lambda value: value,
    "starts_at": _moment(gettext_lazy("the start")),
    "start_precision": _choice(gettext_lazy("start precision"), Precision),
    "ends_at": _moment(gettext_lazy("the end")),
    "end_precision": _end_precision,
    "country": _country,
    "admin1_pcode": _text(20),
    "admin1_name": _text(200),
    "admin2_pcode": _text(20),
    "admin2_name": _text(200),
    "place_name": _text(300),
    "latitude": _coordinate(gettext_lazy("latitude"), 90.0),
    "longitude": _coordinate(gettext_lazy("longitude"), 180.0),
    "location_precision": _choice(gettext_lazy("location precision"), LocationPrecision),
    "area": _area,
    "actor1": _text(300),
    "actor2": _text(300),
    "severity": _severity,
    "urgency": _choice(gettext_lazy("urgency"), Urgency),
    "certainty": _choice(gettext_lazy("certainty"), Certainty),
    "exercise": bool,
    "details": _details,
}
EDITABLE = frozenset(_CLEANERS)


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(fields) - EDITABLE)
    if unknown:
        raise ValidationError(
            _("these fields cannot be set: %(names)s") % {"names": ", ".join(unknown)}
        )
    return {name: _CLEANERS[name](value) for name, value in fields.items()}


def _check_whole(event: Event) -> None:
    """Rules across fields, on the event as it will be saved."""
    if event.starts_at is None:
        raise ValidationError(_("an event needs a start"))
    if (event.latitude is None) != (event.longitude is None):
        raise ValidationError(_("give both latitude and longitude, or neither"))
    if event.ends_at is not None and event.ends_at < event.starts_at:
        raise ValidationError(_("the end is before the start"))
    if event.location_precision == LocationPrecision.EXACT and event.latitude is None:
        raise ValidationError(_("an exact location needs coordinates"))


def _figures(figures: Iterable[FigureRecord]) -> list[FigureRecord]:
    seen: set[str] = set()
    checked = []
    for record in figures:
        if record.figure not in Figure.values:
            raise ValidationError(
                _("unknown figure %(value)s (known: %(known)s)")
                % {"value": repr(record.figure), "known": ", ".join(Figure.values)}
            )
        if record.figure in seen:
            raise ValidationError(
                _("the figure %(figure)s is given twice") % {"figure": record.figure}
            )
        seen.add(record.figure)
        numbers = [n for n in (record.low, record.best, record.high) if n is not None]
        if any(isinstance(n, bool) or not isinstance(n, int) or n < 0 for n in numbers):
            raise ValidationError(
                _("%(figure)s: figures are whole numbers, 0 or more") % {"figure": record.figure}
            )
        if not numbers:
            raise ValidationError(_("%(figure)s: no number given") % {"figure": record.figure})
        if numbers != sorted(numbers):
            raise ValidationError(
                _("%(figure)s: low ≤ best ≤ high is not true of %(low)s / %(best)s / %(high)s")
                % {
                    "figure": record.figure,
                    "low": record.low,
                    "best": record.best,
                    "high": record.high,
                }
            )
        checked.append(record)
    return checked


def _tlp(value: Tlp | str) -> Tlp:
    try:
        return parse_tlp(str(value))
    except MarkingError as error:
        raise ValidationError(str(error)) from None


def _require_edit(event: Event, acting_user: User) -> None:
    if not access.can_edit_event(acting_user, event):
        raise PermissionDenied(_("only the owner agency's editors may change this event"))


def _recorded(event: Event, *, placed: bool) -> None:
    """What follows every write: placement (when the place may have changed) and the alert
    rules (enqueued on commit by `alerting`)."""
    if placed:
        placement.place_events([event.pk])
    alerting.events_recorded([event.pk])


def _plain(value: object) -> object:
    if isinstance(value, EventType):
        return value.code
    if isinstance(value, Crisis):
        return value.slug
    return value


# Sources ----------------------------------------------------------------------------------------


def _source(event: Event, record: SourceRecord) -> EventSource:
    if record.kind not in SourceKind.values:
        raise ValidationError(
            _("unknown kind of source %(value)s (known: %(known)s)")
            % {"value": repr(record.kind), "known": ", ".join(SourceKind.values)}
        )
    name = " ".join(record.name.split())
    if not name:
        raise ValidationError(_("a source needs a name"))
    if record.url:
        try:
            URLValidator(schemes=["http", "https"])(record.url)
        except ValidationError:
            raise ValidationError(
                _("%(value)s is not a web address") % {"value": repr(record.url)}
            ) from None
    figures = _figures(record.figures)
    try:
        with transaction.atomic():
            source = EventSource.objects.create(
                event=event,
                kind=record.kind,
                name=name[:300],
                url=record.url,
                reference=record.reference[:300],
                published_at=_moment(_("the publication time"))(record.published_at),
            )
    except IntegrityError:
        raise ValidationError(
            _("the event already has the source %(name)s (%(kind)s)")
            % {"name": name, "kind": record.kind}
        ) from None
    EventFigure.objects.bulk_create(
        EventFigure(source=source, figure=f.figure, low=f.low, best=f.best, high=f.high)
        for f in figures
    )
    return source


def _source_summary(source: EventSource, figures: Sequence[FigureRecord]) -> dict[str, Any]:
    return {
        "kind": source.kind,
        "name": source.name,
        "figures": {f.figure: [f.low, f.best, f.high] for f in figures},
    }


# Events -----------------------------------------------------------------------------------------


def share_with_centre(event_ids: Sequence[int]) -> None:
    """Every event recorded here reaches the Crisis Response Centre: it is shared with the
    Centre's body, which core's rule admits at TLP:AMBER. AMBER+STRICT and RED events stay with
    the agencies and people their owner names."""
    bodies = list(Body.objects.filter(code=access.CENTRE_BODY_CODE).values_list("pk", flat=True))
    if not bodies or not event_ids:
        return
    through = Event.shared_bodies.through
    through._default_manager.bulk_create(
        [through(event_id=pk, body_id=body) for pk in event_ids for body in bodies],
        batch_size=5000,
        ignore_conflicts=True,
    )


@transaction.atomic
def create_event(
    *,
    acting_user: User,
    title: str,
    type_code: str,
    starts_at: datetime,
    tlp: Tlp | str = Tlp.AMBER,
    crisis: Crisis | None = None,
    sources: Sequence[SourceRecord] = (),
    shared_states: Iterable[MemberState] = (),
    shared_bodies: Iterable[Body] = (),
    shared_agencies: Iterable[Agency] = (),
    shared_users: Iterable[User] = (),
    **fields: Any,
) -> Event:
    """Record an event by hand for the acting user's agency: TLP:AMBER unless chosen
    otherwise. `fields` are further event fields as in `records.EventRecord` (description,
    ends_at, country, admin1_pcode…, latitude, longitude, location_precision, severity…)."""
    access.require_editor(acting_user)
    clean = _clean(
        {"title": title, "event_type": type_code, "starts_at": starts_at, "crisis": crisis} | fields
    )
    event = Event(
        **clean,
        origin=Origin.MANUAL,
        tlp=_tlp(tlp),
        owner_agency=acting_user.agency,
        author=acting_user,
    )
    _check_whole(event)
    event.save()
    share_with_centre([event.pk])
    event.shared_states.add(*shared_states)
    event.shared_bodies.add(*shared_bodies)
    event.shared_agencies.add(*shared_agencies)
    event.shared_users.add(*shared_users)
    added = [(_source(event, record), record.figures) for record in sources]
    audit.record(
        actor=acting_user,
        action="crisis.event.create",
        obj=event,
        summary={
            "uid": event.uid,
            "title": event.title,
            "type": event.event_type.code,
            "starts_at": event.starts_at,
            "country": event.country,
            "severity": event.severity,
            "tlp": event.tlp,
            "sources": [_source_summary(source, figures) for source, figures in added],
        },
    )
    _recorded(event, placed=True)
    return event


_PLACE_FIELDS = frozenset({"latitude", "longitude", "country", "admin1_pcode", "admin2_pcode"})


@transaction.atomic
def update_event(
    *, acting_user: User, event: Event, tlp: Tlp | str | None = None, **changes: Any
) -> Event:
    """Change the fields given (`type_code` for the type); audited before and after. A marking
    changes only when `tlp` is given, through core's `marking_change`."""
    _require_edit(event, acting_user)
    if "type_code" in changes:
        changes["event_type"] = changes.pop("type_code")
    clean = _clean(changes)
    locked = Event.objects.select_for_update().get(pk=event.pk)
    before: dict[str, object] = {}
    after: dict[str, object] = {}
    for name, value in clean.items():
        if getattr(locked, name) != value:
            before[name] = _plain(getattr(locked, name))
            after[name] = _plain(value)
            setattr(locked, name, value)
    _check_whole(locked)
    if tlp is not None and _tlp(tlp) != locked.tlp:
        before["tlp"], after["tlp"] = locked.tlp, _tlp(tlp).value
        core_services.marking_change(acting_user=acting_user, obj=locked, tlp=_tlp(tlp))
    if not after:
        return locked
    locked.updated_at = timezone.now()
    fields = [name for name in after if name != "tlp"]
    locked.save(update_fields=[*fields, "updated_at", "cell"])
    audit.record(
        actor=acting_user,
        action="crisis.event.update",
        obj=locked,
        summary={"uid": locked.uid, "before": before, "after": after},
    )
    _recorded(locked, placed=bool(_PLACE_FIELDS & set(after)))
    return locked


@transaction.atomic
def set_verification(
    *, acting_user: User, event: Event, verification: str, note: str = ""
) -> Event:
    """Mark an event confirmed, disputed, a false report, or unverified again: the owner
    agency's editors, or the Crisis Response Centre's editors for any event they can see."""
    allowed = access.can_edit_event(acting_user, event) or (
        access.is_centre_editor(acting_user) and access.can_view_event(acting_user, event)
    )
    if not allowed:
        raise PermissionDenied(
            _("only the owner agency or the Crisis Response Centre verifies an event")
        )
    status = _choice(_("verification status"), Verification)(verification)
    locked = Event.objects.select_for_update().get(pk=event.pk)
    old = locked.verification
    if old == status:
        return locked
    locked.verification = status
    locked.updated_at = timezone.now()
    locked.save(update_fields=["verification", "updated_at"])
    audit.record(
        actor=acting_user,
        action="crisis.event.verify",
        obj=locked,
        summary={"uid": locked.uid, "from": old, "to": status, "note": note.strip()[:500]},
    )
    _recorded(locked, placed=False)
    return locked


@transaction.atomic
def add_source(
    *,
    acting_user: User,
    event: Event,
    kind: str,
    name: str,
    url: str = "",
    figures: Sequence[FigureRecord] = (),
    reference: str = "",
    published_at: datetime | None = None,
) -> EventSource:
    """A source that reported on the event, with its figures (low ≤ best ≤ high)."""
    _require_edit(event, acting_user)
    record = SourceRecord(
        kind=kind,
        name=name,
        url=url.strip(),
        reference=reference.strip(),
        published_at=published_at,
        figures=list(figures),
    )
    source = _source(event, record)
    Event.objects.filter(pk=event.pk).update(updated_at=timezone.now())
    audit.record(
        actor=acting_user,
        action="crisis.source.add",
        obj=event,
        summary={"uid": event.uid, **_source_summary(source, record.figures)},
    )
    _recorded(event, placed=False)
    return source


_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\]")


@transaction.atomic
def add_attachment(*, acting_user: User, event: Event, upload: UploadedFile) -> EventAttachment:
    """Attach a file (kept in the database with its SHA-256), at most
    `settings.CRISIS_MAX_ATTACHMENT_BYTES`. The content type comes from the name's extension;
    the content is never inspected or run."""
    _require_edit(event, acting_user)
    raw_name = (upload.name or "").replace("\\", "/")
    name = _UNSAFE_NAME.sub("_", PurePath(raw_name).name).strip()[:255]
    if not name or name in {".", ".."}:
        raise ValidationError(_("the attached file needs a name"))
    limit = int(settings.CRISIS_MAX_ATTACHMENT_BYTES)
    if (upload.size or 0) > limit:
        raise ValidationError(
            _("the file %(name)s is %(size)s bytes; attachments are limited to %(limit)s bytes")
            % {"name": name, "size": upload.size, "limit": limit}
        )
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(
            _("the file %(name)s is larger than %(limit)s bytes") % {"name": name, "limit": limit}
        )
    if not data:
        raise ValidationError(_("the file %(name)s is empty") % {"name": name})
    attachment = EventAttachment.objects.create(
        event=event,
        filename=name,
        content_type=mimetypes.guess_type(name, strict=False)[0] or "application/octet-stream",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        content=data,
        uploaded_by=acting_user,
    )
    audit.record(
        actor=acting_user,
        action="crisis.attachment.add",
        obj=event,
        summary={
            "uid": event.uid,
            "attachment": attachment.pk,
            "filename": name,
            "size": attachment.size,
            "sha256": attachment.sha256,
        },
    )
    return attachment


@transaction.atomic
def cancel_event(*, acting_user: User, event: Event, reason: str = "") -> Event:
    """Withdraw an event: it is kept, marked cancelled, and left out of lists and the map."""
    _require_edit(event, acting_user)
    locked = Event.objects.select_for_update().get(pk=event.pk)
    if locked.cancelled_at is not None:
        raise ValidationError(_("the event is already cancelled"))
    locked.cancelled_at = locked.updated_at = timezone.now()
    locked.save(update_fields=["cancelled_at", "updated_at"])
    audit.record(
        actor=acting_user,
        action="crisis.event.cancel",
        obj=locked,
        summary={"uid": locked.uid, "reason": reason.strip()[:500]},
    )
    _recorded(locked, placed=False)
    return locked
