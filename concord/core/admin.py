"""The admin site, for the `admin` role and reference data only. Every save and delete made here
is written to the audit chain."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db.models import Model
from django.forms import Form
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import services
from .models import (
    Agency,
    AuditEvent,
    Body,
    Chairmanship,
    ChairmanshipPriority,
    Country,
    MemberState,
    User,
)


def _is_admin(request: HttpRequest) -> bool:
    user = request.user
    if not isinstance(user, User) or not user.is_admin_role:
        return False
    if user.role in settings.CONCORD_SECOND_FACTOR_ROLES:
        return bool(getattr(user, "is_verified", lambda: False)())
    return True


class ConcordAdminSite(admin.AdminSite):
    site_header = _("Concord administration")
    site_title = _("Concord")
    index_title = _("Reference data")

    def has_permission(self, request: HttpRequest) -> bool:
        return _is_admin(request)


site = ConcordAdminSite(name="admin")


class AuditedAdmin(admin.ModelAdmin):
    """Open to the admin role; writes go to the audit chain in the same transaction."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return _is_admin(request)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return _is_admin(request)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return _is_admin(request)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return _is_admin(request)

    def save_model(self, request: HttpRequest, obj: Model, form: Form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        services.reference_saved(
            acting_user=request.user,  # type: ignore[arg-type]
            obj=obj,
            created=not change,
            changed=list(getattr(form, "changed_data", [])),
        )

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        services.reference_deleted(acting_user=request.user, obj=obj)  # type: ignore[arg-type]
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(Country, site=site)
class CountryAdmin(AuditedAdmin):
    list_display = ("alpha2", "alpha3", "name_ru", "name_en")
    search_fields = ("alpha2", "alpha3", "name_ru", "name_en")


@admin.register(MemberState, site=site)
class MemberStateAdmin(AuditedAdmin):
    list_display = ("code", "name_ru", "name_en", "joined_on", "left_on")


@admin.register(Body, site=site)
class BodyAdmin(AuditedAdmin):
    list_display = ("code", "name_ru", "name_en", "kind", "parent")


@admin.register(Agency, site=site)
class AgencyAdmin(AuditedAdmin):
    list_display = ("code", "name_ru", "name_en", "kind", "state", "body")
    list_filter = ("kind", "state", "body")


class PriorityInline(admin.TabularInline):
    model = ChairmanshipPriority
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return _is_admin(request)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return _is_admin(request)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return _is_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return _is_admin(request)


@admin.register(Chairmanship, site=site)
class ChairmanshipAdmin(AuditedAdmin):
    list_display = ("year", "state", "decided_on")
    inlines = (PriorityInline,)


@admin.register(User, site=site)
class ConcordUserAdmin(AuditedAdmin, UserAdmin):
    list_display = ("username", "agency", "role", "is_active", "last_login")
    list_filter = ("role", "agency", "is_active")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (_("Place in the organisation"), {"fields": ("agency", "role", "is_active")}),
    )
    add_fieldsets = ((None, {"fields": ("username", "agency", "role", "password1", "password2")}),)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # accounts are deactivated, never deleted: the audit chain names them


@admin.register(AuditEvent, site=site)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("seq", "created_at", "actor_username", "action", "object_type", "object_id")
    list_filter = ("action",)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return _is_admin(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(TOTPDevice, site=site)
class TOTPDeviceAdmin(AuditedAdmin):
    """Lost phone: an administrator deletes the device, and the user enrols again at next
    sign-in (required roles) or when they choose to."""

    list_display = ("user", "name", "confirmed")
    list_filter = ("confirmed",)
    fields = ("user", "name", "confirmed")
    readonly_fields = ("user", "name", "confirmed")

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


# Notices (and every other protected record) are not registered here: the admin site would show
# them without the TLP check of core.access.
