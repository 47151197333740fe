"""Forms of the incident and indicator pages: they parse and bound the input; the services
decide the rest (workflow, markings, canonical values)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from concord.core.markings import Tlp
from concord.core.models import Agency, Body, MemberState

from . import taxonomy
from .models import IndicatorKind, Pap, Sector, Severity, SharingGroup, Sighting, TimelineEntry

TEXTAREA = forms.Textarea(attrs={"rows": 4})


def _multiple(model: type[Any], label: Any) -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        label=label,
        queryset=model._default_manager.all(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )


class SharesForm(forms.Form):
    shared_states = _multiple(MemberState, _("Share with states"))
    shared_bodies = _multiple(Body, _("Share with bodies"))
    shared_agencies = _multiple(Agency, _("Share with agencies"))


class IncidentForm(SharesForm):
    title = forms.CharField(label=_("Title"), max_length=300)
    classification = forms.ChoiceField(label=_("Classification (RSIT)"))
    description = forms.CharField(label=_("Description"), required=False, widget=TEXTAREA)
    severity = forms.ChoiceField(
        label=_("Severity"), choices=Severity.choices, initial=Severity.MEDIUM
    )
    pap = forms.ChoiceField(label=_("PAP"), choices=Pap.choices, initial=Pap.AMBER)
    tlp = forms.ChoiceField(label=_("TLP"), choices=Tlp.choices, initial=Tlp.AMBER)
    sectors = forms.MultipleChoiceField(
        label=_("Affected sectors"),
        choices=Sector.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    affected_states = _multiple(MemberState, _("Affected states"))
    occurred_at = forms.DateTimeField(
        label=_("Occurred"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    sharing_groups = _multiple(SharingGroup, _("Release to sharing groups"))

    field_order = [
        "title",
        "classification",
        "description",
        "severity",
        "pap",
        "tlp",
        "sectors",
        "affected_states",
        "occurred_at",
        "sharing_groups",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["classification"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 - declared above
        field.choices = [("", "—"), *taxonomy.rsit_grouped()]


class StatusForm(forms.Form):
    status = forms.CharField(max_length=20)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)


class ReleaseForm(forms.Form):
    groups = forms.ModelMultipleChoiceField(
        label=_("Sharing groups"),
        queryset=SharingGroup.objects.all(),
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
    )


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Comment"), max_length=20000, widget=TEXTAREA)


class TimelineForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            (TimelineEntry.Kind.ACTION, TimelineEntry.Kind.ACTION.label),
            (TimelineEntry.Kind.NOTE, TimelineEntry.Kind.NOTE.label),
        ],
    )
    text = forms.CharField(label=_("Text"), max_length=20000, widget=TEXTAREA)


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File"))


class IndicatorsPasteForm(forms.Form):
    text = forms.CharField(
        label=_("Values, one a line"),
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false"}),
    )
    kind = forms.ChoiceField(
        label=_("Type"),
        choices=[("", _("detect each line")), *IndicatorKind.choices],
        required=False,
    )
    incident = forms.UUIDField(required=False, widget=forms.HiddenInput)
    confidence = forms.IntegerField(
        label=_("Confidence (0–100)"), min_value=0, max_value=100, initial=50
    )
    tlp = forms.ChoiceField(
        label=_("TLP"),
        choices=[("", _("as the incident (AMBER without one)")), *Tlp.choices],
        required=False,
    )
    force_actionable = forms.BooleanField(
        label=_("Actionable even when on a warninglist"), required=False
    )


class SightingForm(forms.Form):
    kind = forms.ChoiceField(label=_("What was seen"), choices=Sighting.Kind.choices)
    count = forms.IntegerField(label=_("Count"), min_value=1, initial=1)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)


class SharingGroupForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=50)
    name_ru = forms.CharField(label=_("Name (Russian)"), max_length=200, required=False)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200, required=False)
    description = forms.CharField(label=_("Description"), required=False, widget=TEXTAREA)
    states = _multiple(MemberState, _("States"))
    bodies = _multiple(Body, _("Bodies"))
    agencies = _multiple(Agency, _("Agencies"))
