"""Building designation data for tests: parsed lists imported through the service, alias groups
and CSV files for the import endpoints. Tests only: production code never imports this."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date

import factory

from concord.core.models import AuditEvent, User
from concord.designations import queries, services
from concord.designations.models import AliasGroup, AliasName
from concord.designations.records import NameKind, ParsedEntry, ParsedList, ParsedName

CSV_COLUMNS = ("entry_id", "name", "aliases", "language", "listed_on", "legal_basis", "status")


KZ_BASIS = "Решение Верховного суда Республики Казахстан от 15.10.2015"


def row(
    entry_id: str,
    name: str,
    *aliases: str,
    lang: str = "ru",
    listed_on: date | None = None,
    legal_basis: str = "",
    status: str = "listed",
    category: str = "terrorist",
) -> ParsedEntry:
    """One entry as a parser would give it: `name` first, then `aliases` (same language)."""
    names = (
        ParsedName(name, NameKind.NAME, lang),
        *(ParsedName(alias, NameKind.ALIAS, lang) for alias in aliases),
    )
    return ParsedEntry(
        entry_id=entry_id,
        names=names,
        category=category,
        listed_on=listed_on,
        legal_basis=legal_basis,
        status=status,
    )


def parsed_list(rows: Iterable[ParsedEntry], *, file: str = "list.csv") -> ParsedList:
    entries = tuple(rows)
    numbered = tuple(replace(entry, line=line) for line, entry in enumerate(entries, start=2))
    return ParsedList(file=file, format="csv", encoding="utf-8", entries=numbered)


def import_rows(
    code: str,
    rows: Iterable[ParsedEntry],
    *,
    acting_user: User | None = None,
    dry_run: bool = False,
    file: str = "list.csv",
) -> services.ImportResult:
    """Import `rows` as the next version of list `code` (the lists are created first)."""
    services.ensure_lists()
    return services.import_list(
        acting_user=acting_user,
        national_list=services.get_list(code),
        parsed=parsed_list(rows, file=file),
        dry_run=dry_run,
    )


class AliasGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AliasGroup
        django_get_or_create = ("key",)

    key = factory.Sequence(lambda n: f"group-{n}")
    label_ru = factory.LazyAttribute(lambda o: f"Группа {o.key}")
    label_en = factory.LazyAttribute(lambda o: f"Group {o.key}")
    source = "UN Security Council press release"


class AliasNameFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AliasName

    group = factory.SubFactory(AliasGroupFactory)
    text = factory.Sequence(lambda n: f"Name {n}")
    lang = "en"
    kind = NameKind.NAME


def alias_group(
    key: str, label_ru: str, label_en: str, names: Sequence[tuple[str, str] | tuple[str, str, str]]
) -> AliasGroup:
    """A curated group with `names` as (text, lang) or (text, lang, kind); bumps the matcher's
    generation as the services do."""
    group = AliasGroupFactory(key=key, label_ru=label_ru, label_en=label_en)
    for text, lang, *kind in names:
        AliasNameFactory(group=group, text=text, lang=lang, kind=kind[0] if kind else "name")
    services.bump_generation()
    return group


def isil_group() -> AliasGroup:
    return alias_group(
        "isil",
        "Исламское государство",
        "Islamic State",
        [
            ("Исламское государство", "ru"),
            ("ИГИЛ", "ru", NameKind.ABBREVIATION),
            ("Islamic State", "en"),
            ("ISIL", "en", NameKind.ABBREVIATION),
            ("Daesh", "en", NameKind.WEAK_ALIAS),
        ],
    )


def csv_bytes(rows: Iterable[Sequence[str]], columns: Sequence[str] = CSV_COLUMNS) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


# --- the KZ and RU lists most service tests start from ---------------------------------------

RU_BASIS = "Решение Верховного Суда Российской Федерации от 29.12.2014"


def kz_rows() -> list:
    return [
        row(
            "KZ-1",
            "Исламское государство",
            "ИГИЛ",
            listed_on=date(2015, 10, 15),
            legal_basis=KZ_BASIS,
        ),
        row("KZ-2", "Талибан", listed_on=date(2015, 10, 15), legal_basis=KZ_BASIS),
        row("KZ-3", "ISIL – Caucasus Province", lang="en"),
    ]


def ru_rows() -> list:
    return [
        row("RU-1", "Исламского государства", listed_on=date(2014, 12, 29), legal_basis=RU_BASIS),
        row("RU-2", "Taleban", lang="en"),
        row("RU-3", "ISIL – Yemen Province", lang="en"),
    ]


def events(action: str) -> list[dict]:
    return [
        json.loads(summary)
        for summary in AuditEvent.objects.filter(action=action)
        .order_by("seq")
        .values_list("summary", flat=True)
    ]


def org_of(uid: str) -> queries.Organisation:
    return next(o for o in queries.organisations() if uid in o.uids)
