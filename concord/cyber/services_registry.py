"""Writes to the registry of harmful information resources: registering a resource, recording a
state's action on it, importing an agency's CSV list, and setting a state's yearly return.

Each public function is one transaction with its audit event (an import writes one event for the
whole file). Rules kept here, for every interface alike:
- a resource is stored once per canonical form (`canon.py`); registering it again returns the
  stored one ("already registered") and records the registering state's identification if that
  state had none;
- only a state's own agencies record that state's actions (`access.require_act_for`);
- blocking and unblocking say on what grounds (kind of legal basis and the decision); a
  criminal case has a number; an unblocking has an outcome and follows a block in that state;
- no action is dated in the future or before the resource was identified;
- an import lands whole or not at all, naming every refused row as `file:row: column: problem`.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from concord.core import audit
from concord.core.access import AnyUser
from concord.core.models import Agency, MemberState, Role, User

from . import access, canon, lookup, queries_registry, registry_import
from .models_registry import (
    Action,
    AppealOutcome,
    LegalBasisKind,
    Resource,
    ResourceAction,
    ResourceCategory,
    ResourceKind,
    YearlyReturn,
)
from .registry_import import ImportRow, RegistryImportRejected, RowProblem

# Platforms an account or channel may be on; anything else is "other".
PLATFORMS = (
    "telegram", "vk", "ok", "youtube", "rutube", "tiktok", "instagram", "facebook", "x",
    "whatsapp", "discord", "other",
)  # fmt: skip
MAX_VALUE = 2048
MAX_HANDLE = 200
FIRST_YEAR = 2009
# Within one day, the order in which a file's actions are applied.
ACTION_ORDER = {a: i for i, a in enumerate(Action.values)}

# Canonicalisation refusals worth a message of our own (others keep canon.MESSAGES' text).
_CANON_MESSAGES = {
    "credentials": gettext_lazy(
        "a URL with a user name or password is refused, so that credentials are never stored"
    ),
    "control_chars": gettext_lazy("whitespace and control characters are refused"),
    "too_long": gettext_lazy("the value is too long"),
}


@dataclass(frozen=True)
class Prepared:
    """A reported value in canonical form, with what canonicalising it noticed."""

    kind: str
    canonical: str
    host: str
    platform: str
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Registration:
    resource: Resource
    created: bool
    identified_recorded: bool

    @property
    def message(self) -> str:
        if self.created:
            return _("Registered %(value)s.") % {"value": self.resource.canonical}
        return _("Already registered: %(value)s (no second entry was made).") % {
            "value": self.resource.canonical
        }


@dataclass
class ImportReport:
    filename: str
    sha256: str
    encoding: str
    delimiter: str
    rows: int
    resources_created: int = 0
    resources_existing: int = 0
    actions_recorded: int = 0
    duplicates_skipped: int = 0
    flagged: list[str] = field(default_factory=list)
    dry_run: bool = False

    def summary(self) -> dict[str, object]:
        return {
            "file": self.filename,
            "sha256": self.sha256,
            "encoding": self.encoding,
            "rows": self.rows,
            "resources_created": self.resources_created,
            "resources_existing": self.resources_existing,
            "actions_recorded": self.actions_recorded,
            "duplicates_skipped": self.duplicates_skipped,
        }


# --- canonical forms ---------------------------------------------------------------------------


def _raw_problem(value: str) -> str | None:
    """Problems found before canonicalising: emptiness, length, invisible or control characters."""
    if not value.strip():
        return _("the value is empty")
    if len(value) > MAX_VALUE:
        return _("the value is %(n)s characters long; the limit is %(limit)s") % {
            "n": len(value),
            "limit": MAX_VALUE,
        }
    for char in value:
        if unicodedata.category(char) in ("Cc", "Cf"):
            return _("control or invisible character U+%(code)04X is refused") % {"code": ord(char)}
    return None


def _refusal(value: str, error: canon.CanonError) -> ValidationError:
    reason = str(
        _CANON_MESSAGES.get(error.code)
        or _(canon.MESSAGES.get(error.code, str(error))).format(**error.params)
    )
    if error.code == "credentials":  # never echo a password back
        return ValidationError(reason)
    return ValidationError(
        _("%(value)s cannot be registered: %(reason)s") % {"value": value[:200], "reason": reason}
    )


def _canon(kind: str, value: str) -> canon.Canonical:
    try:
        return canon.canonical(kind, value)
    except canon.CanonError as error:
        raise _refusal(value, error) from error


def _prepare_account(value: str, platform: str) -> Prepared:
    """ "platform:handle" of an account: from its URL (https://t.me/name) or from a handle on a
    named platform. Platforms the lookup knows by their hosts follow its handle rules."""
    platform = platform.strip().lower()
    platform = lookup.PLATFORM_ALIASES.get(platform, platform)
    if "://" in value:
        url = _canon("url", value)
        account = lookup.account_of(*canon.target_of(url.value))
        if account is None:
            raise ValidationError(
                _("%(value)s is not the address of an account on a known platform")
                % {"value": value[:200]}
            )
        found = account.partition(":")[0]
        if platform and platform != found:
            raise ValidationError(
                _("the address is on %(found)s, not %(platform)s")
                % {"found": found, "platform": platform}
            )
        return Prepared(ResourceKind.ACCOUNT, account, "", found, url.flags)
    if platform not in PLATFORMS:
        raise ValidationError(
            _("unknown platform '%(platform)s' (use one of %(known)s)")
            % {"platform": platform or "—", "known": ", ".join(PLATFORMS)}
        )
    handle = value.strip().removeprefix("@").lower()
    refused = _("'%(value)s' is not an account handle on %(platform)s") % {
        "value": value[:200],
        "platform": platform,
    }
    if platform in lookup.PLATFORM_HOSTS:
        try:
            account = lookup.account_canonical(f"{platform}:{handle}")
        except canon.CanonError as error:
            raise ValidationError(refused) from error
        return Prepared(ResourceKind.ACCOUNT, account, "", platform)
    if not handle or len(handle) > MAX_HANDLE or any(c.isspace() or c in "/:" for c in handle):
        raise ValidationError(refused)
    return Prepared(ResourceKind.ACCOUNT, f"{platform}:{handle}", "", platform)


def prepare(kind: str, value: str, platform: str = "") -> Prepared:
    """The canonical form of a reported value, or ValidationError saying what is wrong."""
    if kind not in ResourceKind.values:
        raise ValidationError(
            _("unknown kind '%(kind)s' (use url, host or account)") % {"kind": kind}
        )
    problem = _raw_problem(value)
    if problem:
        raise ValidationError(problem)
    value = value.strip()
    if kind == ResourceKind.ACCOUNT:
        return _prepare_account(value, platform)
    if kind == ResourceKind.URL:
        url = _canon("url", value)
        return Prepared(kind, url.value, canon.host_of(url.value)[:253], "", url.flags)
    flags: tuple[str, ...] = ()
    if "://" in value:  # a host written as a URL: its host, when it names nothing more
        url = _canon("url", value)
        value, path = canon.target_of(url.value)
        if path != "/":
            raise ValidationError(
                _("%(value)s has a path: register it as a URL, or give the host alone")
                % {"value": url.value[:200]}
            )
        flags = tuple(f for f in url.flags if f in canon.VALUE_FLAGS)
    try:
        host = canon.canonical_host(value)
    except canon.CanonError as error:
        raise _refusal(value, error) from error
    return Prepared(kind, host.value, host.value[:253], "", tuple(sorted({*flags, *host.flags})))


# --- registering and recording -----------------------------------------------------------------


def _check_day(day: date, what: str) -> None:
    if day > timezone.localdate():
        raise ValidationError(_("%(what)s %(day)s is in the future") % {"what": what, "day": day})


def _ensure_identified(
    resource: Resource, state: MemberState | None, agency: Agency, author: User | None, day: date
) -> bool:
    """Record the state's identification of the resource unless it has one."""
    if state is None:
        return False
    exists = ResourceAction.objects.filter(
        resource=resource, state=state, action=Action.IDENTIFIED
    ).exists()
    if exists:
        return False
    ResourceAction.objects.create(
        resource=resource,
        state=state,
        action=Action.IDENTIFIED,
        date=day,
        agency=agency,
        author=author,
    )
    return True


def _register(
    *,
    prepared: Prepared,
    value: str,
    category: ResourceCategory,
    identified_on: date,
    agency: Agency,
    author: User | None,
    description: str = "",
    evidence_sha256: str = "",
    evidence_ref: str = "",
    record_identified: bool = True,
) -> Registration:
    _check_day(identified_on, _("identification date"))
    resource, created = Resource.objects.get_or_create(
        kind=prepared.kind,
        canonical=prepared.canonical,
        defaults={
            "value": value.strip(),
            "host": prepared.host,
            "platform": prepared.platform,
            "category": category,
            "identified_by": agency,
            "identified_on": identified_on,
            "description": description,
            "evidence_sha256": evidence_sha256.lower(),
            "evidence_ref": evidence_ref,
            "flags": list(prepared.flags),
        },
    )
    recorded = False
    if record_identified:
        day = identified_on if created else max(identified_on, resource.identified_on)
        recorded = _ensure_identified(resource, agency.state, agency, author, day)
    return Registration(resource, created, recorded)


@transaction.atomic
def resource_register(
    *,
    acting_user: AnyUser,
    kind: str,
    value: str,
    category: ResourceCategory,
    identified_on: date,
    description: str = "",
    evidence_sha256: str = "",
    evidence_ref: str = "",
    platform: str = "",
) -> Registration:
    """Register a resource (or find it registered) and record the registering state's
    identification of it."""
    person = access.registry_reader(acting_user)
    if not access.can_register(person):
        raise PermissionDenied(_("your role cannot register resources"))
    if evidence_sha256 and not registry_import.is_sha256(evidence_sha256):
        raise ValidationError(_("the evidence hash is not a SHA-256 (64 hexadecimal digits)"))
    prepared = prepare(kind, value, platform)
    registration = _register(
        prepared=prepared,
        value=value,
        category=category,
        identified_on=identified_on,
        agency=person.agency,
        author=person,
        description=description,
        evidence_sha256=evidence_sha256,
        evidence_ref=evidence_ref,
    )
    audit.record(
        actor=person,
        action="cyber.resource.register",
        obj=registration.resource,
        summary={
            "canonical": prepared.canonical,
            "kind": prepared.kind,
            "created": registration.created,
            "identified_recorded": registration.identified_recorded,
            "flags": list(prepared.flags),
        },
    )
    transaction.on_commit(queries_registry.forget_index)
    return registration


def _action_problems(
    *,
    resource: Resource,
    state: MemberState,
    action: str,
    day: date,
    basis_kind: str,
    basis: str,
    case_number: str,
    outcome: str,
) -> list[tuple[str, str]]:
    """(column, problem) for an action that may not be recorded; empty when it may."""
    problems: list[tuple[str, str]] = []
    if action not in Action.values:
        return [("action", _("unknown action '%(a)s'") % {"a": action})]
    if basis_kind and basis_kind not in LegalBasisKind.values:
        problems.append(
            ("basis_kind", _("unknown kind of legal basis '%(k)s'") % {"k": basis_kind})
        )
    if outcome and outcome not in AppealOutcome.values:
        problems.append(("outcome", _("unknown outcome '%(o)s'") % {"o": outcome}))
    if day > timezone.localdate():
        problems.append(("date", _("%(day)s is in the future") % {"day": day}))
    if day < resource.identified_on:
        problems.append(
            (
                "date",
                _("%(day)s is before the resource was identified (%(identified)s)")
                % {"day": day, "identified": resource.identified_on},
            )
        )
    if action in (Action.BLOCKED, Action.UNBLOCKED):
        if not basis_kind:
            problems.append(
                ("basis_kind", _("say what kind of legal basis the %(a)s rests on") % {"a": action})
            )
        if not basis.strip():
            problems.append(("basis", _("name the authority, decision or court ruling")))
    problems += _required_fields(
        resource=resource,
        state=state,
        action=action,
        day=day,
        case_number=case_number,
        outcome=outcome,
    )
    return problems


def _required_fields(
    *,
    resource: Resource,
    state: MemberState,
    action: str,
    day: date,
    case_number: str,
    outcome: str,
) -> list[tuple[str, str]]:
    """What a criminal case and an unblocking must carry, and only they."""
    problems: list[tuple[str, str]] = []
    if action == Action.CRIMINAL_CASE and not case_number.strip():
        problems.append(("case_number", _("a criminal case needs its number")))
    if action != Action.CRIMINAL_CASE and case_number.strip():
        problems.append(("case_number", _("only a criminal case has a case number")))
    if action == Action.UNBLOCKED:
        if not outcome:
            problems.append(("outcome", _("say why the block was lifted (outcome)")))
        if not _blocked_on(resource, state, day):
            problems.append(
                (
                    "action",
                    _("%(state)s has no block on this resource to lift on %(day)s")
                    % {"state": state.code, "day": day},
                )
            )
    elif outcome:
        problems.append(("outcome", _("only an unblocking has an outcome")))
    return problems


def _blocked_on(resource: Resource, state: MemberState, day: date) -> bool:
    """Whether the state's latest block or unblock on or before `day` is a block."""
    latest = (
        ResourceAction.objects.filter(
            resource=resource,
            state=state,
            action__in=[Action.BLOCKED, Action.UNBLOCKED],
            date__lte=day,
        )
        .order_by("-date", "-id")
        .values_list("action", flat=True)
        .first()
    )
    return latest == Action.BLOCKED


def _is_duplicate(resource: Resource, state: MemberState, action: str, day: date) -> bool:
    return ResourceAction.objects.filter(
        resource=resource, state=state, action=action, date=day
    ).exists()


@transaction.atomic
def action_record(
    *,
    acting_user: AnyUser,
    resource: Resource,
    state: MemberState,
    action: str,
    date: date,
    basis_kind: str = "",
    basis: str = "",
    reasons: str = "",
    case_number: str = "",
    outcome: str = "",
) -> ResourceAction:
    """Record one state's action on a resource, with its legal basis and reasons."""
    person = access.require_act_for(acting_user, state)
    problems = _action_problems(
        resource=resource,
        state=state,
        action=action,
        day=date,
        basis_kind=basis_kind,
        basis=basis,
        case_number=case_number,
        outcome=outcome,
    )
    if not problems and _is_duplicate(resource, state, action, date):
        problems.append(
            (
                "action",
                _("%(state)s already recorded %(a)s on %(day)s")
                % {"state": state.code, "a": action, "day": date},
            )
        )
    if problems:
        raise ValidationError([f"{column}: {text}" for column, text in problems])
    if action != Action.IDENTIFIED:
        _ensure_identified(resource, state, person.agency, person, resource.identified_on)
    recorded = ResourceAction.objects.create(
        resource=resource,
        state=state,
        action=action,
        date=date,
        agency=person.agency,
        basis_kind=basis_kind,
        basis=basis.strip(),
        reasons=reasons.strip(),
        case_number=case_number.strip(),
        outcome=outcome,
        author=person,
    )
    audit.record(
        actor=person,
        action="cyber.resource.action",
        obj=resource,
        summary={
            "state": state.code,
            "action": action,
            "date": date,
            "basis_kind": basis_kind,
            "basis": basis.strip(),
            "case_number": case_number.strip(),
            "outcome": outcome,
        },
    )
    return recorded


# --- CSV import --------------------------------------------------------------------------------


class _DryRunDone(Exception):  # noqa: N818 - carries the report out of the rolled-back transaction
    def __init__(self, report: ImportReport) -> None:
        self.report = report


def import_csv(
    *, acting_user: AnyUser, data: bytes, filename: str, dry_run: bool = False
) -> ImportReport:
    """Import an agency's CSV list (columns in `registry_import`): all rows or none.

    Raises `RegistryImportRejected` naming every refused row; `dry_run` checks and counts
    everything against the database and applies nothing.
    """
    person = access.registry_reader(acting_user)
    if not access.can_register(person):
        raise PermissionDenied(_("your role cannot import resources"))
    if person.agency.state_id is None:
        raise PermissionDenied(_("only a member state's agencies import action lists"))
    parsed = registry_import.parse_csv(data, filename=filename)
    try:
        with transaction.atomic():
            report = _apply_rows(person, parsed)
            if dry_run:
                report.dry_run = True
                raise _DryRunDone(report)
            audit.record(
                actor=person,
                action="cyber.resource.import",
                object_type="cyber.resource",
                summary=report.summary(),
            )
    except _DryRunDone as done:
        return done.report
    queries_registry.forget_index()
    return report


def _apply_rows(person: User, parsed: registry_import.ParsedFile) -> ImportReport:
    report = ImportReport(
        parsed.filename, parsed.sha256, parsed.encoding, parsed.delimiter, len(parsed.rows)
    )
    problems: list[RowProblem] = []
    categories = {c.code: c for c in ResourceCategory.objects.all()}
    own_state = person.agency.state
    assert own_state is not None  # noqa: S101 - checked by import_csv
    resources: dict[tuple[str, str], Resource] = {}
    ordered = sorted(parsed.rows, key=lambda r: (r.date, ACTION_ORDER[r.action], r.row))
    for row in ordered:
        found = _apply_row(
            person=person,
            state=own_state,
            row=row,
            categories=categories,
            resources=resources,
            report=report,
        )
        problems.extend(
            RowProblem(parsed.filename, row.row, text, column) for column, text in found
        )
    if problems:
        problems.sort(key=lambda p: (p.row, p.column))
        raise RegistryImportRejected(problems)
    return report


def _apply_row(
    *,
    person: User,
    state: MemberState,
    row: ImportRow,
    categories: dict[str, ResourceCategory],
    resources: dict[tuple[str, str], Resource],
    report: ImportReport,
) -> list[tuple[str, str]]:
    """Apply one row; (column, problem) pairs when it cannot be applied."""
    if row.state != state.code:
        message = _("you may record actions only for %(own)s, not %(state)s")
        return [("state", message % {"own": state.code, "state": row.state})]
    category = categories.get(row.category)
    if category is None:
        message = _("unknown category '%(c)s' (known: %(known)s)")
        return [("category", message % {"c": row.category, "known": ", ".join(categories)})]
    if row.identified_on > timezone.localdate():
        return [("identified_on", _("%(day)s is in the future") % {"day": row.identified_on})]
    try:
        prepared = prepare(row.kind, row.value, row.platform)
    except ValidationError as error:
        return [("value", "; ".join(error.messages))]
    resource = resources.get((prepared.kind, prepared.canonical))
    if resource is None:
        resource = _import_resource(person, row, prepared, category, report)
        resources[(prepared.kind, prepared.canonical)] = resource
    found = _action_problems(
        resource=resource,
        state=state,
        action=row.action,
        day=row.date,
        basis_kind=row.basis_kind,
        basis=row.basis,
        case_number=row.case_number,
        outcome=row.outcome,
    )
    if found:
        return found
    if _is_duplicate(resource, state, row.action, row.date):
        report.duplicates_skipped += 1
        return []
    identified_on = max(row.identified_on, resource.identified_on)
    if row.action != Action.IDENTIFIED and _ensure_identified(
        resource, state, person.agency, person, identified_on
    ):
        report.actions_recorded += 1
    ResourceAction.objects.create(
        resource=resource,
        state=state,
        action=row.action,
        date=row.date,
        agency=person.agency,
        basis_kind=row.basis_kind,
        basis=row.basis,
        reasons=row.reasons,
        case_number=row.case_number,
        outcome=row.outcome,
        author=person,
    )
    report.actions_recorded += 1
    return []


def _import_resource(
    person: User,
    row: ImportRow,
    prepared: Prepared,
    category: ResourceCategory,
    report: ImportReport,
) -> Resource:
    """The row's resource: registered by this file's first row that names it, or found."""
    registration = _register(
        prepared=prepared,
        value=row.value,
        category=category,
        identified_on=row.identified_on,
        agency=person.agency,
        author=person,
        description=row.description,
        evidence_sha256=row.evidence_sha256,
        evidence_ref=row.evidence_ref,
        record_identified=False,
    )
    if not registration.created:
        report.resources_existing += 1
        return registration.resource
    report.resources_created += 1
    if prepared.flags:
        report.flagged.append(
            f"{report.filename}:{row.row}: {prepared.canonical}: {', '.join(prepared.flags)}"
        )
    return registration.resource


# --- yearly returns ----------------------------------------------------------------------------


def _require_return_setter(person: User, state: MemberState | None) -> None:
    if state is None:
        if person.role != Role.SECRETARIAT:
            raise PermissionDenied(_("only the Secretariat sets the organisation's returns"))
        return
    if person.role != Role.COORDINATOR or person.agency.state_id != state.pk:
        raise PermissionDenied(
            _("only a coordinator of %(state)s sets its returns") % {"state": state.code}
        )


@transaction.atomic
def yearly_return_set(
    *,
    acting_user: AnyUser,
    year: int,
    state: MemberState | None,
    category: ResourceCategory | None = None,
    identified: int,
    blocked: int,
    suspended: int,
    criminal_cases: int,
    source: str,
) -> YearlyReturn:
    """Set (create or replace) the figures a state, or the Secretariat for the organisation,
    reported for a year of the operation."""
    person = access.registry_reader(acting_user)
    _require_return_setter(person, state)
    if not FIRST_YEAR <= year <= timezone.localdate().year:
        raise ValidationError(
            _("the year must be between %(first)s and %(last)s")
            % {"first": FIRST_YEAR, "last": timezone.localdate().year}
        )
    figures = {
        "identified": identified,
        "blocked": blocked,
        "suspended": suspended,
        "criminal_cases": criminal_cases,
    }
    negative = [name for name, number in figures.items() if number < 0]
    if negative:
        raise ValidationError(_("figures cannot be negative: %(f)s") % {"f": ", ".join(negative)})
    returned, created = YearlyReturn.objects.update_or_create(
        year=year, state=state, category=category, defaults={**figures, "source": source}
    )
    audit.record(
        actor=person,
        action="cyber.yearly_return.set",
        obj=returned,
        summary={
            "year": year,
            "state": state.code if state else None,
            "category": category.code if category else None,
            "created": created,
            **figures,
            "source": source,
        },
    )
    return returned
