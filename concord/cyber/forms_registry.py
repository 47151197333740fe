"""Forms of the registry pages: they parse and bound the input; the services decide the rest."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models_registry import Action, AppealOutcome, LegalBasisKind, ResourceCategory, ResourceKind
from .queries_registry import MAX_LOOKUP_ITEMS
from .services_registry import PLATFORMS

# The page keeps an uploaded file in the session between preview and apply; bigger files go
# through the API or `concord registry_import`.
MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_PAGE_LOOKUP = 1000


def _blank(choices: Any) -> list[tuple[str, Any]]:
    return [("", "—"), *list(choices)]


class FilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=300)
    category = forms.ChoiceField(label=_("Category"), required=False)
    state = forms.CharField(label=_("State"), required=False, max_length=2)
    action = forms.ChoiceField(label=_("Action"), required=False, choices=_blank(Action.choices))
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2009, max_value=2100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        category = self.fields["category"]
        assert isinstance(category, forms.ChoiceField)  # noqa: S101 - declared above
        category.choices = _blank((c.code, c.name) for c in ResourceCategory.objects.all())


class RegisterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ResourceKind.choices)
    value = forms.CharField(label=_("URL, host or account"), max_length=4096)
    platform = forms.ChoiceField(
        label=_("Platform (accounts)"),
        required=False,
        choices=_blank((p, p) for p in PLATFORMS),
    )
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=ResourceCategory.objects.all(), to_field_name="code"
    )
    identified_on = forms.DateField(
        label=_("Identified on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    evidence_sha256 = forms.CharField(label=_("Evidence SHA-256"), required=False, max_length=64)
    evidence_ref = forms.CharField(
        label=_("Evidence archive reference"), required=False, max_length=300
    )


class ActionForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), choices=Action.choices)
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    basis_kind = forms.ChoiceField(
        label=_("Legal basis"), required=False, choices=_blank(LegalBasisKind.choices)
    )
    basis = forms.CharField(
        label=_("Authority, decision or ruling"), required=False, max_length=500
    )
    reasons = forms.CharField(
        label=_("Statement of reasons"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    case_number = forms.CharField(label=_("Criminal case number"), required=False, max_length=100)
    outcome = forms.ChoiceField(
        label=_("Outcome of appeal or review"),
        required=False,
        choices=_blank(AppealOutcome.choices),
    )


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise ValidationError(
                _("The page accepts files up to 5 MB; use the API or the command line for more.")
            )
        return upload


class LookupForm(forms.Form):
    items = forms.CharField(
        label=_("URLs or hosts, one per line"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=MAX_PAGE_LOOKUP * 2100,
    )

    def clean_items(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["items"].splitlines()]
        items = [line for line in lines if line]
        if not items:
            raise ValidationError(_("Paste at least one URL or host."))
        if len(items) > MAX_PAGE_LOOKUP:
            raise ValidationError(
                _("The page looks up at most %(n)s items; the API takes up to %(api)s.")
                % {"n": MAX_PAGE_LOOKUP, "api": MAX_LOOKUP_ITEMS}
            )
        return items
