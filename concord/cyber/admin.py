"""The cyber module's settings in the admin site (admin role): TAXII collections and
subscriptions, resource categories and yearly returns. Every save is audited (core's
`AuditedAdmin`). Incidents, indicators and resources are worked on their own pages, not here."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from concord.core.admin import AuditedAdmin, site

from .models import Collection, ResourceCategory, Subscription, YearlyReturn


@admin.register(Collection, site=site)
class CollectionAdmin(AuditedAdmin):
    list_display = ("alias", "title", "tlp", "owner_agency", "writable", "uid")
    readonly_fields = ("uid",)
    filter_horizontal = ("shared_states", "shared_bodies", "shared_agencies", "shared_users")


@admin.register(Subscription, site=site)
class SubscriptionAdmin(AuditedAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ("name", "api_root_url", "collection_id", "target", "enabled", "last_pulled_at")
    readonly_fields = ("added_after", "last_pulled_at", "last_error")
    # The authorization header is write-only: the form never shows the stored value.
    fields = (
        "name",
        "api_root_url",
        "collection_id",
        "authorization",
        "target",
        "owner_agency",
        "run_as",
        "interval_minutes",
        "enabled",
        "added_after",
        "last_pulled_at",
        "last_error",
    )

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> type[ModelForm]:
        form: type[ModelForm] = super().get_form(request, obj, change=change, **kwargs)
        field = form.base_fields.get("authorization")
        if field is not None:
            field.widget = forms.PasswordInput(render_value=False)
            field.required = False
            field.help_text = _(
                "“Bearer <token>” or “Basic <base64>”; left empty, the stored value is kept."
            )
        return form

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change and not form.cleaned_data.get("authorization"):
            obj.authorization = Subscription.objects.get(pk=obj.pk).authorization
        super().save_model(request, obj, form, change)


@admin.register(ResourceCategory, site=site)
class ResourceCategoryAdmin(AuditedAdmin):
    list_display = ("code", "name_ru", "name_en", "position")


@admin.register(YearlyReturn, site=site)
class YearlyReturnAdmin(AuditedAdmin):
    list_display = ("year", "state", "category", "identified", "blocked", "suspended")
    list_filter = ("year", "state")
