"""Writes in core: users, API tokens, notices, markings and share lists. Each one is atomic and
appends its audit event in the same transaction."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import access, audit, reference_cache
from .markings import MarkingError, Tlp, is_wider, parse_tlp
from .models import Agency, ApiToken, Body, MemberState, Notice, Protected, Role, User, hash_token


def generate_password() -> str:
    """A password for a new account, printed once (about 96 bits)."""
    return secrets.token_urlsafe(12)


@transaction.atomic
def user_create(
    *,
    acting_user: User | None,
    username: str,
    agency: Agency,
    role: Role | str,
    password: str | None = None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    check_password: bool = True,
) -> tuple[User, str]:
    """Create an account; returns it with its password (generated when not given)."""
    if User.objects.filter(username=username).exists():
        raise ValidationError(_("user %(name)s already exists") % {"name": repr(username)})
    role = Role(role)
    plain = password or generate_password()
    user = User(
        username=username,
        agency=agency,
        role=role,
        email=email,
        first_name=first_name,
        last_name=last_name,
    )
    if check_password and password:
        validate_password(plain, user)
    user.set_password(plain)
    user.is_staff = role == Role.ADMIN
    user.save()
    audit.record(
        actor=acting_user,
        action="user.create",
        obj=user,
        summary={"username": username, "agency": agency.code, "role": role.value},
    )
    return user, plain


@transaction.atomic
def user_set_password(*, acting_user: User | None, user: User, password: str) -> None:
    user.set_password(password)
    user.save(update_fields=["password"])
    audit.record(actor=acting_user, action="user.set_password", obj=user, summary={})


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    raw: str  # shown once, never stored


@transaction.atomic
def api_token_create(*, acting_user: User | None, user: User, label: str = "") -> IssuedToken:
    """Issue a token for `user`; users issue their own, admins anyone's, the CLI (None) any."""
    if acting_user is not None and acting_user.pk != user.pk:
        access.require_admin(acting_user)
    raw = ApiToken.generate()
    token = ApiToken.objects.create(
        user=user, label=label[:100], prefix=raw[:8], token_hash=hash_token(raw)
    )
    audit.record(
        actor=acting_user,
        action="api_token.create",
        obj=token,
        summary={"user": user.username, "label": token.label, "prefix": token.prefix},
    )
    return IssuedToken(token=token, raw=raw)


@transaction.atomic
def api_token_revoke(*, acting_user: User, token: ApiToken) -> None:
    if acting_user.pk != token.user_id:
        access.require_admin(acting_user)
    if token.revoked_at is not None:
        return
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record(
        actor=acting_user, action="api_token.revoke", obj=token, summary={"prefix": token.prefix}
    )


def _require_editor(acting_user: User) -> None:
    if not acting_user.can_edit_records:
        raise PermissionDenied(_("your role cannot create records"))


@transaction.atomic
def notice_create(
    *,
    acting_user: User,
    title: str,
    body: str = "",
    tlp: Tlp | str = Tlp.AMBER,
    shared_states: Iterable[MemberState] = (),
    shared_bodies: Iterable[Body] = (),
    shared_agencies: Iterable[Agency] = (),
    shared_users: Iterable[User] = (),
) -> Notice:
    """Post a notice owned by the author's agency."""
    _require_editor(acting_user)
    if not title.strip():
        raise ValidationError(_("a notice needs a title"))
    notice = Notice.objects.create(
        title=title.strip(),
        body=body,
        tlp=parse_tlp(str(tlp)),
        owner_agency=acting_user.agency,
        author=acting_user,
    )
    notice.shared_states.set(shared_states)
    notice.shared_bodies.set(shared_bodies)
    notice.shared_agencies.set(shared_agencies)
    notice.shared_users.set(shared_users)
    audit.record(
        actor=acting_user,
        action="notice.create",
        obj=notice,
        summary={"title": notice.title, "tlp": notice.tlp, **_share_summary(notice)},
    )
    return notice


def _share_summary(obj: Protected) -> dict[str, list[str]]:
    return {
        "shared_states": sorted(obj.shared_states.values_list("code", flat=True)),
        "shared_bodies": sorted(obj.shared_bodies.values_list("code", flat=True)),
        "shared_agencies": sorted(obj.shared_agencies.values_list("code", flat=True)),
        "shared_users": sorted(obj.shared_users.values_list("username", flat=True)),
    }


@transaction.atomic
def marking_change(*, acting_user: User, obj: Protected, tlp: Tlp | str) -> Protected:
    """Change a record's marking: only the owner agency's editors may; widening is audited."""
    new = parse_tlp(str(tlp))
    if not access.can_edit(obj, acting_user):
        raise PermissionDenied(_("only the owner agency may change a record's marking"))
    old = Tlp(obj.tlp)
    if new == old:
        return obj
    obj.tlp = new
    obj.save(update_fields=["tlp"])
    audit.record(
        actor=acting_user,
        action="marking.widen" if is_wider(new, old) else "marking.narrow",
        obj=obj,
        summary={"from": old.value, "to": new.value},
    )
    return obj


@transaction.atomic
def record_share(
    *,
    acting_user: User,
    obj: Protected,
    states: Iterable[MemberState] = (),
    bodies: Iterable[Body] = (),
    agencies: Iterable[Agency] = (),
    users: Iterable[User] = (),
    tlp: Tlp | str | None = None,
) -> Protected:
    """Add to a record's share lists. Sharing never widens the marking: a requested marking wider
    than the current one is refused here (the owner widens through `marking_change`)."""
    if not access.can_edit(obj, acting_user):
        raise PermissionDenied(_("only the owner agency may share this record"))
    if tlp is not None:
        requested = parse_tlp(str(tlp))
        if is_wider(requested, obj.tlp):
            raise MarkingError(
                _("sharing cannot widen TLP:%(old)s to TLP:%(new)s; change the marking first")
                % {"old": obj.tlp, "new": requested}
            )
    before = _share_summary(obj)
    obj.shared_states.add(*states)
    obj.shared_bodies.add(*bodies)
    obj.shared_agencies.add(*agencies)
    obj.shared_users.add(*users)
    if tlp is not None and requested != obj.tlp:
        obj.tlp = requested
        obj.save(update_fields=["tlp"])
    after = _share_summary(obj)
    audit.record(
        actor=acting_user,
        action="record.share",
        obj=obj,
        summary={"tlp": obj.tlp, "before": before, "after": after},
    )
    return obj


@transaction.atomic
def reference_saved(
    *, acting_user: User, obj: models.Model, created: bool, changed: list[str]
) -> None:
    """Audit a change to reference data made in the admin site."""
    transaction.on_commit(reference_cache.invalidate)
    audit.record(
        actor=acting_user,
        action="reference.create" if created else "reference.change",
        obj=obj,
        summary={"repr": str(obj), "changed": sorted(changed)},
    )


@transaction.atomic
def reference_deleted(*, acting_user: User, obj: models.Model) -> None:
    transaction.on_commit(reference_cache.invalidate)
    audit.record(
        actor=acting_user,
        action="reference.delete",
        obj=obj,
        summary={"repr": str(obj)},
    )
