"""Forms of the operations pages: they parse and bound the input; the services decide the rest
(who may report for whom, whether a stage is open, duplicates, units allowed per kind)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from concord.core.markings import Tlp
from concord.core.models import Body, Country, MemberState

from .models import (
    OperationKind,
    Participant,
    ParticipantKind,
    ResultKind,
    Stage,
    Substance,
    Unit,
)
from .units import UnitError, parse_quantity

# The page keeps an uploaded file in the session between preview and apply; bigger files go
# through the API or `concord import_results`.
MAX_IMPORT_BYTES = 5 * 1024 * 1024
IMPORT_SUFFIXES = (".csv", ".xlsx")
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# Markings a reporter may choose for a line: the organisation-wide default and narrower ones.
# Addresses under /operations/ that are pages, not operations.
RESERVED_SLUGS = frozenset({"new", "press", "template"})
LINE_MARKINGS = [(t.value, t.label) for t in (Tlp.AMBER, Tlp.AMBER_STRICT, Tlp.GREEN)]


def _quantity(text: str) -> Decimal:
    """A quantity as people type it (`1 234,5`, `0.75`), with the units module's message."""
    try:
        return parse_quantity(text)
    except UnitError as error:
        raise ValidationError(error.message) from None


class OperationForm(forms.Form):
    slug = forms.SlugField(
        label=_("Short name in addresses"),
        max_length=50,
        help_text=_("Latin letters, digits and hyphens, e.g. channel"),
    )
    name_ru = forms.CharField(label=_("Name (Russian)"), max_length=200)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=OperationKind.choices)
    coordinating_body = forms.ModelChoiceField(
        label=_("Coordinating body"), queryset=Body.objects.all(), required=False
    )
    since_year = forms.IntegerField(label=_("Held since"), min_value=1990, max_value=2100)
    description_ru = forms.CharField(
        label=_("Description (Russian)"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    description_en = forms.CharField(
        label=_("Description (English)"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    illustrative_splits = forms.BooleanField(
        label=_("The splits by country and substance are illustrative"), required=False
    )

    def clean_slug(self) -> str:
        slug: str = self.cleaned_data["slug"]
        if slug in RESERVED_SLUGS:
            raise ValidationError(_("This short name is taken by the pages; choose another."))
        return slug


class ParticipantForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ParticipantKind.choices)
    country = forms.ModelChoiceField(
        label=_("Country"), queryset=Country.objects.order_by("name_en"), required=False
    )
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        required=False,
        help_text=_("For an international organisation, e.g. INTERPOL; countries use ISO codes"),
    )
    name_ru = forms.CharField(label=_("Name (Russian)"), max_length=200, required=False)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        international = data.get("kind") == ParticipantKind.INTERNATIONAL
        if international and not data.get("code"):
            self.add_error("code", _("An international organisation needs a code."))
        if not international and data.get("kind") and data.get("country") is None:
            self.add_error("country", _("Choose the participating country."))
        return data


class StageForm(forms.Form):
    number = forms.IntegerField(label=_("Number"), min_value=1, max_value=32767)
    year = forms.IntegerField(label=_("Year"), min_value=1990, max_value=2100)
    starts_on = forms.DateField(label=_("Starts"), widget=DATE_INPUT)
    ends_on = forms.DateField(label=_("Ends"), widget=DATE_INPUT)
    lead_state = forms.ModelChoiceField(
        label=_("Lead state"), queryset=MemberState.objects.all(), required=False
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[(s.value, s.label) for s in (Stage.Status.OPEN, Stage.Status.PLANNED)],
    )
    participants = forms.ModelMultipleChoiceField(
        label=_("Participants"),
        queryset=Participant.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args: Any, participants: QuerySet[Participant], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["participants"]
        assert isinstance(field, forms.ModelMultipleChoiceField)  # noqa: S101 - declared above
        field.queryset = participants

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("A stage cannot end before it starts."))
        return data


class ParticipantChoiceForm(forms.Form):
    """A form whose participant is one of those the user may report for in this stage."""

    participant = forms.ModelChoiceField(
        label=_("Country or organisation"), queryset=Participant.objects.none()
    )

    def __init__(self, *args: Any, participants: QuerySet[Participant], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["participant"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - declared above
        field.queryset = participants
        if participants.count() == 1:
            field.initial = participants.first()


class ResultForm(ParticipantChoiceForm):
    kind = forms.ChoiceField(label=_("Result"), choices=ResultKind.choices)
    substance = forms.ChoiceField(
        label=_("Substance"),
        choices=[("", _("— not a drug seizure —")), *Substance.choices],
        required=False,
    )
    quantity = forms.CharField(label=_("Quantity"), max_length=40)
    unit = forms.ChoiceField(label=_("Unit"), choices=Unit.choices)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
    tlp = forms.ChoiceField(label=_("Marking"), choices=LINE_MARKINGS, initial=Tlp.AMBER)

    def clean_quantity(self) -> Decimal:
        return _quantity(self.cleaned_data["quantity"])


class ImportForm(ParticipantChoiceForm):
    file = forms.FileField(label=_("File (CSV or XLSX)"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not (upload.name or "").lower().endswith(IMPORT_SUFFIXES):
            raise ValidationError(_("Upload a .csv or .xlsx file."))
        if upload.size > MAX_IMPORT_BYTES:
            raise ValidationError(
                _("The page accepts files up to 5 MB; use the API or the command line for more.")
            )
        return upload


class CorrectionForm(forms.Form):
    quantity = forms.CharField(label=_("Corrected quantity"), max_length=40)
    unit = forms.ChoiceField(
        label=_("Unit"), choices=[("", _("— as reported —")), *Unit.choices], required=False
    )
    reason = forms.CharField(label=_("Reason for the correction"), max_length=500)

    def clean_quantity(self) -> Decimal:
        return _quantity(self.cleaned_data["quantity"])
