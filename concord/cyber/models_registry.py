"""The registry of harmful information resources of the yearly joint operation.

A resource is a URL, a host (domain) or an account or channel on a named platform. Each member
state records its own actions on it (identified, blocked, suspended by the host, criminal case,
unblocked after appeal or review), each with a legal basis and reasons: a resource may be blocked
in one state and not in another. The system never fetches a resource; evidence is a file hash
and an archive reference.

The registry is the joint operation's working register: every active signed-in user of a
member agency or body may read it (access.py); only a state's own agencies record that state's
actions. `YearlyReturn` holds the figures states reported for years before the registry (or
in aggregate), so statistics cover the operation since 2009.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from concord.core.models import Agency, Bilingual, MemberState, User


class ResourceCategory(Bilingual):
    """An extensible category (terrorist propaganda, recruitment, drug sales, …)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    position = models.PositiveSmallIntegerField(_("position in lists"), default=0)

    class Meta:
        ordering: ClassVar = ["position", "code"]
        verbose_name = _("resource category")
        verbose_name_plural = _("resource categories")


class ResourceKind(models.TextChoices):
    URL = "url", _("URL")
    HOST = "host", _("host (domain)")
    ACCOUNT = "account", _("account or channel")


class Resource(models.Model):
    """One harmful information resource, identified once and acted on state by state."""

    kind = models.CharField(_("kind"), max_length=8, choices=ResourceKind.choices)
    value = models.CharField(_("as reported"), max_length=2048)
    # Canonical form (canon.py): a canonical URL, a canonical host, or "platform:handle".
    canonical = models.CharField(_("canonical form"), max_length=2048)
    host = models.CharField(_("host"), max_length=253, blank=True, db_index=True)
    platform = models.CharField(_("platform"), max_length=40, blank=True)
    category = models.ForeignKey(
        ResourceCategory, on_delete=models.PROTECT, related_name="+", verbose_name=_("category")
    )
    identified_by = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("identified by")
    )
    identified_on = models.DateField(_("identified on"))
    description = models.TextField(_("description"), blank=True)
    evidence_sha256 = models.CharField(_("evidence SHA-256"), max_length=64, blank=True)
    evidence_ref = models.CharField(_("evidence archive reference"), max_length=300, blank=True)
    # Warnings raised when the value was canonicalised (punycode host, homograph, …).
    flags = models.JSONField(_("flags"), default=list, blank=True)
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        ordering: ClassVar = ["-identified_on", "-id"]
        verbose_name = _("information resource")
        verbose_name_plural = _("information resources")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["kind", "canonical"], name="resource_once")
        ]

    def __str__(self) -> str:
        return self.canonical


class Action(models.TextChoices):
    IDENTIFIED = "identified", _("identified")
    BLOCKED = "blocked", _("blocked")
    SUSPENDED = "suspended", _("suspended by the host")
    CRIMINAL_CASE = "criminal_case", _("criminal case opened")
    UNBLOCKED = "unblocked", _("unblocked")


class LegalBasisKind(models.TextChoices):
    AUTHORITY = "authority", _("decision of an authorised body")
    PROSECUTOR = "prosecutor", _("prosecutor's order")
    COURT = "court", _("court ruling")
    HOST_TERMS = "host_terms", _("host's terms of service (voluntary takedown)")
    OTHER = "other", _("other")


class AppealOutcome(models.TextChoices):
    """Why a block was lifted: an appeal upheld, a review, or the resource was cleaned up."""

    APPEAL_UPHELD = "appeal_upheld", _("appeal upheld")
    REVIEW = "review", _("lifted on review")
    REMEDIED = "remedied", _("content removed by the owner")


class ResourceAction(models.Model):
    """One state's action on a resource, with its legal basis and statement of reasons."""

    resource = models.ForeignKey(
        Resource, on_delete=models.CASCADE, related_name="actions", verbose_name=_("resource")
    )
    state = models.ForeignKey(
        MemberState, on_delete=models.PROTECT, related_name="+", verbose_name=_("member state")
    )
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    date = models.DateField(_("date"))
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("agency")
    )
    basis_kind = models.CharField(
        _("legal basis"), max_length=12, choices=LegalBasisKind.choices, blank=True
    )
    basis = models.CharField(_("authority, decision or ruling"), max_length=500, blank=True)
    reasons = models.TextField(_("statement of reasons"), blank=True)
    case_number = models.CharField(_("criminal case number"), max_length=100, blank=True)
    outcome = models.CharField(
        _("outcome of appeal or review"), max_length=16, choices=AppealOutcome.choices, blank=True
    )
    author = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        ordering: ClassVar = ["resource", "state", "date", "id"]
        verbose_name = _("action on a resource")
        verbose_name_plural = _("actions on resources")
        indexes: ClassVar = [models.Index(fields=["state", "action", "date"])]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["resource", "state", "action", "date"], name="resource_action_once"
            ),
            # Blocking and unblocking must say on what grounds; a criminal case has a number.
            models.CheckConstraint(
                condition=~Q(action__in=["blocked", "unblocked"]) | ~Q(basis=""),
                name="resource_action_has_basis",
            ),
            models.CheckConstraint(
                condition=~Q(action="criminal_case") | ~Q(case_number=""),
                name="resource_case_has_number",
            ),
            models.CheckConstraint(
                condition=~Q(action="unblocked") | ~Q(outcome=""),
                name="resource_unblock_has_outcome",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.state_id} {self.action} {self.resource_id}"


class YearlyReturn(models.Model):
    """Figures a state (or the Secretariat, for the organisation) reported for a year of the
    operation, for years or parts not itemised in the registry."""

    year = models.PositiveSmallIntegerField(_("year"))
    state = models.ForeignKey(
        MemberState,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("member state"),
    )
    category = models.ForeignKey(
        ResourceCategory,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("category"),
    )
    identified = models.PositiveIntegerField(_("identified"), default=0)
    blocked = models.PositiveIntegerField(_("blocked"), default=0)
    suspended = models.PositiveIntegerField(_("suspended"), default=0)
    criminal_cases = models.PositiveIntegerField(_("criminal cases"), default=0)
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        ordering: ClassVar = ["year", "state"]
        verbose_name = _("yearly return")
        verbose_name_plural = _("yearly returns")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["year", "state", "category"],
                name="yearly_return_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.state_id or '—'}"
