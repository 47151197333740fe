"""Who is who in the organisation, markings on protected records, API tokens and the audit chain."""

from __future__ import annotations

import hashlib
import secrets
from typing import TYPE_CHECKING, ClassVar

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .markings import Tlp

if TYPE_CHECKING:
    from datetime import date


def localized(russian: str, english: str) -> str:
    """The text for the active language: English when the UI is English, else Russian; either
    falls back to the other when empty."""
    if (get_language() or "ru").startswith("en"):
        return english or russian
    return russian or english


class Bilingual(models.Model):
    """Names kept in Russian (the working language) and English; `name` follows the UI language."""

    name_ru = models.CharField(_("name (Russian)"), max_length=300)
    name_en = models.CharField(_("name (English)"), max_length=300)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized(self.name_ru, self.name_en)


class Country(Bilingual):
    """Any country (ISO 3166-1): joint operations have participants beyond the member states."""

    alpha2 = models.CharField(_("ISO alpha-2 code"), max_length=2, unique=True)
    alpha3 = models.CharField(_("ISO alpha-3 code"), max_length=3, unique=True)
    numeric = models.CharField(_("ISO numeric code"), max_length=3)

    class Meta:
        ordering: ClassVar = ["alpha2"]
        verbose_name = _("country")
        verbose_name_plural = _("countries")


class MemberStateQuerySet(models.QuerySet["MemberState"]):
    def current(self, on: date | None = None) -> MemberStateQuerySet:
        """States that are members on a date (today by default)."""
        day = on or timezone.localdate()
        return self.filter(joined_on__lte=day).filter(Q(left_on__isnull=True) | Q(left_on__gt=day))


class MemberState(Bilingual):
    """A member state of the organisation. `code` is its ISO 3166-1 alpha-2 code."""

    code = models.CharField(_("code"), max_length=2, unique=True)
    country = models.OneToOneField(
        Country, on_delete=models.PROTECT, related_name="member_state", verbose_name=_("country")
    )
    official_name_ru = models.CharField(_("official name (Russian)"), max_length=300)
    official_name_en = models.CharField(_("official name (English)"), max_length=300)
    name_own = models.CharField(_("name in the state language"), max_length=300)
    own_language = models.CharField(_("state language (ISO 639-1)"), max_length=8)
    capital_ru = models.CharField(_("capital (Russian)"), max_length=100, blank=True)
    capital_en = models.CharField(_("capital (English)"), max_length=100, blank=True)
    joined_on = models.DateField(_("member since"))
    left_on = models.DateField(_("member until"), null=True, blank=True)

    objects = MemberStateQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["name_ru"]
        verbose_name = _("member state")
        verbose_name_plural = _("member states")

    @property
    def official_name(self) -> str:
        return localized(self.official_name_ru, self.official_name_en)

    @property
    def capital(self) -> str:
        return localized(self.capital_ru, self.capital_en)


class Body(Bilingual):
    """A statutory or working body of the organisation (Council, Secretariat, Joint Staff, …)."""

    class Kind(models.TextChoices):
        STATUTORY = "statutory", _("statutory body")
        PERMANENT = "permanent", _("permanent working body")
        CENTRE = "centre", _("centre")
        WORKING_GROUP = "working_group", _("working group")

    code = models.CharField(_("code"), max_length=20, unique=True)
    short_ru = models.CharField(_("short name (Russian)"), max_length=40, blank=True)
    short_en = models.CharField(_("short name (English)"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent body"),
    )
    established_year = models.PositiveSmallIntegerField(_("established in"), null=True, blank=True)
    description_ru = models.TextField(_("description (Russian)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    position = models.PositiveSmallIntegerField(_("position in lists"), default=0)

    class Meta:
        ordering: ClassVar = ["position", "code"]
        verbose_name = _("body")
        verbose_name_plural = _("bodies")

    @property
    def short(self) -> str:
        return localized(self.short_ru or self.name_ru, self.short_en or self.name_en)

    @property
    def description(self) -> str:
        return localized(self.description_ru, self.description_en)


class Agency(Bilingual):
    """A national agency of a member state, or a unit of one of the organisation's bodies."""

    class Kind(models.TextChoices):
        CERT = "cert", _("computer emergency response team")
        SECURITY = "security", _("security service")
        DRUG_CONTROL = "drug_control", _("drug control")
        INTERIOR = "interior", _("interior / police")
        MIGRATION = "migration", _("migration service")
        FOREIGN = "foreign", _("foreign affairs")
        DEFENCE = "defence", _("defence")
        EMERGENCY = "emergency", _("emergency situations")
        BODY_UNIT = "body_unit", _("unit of a body")

    code = models.CharField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    state = models.ForeignKey(
        MemberState,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agencies",
        verbose_name=_("member state"),
    )
    body = models.ForeignKey(
        Body,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agencies",
        verbose_name=_("body"),
    )

    class Meta:
        ordering: ClassVar = ["code"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=(Q(state__isnull=False) & Q(body__isnull=True))
                | (Q(state__isnull=True) & Q(body__isnull=False)),
                name="agency_belongs_to_state_xor_body",
            )
        ]


class Role(models.TextChoices):
    VIEWER = "viewer", _("viewer")
    ANALYST = "analyst", _("analyst")
    COORDINATOR = "coordinator", _("coordinator")
    SECRETARIAT = "secretariat", _("secretariat")
    ADMIN = "admin", _("administrator")


# Roles that may create and edit their own agency's records.
EDITOR_ROLES = frozenset({Role.ANALYST, Role.COORDINATOR, Role.SECRETARIAT})


class User(AbstractUser):
    """A person (or machine account) of exactly one agency, hence one state or one body."""

    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="users", verbose_name=_("agency")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.VIEWER)

    REQUIRED_FIELDS: ClassVar[list[str]] = ["email", "agency"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def is_admin_role(self) -> bool:
        return self.is_active and self.role == Role.ADMIN

    @property
    def can_edit_records(self) -> bool:
        return self.is_active and self.role in EDITOR_ROLES


class Chairmanship(models.Model):
    """The state chairing the organisation in a year, with the priorities it put forward."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    state = models.ForeignKey(
        MemberState,
        on_delete=models.PROTECT,
        related_name="chairmanships",
        verbose_name=_("member state"),
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decided_at_ru = models.CharField(_("decided at (Russian)"), max_length=300, blank=True)
    decided_at_en = models.CharField(_("decided at (English)"), max_length=300, blank=True)

    class Meta:
        ordering: ClassVar = ["-year"]
        verbose_name = _("chairmanship")
        verbose_name_plural = _("chairmanships")

    def __str__(self) -> str:
        return f"{self.year} — {self.state}"

    @property
    def decided_at(self) -> str:
        return localized(self.decided_at_ru, self.decided_at_en)


class ChairmanshipPriority(models.Model):
    chairmanship = models.ForeignKey(
        Chairmanship,
        on_delete=models.CASCADE,
        related_name="priorities",
        verbose_name=_("chairmanship"),
    )
    position = models.PositiveSmallIntegerField(_("number"))
    text_ru = models.TextField(_("text (Russian)"))
    text_en = models.TextField(_("text (English)"))

    class Meta:
        ordering: ClassVar = ["chairmanship", "position"]
        verbose_name = _("priority")
        verbose_name_plural = _("priorities")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["chairmanship", "position"], name="priority_position_unique"
            )
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        return localized(self.text_ru, self.text_en)


class Protected(models.Model):
    """A record with an owner agency and a TLP 2.0 marking, shared with states, bodies, agencies
    and users. `core.access` decides who sees it; nothing else may.
    """

    tlp = models.CharField(_("TLP"), max_length=12, choices=Tlp.choices, default=Tlp.AMBER)
    owner_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("owner agency")
    )
    author = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("author")
    )
    shared_states = models.ManyToManyField(
        MemberState, blank=True, related_name="+", verbose_name=_("shared with states")
    )
    shared_bodies = models.ManyToManyField(
        Body, blank=True, related_name="+", verbose_name=_("shared with bodies")
    )
    shared_agencies = models.ManyToManyField(
        Agency, blank=True, related_name="+", verbose_name=_("shared with agencies")
    )
    shared_users = models.ManyToManyField(
        User, blank=True, related_name="+", verbose_name=_("shared with users")
    )

    class Meta:
        abstract = True


class Notice(Protected):
    """A notice posted by an agency to whoever its marking admits; shown on the home page."""

    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("text"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")

    def __str__(self) -> str:
        return self.title


TOKEN_PREFIX = "cnc_"


def hash_token(raw: str) -> str:
    """API tokens carry 256 bits of randomness, so a plain SHA-256 is a sufficient hash."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def active(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True, user__is_active=True)


class ApiToken(models.Model):
    """A per-user API token. Only its hash is stored; the token itself is shown once."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    label = models.CharField(_("label"), max_length=100, blank=True)
    prefix = models.CharField(_("prefix"), max_length=12)
    token_hash = models.CharField(_("SHA-256 of the token"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.label or self.user.username})"

    @staticmethod
    def generate() -> str:
        return TOKEN_PREFIX + secrets.token_urlsafe(32)


class AuditEvent(models.Model):
    """One link of the audit chain. Written only by `core.audit.record`; never updated."""

    seq = models.PositiveBigIntegerField(_("sequence number"), unique=True)
    created_at = models.DateTimeField(_("time (UTC)"))
    actor = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
    )  # users are deactivated, never deleted; the chain keeps the id and name either way
    actor_username = models.CharField(_("actor"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=80)
    object_type = models.CharField(_("object type"), max_length=80, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    summary = models.TextField(_("summary (canonical JSON)"))
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    class Meta:
        ordering: ClassVar = ["seq"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes: ClassVar = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"
