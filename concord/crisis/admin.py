"""The crisis module's reference data in the admin site (admin role): the event taxonomy and the
parent crises. Every save is audited (core's `AuditedAdmin`). Events, regions, alert rules,
alerts and sitreps are worked on their own pages, where the Centre's rules apply."""

from __future__ import annotations

from django.contrib import admin

from concord.core.admin import AuditedAdmin, site

from .models import Crisis, EventType


@admin.register(EventType, site=site)
class EventTypeAdmin(AuditedAdmin):
    list_display = ("code", "name_ru", "name_en", "scheme", "cap_category", "parent")
    list_filter = ("scheme", "cap_category")
    search_fields = ("code", "name_ru", "name_en")
    raw_id_fields = ("parent",)


@admin.register(Crisis, site=site)
class CrisisAdmin(AuditedAdmin):
    list_display = ("slug", "name_ru", "name_en", "started_on", "ended_on")
    search_fields = ("slug", "name_ru", "name_en")
    prepopulated_fields = {"slug": ("name_en",)}
