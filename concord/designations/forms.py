"""Forms of the designations pages: they parse and bound the input; services decide the rest."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import PurePath
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import parsers
from .models import Answer, NameKindChoice, Verdict
from .records import LANGUAGES

# The page keeps an uploaded list in the session between preview and apply; bigger lists go
# through the API or `concord import_list`.
MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_SCREEN_BYTES = 20 * 1024 * 1024
MAX_SCREEN_NAMES = 100_000
SCREEN_SUFFIXES = (".csv", ".xlsx", ".txt")
DEFAULT_THRESHOLD = 0.70

FORMAT_CHOICES = [("", _("from the file name"))] + [(f, f) for f in parsers.FORMATS]
LANGUAGE_CHOICES = [(code, code) for code in sorted(LANGUAGES)]


class ImportForm(forms.Form):
    file = forms.FileField(label=_("File"))
    format = forms.ChoiceField(label=_("Format"), choices=FORMAT_CHOICES, required=False)
    as_of = forms.DateField(
        label=_("As of"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise ValidationError(
                _("The page accepts files up to 5 MB; use the API or the command line for more.")
            )
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("file")
        if upload is not None and not data.get("format"):
            fmt = parsers.format_from_filename(upload.name or "")
            if fmt is None:
                self.add_error("format", _("Choose the format: the file name does not say."))
            data["format"] = fmt or ""
        return data


class JudgeForm(forms.Form):
    left_uid = forms.CharField(max_length=120)
    right_uid = forms.CharField(max_length=120)
    verdict = forms.ChoiceField(choices=Verdict.choices)


class RoundOpenForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300, required=False)


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(label=_("Answer"), choices=Answer.choices)
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ThresholdField(forms.FloatField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            label=_("Threshold"),
            min_value=0.05,
            max_value=1.0,
            initial=DEFAULT_THRESHOLD,
            widget=forms.NumberInput(attrs={"step": "0.05"}),
            **kwargs,
        )


class ScreenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=500)
    threshold = ThresholdField()


class ScreenFileForm(forms.Form):
    file = forms.FileField(label=_("File (CSV, XLSX or TXT; column “name”)"))
    threshold = ThresholdField()

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if PurePath(upload.name or "").suffix.lower() not in SCREEN_SUFFIXES:
            raise ValidationError(_("Upload a CSV, XLSX or TXT file."))
        if upload.size > MAX_SCREEN_BYTES:
            raise ValidationError(_("The file is larger than 20 MB."))
        data = upload.read()
        try:
            count = len(read_names(data, upload.name))
        except (ValueError, KeyError, OSError, zipfile.BadZipFile) as error:
            raise ValidationError(
                _("The file cannot be read: %(error)s") % {"error": error}
            ) from error
        if count == 0:
            raise ValidationError(_("The file has no names."))
        if count > MAX_SCREEN_NAMES:
            raise ValidationError(_("At most 100,000 names per file."))
        self.cleaned_data["data"] = data
        return upload


class AliasGroupForm(forms.Form):
    key = forms.SlugField(label=_("Key"), max_length=80)
    label_ru = forms.CharField(label=_("Name (Russian)"), max_length=300)
    label_en = forms.CharField(label=_("Name (English)"), max_length=300)
    source = forms.CharField(label=_("Source"), widget=forms.Textarea(attrs={"rows": 2}))
    source_url = forms.URLField(
        label=_("Source URL"), max_length=500, required=False, assume_scheme="https"
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # The service stores both labels as names of the group, and a group holds a name once.
        if data.get("label_ru") and data.get("label_ru") == data.get("label_en"):
            self.add_error("label_en", _("The Russian and English names must differ."))
        return data


class AliasNameForm(forms.Form):
    text = forms.CharField(label=_("Name"), max_length=500)
    lang = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES, initial="ru")
    kind = forms.ChoiceField(label=_("Type"), choices=NameKindChoice.choices)


# --- names from an uploaded screening file ------------------------------------------------------


def read_names(data: bytes, filename: str) -> list[str]:
    """Names from the bytes of a CSV (column `name`, else the first column), XLSX (same) or
    text file (one per line); the in-memory twin of the commands' `read_names(path)`."""
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".xlsx":
        return _xlsx_names(data)
    text = data.decode("utf-8-sig")
    if suffix == ".csv":
        return _csv_names(text)
    return [line.strip() for line in text.splitlines() if line.strip()]


def _csv_names(text: str) -> list[str]:
    rows = csv.reader(io.StringIO(text, newline=""))
    header = next(rows, [])
    lowered = [cell.strip().lower() for cell in header]
    column = lowered.index("name") if "name" in lowered else 0
    names = [header[0].strip()] if header and "name" not in lowered and header[0].strip() else []
    names += [row[column].strip() for row in rows if column < len(row) and row[column].strip()]
    return names


def _xlsx_names(data: bytes) -> list[str]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True)
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = [str(cell or "").strip() for cell in next(rows, ())]
        lowered = [cell.lower() for cell in header]
        column = lowered.index("name") if "name" in lowered else 0
        names = [header[0]] if header and "name" not in lowered and header[0] else []
        names.extend(
            str(row[column]).strip()
            for row in rows
            if row and column < len(row) and row[column] not in (None, "")
        )
        return names
    finally:
        book.close()
