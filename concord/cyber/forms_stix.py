"""Forms of the STIX import page and the warninglist check."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from concord.core.markings import Tlp

from .models import Collection, IndicatorKind


class StixImportForm(forms.Form):
    file = forms.FileField(label=_("File"))
    fmt = forms.ChoiceField(
        label=_("Format"),
        choices=[("stix", _("STIX 2.1 bundle")), ("misp", _("MISP event (JSON)"))],
        initial="stix",
    )
    tlp = forms.ChoiceField(
        label=_("Marking of unmarked objects"),
        choices=[("", _("the collection's default")), *Tlp.choices],
        required=False,
        help_text=_("A marking the source carried is never lowered."),
    )
    collection = forms.ModelChoiceField(
        label=_("Collection"), queryset=Collection.objects.none(), required=False
    )

    def __init__(self, *args: Any, collections: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if collections is not None:
            field = self.fields["collection"]
            field.queryset = collections  # type: ignore[attr-defined]
            field.empty_label = _("the shared collection")  # type: ignore[attr-defined]


class WarninglistCheckForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=IndicatorKind.choices, initial="domain")
    value = forms.CharField(label=_("Value"), max_length=2048)
