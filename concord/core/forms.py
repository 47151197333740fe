"""Forms for core pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class TokenCreateForm(forms.Form):
    label = forms.CharField(label=_("Label"), max_length=100, required=False)


class SecondFactorForm(forms.Form):
    token = forms.RegexField(
        label=_("Code from your authenticator app"),
        regex=r"^\d{6}$",
        error_messages={"invalid": _("Enter the six digits your app shows.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
