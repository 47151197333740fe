"""Computer incident coordination: incidents, indicators and their sightings, sharing groups,
the TAXII object store, peer subscriptions.

Incidents, indicators and stored STIX objects are protected records (`core.models.Protected`):
core's chokepoint decides who sees them. Comments, timeline entries, attachments and sightings
belong to their incident or indicator and are seen by whoever sees it. The registry of harmful
information resources lives in `models_registry.py`.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from concord.core.models import Agency, Bilingual, Body, MemberState, Protected, User, localized

from .models_registry import (  # noqa: F401  (one models module for Django's app registry)
    Resource,
    ResourceAction,
    ResourceCategory,
    YearlyReturn,
)


class SharingGroup(Bilingual):
    """A named, inspectable audience: states, bodies and agencies. An incident is released to
    several groups at once; every signed-in user may see who a group contains."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    description = models.TextField(_("description"), blank=True)
    owner_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("owner agency")
    )
    states = models.ManyToManyField(
        MemberState, blank=True, related_name="+", verbose_name=_("states")
    )
    bodies = models.ManyToManyField(Body, blank=True, related_name="+", verbose_name=_("bodies"))
    agencies = models.ManyToManyField(
        Agency, blank=True, related_name="+", verbose_name=_("agencies")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering: ClassVar = ["code"]
        verbose_name = _("sharing group")
        verbose_name_plural = _("sharing groups")


class Severity(models.TextChoices):
    LOW = "low", _("low")
    MEDIUM = "medium", _("medium")
    HIGH = "high", _("high")
    CRITICAL = "critical", _("critical")


class IncidentStatus(models.TextChoices):
    NEW = "new", _("new")
    TRIAGED = "triaged", _("triaged")
    IN_PROGRESS = "in_progress", _("in progress")
    RESOLVED = "resolved", _("resolved")
    CLOSED = "closed", _("closed")


# The workflow: each status and the statuses it may move to. Reopening a resolved incident
# goes back to `in_progress`; a closed incident is final.
STATUS_FLOW: dict[str, tuple[str, ...]] = {
    IncidentStatus.NEW: (IncidentStatus.TRIAGED, IncidentStatus.CLOSED),
    IncidentStatus.TRIAGED: (IncidentStatus.IN_PROGRESS, IncidentStatus.CLOSED),
    IncidentStatus.IN_PROGRESS: (IncidentStatus.RESOLVED,),
    IncidentStatus.RESOLVED: (IncidentStatus.CLOSED, IncidentStatus.IN_PROGRESS),
    IncidentStatus.CLOSED: (),
}


class Pap(models.TextChoices):
    """Permissible Actions Protocol: what the recipient may do with the information."""

    CLEAR = "CLEAR", _("PAP:CLEAR")
    GREEN = "GREEN", _("PAP:GREEN")
    AMBER = "AMBER", _("PAP:AMBER")
    RED = "RED", _("PAP:RED")


class Sector(models.TextChoices):
    """Affected sectors (after the NIS2 annexes, shortened to what member states report)."""

    GOVERNMENT = "government", _("government")
    DEFENCE = "defence", pgettext_lazy("sector", "defence")
    ENERGY = "energy", _("energy")
    TRANSPORT = "transport", _("transport")
    BANKING = "banking", _("banking and finance")
    HEALTH = "health", _("health")
    TELECOM = "telecom", _("telecommunications")
    DIGITAL = "digital", _("digital infrastructure")
    WATER = "water", _("water supply")
    EDUCATION = "education", _("education and science")
    MEDIA = "media", _("media")
    INDUSTRY = "industry", _("industry")
    OTHER = "other", _("other")


class Incident(Protected):
    """A computer incident reported by an agency."""

    uid = models.UUIDField(_("STIX id"), default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    # RSIT machine tag without the namespace: "<predicate>:<value>", e.g. "fraud:phishing".
    classification = models.CharField(_("classification (RSIT)"), max_length=100)
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.MEDIUM
    )
    status = models.CharField(
        _("status"), max_length=12, choices=IncidentStatus.choices, default=IncidentStatus.NEW
    )
    pap = models.CharField(_("PAP"), max_length=6, choices=Pap.choices, default=Pap.AMBER)
    sectors = models.JSONField(_("affected sectors"), default=list, blank=True)
    affected_states = models.ManyToManyField(
        MemberState, blank=True, related_name="+", verbose_name=_("affected states")
    )
    sharing_groups = models.ManyToManyField(
        SharingGroup, blank=True, related_name="incidents", verbose_name=_("released to groups")
    )
    occurred_at = models.DateTimeField(_("occurred"), null=True, blank=True)
    created_at = models.DateTimeField(_("reported"), default=timezone.now)
    modified_at = models.DateTimeField(_("modified"), default=timezone.now)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        indexes: ClassVar = [models.Index(fields=["status", "-created_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def stix_id(self) -> str:
        return f"incident--{self.uid}"

    def next_statuses(self) -> tuple[str, ...]:
        return STATUS_FLOW[self.status]

    @property
    def sector_labels(self) -> list[str]:
        labels = dict(Sector.choices)
        return [str(labels.get(code, code)) for code in self.sectors]


class TimelineEntry(models.Model):
    """One dated line of an incident's history: status changes, actions taken, notes."""

    class Kind(models.TextChoices):
        STATUS = "status", _("status change")
        ACTION = "action", _("action taken")
        NOTE = "note", _("note")

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="timeline", verbose_name=_("incident")
    )
    at = models.DateTimeField(_("time"), default=timezone.now)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.NOTE)
    text = models.TextField(_("text"))
    author = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("author")
    )

    class Meta:
        ordering: ClassVar = ["at", "id"]
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")

    def __str__(self) -> str:
        return self.text[:80]


class Comment(models.Model):
    """A comment on an incident, by any agency that may see it."""

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="comments", verbose_name=_("incident")
    )
    author = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("author")
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("agency")
    )
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(_("written"), default=timezone.now)

    class Meta:
        ordering: ClassVar = ["created_at", "id"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self) -> str:
        return self.text[:80]


class Attachment(models.Model):
    """A file attached to an incident. Kept in the database (so backups carry it) up to the
    configured size; served only to those who may see the incident."""

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("incident")
    )
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    data = models.BinaryField(_("content"))
    author = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("author")
    )
    created_at = models.DateTimeField(_("attached"), default=timezone.now)

    class Meta:
        ordering: ClassVar = ["created_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.filename


class IndicatorKind(models.TextChoices):
    IPV4 = "ipv4", _("IPv4 address")
    IPV6 = "ipv6", _("IPv6 address")
    CIDR = "cidr", _("network (CIDR)")
    DOMAIN = "domain", _("domain")
    URL = "url", _("URL")
    EMAIL = "email", _("e-mail address")
    MD5 = "md5", _("MD5")
    SHA1 = "sha1", _("SHA-1")
    SHA256 = "sha256", _("SHA-256")
    SHA512 = "sha512", _("SHA-512")
    ASN = "asn", _("autonomous system")


# Days after which an indicator's score has decayed to nothing, by kind (None: no decay).
# Phishing URLs and domains follow MISP's phishing decay model (lifetime 3 days,
# misp-decaying-models `phishing-model.json`); addresses are reassigned within weeks; hashes
# name a file forever.
DEFAULT_LIFETIME_DAYS: dict[str, int | None] = {
    IndicatorKind.URL: 3,
    IndicatorKind.DOMAIN: 3,
    IndicatorKind.IPV4: 30,
    IndicatorKind.IPV6: 30,
    IndicatorKind.CIDR: 30,
    IndicatorKind.EMAIL: 30,
    IndicatorKind.MD5: None,
    IndicatorKind.SHA1: None,
    IndicatorKind.SHA256: None,
    IndicatorKind.SHA512: None,
    IndicatorKind.ASN: None,
}


class IndicatorQuerySet(models.QuerySet["Indicator"]):
    def current(self, at: object = None) -> IndicatorQuerySet:
        """Indicators inside their validity window at a moment (now by default)."""
        moment = at or timezone.now()
        return self.filter(Q(valid_until__isnull=True) | Q(valid_until__gt=moment)).filter(
            valid_from__lte=moment
        )


# What canonicalising a value noticed (canon.py flags), as shown next to the value.
CANON_FLAGS = {
    "punycode": _("internationalised domain (punycode)"),
    "homograph": _("mixes scripts: possible homograph"),
    "defanged": _("was written defanged"),
    "scheme_added": _("no scheme given: http assumed"),
    "host_bits_cleared": _("host bits cleared"),
    "ip_obfuscated": _("obfuscated IP address"),
    "ipv4_mapped": _("IPv4-mapped IPv6 address"),
}


class Indicator(Protected):
    """A typed, canonicalised value owned by one agency. One agency holds a value once
    (however many incidents it appears in); the same value held by other agencies is found
    through the index on (kind, canonical), never through a pairwise table."""

    uid = models.UUIDField(_("STIX id"), default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("type"), max_length=10, choices=IndicatorKind.choices)
    value = models.CharField(_("value as reported"), max_length=2048)
    canonical = models.CharField(_("canonical value"), max_length=2048)
    actionable = models.BooleanField(
        _("actionable"), default=True, help_text=_("may be used for detection and blocking")
    )
    description = models.TextField(_("description"), blank=True)
    confidence = models.PositiveSmallIntegerField(_("confidence (0–100)"), default=50)
    valid_from = models.DateTimeField(_("valid from"), default=timezone.now)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    # Days after which the indicator's score has decayed to nothing (None: it does not decay).
    lifetime_days = models.PositiveIntegerField(_("lifetime (days)"), null=True, blank=True)
    # Warninglist hits when the value was entered: [{"list": code, "reason": text}, …]
    warnings = models.JSONField(_("warninglist hits"), default=list, blank=True)
    incidents = models.ManyToManyField(
        Incident, blank=True, related_name="indicators", verbose_name=_("incidents")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    modified_at = models.DateTimeField(_("modified"), default=timezone.now)

    objects = IndicatorQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        indexes: ClassVar = [models.Index(fields=["kind", "canonical"], name="indicator_value")]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["owner_agency", "kind", "canonical"], name="indicator_once_per_agency"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.canonical}"

    @property
    def stix_id(self) -> str:
        return f"indicator--{self.uid}"

    @property
    def warning_labels(self) -> list[tuple[str, str]]:
        """(list, reason) for each warninglist hit and canonicalisation flag, in the UI language."""
        labels = []
        for hit in self.warnings:
            if hit.get("list") == "canon":
                flag = str(hit.get("reason", ""))
                labels.append((str(_("canonical form")), str(CANON_FLAGS.get(flag, flag))))
                continue
            name = localized(hit.get("name_ru", ""), hit.get("name_en", "")) or hit.get("list", "")
            labels.append((name, localized(hit.get("reason_ru", ""), hit.get("reason", ""))))
        return labels


class Sighting(models.Model):
    """What an agency saw of an indicator: seen, judged a false positive, expired, blocked."""

    class Kind(models.TextChoices):
        SEEN = "seen", _("seen")
        FALSE_POSITIVE = "false_positive", _("false positive")
        EXPIRED = "expired", _("expired")
        BLOCKED = "blocked", _("blocked")

    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="sightings", verbose_name=_("indicator")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("agency")
    )
    author = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("author")
    )
    observed_at = models.DateTimeField(_("observed"), default=timezone.now)
    count = models.PositiveIntegerField(_("count"), default=1)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering: ClassVar = ["-observed_at", "-id"]
        verbose_name = _("sighting")
        verbose_name_plural = _("sightings")

    def __str__(self) -> str:
        return f"{self.kind} {self.indicator_id}"


class Collection(Protected):
    """A TAXII 2.1 collection. Who sees the collection is its marking; who sees each object in
    it is the object's own marking. Any editor who sees a writable collection may add to it."""

    uid = models.UUIDField(_("TAXII id"), default=uuid.uuid4, unique=True, editable=False)
    alias = models.SlugField(_("alias"), max_length=50, unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    writable = models.BooleanField(_("accepts new objects"), default=True)
    # Marking given to objects that arrive without a TLP marking.
    default_tlp = models.CharField(_("marking of unmarked objects"), max_length=12, default="AMBER")

    class Meta:
        ordering: ClassVar = ["alias"]
        verbose_name = _("TAXII collection")
        verbose_name_plural = _("TAXII collections")

    def __str__(self) -> str:
        return self.title


class StixObject(Protected):
    """One version of one STIX object in a collection, stored as the JSON text we serve.

    `date_added` is unique per collection (the server nudges it by a microsecond when two
    objects arrive together), so it is a stable paging cursor.
    """

    collection = models.ForeignKey(
        Collection,
        on_delete=models.CASCADE,
        related_name="stix_objects",
        verbose_name=_("collection"),
    )
    stix_id = models.CharField(_("STIX id"), max_length=100)
    type = models.CharField(_("type"), max_length=64)
    spec_version = models.CharField(_("spec version"), max_length=8, default="2.1")
    version = models.CharField(_("version (modified)"), max_length=40)
    date_added = models.DateTimeField(_("added"))
    body = models.TextField(_("JSON"))

    class Meta:
        ordering: ClassVar = ["collection", "date_added"]
        verbose_name = _("STIX object")
        verbose_name_plural = _("STIX objects")
        indexes: ClassVar = [
            models.Index(fields=["collection", "date_added"], name="stix_page"),
            models.Index(fields=["collection", "stix_id", "version"], name="stix_versions"),
        ]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["collection", "stix_id", "version"], name="stix_version_once"
            ),
            models.UniqueConstraint(fields=["collection", "date_added"], name="stix_added_once"),
        ]

    def __str__(self) -> str:
        return f"{self.stix_id} @ {self.version}"


class AddStatus(models.Model):
    """The TAXII status resource of one `add objects` request."""

    class State(models.TextChoices):
        PENDING = "pending", pgettext_lazy("TAXII status", "pending")
        COMPLETE = "complete", _("complete")

    uid = models.UUIDField(_("status id"), default=uuid.uuid4, unique=True, editable=False)
    collection = models.ForeignKey(
        Collection, on_delete=models.CASCADE, related_name="+", verbose_name=_("collection")
    )
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"), max_length=10, choices=State.choices, default=State.PENDING
    )
    request_timestamp = models.DateTimeField(_("requested"), default=timezone.now)
    total_count = models.PositiveIntegerField(default=0)
    success_count = models.PositiveIntegerField(default=0)
    failure_count = models.PositiveIntegerField(default=0)
    pending_count = models.PositiveIntegerField(default=0)
    # [{"id": …, "version": …, "message": …}, …] as TAXII status details
    successes = models.JSONField(default=list, blank=True)
    failures = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("TAXII add status")
        verbose_name_plural = _("TAXII add statuses")

    def __str__(self) -> str:
        return str(self.uid)


class Subscription(models.Model):
    """A peer's TAXII collection we pull from on a schedule into one of our collections."""

    name = models.CharField(_("name"), max_length=200)
    api_root_url = models.URLField(_("API root URL"), max_length=500)
    collection_id = models.CharField(_("peer collection id"), max_length=100)
    # "Bearer <token>" or "Basic <base64>"; kept server-side only, never shown after saving.
    authorization = models.CharField(_("authorization header"), max_length=500, blank=True)
    target = models.ForeignKey(
        Collection, on_delete=models.PROTECT, related_name="+", verbose_name=_("into collection")
    )
    owner_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("owner agency")
    )
    # The account scheduled pulls store objects as (an editor of the owner agency; a machine
    # account is best). Without one, the owner agency's first active editor is used.
    run_as = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("store objects as"),
    )
    interval_minutes = models.PositiveIntegerField(_("pull every (minutes)"), default=60)
    enabled = models.BooleanField(_("enabled"), default=True)
    added_after = models.CharField(
        _("pulled up to (X-TAXII-Date-Added-Last)"), max_length=40, blank=True
    )
    last_pulled_at = models.DateTimeField(_("last pulled"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering: ClassVar = ["name"]
        verbose_name = _("TAXII subscription")
        verbose_name_plural = _("TAXII subscriptions")

    def __str__(self) -> str:
        return self.name
