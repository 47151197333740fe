"""The Crisis Response Centre's situational picture: crisis events (armed incidents, terrorist
acts, natural and man-made disasters) with their figures per source, the regions of concern the
Centre watches, alert rules and their dispatch log, the Centre's own CAP alerts, and situation
reports.

An event is a protected record owned by the reporting (or importing) agency: AMBER by default for
national reports, GREEN for open-source imports. Regions, crises, the event-type taxonomy and
alert rules are the Centre's working data, readable by every signed-in user (rules and the
dispatch log by the Centre only; see `access.py`).
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from concord.core.models import Agency, Bilingual, Protected, Role, User, localized

# The map's spatial key: a 1° × 1° cell number, so that a bounding box becomes a short list of
# cells searched through an index (no spatial extension is needed on SQLite or PostgreSQL).
CELL_DEGREES = 1.0


def cell_of(lat: float, lon: float) -> int:
    """The 1° cell that holds (lat, lon): row-major from (-90, -180)."""
    row = min(int((lat + 90.0) // CELL_DEGREES), int(180 / CELL_DEGREES) - 1)
    col = min(int((lon + 180.0) // CELL_DEGREES), int(360 / CELL_DEGREES) - 1)
    return row * int(360 / CELL_DEGREES) + col


class EventType(Bilingual):
    """A node of the hierarchical event taxonomy: Sahana Eden's incident codes
    (`crime.terrorism`, `geophysical.earthquake`, `flood.flashFlood`…) and ACLED's armed-conflict
    event types and sub-event types (`acled.explosions.air_drone_strike`…)."""

    class Scheme(models.TextChoices):
        SAHANA = "sahana", _("Sahana Eden incident codes")
        ACLED = "acled", _("ACLED event types")
        CONCORD = "concord", _("Concord")

    code = models.CharField(_("code"), max_length=80, unique=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent type"),
    )
    scheme = models.CharField(_("scheme"), max_length=10, choices=Scheme.choices)
    # CAP category (Geo, Met, Safety, Security, Rescue, Fire, Health, Env, Transport, Infra,
    # CBRNE, Other) used when an alert of this type is issued.
    cap_category = models.CharField(_("CAP category"), max_length=10, blank=True)

    class Meta:
        ordering: ClassVar = ["code"]
        verbose_name = _("event type")
        verbose_name_plural = _("event types")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Crisis(Bilingual):
    """A parent crisis that groups events (an earthquake and its aftershocks, a border conflict)."""

    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    description_ru = models.TextField(_("description (Russian)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    started_on = models.DateField(_("started"))
    ended_on = models.DateField(_("ended"), null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-started_on", "slug"]
        verbose_name = _("crisis")
        verbose_name_plural = _("crises")

    @property
    def description(self) -> str:
        return localized(self.description_ru, self.description_en)


class Precision(models.TextChoices):
    """How precise a date is (the provider's own statement of it)."""

    MINUTE = "minute", _("to the minute")
    HOUR = "hour", _("to the hour")
    DAY = "day", _("to the day")
    WEEK = "week", _("to the week")
    MONTH = "month", _("to the month")
    YEAR = "year", _("to the year")


class LocationPrecision(models.TextChoices):
    """How precise a place is, after ACLED's geo-precision and UCDP's where_prec."""

    EXACT = "exact", _("exact location")
    NEAR = "near", _("near the named place")
    ADMIN2 = "admin2", _("district (admin-2)")
    ADMIN1 = "admin1", _("province (admin-1)")
    COUNTRY = "country", _("country only")
    AREA = "area", _("an area (polygon)")
    UNKNOWN = "unknown", _("unknown")


class Urgency(models.TextChoices):
    """CAP 1.2 urgency."""

    IMMEDIATE = "Immediate", _("immediate")
    EXPECTED = "Expected", _("expected")
    FUTURE = "Future", _("future")
    PAST = "Past", _("past")
    UNKNOWN = "Unknown", _("unknown urgency")


class Certainty(models.TextChoices):
    """CAP 1.2 certainty."""

    OBSERVED = "Observed", pgettext_lazy("CAP certainty", "observed")
    LIKELY = "Likely", _("likely")
    POSSIBLE = "Possible", _("possible")
    UNLIKELY = "Unlikely", _("unlikely")
    UNKNOWN = "Unknown", _("unknown certainty")


class Verification(models.TextChoices):
    UNVERIFIED = "unverified", _("unverified")
    CONFIRMED = "confirmed", _("confirmed")
    DISPUTED = "disputed", _("disputed")
    FALSE = "false", _("false report")


class Origin(models.TextChoices):
    """Where an event came from: the filter the API calls `source`."""

    MANUAL = "manual", _("entered by form")
    CAP = "cap", _("CAP alert")
    GDACS = "gdacs", _("GDACS")
    UCDP = "ucdp", _("UCDP GED")
    ACLED = "acled", _("ACLED layout")
    HXL = "hxl", _("HXL table")


class EventQuerySet(models.QuerySet["Event"]):
    def current(self) -> EventQuerySet:
        """Events not cancelled (a CAP Cancel withdraws an event; it is kept)."""
        return self.filter(cancelled_at__isnull=True)

    def real(self) -> EventQuerySet:
        """Without exercise events."""
        return self.filter(exercise=False)


class Event(Protected):
    """One crisis event. Imports key it by (origin, external_id), so that a re-import updates it.
    Figures are kept per source (`EventSource` → `EventFigure`)."""

    uid = models.UUIDField(_("identifier"), default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=500)
    description = models.TextField(_("description"), blank=True)
    event_type = models.ForeignKey(
        EventType, on_delete=models.PROTECT, related_name="events", verbose_name=_("type")
    )
    crisis = models.ForeignKey(
        Crisis,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
        verbose_name=_("crisis"),
    )
    starts_at = models.DateTimeField(_("start"))
    start_precision = models.CharField(
        _("start precision"), max_length=8, choices=Precision.choices, default=Precision.DAY
    )
    ends_at = models.DateTimeField(_("end"), null=True, blank=True)
    end_precision = models.CharField(
        _("end precision"), max_length=8, choices=Precision.choices, blank=True
    )
    # Place. `country` is ISO 3166-1 alpha-3; P-codes are OCHA's where matched; `place_name` is
    # the provider's own name for the place, kept as given.
    country = models.CharField(_("country (ISO alpha-3)"), max_length=3, blank=True)
    admin1_pcode = models.CharField(_("admin-1 P-code"), max_length=20, blank=True)
    admin1_name = models.CharField(_("admin-1"), max_length=200, blank=True)
    admin2_pcode = models.CharField(_("admin-2 P-code"), max_length=20, blank=True)
    admin2_name = models.CharField(_("admin-2"), max_length=200, blank=True)
    place_name = models.CharField(_("place name (as given)"), max_length=300, blank=True)
    latitude = models.FloatField(
        _("latitude"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-90.0), MaxValueValidator(90.0)],
    )
    longitude = models.FloatField(
        _("longitude"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-180.0), MaxValueValidator(180.0)],
    )
    cell = models.IntegerField(_("map cell"), null=True, blank=True, editable=False)
    location_precision = models.CharField(
        _("location precision"),
        max_length=8,
        choices=LocationPrecision.choices,
        default=LocationPrecision.UNKNOWN,
    )
    # An area (CAP polygons and circles, a GDACS bounding box) as GeoJSON, when the event has one.
    area = models.JSONField(_("area (GeoJSON)"), null=True, blank=True)
    actor1 = models.CharField(_("actor 1"), max_length=300, blank=True)
    actor2 = models.CharField(_("actor 2"), max_length=300, blank=True)
    severity = models.PositiveSmallIntegerField(
        _("severity"), default=3, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.UNKNOWN
    )
    certainty = models.CharField(
        _("certainty"), max_length=10, choices=Certainty.choices, default=Certainty.UNKNOWN
    )
    verification = models.CharField(
        _("verification"),
        max_length=12,
        choices=Verification.choices,
        default=Verification.UNVERIFIED,
    )
    exercise = models.BooleanField(_("exercise"), default=False)
    origin = models.CharField(
        _("source"), max_length=8, choices=Origin.choices, default=Origin.MANUAL
    )
    external_id = models.CharField(_("identifier at the source"), max_length=300, blank=True)
    # What the source said that has no column of its own (GDACS alert level, population, bbox;
    # ACLED's interaction code…), as given.
    details = models.JSONField(_("details from the source"), default=dict, blank=True)
    # Kept by `placement.place_events` on every write: the geodesic distance to the nearest
    # member-state border line (on either side of it) and the regions of concern the event
    # lies in.
    border_distance_km = models.FloatField(_("distance to a member-state border, km"), null=True)
    regions: models.ManyToManyField[Region, RegionMembership] = models.ManyToManyField(
        "Region",
        through="RegionMembership",
        related_name="events",
        blank=True,
        verbose_name=_("regions of concern"),
    )
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-starts_at", "-id"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["origin", "external_id"],
                condition=~Q(external_id=""),
                name="crisis_event_external_once",
            ),
            models.CheckConstraint(
                condition=Q(severity__gte=1) & Q(severity__lte=5), name="crisis_severity_1_5"
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | (Q(latitude__gte=-90) & Q(latitude__lte=90)),
                name="crisis_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True)
                | (Q(longitude__gte=-180) & Q(longitude__lte=180)),
                name="crisis_longitude_range",
            ),
            models.CheckConstraint(
                condition=(Q(latitude__isnull=True) & Q(longitude__isnull=True))
                | (Q(latitude__isnull=False) & Q(longitude__isnull=False)),
                name="crisis_coordinates_both_or_none",
            ),
        ]
        indexes: ClassVar = [
            # The map: a bounding box as cells, then a time range.
            models.Index(fields=["cell", "starts_at"], name="crisis_event_cell_time"),
            models.Index(fields=["starts_at"], name="crisis_event_time"),
            models.Index(fields=["country", "starts_at"], name="crisis_event_country_time"),
            models.Index(fields=["event_type", "starts_at"], name="crisis_event_type_time"),
            models.Index(fields=["admin1_pcode"], name="crisis_event_admin1"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: object, **kwargs: object) -> None:
        self.cell = None if self.latitude is None else cell_of(self.latitude, self.longitude or 0)
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None


class SourceKind(models.TextChoices):
    NATIONAL = "national", _("national report")
    OPEN = "open", _("open source")
    INTERNATIONAL = "international", _("international organisation")
    FEED = "feed", _("data feed")


class EventSource(models.Model):
    """One source that reported on an event: a national report, an open source, a feed."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="sources")
    kind = models.CharField(_("kind"), max_length=14, choices=SourceKind.choices)
    name = models.CharField(_("source"), max_length=300)
    url = models.URLField(_("address"), max_length=1000, blank=True)
    reference = models.CharField(
        pgettext_lazy("a source's", "reference"), max_length=300, blank=True
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["event", "kind", "name"]
        verbose_name = _("event source")
        verbose_name_plural = _("event sources")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["event", "kind", "name"], name="crisis_source_once")
        ]

    def __str__(self) -> str:
        return self.name


class Figure(models.TextChoices):
    DEAD = "dead", _("dead")
    INJURED = "injured", _("injured")
    MISSING = "missing", _("missing")
    AFFECTED = "affected", _("affected")
    DISPLACED = "displaced", _("displaced")


class EventFigure(models.Model):
    """A figure as one source gives it: low, best and high where it gives a range."""

    source = models.ForeignKey(EventSource, on_delete=models.CASCADE, related_name="figures")
    figure = models.CharField(_("figure"), max_length=10, choices=Figure.choices)
    low = models.PositiveIntegerField(
        pgettext_lazy("figure estimate", "low"), null=True, blank=True
    )
    best = models.PositiveIntegerField(
        pgettext_lazy("figure estimate", "best"), null=True, blank=True
    )
    high = models.PositiveIntegerField(
        pgettext_lazy("figure estimate", "high"), null=True, blank=True
    )

    class Meta:
        ordering: ClassVar = ["source", "figure"]
        verbose_name = _("figure")
        verbose_name_plural = _("figures")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["source", "figure"], name="crisis_figure_once"),
            models.CheckConstraint(
                condition=Q(low__isnull=True) | Q(best__isnull=True) | Q(low__lte=models.F("best")),
                name="crisis_figure_low_le_best",
            ),
            models.CheckConstraint(
                condition=Q(high__isnull=True)
                | Q(best__isnull=True)
                | Q(best__lte=models.F("high")),
                name="crisis_figure_best_le_high",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.figure}: {self.low}/{self.best}/{self.high}"


class EventAttachment(models.Model):
    """A file attached to an event, kept in the database (sha256 for integrity)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    content = models.BinaryField(_("content"))
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        ordering: ClassVar = ["event", "uploaded_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.filename


class CapMessage(models.Model):
    """A CAP 1.2 message received (imported) as it came, and the event it created or changed.
    CAP identifies a message by (sender, identifier, sent); `references` name earlier ones."""

    sender = models.CharField(_("sender"), max_length=300)
    identifier = models.CharField(_("identifier"), max_length=300)
    sent = models.CharField(_("sent"), max_length=40)  # as written: it is part of the key
    sent_at = models.DateTimeField(_("sent at"))
    status = models.CharField(_("status"), max_length=10)
    msg_type = models.CharField(_("message type"), max_length=10)
    scope = models.CharField(_("scope"), max_length=12)
    references = models.TextField(_("references"), blank=True)
    xml = models.TextField(_("XML"))
    event = models.ForeignKey(
        Event, null=True, on_delete=models.SET_NULL, related_name="cap_messages"
    )
    received_at = models.DateTimeField(_("received"), default=timezone.now)

    class Meta:
        ordering: ClassVar = ["-sent_at", "-id"]
        verbose_name = _("CAP message")
        verbose_name_plural = _("CAP messages")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["sender", "identifier", "sent"], name="crisis_cap_message_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.sender},{self.identifier},{self.sent}"


class Region(Bilingual):
    """A region of concern: a drawn polygon, a buffer of N km along a border, or a set of admin
    areas by P-code. `geometry` (GeoJSON, WGS 84) is computed from the definition when it is
    saved through `services_regions`; admin-area regions also match events by their P-codes."""

    class Kind(models.TextChoices):
        POLYGON = "polygon", _("drawn polygon")
        BORDER_BUFFER = "border_buffer", _("buffer along a border")
        ADMIN_AREAS = "admin_areas", _("admin areas by P-code")

    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    kind = models.CharField(_("kind"), max_length=14, choices=Kind.choices)
    # polygon: {} (the drawn geometry is `geometry`);
    # border_buffer: {"country": "AFG", "neighbours": ["TJK", "UZB", "TKM"], "km": 100};
    # admin_areas: {"pcodes": ["AF15", …]}
    definition = models.JSONField(_("definition"), default=dict, blank=True)
    geometry = models.JSONField(_("geometry (GeoJSON)"), null=True, blank=True)
    description_ru = models.TextField(_("description (Russian)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        ordering: ClassVar = ["slug"]
        verbose_name = _("region of concern")
        verbose_name_plural = _("regions of concern")

    @property
    def description(self) -> str:
        return localized(self.description_ru, self.description_en)


class RegionMembership(models.Model):
    """An event lies in a region (kept by `placement`)."""

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="memberships")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="memberships")

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["region", "event"], name="crisis_membership_once")
        ]
        indexes: ClassVar = [models.Index(fields=["event"], name="crisis_membership_event")]

    def __str__(self) -> str:
        return f"{self.event_id} in {self.region_id}"


class Channel(models.TextChoices):
    IN_APP = "in_app", _("in the application")
    EMAIL = "email", _("e-mail")


class AlertRule(models.Model):
    """Notify the chosen roles or agencies when an event matching this rule is recorded."""

    name = models.CharField(_("name"), max_length=200)
    event_types = models.ManyToManyField(
        EventType, blank=True, related_name="+", verbose_name=_("event types (and subtypes)")
    )
    min_severity = models.PositiveSmallIntegerField(
        _("minimum severity"), default=1, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    region = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="alert_rules",
        verbose_name=_("region"),
    )
    origin = models.CharField(_("source"), max_length=8, choices=Origin.choices, blank=True)
    keyword = models.CharField(_("keyword"), max_length=200, blank=True)
    include_exercises = models.BooleanField(_("include exercises"), default=False)
    # Recipients: every active user with one of these roles (of any agency), and every user of
    # these agencies. Each receives only the events they may see.
    roles = models.JSONField(_("roles"), default=list, blank=True)
    agencies = models.ManyToManyField(
        Agency, blank=True, related_name="+", verbose_name=_("agencies")
    )
    notify_in_app = models.BooleanField(_("notify in the application"), default=True)
    notify_email = models.BooleanField(_("notify by e-mail"), default=False)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering: ClassVar = ["name", "id"]
        verbose_name = _("alert rule")
        verbose_name_plural = _("alert rules")

    def __str__(self) -> str:
        return self.name

    def role_labels(self) -> list[str]:
        labels = dict(Role.choices)
        return [str(labels.get(role, role)) for role in self.roles]


class Dispatch(models.Model):
    """One notification sent (or tried): rule, event, recipient, channel, time, outcome.
    In-app notifications are the dispatches of channel `in_app`; `read_at` marks them read."""

    class Status(models.TextChoices):
        DELIVERED = "delivered", _("delivered")
        FAILED = "failed", _("failed")

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="dispatches")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="dispatches")
    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    error = models.TextField(_("error"), blank=True)
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-sent_at", "-id"]
        verbose_name = _("dispatch")
        verbose_name_plural = _("dispatch log")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["rule", "event", "recipient", "channel"], name="crisis_dispatch_once"
            )
        ]
        indexes: ClassVar = [
            models.Index(fields=["recipient", "channel", "read_at"], name="crisis_dispatch_inbox")
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} → {self.recipient_id} ({self.channel}, {self.status})"


class CapScope(models.TextChoices):
    PUBLIC = "Public", _("public")
    RESTRICTED = "Restricted", _("restricted")
    PRIVATE = "Private", _("private")


class IssuedAlert(Protected):
    """A CAP alert the Centre issues: drafted, approved by a second person, then published as CAP
    1.2 XML on the feed. `xml` is frozen at publication."""

    class State(models.TextChoices):
        DRAFT = "draft", _("draft")
        APPROVED = "approved", _("approved")
        PUBLISHED = "published", _("published")

    identifier = models.CharField(_("identifier"), max_length=200, unique=True)
    msg_type = models.CharField(_("message type"), max_length=10, default="Alert")
    scope = models.CharField(
        _("scope"), max_length=12, choices=CapScope.choices, default=CapScope.RESTRICTED
    )
    restriction = models.CharField(_("restriction"), max_length=300, blank=True)
    addresses = models.CharField(_("addresses"), max_length=500, blank=True)
    references = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("updates or cancels"),
    )
    event = models.ForeignKey(
        Event, null=True, blank=True, on_delete=models.SET_NULL, related_name="issued_alerts"
    )
    category = models.CharField(_("category"), max_length=10, default="Security")
    event_text = models.CharField(_("event"), max_length=200)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices)
    severity = models.CharField(_("severity"), max_length=10)  # CAP: Extreme … Minor, Unknown
    certainty = models.CharField(_("certainty"), max_length=10, choices=Certainty.choices)
    headline = models.CharField(_("headline"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    instruction = models.TextField(_("instruction"), blank=True)
    language = models.CharField(_("language"), max_length=10, default="ru-RU")
    area_desc = models.CharField(_("area"), max_length=300)
    area = models.JSONField(_("area (GeoJSON)"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default="draft")
    drafted_at = models.DateTimeField(_("drafted"), default=timezone.now)
    approved_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    xml = models.TextField(_("CAP XML"), blank=True)

    class Meta:
        ordering: ClassVar = ["-drafted_at", "-id"]
        verbose_name = _("issued alert")
        verbose_name_plural = _("issued alerts")

    def __str__(self) -> str:
        return self.headline


class Sitrep(Protected):
    """A situation report for a period and a region (or a crisis), generated in the background
    as an HTML page and a PDF, stored, marked and shared like any record."""

    class State(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("being generated")
        DONE = "done", _("ready")
        FAILED = "failed", _("failed")

    uid = models.UUIDField(_("identifier"), default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=300)
    period_start = models.DateTimeField(_("from"))
    period_end = models.DateTimeField(_("to"))
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    crisis = models.ForeignKey(
        Crisis, null=True, blank=True, on_delete=models.PROTECT, related_name="sitreps"
    )
    summary = models.TextField(_("summary"), blank=True)
    language = models.CharField(_("language"), max_length=2, default="ru")
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default="queued")
    progress = models.PositiveSmallIntegerField(_("progress, %"), default=0)
    progress_note = models.CharField(_("progress note"), max_length=200, blank=True)
    error = models.TextField(_("error"), blank=True)
    html = models.TextField(_("HTML"), blank=True)
    pdf = models.BinaryField(_("PDF"), null=True, blank=True)
    event_count = models.PositiveIntegerField(_("events"), default=0)
    # The events the report holds (filled when generated): a share is refused unless the new
    # audience may see every one of them.
    events = models.ManyToManyField(Event, blank=True, related_name="+", verbose_name=_("events"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    generated_at = models.DateTimeField(_("generated"), null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]
        verbose_name = _("situation report")
        verbose_name_plural = _("situation reports")
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(period_end__gt=models.F("period_start")), name="crisis_sitrep_period"
            )
        ]

    def __str__(self) -> str:
        return self.title
