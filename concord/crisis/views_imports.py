"""The import page: upload event files of one format (CAP, GDACS, UCDP, ACLED layout, HXL), check
them with a dry run or import them, and see the report (counts, refused problems, place names
that matched no P-code). Editors of any agency import for their agency; who may is decided in
`access` and `event_import`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _

from concord.core.markings import Tlp

from . import access
from .event_import import import_files
from .records import ImportRefused

MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # all files of one upload together

FORMAT_CHOICES = [
    ("cap", _("CAP 1.2 alerts (XML)")),
    ("gdacs", _("GDACS RSS feed")),
    ("ucdp", _("UCDP GED (CSV)")),
    ("acled", _("CSV in ACLED's column layout")),
    ("hxl", _("HXL-tagged CSV (HDX tables, our exports)")),
]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented pattern: the widget allows several,
    the field cleans each)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple) and data:
            return [single(item, initial) for item in data]
        return [single(data or None, initial)]


class ImportForm(forms.Form):
    fmt = forms.ChoiceField(label=_("Format"), choices=FORMAT_CHOICES)
    uploads = MultipleFileField(label=_("Files"))
    tlp = forms.ChoiceField(
        label=_("Marking"),
        choices=[("", _("as the source says (GREEN for open sources)")), *Tlp.choices],
        required=False,
    )
    dry_run = forms.BooleanField(
        label=_("Dry run: check and count, write nothing"), required=False, initial=True
    )

    def clean_uploads(self) -> list[Any]:
        files: list[Any] = self.cleaned_data["uploads"]
        if sum(upload.size for upload in files) > MAX_UPLOAD_BYTES:
            raise ValidationError(
                _("the files are larger than %(mb)s MB together"),
                params={"mb": MAX_UPLOAD_BYTES // (1024 * 1024)},
            )
        return files


@login_required
def import_events(request: HttpRequest) -> TemplateResponse:
    user = access.require_editor(request.user)
    form = ImportForm(request.POST or None, request.FILES or None)
    report, refused = None, None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            report = import_files(
                fmt=data["fmt"],
                files=[(upload.name, upload.read()) for upload in data["uploads"]],
                acting_user=user,
                dry_run=data["dry_run"],
                tlp=data["tlp"] or None,
            )
        except ImportRefused as refusal:
            refused = refusal.problems
    return TemplateResponse(
        request,
        "crisis/imports.html",
        {
            "form": form,
            "report": report,
            "skipped_rows": getattr(report, "skipped_rows", 0),
            "dry_run": bool(form.is_bound and form.is_valid() and form.cleaned_data["dry_run"]),
            "refused": refused,
        },
        status=400 if refused or (form.is_bound and not form.is_valid()) else 200,
    )


urlpatterns: list[URLPattern] = [
    path("import/", import_events, name="import"),
    # The name the module's navigation (`crisis/base.html`) links to.
    path("import/", import_events, name="imports"),
]
