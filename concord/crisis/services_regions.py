"""Writes to the regions of concern: create, change, delete, and the demo defaults.

Rules kept here for every interface (pages, API, demo):
- only Crisis Response Centre editors (and administrators) manage regions;
- a definition is checked before anything is written: a drawn polygon by `geo.validate_polygon`,
  a border buffer by its country codes (ISO alpha-3, known to the basemap, sharing a border)
  and a width of 1–500 km, an admin-area set by P-codes the gazetteer knows;
- the region's geometry is computed from its definition and saved with it (border buffers; the
  drawing outline of admin-area regions), then every event is placed in or out of it again
  (`placement.refresh_region`) in the same transaction, with one audit event.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from concord.core import audit
from concord.core.models import User

from . import access, gazetteer, geo, placement
from .models import Region, Sitrep

RESERVED_SLUGS = frozenset({"new"})  # the page that defines a region
MIN_BUFFER_KM = 1.0
MAX_BUFFER_KM = 500.0

NORTHERN_AFGHANISTAN = "northern-afghanistan"
AFGHAN_BORDER_BUFFER = "afghan-border-100km"
# Badakhshan, Takhar, Kunduz, Balkh, Jawzjan, Faryab (OCHA P-codes valid from 2021-11-17).
NORTHERN_AFGHANISTAN_PCODES = ("AF17", "AF18", "AF19", "AF21", "AF28", "AF29")


def _drawn(geometry: Any) -> dict[str, Any]:
    """The polygon of a drawing: a GeoJSON geometry, or a Feature / FeatureCollection of one
    polygon (what a map's draw control gives)."""
    if isinstance(geometry, dict) and geometry.get("type") == "Feature":
        geometry = geometry.get("geometry")
    if isinstance(geometry, dict) and geometry.get("type") == "FeatureCollection":
        features = geometry.get("features") or []
        if len(features) != 1 or not isinstance(features[0], dict):
            raise ValidationError(_("draw exactly one polygon"))
        geometry = features[0].get("geometry")
    if not isinstance(geometry, dict):
        raise ValidationError(_("a drawn region needs its polygon"))
    geo.validate_polygon(geometry)
    return {"type": geometry["type"], "coordinates": geometry["coordinates"]}


def _country_code(value: Any, what: str) -> str:
    code = str(value or "").strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise ValidationError(
            _("%(what)s must be an ISO 3166-1 alpha-3 code, not '%(value)s'")
            % {"what": what, "value": str(value)[:20]}
        )
    if not geo.known_country(code):
        raise ValidationError(_("unknown country code %(code)s") % {"code": code})
    return code


def _buffer_definition(definition: dict[str, Any]) -> dict[str, Any]:
    country = _country_code(definition.get("country"), _("the country"))
    raw = definition.get("neighbours") or []
    if isinstance(raw, str):
        raw = [part for part in raw.replace(";", ",").split(",") if part.strip()]
    if not isinstance(raw, list | tuple) or not raw:
        raise ValidationError(_("name at least one neighbouring country"))
    neighbours: list[str] = []
    for value in raw:
        code = _country_code(value, _("a neighbour"))
        if code == country:
            raise ValidationError(_("a country is not its own neighbour"))
        if code not in neighbours:
            neighbours.append(code)
    try:
        km = float(definition.get("km"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValidationError(_("the buffer width must be a number of kilometres")) from None
    if not MIN_BUFFER_KM <= km <= MAX_BUFFER_KM:
        raise ValidationError(
            _("the buffer width must be between %(low)d and %(high)d km")
            % {"low": MIN_BUFFER_KM, "high": MAX_BUFFER_KM}
        )
    return {"country": country, "neighbours": neighbours, "km": int(km) if km.is_integer() else km}


def _admin_definition(definition: dict[str, Any]) -> dict[str, Any]:
    raw = definition.get("pcodes") or []
    if isinstance(raw, str):
        raw = raw.replace(";", ",").replace("\n", ",").split(",")
    codes = sorted({str(code).strip().upper() for code in raw if str(code).strip()})
    if not codes:
        raise ValidationError(_("name at least one admin area by its P-code"))
    unknown = [code for code in codes if not gazetteer.pcode_known(code)]
    if unknown:
        raise ValidationError(
            _("unknown P-code(s): %(codes)s") % {"codes": ", ".join(unknown[:20])}
        )
    return {"pcodes": codes}


def _resolved(
    kind: str, definition: dict[str, Any], geometry: Any
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """(definition, geometry) as they are saved, or ValidationError."""
    if kind == Region.Kind.POLYGON:
        return {}, _drawn(geometry)
    if not isinstance(definition, dict):
        raise ValidationError(_("the definition must be a JSON object"))
    if kind == Region.Kind.BORDER_BUFFER:
        clean = _buffer_definition(definition)
    elif kind == Region.Kind.ADMIN_AREAS:
        clean = _admin_definition(definition)
    else:
        raise ValidationError(_("unknown kind of region '%(kind)s'") % {"kind": str(kind)[:30]})
    shape = geo.definition_geometry(kind, clean)
    return clean, (None if shape is None else geo.to_geojson(shape))


def _names(name_ru: str, name_en: str) -> tuple[str, str]:
    name_ru, name_en = name_ru.strip(), name_en.strip()
    if not (name_ru or name_en):
        raise ValidationError(_("a region needs a name"))
    return name_ru or name_en, name_en or name_ru


@transaction.atomic
def create_region(
    *,
    acting_user: User,
    slug: str,
    name_ru: str,
    name_en: str,
    kind: str,
    definition: dict[str, Any],
    geometry: dict[str, Any] | None = None,
    description_ru: str = "",
    description_en: str = "",
) -> Region:
    access.require_centre_editor(acting_user)
    slug = slug.strip()
    validate_slug(slug)
    if slug in RESERVED_SLUGS:
        raise ValidationError(_("'%(slug)s' is reserved; choose another slug") % {"slug": slug})
    name_ru, name_en = _names(name_ru, name_en)
    clean, shape = _resolved(kind, definition, geometry)
    try:
        with transaction.atomic():
            region = Region.objects.create(
                slug=slug,
                name_ru=name_ru,
                name_en=name_en,
                kind=kind,
                definition=clean,
                geometry=shape,
                description_ru=description_ru,
                description_en=description_en,
                created_by=acting_user,
            )
    except IntegrityError:
        raise ValidationError(
            _("a region with the slug '%(slug)s' already exists") % {"slug": slug}
        ) from None
    events = placement.refresh_region(region)
    audit.record(
        actor=acting_user,
        action="crisis.region.create",
        obj=region,
        summary={"slug": slug, "kind": kind, "definition": clean, "events": events},
    )
    return region


@transaction.atomic
def update_region(
    *,
    acting_user: User,
    region: Region,
    name_ru: str | None = None,
    name_en: str | None = None,
    kind: str | None = None,
    definition: dict[str, Any] | None = None,
    geometry: dict[str, Any] | None = None,
    description_ru: str | None = None,
    description_en: str | None = None,
) -> Region:
    """Change the given fields (None leaves one as it is). A new kind, definition or drawing
    is checked as on creation and the region's events are placed again; audited before/after."""
    access.require_centre_editor(acting_user)
    region = Region.objects.select_for_update().get(pk=region.pk)
    texts = {
        "name_ru": name_ru,
        "name_en": name_en,
        "description_ru": description_ru,
        "description_en": description_en,
    }
    if name_ru is not None or name_en is not None:
        texts["name_ru"], texts["name_en"] = _names(
            region.name_ru if name_ru is None else name_ru,
            region.name_en if name_en is None else name_en,
        )
    changes: dict[str, Any] = {
        field: value
        for field, value in texts.items()
        if value is not None and getattr(region, field) != value
    }
    if kind is not None or definition is not None or geometry is not None:
        new_kind = kind or region.kind
        clean, shape = _resolved(
            new_kind,
            region.definition if definition is None else definition,
            region.geometry if geometry is None else geometry,
        )
        shaped = {"kind": new_kind, "definition": clean, "geometry": shape}
        changes |= {f: v for f, v in shaped.items() if getattr(region, f) != v}
    if not changes:
        return region
    # The audit names a changed geometry without repeating its coordinates.
    summary: dict[str, Any] = {
        "before": {f: "…" if f == "geometry" else getattr(region, f) for f in changes},
        "after": {f: "…" if f == "geometry" else v for f, v in changes.items()},
    }
    for field, value in changes.items():
        setattr(region, field, value)
    region.updated_at = timezone.now()
    region.save(update_fields=[*changes, "updated_at"])
    if {"kind", "definition", "geometry"} & set(changes):
        summary["events"] = placement.refresh_region(region)
    audit.record(actor=acting_user, action="crisis.region.update", obj=region, summary=summary)
    return region


@transaction.atomic
def delete_region(*, acting_user: User, region: Region) -> None:
    """Delete a region no alert rule or situation report refers to."""
    access.require_centre_editor(acting_user)
    if region.alert_rules.exists() or Sitrep.objects.filter(region=region).exists():
        raise ValidationError(
            _("the region is used by alert rules or situation reports; change those first")
        )
    audit.record(
        actor=acting_user,
        action="crisis.region.delete",
        obj=region,
        summary={"slug": region.slug, "kind": region.kind, "definition": region.definition},
    )
    region.delete()
    placement.forget_compiled()


@transaction.atomic
def ensure_default_regions(*, acting_user: User) -> list[Region]:
    """The demo's regions of concern, created when missing (idempotent): northern Afghanistan
    by its six provinces, and 100 km along Afghanistan's border with Tajikistan, Uzbekistan
    and Turkmenistan."""
    access.require_centre_editor(acting_user)
    defaults: list[dict[str, Any]] = [
        {
            "slug": NORTHERN_AFGHANISTAN,
            "name_ru": "Северный Афганистан",
            "name_en": "Northern Afghanistan",
            "kind": Region.Kind.ADMIN_AREAS,
            "definition": {"pcodes": list(NORTHERN_AFGHANISTAN_PCODES)},
            "description_ru": "Провинции Бадахшан, Тахар, Кундуз, Балх, Джаузджан, Фарьяб.",
            "description_en": "Badakhshan, Takhar, Kunduz, Balkh, Jawzjan and Faryab provinces.",
        },
        {
            "slug": AFGHAN_BORDER_BUFFER,
            "name_ru": "100 км вдоль северной границы Афганистана",
            "name_en": "100 km along Afghanistan's northern border",
            "kind": Region.Kind.BORDER_BUFFER,
            "definition": {"country": "AFG", "neighbours": ["TJK", "UZB", "TKM"], "km": 100},
            "description_ru": "Полоса 100 км по обе стороны границы Афганистана с Таджикистаном, "
            "Узбекистаном и Туркменистаном.",
            "description_en": "100 km on both sides of Afghanistan's border with Tajikistan, "
            "Uzbekistan and Turkmenistan.",
        },
    ]
    regions = []
    for values in defaults:
        existing = Region.objects.filter(slug=values["slug"]).first()
        regions.append(existing or create_region(acting_user=acting_user, **values))
    return regions
