"""Forms of the event pages: they parse and bound the input (ranges, formats, choices); the
services decide the rest (ownership, markings, placement, alerts).

Times are entered and shown in UTC (the site's time zone), each with the precision the reporter
can vouch for.
"""

from __future__ import annotations

from typing import Any

import pycountry
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from concord.core.markings import Tlp

from . import queries
from .models import (
    Certainty,
    Crisis,
    Event,
    Figure,
    LocationPrecision,
    Precision,
    SourceKind,
    Urgency,
    Verification,
)
from .records import FigureRecord

TEXTAREA = forms.Textarea(attrs={"rows": 4})
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
BOUND_LABELS = {
    "low": pgettext_lazy("figure estimate", "low"),
    "best": pgettext_lazy("figure estimate", "best"),
    "high": pgettext_lazy("figure estimate", "high"),
}
SEVERITIES = [(n, str(n)) for n in range(1, 6)]

# The event's own fields a form edits, in the order the form shows them.
EVENT_FIELDS = (
    "title",
    "event_type",
    "description",
    "crisis",
    "starts_at",
    "start_precision",
    "ends_at",
    "end_precision",
    "country",
    "admin1_pcode",
    "admin1_name",
    "admin2_pcode",
    "admin2_name",
    "place_name",
    "latitude",
    "longitude",
    "location_precision",
    "actor1",
    "actor2",
    "severity",
    "urgency",
    "certainty",
    "exercise",
    "tlp",
)


def _text(label: Any, max_length: int, **kwargs: Any) -> forms.CharField:
    return forms.CharField(label=label, max_length=max_length, required=False, **kwargs)


class EventForm(forms.Form):
    """An event entered (or corrected) by hand. `record()` gives the keyword arguments of
    `services.create_event`; `changes(event)` those of `services.update_event`."""

    title = forms.CharField(label=_("Title"), max_length=500)
    event_type = forms.ChoiceField(label=_("Type"))
    description = forms.CharField(label=_("Description"), required=False, widget=TEXTAREA)
    crisis = forms.ModelChoiceField(
        label=_("Crisis"),
        queryset=Crisis.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label="—",
    )
    starts_at = forms.DateTimeField(label=_("Start (UTC)"), widget=DATETIME)
    start_precision = forms.ChoiceField(
        label=_("Start known"), choices=Precision.choices, initial=Precision.DAY
    )
    ends_at = forms.DateTimeField(label=_("End (UTC)"), widget=DATETIME, required=False)
    end_precision = forms.ChoiceField(
        label=_("End known"), choices=[("", "—"), *Precision.choices], required=False
    )
    country = forms.CharField(
        label=_("Country (ISO alpha-3)"),
        max_length=3,
        required=False,
        widget=forms.TextInput(attrs={"size": 3}),
    )
    admin1_pcode = _text(_("Admin-1 P-code"), 20)
    admin1_name = _text(_("Admin-1 (province)"), 200)
    admin2_pcode = _text(_("Admin-2 P-code"), 20)
    admin2_name = _text(_("Admin-2 (district)"), 200)
    place_name = _text(_("Place name, as the source gives it"), 300)
    latitude = forms.FloatField(
        label=_("Latitude"), min_value=-90.0, max_value=90.0, required=False
    )
    longitude = forms.FloatField(
        label=_("Longitude"), min_value=-180.0, max_value=180.0, required=False
    )
    location_precision = forms.ChoiceField(
        label=_("Location precision"),
        choices=LocationPrecision.choices,
        initial=LocationPrecision.EXACT,
    )
    actor1 = _text(_("Actor 1"), 300)
    actor2 = _text(_("Actor 2"), 300)
    severity = forms.TypedChoiceField(
        label=_("Severity (1–5)"), choices=SEVERITIES, coerce=int, initial=3
    )
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial="Unknown")
    certainty = forms.ChoiceField(
        label=_("Certainty"), choices=Certainty.choices, initial="Unknown"
    )
    exercise = forms.BooleanField(label=_("Exercise (not a real event)"), required=False)
    tlp = forms.ChoiceField(label=_("TLP"), choices=Tlp.choices, initial=Tlp.AMBER)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["event_type"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 - declared above
        field.choices = [("", "—"), *queries.type_choices()]

    def clean_country(self) -> str:
        code = str(self.cleaned_data["country"]).strip().upper()
        if code and pycountry.countries.get(alpha_3=code) is None:
            raise ValidationError(
                _("%(code)s is not an ISO 3166-1 alpha-3 country code"), params={"code": code}
            )
        return code

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        latitude, longitude = data.get("latitude"), data.get("longitude")
        coordinates_parsed = "latitude" not in self.errors and "longitude" not in self.errors
        if coordinates_parsed and (latitude is None) != (longitude is None):
            raise ValidationError(_("give both latitude and longitude, or neither"))
        starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
        if starts_at and ends_at and ends_at < starts_at:
            self.add_error("ends_at", _("the end is before the start"))
        if ends_at and not data.get("end_precision"):
            data["end_precision"] = Precision.DAY
        return data

    def record(self) -> dict[str, Any]:
        """Keyword arguments for `services.create_event` (the names of `EventRecord`)."""
        data = dict(self.cleaned_data)
        data["type_code"] = data.pop("event_type")
        return data

    def changes(self, event: Event) -> dict[str, Any]:
        """Only the fields that differ from `event`, for `services.update_event`."""
        changes = {}
        for name, value in self.record().items():
            current = event.event_type.code if name == "type_code" else getattr(event, name)
            if value != current:
                changes[name] = value
        return changes

    @classmethod
    def initial_for(cls, event: Event) -> dict[str, Any]:
        initial = {name: getattr(event, name) for name in EVENT_FIELDS}
        initial["event_type"] = event.event_type.code
        initial["crisis"] = event.crisis.slug if event.crisis else None
        return initial


def _figure_field(label: Any) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=0,
        required=False,
        widget=forms.NumberInput(attrs={"size": 6, "class": "figure"}),
    )


class SourceForm(forms.Form):
    """A source that reported on the event, with the figures it gives: low, best and high for
    each of dead, injured, missing, affected and displaced (`<figure>_<bound>` fields)."""

    kind = forms.ChoiceField(label=_("Kind of source"), choices=SourceKind.choices)
    name = forms.CharField(label=_("Source"), max_length=300)
    url = forms.URLField(label=_("Address"), max_length=1000, required=False, assume_scheme="https")

    BOUNDS = ("low", "best", "high")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for figure in Figure:
            for bound in self.BOUNDS:
                self.fields[f"{figure.value}_{bound}"] = _figure_field(
                    f"{figure.label}: {BOUND_LABELS[bound]}"
                )

    def figure_rows(self) -> list[tuple[str, list[forms.BoundField]]]:
        """For the template: each figure's label and its three inputs."""
        return [
            (str(figure.label), [self[f"{figure.value}_{bound}"] for bound in self.BOUNDS])
            for figure in Figure
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for figure in Figure:
            bounds = [data.get(f"{figure.value}_{bound}") for bound in self.BOUNDS]
            given = [n for n in bounds if n is not None]
            if given != sorted(given):
                low, best, high = ("—" if n is None else n for n in bounds)
                self.add_error(
                    None,
                    _("%(figure)s: low ≤ best ≤ high is not true of %(low)s / %(best)s / %(high)s")
                    % {"figure": figure.label, "low": low, "best": best, "high": high},
                )
        return data

    def figures(self) -> list[FigureRecord]:
        """The figures given (a figure with no number at all is left out)."""
        records = []
        for figure in Figure:
            low, best, high = (self.cleaned_data.get(f"{figure.value}_{b}") for b in self.BOUNDS)
            if low is not None or best is not None or high is not None:
                records.append(FigureRecord(figure=figure.value, low=low, best=best, high=high))
        return records


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File"))


class VerificationForm(forms.Form):
    verification = forms.ChoiceField(label=_("Verification"), choices=Verification.choices)
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)
