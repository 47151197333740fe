"""Joint operations ("Channel", "Illegal migrant", …): their stages, participants and the result
lines each participating agency reports, with revisions after a stage closes.

A result line is a protected record owned by the reporting agency (AMBER by default, shared with
the organisation's Secretariat); aggregated statistics are GREEN and computed from every current
line. Lines are never edited once their stage has closed: a correction is a new revision that
supersedes the old line, and both stay.
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from concord.core.models import Bilingual, Body, Country, MemberState, Protected, User, localized


class OperationKind(models.TextChoices):
    ANTI_DRUG = "anti_drug", _("anti-drug")
    ILLEGAL_MIGRATION = "illegal_migration", _("illegal migration")
    INFORMATION_SECURITY = "information_security", _("information security")
    OTHER = "other", _("other")


class Operation(Bilingual):
    """A recurring joint operation, run in stages."""

    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    kind = models.CharField(_("kind"), max_length=24, choices=OperationKind.choices)
    coordinating_body = models.ForeignKey(
        Body,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("coordinating body"),
    )
    since_year = models.PositiveSmallIntegerField(_("held since"))
    description_ru = models.TextField(_("description (Russian)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    # Demo and reconstructed data: the totals are documented, the splits by country and
    # substance are illustrative. Pages and reports show a note when this is set.
    illustrative_splits = models.BooleanField(_("splits are illustrative"), default=False)

    class Meta:
        ordering: ClassVar = ["since_year", "slug"]
        verbose_name = _("joint operation")
        verbose_name_plural = _("joint operations")

    @property
    def description(self) -> str:
        return localized(self.description_ru, self.description_en)


class ParticipantKind(models.TextChoices):
    MEMBER_STATE = "member_state", _("member state")
    OBSERVER = "observer", _("observer country")
    PARTNER = "partner", _("partner country")
    INTERNATIONAL = "international", _("international organisation")


class Participant(models.Model):
    """A country or international organisation taking part in an operation."""

    operation = models.ForeignKey(Operation, on_delete=models.CASCADE, related_name="participants")
    kind = models.CharField(_("kind"), max_length=16, choices=ParticipantKind.choices)
    country = models.ForeignKey(
        Country,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("country"),
    )
    # International organisations: a short code (e.g. INTERPOL, UNODC) and names.
    code = models.CharField(_("code"), max_length=20)
    name_ru = models.CharField(_("name (Russian)"), max_length=200, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)

    class Meta:
        ordering: ClassVar = ["operation", "kind", "code"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["operation", "code"], name="participant_once"),
            models.CheckConstraint(
                condition=Q(kind="international") | Q(country__isnull=False),
                name="participant_country_unless_organisation",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        if self.country is not None:
            return self.country.name
        return localized(self.name_ru, self.name_en) or self.code


class Stage(models.Model):
    """One stage of an operation. `number` runs through the operation's whole history."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        OPEN = "open", _("open for reports")
        CLOSED = "closed", _("closed")

    operation = models.ForeignKey(Operation, on_delete=models.CASCADE, related_name="stages")
    number = models.PositiveSmallIntegerField(_("number"))
    year = models.PositiveSmallIntegerField(_("year"))
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"))
    lead_state = models.ForeignKey(
        MemberState,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("lead state"),
    )
    participants = models.ManyToManyField(
        Participant, blank=True, related_name="stages", verbose_name=_("participants")
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.OPEN
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering: ClassVar = ["operation", "number"]
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["operation", "number"], name="stage_number_once"),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="stage_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.operation.slug} #{self.number} ({self.year})"

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED


class ResultKind(models.TextChoices):
    DRUG_SEIZURE = "drug_seizure", _("drugs seized")
    WEAPONS = "weapons", _("firearms seized")
    AMMUNITION = "ammunition", _("ammunition seized")
    EXPLOSIVES = "explosives", _("explosives seized")
    CRIMINAL_CASES = "criminal_cases", _("criminal cases initiated")
    DETENTIONS = "detentions", _("persons detained")
    WANTED_FOUND = "wanted_found", _("internationally wanted persons found")
    ILLEGAL_MIGRANTS = "illegal_migrants", _("illegal migrants detected")
    RESOURCES_IDENTIFIED = "resources_identified", _("information resources identified")
    RESOURCES_BLOCKED = "resources_blocked", _("information resources blocked")


class Substance(models.TextChoices):
    """The controlled vocabulary of seized substances (after UNODC's reporting categories)."""

    HEROIN = "heroin", _("heroin")
    OPIUM = "opium", _("opium")
    HASHISH = "hashish", _("hashish")
    CANNABIS = "cannabis", _("cannabis (marijuana)")
    COCAINE = "cocaine", _("cocaine")
    METHAMPHETAMINE = "methamphetamine", _("methamphetamine")
    MEPHEDRONE = "mephedrone", _("mephedrone")
    OTHER_SYNTHETIC = "other_synthetic", _("other synthetic drugs")
    PSYCHOTROPIC = "psychotropic", _("psychotropic substances")
    PRECURSORS = "precursors", _("precursors")
    OTHER = "other", _("other drugs")


class Unit(models.TextChoices):
    GRAM = "g", _("g")
    KILOGRAM = "kg", _("kg")
    TONNE = "t", _("t")
    LITRE = "l", _("l")
    TABLETS = "tablets", _("tablets")
    DOSES = "doses", _("doses")
    ITEMS = "items", _("items")
    ROUNDS = "rounds", _("rounds")
    CASES = "cases", _("cases")
    PERSONS = "persons", _("persons")


# Units a mass normalises from (to kilograms); litres, tablets and doses keep their own unit.
KG_PER_UNIT: dict[str, Decimal] = {
    Unit.GRAM: Decimal("0.001"),
    Unit.KILOGRAM: Decimal(1),
    Unit.TONNE: Decimal(1000),
}

# Which units each kind of result may be reported in.
UNITS_BY_KIND: dict[str, tuple[str, ...]] = {
    ResultKind.DRUG_SEIZURE: (
        Unit.GRAM,
        Unit.KILOGRAM,
        Unit.TONNE,
        Unit.LITRE,
        Unit.TABLETS,
        Unit.DOSES,
    ),
    ResultKind.WEAPONS: (Unit.ITEMS,),
    ResultKind.AMMUNITION: (Unit.ROUNDS,),
    ResultKind.EXPLOSIVES: (Unit.GRAM, Unit.KILOGRAM, Unit.TONNE, Unit.ITEMS),
    ResultKind.CRIMINAL_CASES: (Unit.CASES,),
    ResultKind.DETENTIONS: (Unit.PERSONS,),
    ResultKind.WANTED_FOUND: (Unit.PERSONS,),
    ResultKind.ILLEGAL_MIGRANTS: (Unit.PERSONS,),
    ResultKind.RESOURCES_IDENTIFIED: (Unit.ITEMS,),
    ResultKind.RESOURCES_BLOCKED: (Unit.ITEMS,),
}


class ResultLineQuerySet(models.QuerySet["ResultLine"]):
    def current(self) -> ResultLineQuerySet:
        """Lines not superseded by a later revision: what statistics count."""
        return self.filter(superseded_by__isnull=True)


class ResultLine(Protected):
    """One figure a participating agency reports for a country and a stage: counts only, never
    personal data. `mass_kg` is the quantity in kilograms when the unit is a mass."""

    stage = models.ForeignKey(
        Stage, on_delete=models.PROTECT, related_name="results", verbose_name=_("stage")
    )
    participant = models.ForeignKey(
        Participant,
        on_delete=models.PROTECT,
        related_name="results",
        verbose_name=_("participant"),
    )
    kind = models.CharField(_("result"), max_length=24, choices=ResultKind.choices)
    substance = models.CharField(
        _("substance"), max_length=20, choices=Substance.choices, blank=True
    )
    quantity = models.DecimalField(_("quantity as reported"), max_digits=18, decimal_places=3)
    unit = models.CharField(_("unit"), max_length=8, choices=Unit.choices)
    mass_kg = models.DecimalField(
        _("mass (kg)"), max_digits=18, decimal_places=6, null=True, blank=True
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    revision = models.PositiveSmallIntegerField(_("revision"), default=1)
    supersedes = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
        verbose_name=_("supersedes"),
    )
    reason = models.CharField(_("reason for the correction"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("reported"), default=timezone.now)

    objects = ResultLineQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["stage", "participant", "kind", "substance", "unit", "revision"]
        verbose_name = _("result line")
        verbose_name_plural = _("result lines")
        indexes: ClassVar = [
            models.Index(fields=["stage", "participant", "kind"], name="result_figures"),
        ]
        constraints: ClassVar = [
            # A duplicate line (same agency, figure and revision) is refused; a correction is the
            # next revision.
            models.UniqueConstraint(
                fields=[
                    "stage",
                    "participant",
                    "owner_agency",
                    "kind",
                    "substance",
                    "unit",
                    "revision",
                ],
                name="result_line_once",
            ),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="result_not_negative"),
            models.CheckConstraint(
                condition=Q(kind="drug_seizure", substance__gt="")
                | (~Q(kind="drug_seizure") & Q(substance="")),
                name="result_substance_for_drugs_only",
            ),
        ]

    def __str__(self) -> str:
        what = f"{self.kind}/{self.substance}" if self.substance else self.kind
        return f"{self.stage} {self.participant.code} {what}: {self.quantity} {self.unit}"


class FigureTotal(models.Model):
    """The sum of the current lines of one figure (stage × participant × kind × substance ×
    unit). `services.refresh_totals` rewrites the rows of every stage and participant a write
    touches, in the same transaction, so statistics read rows bounded by the operation's shape
    (stages × participants × figures) instead of scanning every line: a million lines are a few
    thousand totals. Aggregated figures are GREEN, so these rows carry no marking."""

    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="+")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=24, choices=ResultKind.choices)
    substance = models.CharField(max_length=20, choices=Substance.choices, blank=True)
    unit = models.CharField(max_length=8, choices=Unit.choices)
    quantity = models.DecimalField(max_digits=24, decimal_places=3)
    lines = models.PositiveIntegerField()
    revised = models.BooleanField(default=False)  # a current line of the figure is a correction

    class Meta:
        verbose_name = _("figure total")
        verbose_name_plural = _("figure totals")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["stage", "participant", "kind", "substance", "unit"],
                name="figure_total_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.stage_id}/{self.participant_id} {self.kind} {self.quantity} {self.unit}"


class PressSummary(Protected):
    """Published totals of an operation for a year (or a stage), written for the press:
    TLP:CLEAR, shown on the public page."""

    operation = models.ForeignKey(
        Operation, on_delete=models.CASCADE, related_name="press_summaries"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    stage = models.ForeignKey(
        Stage, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    title_ru = models.CharField(_("title (Russian)"), max_length=300)
    title_en = models.CharField(_("title (English)"), max_length=300)
    text_ru = models.TextField(_("text (Russian)"))
    text_en = models.TextField(_("text (English)"))
    # The totals the text quotes, frozen when published (kind → figure).
    totals = models.JSONField(_("published totals"), default=dict)
    published_at = models.DateTimeField(_("published"), default=timezone.now)

    class Meta:
        ordering: ClassVar = ["-published_at"]
        verbose_name = _("press summary")
        verbose_name_plural = _("press summaries")

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return localized(self.title_ru, self.title_en)

    @property
    def text(self) -> str:
        return localized(self.text_ru, self.text_en)
