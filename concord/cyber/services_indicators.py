"""Writes about indicators: adding values (one a time or pasted many at once) and reporting
sightings. Values are canonicalised by `canon`, checked against `warninglists`, and held once
per agency; the same value held by other agencies is found by `queries.correlation`. Each
function is one transaction with its audit event, and publishes the indicator's new STIX
version (`services._publish`).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from concord.core import audit
from concord.core.markings import MarkingError, Tlp, derived_marking
from concord.core.models import Agency, Body, MemberState, User

from . import access
from .canon import MESSAGES, CanonError, canonical
from .models import DEFAULT_LIFETIME_DAYS, Incident, Indicator, IndicatorKind, Sighting
from .services import FUTURE_SKEW, Shares, _publish, _require, _share_codes, _tlp
from .warninglists import any_benign, stored_hits

MAX_BULK_LINES = 5000


@dataclass(frozen=True)
class IndicatorAdded:
    indicator: Indicator
    created: bool  # False: the agency already held the value (now linked to the incident)
    warnings: list[dict[str, str]] = field(default_factory=list)  # warninglist hits
    flags: tuple[str, ...] = ()  # what canonicalisation noticed (e.g. an IDNA domain)


@dataclass(frozen=True)
class BulkAdded:
    results: list[IndicatorAdded]

    @property
    def created(self) -> int:
        return sum(1 for r in self.results if r.created)

    @property
    def existing(self) -> int:
        return len(self.results) - self.created

    @property
    def flagged(self) -> int:
        return sum(1 for r in self.results if r.warnings)


def _canonical(kind: str, value: str) -> tuple[str, tuple[str, ...]]:
    """The canonical value (`canon`), or a ValidationError naming the value."""
    if kind not in IndicatorKind.values:
        raise ValidationError(
            _("unknown indicator type %(kind)s (known: %(known)s)")
            % {"kind": repr(kind), "known": ", ".join(IndicatorKind.values)}
        )
    try:
        result = canonical(kind, value)
    except CanonError as error:
        template = MESSAGES.get(error.code)
        reason = _(template).format(**error.params) if template else str(error)
        raise ValidationError(
            _("%(value)s (%(kind)s): %(reason)s")
            % {"value": repr(value[:200]), "kind": IndicatorKind(kind).label, "reason": reason}
        ) from None
    return result.value, tuple(result.flags)


def _indicator_tlp(tlp: Tlp | str | None, incident: Incident | None) -> Tlp:
    """An indicator reported in an incident is marked as the incident or narrower."""
    if incident is None:
        return _tlp(tlp) if tlp is not None else Tlp.AMBER
    try:
        return derived_marking(incident.tlp, None if tlp is None else _tlp(tlp))
    except MarkingError as error:
        raise ValidationError(str(error)) from None


def _validity(
    valid_from: datetime | None, valid_until: datetime | None, confidence: int
) -> datetime:
    start = valid_from or timezone.now()
    if valid_until is not None and valid_until <= start:
        raise ValidationError(_("an indicator must be valid until a moment after it is valid from"))
    if not 0 <= confidence <= 100:
        raise ValidationError(
            _("confidence is a number from 0 to 100, not %(value)s") % {"value": confidence}
        )
    return start


@transaction.atomic
def indicator_add(
    *,
    acting_user: User,
    kind: str,
    value: str,
    incident: Incident | None = None,
    actionable: bool = True,
    force_actionable: bool = False,
    description: str = "",
    confidence: int = 50,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    lifetime_days: int | None = None,
    tlp: Tlp | str | None = None,
    shared_states: Iterable[MemberState] = (),
    shared_bodies: Iterable[Body] = (),
    shared_agencies: Iterable[Agency] = (),
    shared_users: Iterable[User] = (),
) -> IndicatorAdded:
    """Record a value held by the author's agency. An agency holds a value once: adding it again
    links the existing indicator to the incident. A value a warninglist calls benign is recorded
    as not actionable unless `force_actionable`. Reported in an incident, the indicator takes the
    incident's marking (or a narrower one) and, unless told otherwise, its share lists."""
    access.editor(acting_user)
    if incident is not None:
        _require(
            access.can_edit(incident, acting_user),
            _("indicators are added to an incident by its owner agency"),
        )
    canonical_value, flags = _canonical(kind, value)
    hits = stored_hits(kind, canonical_value)
    agency = acting_user.agency
    existing = (
        Indicator.objects.select_for_update()
        .filter(owner_agency=agency, kind=kind, canonical=canonical_value)
        .first()
    )
    if existing is not None:
        return _link_existing(acting_user, existing, incident, hits, flags)
    start = _validity(valid_from, valid_until, confidence)
    shares = Shares(
        tuple(shared_states), tuple(shared_bodies), tuple(shared_agencies), tuple(shared_users)
    )
    try:
        with transaction.atomic():
            indicator = Indicator.objects.create(
                kind=kind,
                value=value.strip()[:2048],
                canonical=canonical_value,
                actionable=bool(actionable) and (force_actionable or not any_benign(hits)),
                description=description.strip(),
                confidence=confidence,
                valid_from=start,
                valid_until=valid_until,
                lifetime_days=(
                    lifetime_days if lifetime_days is not None else DEFAULT_LIFETIME_DAYS[kind]
                ),
                warnings=hits + [{"list": "canon", "reason": flag} for flag in flags],
                tlp=_indicator_tlp(tlp, incident),
                owner_agency=agency,
                author=acting_user,
            )
    except IntegrityError:  # another request added the same value meanwhile
        existing = Indicator.objects.get(owner_agency=agency, kind=kind, canonical=canonical_value)
        return _link_existing(acting_user, existing, incident, hits, flags)
    if incident is not None:
        indicator.incidents.add(incident)
        if shares == Shares():
            for name in ("shared_states", "shared_bodies", "shared_agencies", "shared_users"):
                getattr(indicator, name).set(getattr(incident, name).all())
    shares.apply(indicator)
    audit.record(
        actor=acting_user,
        action="cyber.indicator.add",
        obj=indicator,
        summary={
            "uid": indicator.uid,
            "kind": kind,
            "canonical": canonical_value,
            "incident": incident.uid if incident else None,
            "actionable": indicator.actionable,
            "warninglists": sorted(h["list"] for h in hits),
            "tlp": indicator.tlp,
            **_share_codes(indicator),
        },
    )
    _publish(indicator)
    return IndicatorAdded(indicator, True, hits, flags)


def _link_existing(
    acting_user: User,
    indicator: Indicator,
    incident: Incident | None,
    hits: list[dict[str, str]],
    flags: tuple[str, ...],
) -> IndicatorAdded:
    if incident is not None and not indicator.incidents.filter(pk=incident.pk).exists():
        indicator.incidents.add(incident)
        audit.record(
            actor=acting_user,
            action="cyber.indicator.link",
            obj=indicator,
            summary={"uid": indicator.uid, "incident": incident.uid},
        )
    return IndicatorAdded(indicator, False, hits, flags)


_HEX = re.compile(r"[0-9a-fA-F]+")
_HASH_KINDS = {32: IndicatorKind.MD5, 40: IndicatorKind.SHA1, 64: IndicatorKind.SHA256}
_ASN = re.compile(r"(?i)AS\s?\d{1,10}")
_HOST = re.compile(r"(?:[\w-]+\.)+[\w-]{2,}\.?", re.UNICODE)


def _refang(value: str) -> str:
    """Undo the usual defanging of pasted indicators (hxxp, [.], (.), [at])."""
    text = re.sub(r"(?i)^hxxp", "http", value.strip())
    text = re.sub(r"\[\.\]|\(\.\)|\{\.\}", ".", text)
    return re.sub(r"(?i)\[at\]|\[@\]", "@", text)


def detect_kind(value: str) -> IndicatorKind | None:
    """The indicator type a pasted value most plausibly is, or None when it is none of them."""
    text = _refang(value)
    if not text or any(ch.isspace() for ch in text):
        return None
    if _HEX.fullmatch(text):
        return _HASH_KINDS.get(len(text)) or (IndicatorKind.SHA512 if len(text) == 128 else None)
    if _ASN.fullmatch(text):
        return IndicatorKind.ASN
    if "://" in text:
        return IndicatorKind.URL
    if "/" in text:
        try:
            ipaddress.ip_network(text, strict=False)
        except ValueError:
            return IndicatorKind.URL if _HOST.match(text) else None
        return IndicatorKind.CIDR
    try:
        address = ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        pass
    else:
        return IndicatorKind.IPV4 if address.version == 4 else IndicatorKind.IPV6
    if "@" in text:
        return IndicatorKind.EMAIL
    return IndicatorKind.DOMAIN if _HOST.fullmatch(text) else None


@transaction.atomic
def indicators_bulk_add(
    *,
    acting_user: User,
    text: str,
    kind: str | None = None,
    incident: Incident | None = None,
    **options: Any,
) -> BulkAdded:
    """Add many values pasted one a line (blank lines and `#` comments skipped), of one `kind` or
    each detected. All or nothing: any bad line refuses the paste, listing every problem."""
    access.editor(acting_user)
    lines = [
        (number, line.strip())
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.strip().startswith("#")
    ]
    if not lines:
        raise ValidationError(_("nothing to add: paste one value a line"))
    if len(lines) > MAX_BULK_LINES:
        raise ValidationError(
            _("%(count)s values pasted; at most %(limit)s at once")
            % {"count": len(lines), "limit": MAX_BULK_LINES}
        )
    problems: list[str] = []
    parsed: list[tuple[str, str]] = []
    for number, line in lines:
        line_kind = kind or detect_kind(line)
        if line_kind is None:
            problems.append(
                _(
                    "line %(line)s: %(value)s is not an address, network, domain, URL, e-mail, "
                    "hash or AS number"
                )
                % {"line": number, "value": repr(line[:200])}
            )
            continue
        try:
            _canonical(line_kind, _refang(line))
        except ValidationError as error:
            problems.append(
                _("line %(line)s: %(problem)s") % {"line": number, "problem": error.messages[0]}
            )
            continue
        parsed.append((line_kind, _refang(line)))
    if problems:
        raise ValidationError(problems)
    return BulkAdded(
        [
            indicator_add(acting_user=acting_user, kind=k, value=v, incident=incident, **options)
            for k, v in parsed
        ]
    )


# --- sightings ---------------------------------------------------------------------------------


@transaction.atomic
def sighting_add(
    *,
    acting_user: User,
    indicator: Indicator,
    kind: str,
    observed_at: datetime | None = None,
    count: int = 1,
    note: str = "",
) -> Sighting:
    """Report what the user's agency saw of an indicator. An `expired` sighting by the owner
    agency ends the indicator's validity at the observed moment; from others it is recorded,
    as are false positives (the page shows how many agencies judged it so)."""
    _require(
        access.can_report_sighting(indicator, acting_user),
        _("you cannot report sightings of this indicator"),
    )
    if kind not in Sighting.Kind.values:
        raise ValidationError(
            _("unknown sighting %(value)s (known: %(known)s)")
            % {"value": repr(kind), "known": ", ".join(Sighting.Kind.values)}
        )
    if count < 1:
        raise ValidationError(_("a sighting counts at least 1, not %(count)s") % {"count": count})
    moment = observed_at or timezone.now()
    if moment > timezone.now() + FUTURE_SKEW:
        raise ValidationError(_("a sighting cannot be observed in the future"))
    sighting = Sighting.objects.create(
        indicator=indicator,
        kind=kind,
        agency=acting_user.agency,
        author=acting_user,
        observed_at=moment,
        count=count,
        note=note.strip(),
    )
    expires = kind == Sighting.Kind.EXPIRED and access.can_edit(indicator, acting_user)
    if expires:
        indicator.valid_until = max(moment, indicator.valid_from + timedelta(microseconds=1))
        indicator.modified_at = timezone.now()
        indicator.save(update_fields=["valid_until", "modified_at"])
    audit.record(
        actor=acting_user,
        action="cyber.sighting.add",
        obj=indicator,
        summary={
            "uid": indicator.uid,
            "kind": kind,
            "count": count,
            "agency": acting_user.agency.code,
            "sighting": sighting.pk,
            "expired": expires,
        },
    )
    if expires:
        _publish(indicator)
    return sighting
