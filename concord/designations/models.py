"""National lists and their versions, the alias store, judgements, harmonisation rounds and the
published versions of the single list.

National lists are public legal acts of the member states: every signed-in user may read them;
who may change what is decided in `access.py`. History is kept, never deleted: an entry that
leaves a national list stays, marked absent, with its revisions.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from concord.core.models import MemberState, localized

from .records import NameKind


class Category(models.TextChoices):
    TERRORIST = "terrorist", _("terrorist")
    EXTREMIST = "extremist", _("extremist")


class Status(models.TextChoices):
    LISTED = "listed", _("listed")
    DELISTED = "delisted", _("delisted")


class NameKindChoice(models.TextChoices):
    NAME = NameKind.NAME, _("name")
    ALIAS = NameKind.ALIAS, _("alias")
    WEAK_ALIAS = NameKind.WEAK_ALIAS, _("weak alias")
    PREVIOUS_NAME = NameKind.PREVIOUS_NAME, _("previous name")
    ABBREVIATION = NameKind.ABBREVIATION, _("abbreviation")


UN_CODE = "UN"


class NationalList(models.Model):
    """A member state's national list, or a reference list (the UN Consolidated List)."""

    code = models.CharField(_("code"), max_length=8, unique=True)
    state = models.OneToOneField(
        MemberState,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="designation_list",
        verbose_name=_("member state"),
    )
    name_ru = models.CharField(_("name (Russian)"), max_length=300)
    name_en = models.CharField(_("name (English)"), max_length=300)

    class Meta:
        ordering: ClassVar = ["code"]
        verbose_name = _("national list")
        verbose_name_plural = _("national lists")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized(self.name_ru, self.name_en)

    @property
    def is_reference(self) -> bool:
        return self.state_id is None


class ListVersion(models.Model):
    """One applied import of a list. Re-importing identical content creates none."""

    national_list = models.ForeignKey(
        NationalList, on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    created_at = models.DateTimeField(_("imported"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    as_of = models.DateField(_("as of"), null=True, blank=True)
    format = models.CharField(_("format"), max_length=10)
    filename = models.CharField(_("file"), max_length=255)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    content_hash = models.CharField(_("content hash"), max_length=64)
    entry_count = models.PositiveIntegerField(_("entries"))
    summary = models.JSONField(_("changes"), default=dict)

    class Meta:
        ordering: ClassVar = ["national_list", "-number"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["national_list", "number"], name="designations_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.national_list.code} v{self.number}"


class EntryQuerySet(models.QuerySet["Entry"]):
    def present(self) -> EntryQuerySet:
        """Entries in the current version of their list (listed or delisted)."""
        return self.filter(present=True)

    def in_force(self) -> EntryQuerySet:
        """Entries that currently ban the organisation."""
        return self.filter(present=True, status=Status.LISTED)


class Entry(models.Model):
    """One organisation as one list records it."""

    national_list = models.ForeignKey(
        NationalList, on_delete=models.PROTECT, related_name="entries"
    )
    entry_id = models.CharField(_("entry id"), max_length=100)
    uid = models.CharField(_("uid"), max_length=120, unique=True)
    category = models.CharField(
        _("category"), max_length=12, choices=Category.choices, default=Category.TERRORIST
    )
    listed_on = models.DateField(_("listed on"), null=True, blank=True)
    legal_basis = models.TextField(_("legal basis"), blank=True)
    reasons = models.TextField(_("statement of reasons"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.LISTED
    )
    delisted_on = models.DateField(_("delisted on"), null=True, blank=True)
    source_url = models.URLField(_("source"), max_length=500, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    extra = models.JSONField(default=dict, blank=True)
    content_hash = models.CharField(max_length=64)
    present = models.BooleanField(_("in the current version"), default=True)
    first_version = models.ForeignKey(
        ListVersion, on_delete=models.PROTECT, related_name="+", null=True
    )
    last_version = models.ForeignKey(
        ListVersion, on_delete=models.PROTECT, related_name="+", null=True
    )

    objects = EntryQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["national_list", "entry_id"]
        verbose_name = _("list entry")
        verbose_name_plural = _("list entries")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["national_list", "entry_id"], name="designations_entry_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.uid}"

    @staticmethod
    def make_uid(list_code: str, entry_id: str) -> str:
        return f"{list_code.lower()}:{entry_id}"

    @property
    def in_force(self) -> bool:
        return self.present and self.status == Status.LISTED


class EntryName(models.Model):
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="names")
    position = models.PositiveSmallIntegerField()
    text = models.CharField(_("name"), max_length=500)
    kind = models.CharField(_("type"), max_length=16, choices=NameKindChoice.choices)
    lang = models.CharField(_("language"), max_length=3, blank=True)
    flags = models.JSONField(default=list, blank=True)

    class Meta:
        ordering: ClassVar = ["entry", "position"]

    def __str__(self) -> str:
        return self.text


class EntryRevision(models.Model):
    """What an entry looked like after a version changed it; never deleted."""

    class Change(models.TextChoices):
        ADDED = "added", _("added")
        REMOVED = "removed", _("removed")
        RENAMED = "renamed", _("renamed")
        BASIS = "basis_changed", _("legal basis changed")
        CHANGED = "changed", _("changed")
        RETURNED = "returned", _("returned")

    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="revisions")
    version = models.ForeignKey(ListVersion, on_delete=models.PROTECT, related_name="revisions")
    changes = models.JSONField(default=list)
    data = models.JSONField(encoder=DjangoJSONEncoder)

    class Meta:
        ordering: ClassVar = ["entry", "version__number"]

    def __str__(self) -> str:
        return f"{self.entry_id} v{self.version_id}: {', '.join(self.changes)}"


class AliasGroup(models.Model):
    """A curated set of names of one organisation across languages, scripts and acronyms."""

    key = models.SlugField(_("key"), max_length=80, unique=True)
    label_ru = models.CharField(_("name (Russian)"), max_length=300)
    label_en = models.CharField(_("name (English)"), max_length=300)
    source = models.TextField(_("source"))
    source_url = models.URLField(_("source URL"), max_length=500, blank=True)
    builtin = models.BooleanField(_("shipped with Concord"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["label_en"]
        verbose_name = _("alias group")
        verbose_name_plural = _("alias groups")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return localized(self.label_ru, self.label_en)


class AliasName(models.Model):
    group = models.ForeignKey(AliasGroup, on_delete=models.CASCADE, related_name="names")
    text = models.CharField(_("name"), max_length=500)
    lang = models.CharField(_("language"), max_length=3)
    kind = models.CharField(
        _("type"), max_length=16, choices=NameKindChoice.choices, default=NameKind.NAME
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering: ClassVar = ["group", "lang", "text"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["group", "text"], name="designations_alias_unique")
        ]

    def __str__(self) -> str:
        return self.text


class Verdict(models.TextChoices):
    POSITIVE = "positive", _("same")
    NEGATIVE = "negative", _("different")
    UNSURE = "unsure", _("unsure")


class JudgementQuerySet(models.QuerySet["Judgement"]):
    def current(self) -> JudgementQuerySet:
        return self.filter(deleted_at__isnull=True)

    def pair(self, left: str, right: str) -> JudgementQuerySet:
        left, right = sorted((left, right))
        return self.filter(left_uid=left, right_uid=right)


class Judgement(models.Model):
    """A decision about a pair of entries, kept like nomenklatura's resolver edges: undoing one
    soft-deletes it, so the history of who decided what stays."""

    left_uid = models.CharField(max_length=120)
    right_uid = models.CharField(max_length=120)
    verdict = models.CharField(_("judgement"), max_length=10, choices=Verdict.choices)
    score = models.FloatField(_("score"), null=True, blank=True)
    auto = models.BooleanField(_("automatic"), default=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = JudgementQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]
        indexes: ClassVar = [models.Index(fields=["left_uid", "right_uid"])]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(left_uid__lt=models.F("right_uid")), name="designations_pair_ordered"
            ),
            models.UniqueConstraint(
                fields=["left_uid", "right_uid"],
                condition=Q(deleted_at__isnull=True),
                name="designations_one_current_judgement",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.left_uid} {self.verdict} {self.right_uid}"


class Candidate(models.Model):
    """A pair the matcher proposes for review, with its score and explanation."""

    left_uid = models.CharField(max_length=120)
    right_uid = models.CharField(max_length=120)
    score = models.FloatField()
    features = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["-score", "left_uid", "right_uid"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["left_uid", "right_uid"], name="designations_candidate_unique"
            ),
            models.CheckConstraint(
                condition=Q(left_uid__lt=models.F("right_uid")),
                name="designations_candidate_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.left_uid} ~ {self.right_uid} ({self.score:.2f})"


class Round(models.Model):
    """A harmonisation round opened by the Secretariat over the gaps between national lists."""

    number = models.PositiveIntegerField(_("round"), unique=True)
    title = models.CharField(_("title"), max_length=300, blank=True)
    opened_at = models.DateTimeField(default=timezone.now)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering: ClassVar = ["-number"]
        verbose_name = _("harmonisation round")
        verbose_name_plural = _("harmonisation rounds")

    def __str__(self) -> str:
        return f"#{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class RoundItem(models.Model):
    """One gap put to the states in a round: an organisation some states list and others don't."""

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="items")
    organisation_id = models.CharField(max_length=40)
    name_ru = models.CharField(max_length=500)
    name_en = models.CharField(max_length=500)
    entry_uids = models.JSONField(default=list)
    listed_by = models.JSONField(default=list)
    missing = models.JSONField(default=list)

    class Meta:
        ordering: ClassVar = ["round", "name_ru"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["round", "organisation_id"], name="designations_round_item_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized(self.name_ru, self.name_en)


class Answer(models.TextChoices):
    AGREE = "agree", _("agree to list")
    OBJECT = "object", _("object")
    PROCEDURE = "procedure", _("national procedure under way")


class RoundAnswer(models.Model):
    item = models.ForeignKey(RoundItem, on_delete=models.PROTECT, related_name="answers")
    state = models.ForeignKey(MemberState, on_delete=models.PROTECT, related_name="+")
    answer = models.CharField(_("answer"), max_length=10, choices=Answer.choices)
    reason = models.TextField(_("reason"), blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["item", "state"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["item", "state"], name="designations_answer_unique")
        ]

    def __str__(self) -> str:
        return f"{self.state_id}: {self.answer}"


class Publication(models.Model):
    """An immutable published version of the single list."""

    number = models.PositiveIntegerField(_("version"), unique=True)
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    audit_seq = models.PositiveBigIntegerField()
    audit_hash = models.CharField(max_length=64)
    content = models.JSONField()
    content_hash = models.CharField(max_length=64)
    diff = models.JSONField(default=dict)
    organisation_count = models.PositiveIntegerField()

    class Meta:
        ordering: ClassVar = ["-number"]
        verbose_name = _("published version")
        verbose_name_plural = _("published versions")

    def __str__(self) -> str:
        return f"v{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("a published version is immutable")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError("a published version is immutable")


class ScreeningRun(models.Model):
    """A file of names screened in the background for one user; the result is downloadable by
    that user only. The names themselves are not logged anywhere else."""

    class State(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    filename = models.CharField(max_length=255)
    threshold = models.FloatField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    matched = models.PositiveIntegerField(default=0)
    source = models.BinaryField()
    result = models.BinaryField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.state})"

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0


class Generation(models.Model):
    """A counter bumped by every write that changes what the matcher sees (imports, judgements,
    alias store), so each process rebuilds its cached screener only when it must."""

    key = models.CharField(max_length=40, primary_key=True)
    value = models.PositiveBigIntegerField(default=0)
    # A fresh random stamp on every bump: a rolled-back transaction (or a test database) can
    # repeat a value, never a stamp, so caches keyed by the stamp are never stale.
    stamp = models.CharField(max_length=32, default="")

    def __str__(self) -> str:
        return f"{self.key}={self.value}"
