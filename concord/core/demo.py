"""Loading the organisation's reference data and the demo accounts. Idempotent: a second run
updates reference rows in place, keeps existing accounts and their passwords, and loses nothing.
"""

from __future__ import annotations

import gettext
from dataclasses import dataclass

import pycountry
from django.db import transaction

from . import audit, reference_cache, reference_data, services
from .models import (
    Agency,
    Body,
    Chairmanship,
    ChairmanshipPriority,
    Country,
    MemberState,
    Role,
    User,
)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    agency: str
    password: str | None  # None: the account existed and keeps its password


def load_countries() -> int:
    """Every ISO 3166-1 country, with Russian names from pycountry's own translations."""
    russian = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["ru"])
    count = 0
    for entry in pycountry.countries:
        short_ru, short_en = reference_data.SHORT_NAMES.get(
            entry.alpha_2, (russian.gettext(entry.name), entry.name)
        )
        Country.objects.update_or_create(
            alpha2=entry.alpha_2,
            defaults={
                "alpha3": entry.alpha_3,
                "numeric": entry.numeric,
                "name_en": short_en,
                "name_ru": short_ru,
            },
        )
        count += 1
    return count


def load_organisation() -> None:
    for state in reference_data.MEMBER_STATES:
        country = Country.objects.get(alpha2=state.code)
        MemberState.objects.update_or_create(
            code=state.code,
            defaults={
                "country": country,
                "name_ru": country.name_ru,
                "name_en": country.name_en,
                "official_name_ru": state.official_ru,
                "official_name_en": state.official_en,
                "name_own": state.own,
                "own_language": state.language,
                "capital_ru": state.capital_ru,
                "capital_en": state.capital_en,
                "joined_on": state.joined_on,
            },
        )
    for position, body in enumerate(reference_data.BODIES):
        Body.objects.update_or_create(
            code=body.code,
            defaults={
                "kind": body.kind,
                "name_ru": body.name_ru,
                "name_en": body.name_en,
                "short_ru": body.short_ru,
                "short_en": body.short_en,
                "parent": Body.objects.get(code=body.parent) if body.parent else None,
                "established_year": body.established_year,
                "description_ru": body.description_ru,
                "description_en": body.description_en,
                "position": position,
            },
        )
    for agency in reference_data.AGENCIES:
        Agency.objects.update_or_create(
            code=agency.code,
            defaults={
                "kind": agency.kind,
                "name_ru": agency.name_ru,
                "name_en": agency.name_en,
                "state": MemberState.objects.get(code=agency.state) if agency.state else None,
                "body": Body.objects.get(code=agency.body) if agency.body else None,
            },
        )
    for chair in reference_data.CHAIRMANSHIPS:
        chairmanship, _ = Chairmanship.objects.update_or_create(
            year=chair.year,
            defaults={
                "state": MemberState.objects.get(code=chair.state),
                "decided_on": chair.decided_on,
                "decided_at_ru": chair.decided_at_ru,
                "decided_at_en": chair.decided_at_en,
            },
        )
        for position, (text_ru, text_en) in enumerate(chair.priorities, start=1):
            ChairmanshipPriority.objects.update_or_create(
                chairmanship=chairmanship,
                position=position,
                defaults={"text_ru": text_ru, "text_en": text_en},
            )


def demo_email(username: str) -> str:
    """Demo accounts' addresses: a reserved domain (RFC 2606), so nothing is ever delivered;
    the demo's mail backend writes messages to files under var/mail/."""
    return f"{username}@demo.concord.invalid"


def demo_account_specs() -> list[tuple[str, Role, str]]:
    """(username, role, agency code) for every demo account, named predictably for scripts."""
    specs: list[tuple[str, Role, str]] = []
    for state in reference_data.MEMBER_STATES:
        lead = reference_data.LEAD_AGENCY[state.code]
        prefix = state.code.lower()
        specs += [
            (f"{prefix}-analyst", Role.ANALYST, lead),
            (f"{prefix}-coordinator", Role.COORDINATOR, lead),
        ]
    specs += [
        ("secretariat", Role.SECRETARIAT, "SEC"),
        ("crc-analyst", Role.ANALYST, "CRC"),
        ("admin", Role.ADMIN, "SEC"),
    ]
    return specs


def load_accounts(*, password: str | None, reset_passwords: bool) -> list[DemoAccount]:
    accounts = []
    for username, role, agency_code in demo_account_specs():
        agency = Agency.objects.get(code=agency_code)
        existing = User.objects.filter(username=username).first()
        if existing is None:
            _, plain = services.user_create(
                acting_user=None,
                username=username,
                agency=agency,
                role=role,
                password=password,
                email=demo_email(username),
                check_password=False,
            )
            accounts.append(DemoAccount(username, role, agency_code, plain))
        elif reset_passwords or password:
            plain = password or services.generate_password()
            services.user_set_password(acting_user=None, user=existing, password=plain)
            accounts.append(DemoAccount(username, existing.role, agency_code, plain))
        else:
            accounts.append(DemoAccount(username, existing.role, agency_code, None))
    return accounts


@transaction.atomic
def load(*, password: str | None = None, reset_passwords: bool = False) -> list[DemoAccount]:
    """Load (or refresh) the reference data and the demo accounts."""
    load_countries()
    load_organisation()
    transaction.on_commit(reference_cache.invalidate)
    audit.record(
        actor=None,
        action="demo.load_reference",
        summary={
            "states": sorted(s.code for s in reference_data.MEMBER_STATES),
            "bodies": len(reference_data.BODIES),
            "agencies": len(reference_data.AGENCIES),
        },
    )
    return load_accounts(password=password, reset_passwords=reset_passwords)
