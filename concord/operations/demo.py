"""Demo data of the operations module. Idempotent: an operation that already has stages is left
as it is, so a second run adds nothing.

- Two coordinating bodies (created when missing): the Coordination Council of the Heads of
  Competent Authorities for Countering Illicit Drug Trafficking (CCDT) and the Coordination
  Council on Countering Illegal Migration (CCIM).
- "Channel" («Канал», anti-drug) with the law-enforcement agencies of 22 countries (the six
  member states, eight observer and eight partner countries) plus INTERPOL and UNODC as
  international participants (not counted as countries). 32 closed stages in 2007–2017 seizing
  362.7 t of drugs in all, four of them in 2017 seizing 20.4 t: the seed document's "more than
  360 tonnes in 11 years" and "more than 20 tonnes in four stages in 2017". One more stage, in
  2026, is open for reports and has none yet, so the figures above stay exact.
- "Illegal migrant" («Нелегал») with the six member states: ten closed stages in 2008–2017 that
  found 1,496 internationally wanted persons (the seed's "nearly 1,500"), plus illegal migrants
  detected and criminal cases.
- A CLEAR press summary of Channel 2017, published through `services.press_summary_publish`.
- No "PROXY" operation: resources identified and blocked come from the cyber module's registry,
  whose demo already holds the seed's figures.

The yearly totals are ours, chosen to match the seed document; the splits by stage, country and
substance are illustrative (`illustrative_splits` is set and the pages say so). Splits use the
largest-remainder rule on whole grams and whole persons, so every part adds up to its total.
Lines of a member state are owned by its drug-control agency where one exists (else its lead
agency) and written by its demo analyst; the Secretariat enters the figures of the other
countries (`access.can_report_for`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction

from concord.core import audit
from concord.core.markings import Tlp
from concord.core.models import Agency, Body, Country, MemberState, User
from concord.core.reference_data import LEAD_AGENCY

from . import services
from .models import (
    KG_PER_UNIT,
    Operation,
    OperationKind,
    Participant,
    ParticipantKind,
    PressSummary,
    ResultKind,
    ResultLine,
    Stage,
    Substance,
    Unit,
)

CCDT_RU = (
    "Координационный совет руководителей компетентных органов по противодействию незаконному "
    "обороту наркотиков"
)
CCDT_EN = (
    "Coordination Council of the Heads of Competent Authorities for Countering Illicit Drug "
    "Trafficking"
)
CCIM_RU = (
    "Координационный совет руководителей компетентных органов по вопросам противодействия "
    "незаконной миграции"
)
CCIM_EN = (
    "Coordination Council of the Heads of Competent Authorities for Countering Illegal Migration"
)
# (code, name ru, name en, short ru, short en)
BODIES = (
    ("CCDT", CCDT_RU, CCDT_EN, "КСОПН", "CCDT"),
    ("CCIM", CCIM_RU, CCIM_EN, "КСПНМ", "CCIM"),
)

MEMBERS = ("AM", "BY", "KZ", "KG", "RU", "TJ")
OBSERVERS = ("AF", "AZ", "CN", "IR", "MN", "PK", "TM", "UZ")
PARTNERS = ("EE", "FI", "LT", "LV", "MD", "RS", "UA", "US")
ORGANISATIONS = (
    ("INTERPOL", "Интерпол", "INTERPOL"),
    ("UNODC", "УНП ООН", "UNODC"),
)

# Drug seizures per year, in kilograms (362.7 t over 2007–2017; 20.4 t in 2017).
CHANNEL_KG = {
    2007: 28_600,
    2008: 31_200,
    2009: 35_800,
    2010: 41_300,
    2011: 38_900,
    2012: 36_400,
    2013: 34_700,
    2014: 33_100,
    2015: 32_500,
    2016: 29_800,
    2017: 20_400,
}
# Each year's stages and their shares of the year's seizures; month each stage starts.
STAGE_SHARES = {2: (45, 55), 3: (30, 36, 34), 4: (22, 27, 24, 27)}
STAGE_MONTHS = {1: (6,), 2: (4, 9), 3: (3, 6, 10), 4: (2, 5, 8, 11)}
CHANNEL_STAGES = {year: (2 if year < 2009 else 4 if year == 2017 else 3) for year in CHANNEL_KG}
OPEN_STAGE = (2026, date(2026, 11, 16), date(2026, 12, 18))

# Countries' shares of the seizures (per mille).
COUNTRY_WEIGHTS = {
    "RU": 240, "KZ": 120, "TJ": 110, "KG": 70, "BY": 30, "AM": 15,
    "AF": 140, "IR": 110, "UZ": 50, "CN": 30, "PK": 25, "TM": 15, "AZ": 12, "MN": 5,
    "UA": 6, "MD": 3, "LV": 3, "LT": 3, "EE": 2, "FI": 3, "US": 4, "RS": 4,
}  # fmt: skip
# What each region seizes (percent by substance).
ROUTE: dict[str, int] = {
    Substance.HEROIN: 20,
    Substance.OPIUM: 25,
    Substance.HASHISH: 30,
    Substance.CANNABIS: 20,
    Substance.PSYCHOTROPIC: 3,
    Substance.PRECURSORS: 2,
}
DESTINATION: dict[str, int] = {
    Substance.CANNABIS: 40,
    Substance.HASHISH: 20,
    Substance.HEROIN: 15,
    Substance.OTHER_SYNTHETIC: 10,
    Substance.METHAMPHETAMINE: 5,
    Substance.PSYCHOTROPIC: 5,
    Substance.COCAINE: 5,
}
WEST: dict[str, int] = {
    Substance.COCAINE: 35,
    Substance.CANNABIS: 25,
    Substance.OTHER_SYNTHETIC: 15,
    Substance.METHAMPHETAMINE: 10,
    Substance.HASHISH: 10,
    Substance.HEROIN: 5,
}
PROFILES = {
    **dict.fromkeys(("AF", "IR", "KG", "KZ", "PK", "TJ", "TM", "UZ"), ROUTE),
    **dict.fromkeys(("AM", "AZ", "BY", "CN", "MD", "MN", "RU", "UA"), DESTINATION),
    **dict.fromkeys(("EE", "FI", "LT", "LV", "RS", "US"), WEST),
}

# "Illegal migrant": internationally wanted persons found and illegal migrants detected per year.
MIGRANT_YEARS = {
    2008: (98, 11_240),
    2009: (112, 12_860),
    2010: (131, 14_310),
    2011: (140, 15_020),
    2012: (152, 16_480),
    2013: (158, 17_930),
    2014: (163, 19_650),
    2015: (171, 21_340),
    2016: (182, 22_870),
    2017: (189, 24_110),
}
MIGRANT_WEIGHTS = {"RU": 45, "KZ": 20, "KG": 10, "TJ": 10, "BY": 10, "AM": 5}

# Member states' reporting agencies when they have a drug-control agency.
DRUG_AGENCY = {"KG": "KG-MVD", "TJ": "TJ-DCA"}


class DemoDataMissingError(RuntimeError):
    """The core demo data (countries, states, agencies, accounts) must be loaded first."""


@dataclass(frozen=True)
class Reporter:
    agency: Agency
    author: User


def split(total: int, weights: Mapping[str, int]) -> dict[str, int]:
    """`total` split by integer weights with the largest-remainder rule (ties by key): the parts
    always add up to `total`. Written here because it is four lines and needs exact integers."""
    weight = sum(weights.values())
    parts = {key: total * share // weight for key, share in weights.items()}
    left = total - sum(parts.values())
    by_remainder = sorted(weights, key=lambda key: (-(total * weights[key] % weight), key))
    for key in by_remainder[:left]:
        parts[key] += 1
    return parts


def _varied(weights: Mapping[str, int], seed: int) -> dict[str, int]:
    """The same weights moved by up to ±4 % per key, so stages do not look identical."""
    return {
        key: weight * (100 + (seed * 7 + index * 13) % 9 - 4)
        for index, (key, weight) in enumerate(weights.items())
    }


# --- reference rows ------------------------------------------------------------------------------


def load_bodies() -> dict[str, Body]:
    parent = Body.objects.filter(code="CSC").first()
    found = {}
    position = 100
    for code, name_ru, name_en, short_ru, short_en in BODIES:
        body, _created = Body.objects.get_or_create(
            code=code,
            defaults={
                "kind": Body.Kind.WORKING_GROUP,
                "name_ru": name_ru,
                "name_en": name_en,
                "short_ru": short_ru,
                "short_en": short_en,
                "parent": parent,
                "position": position,
            },
        )
        found[code] = body
        position += 1
    return found


def _countries(codes: Iterable[str]) -> dict[str, Country]:
    wanted = list(codes)
    found = {c.alpha2: c for c in Country.objects.filter(alpha2__in=wanted)}
    missing = sorted(set(wanted) - set(found))
    if missing:
        raise DemoDataMissingError(f"countries missing ({', '.join(missing)}): load the core demo")
    return found


def _user(*usernames: str) -> User:
    for username in usernames:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is not None:
            return user
    raise DemoDataMissingError(f"none of the demo accounts {usernames} exists: load the core demo")


def _agency(code: str) -> Agency:
    agency = Agency.objects.filter(code=code).first()
    if agency is None:
        raise DemoDataMissingError(f"agency {code} missing: load the core demo")
    return agency


def reporters(codes: Iterable[str]) -> dict[str, Reporter]:
    """Who owns and writes each country's lines: a member state's own agency and analyst, the
    Secretariat for the others."""
    secretariat = Reporter(_agency("SEC"), _user("secretariat"))
    found = {}
    for code in codes:
        if code in MEMBERS:
            agency = _agency(DRUG_AGENCY.get(code, LEAD_AGENCY[code]))
            own = User.objects.filter(agency=agency, is_active=True).order_by("username").first()
            author = own or _user(f"{code.lower()}-analyst", "secretariat")
            found[code] = Reporter(agency, author)
        else:
            found[code] = secretariat
    return found


# --- operations, participants, stages -----------------------------------------------------------


def _participants(operation: Operation, codes: Mapping[str, str]) -> dict[str, Participant]:
    """Participants by country code (kind per code), created when missing."""
    countries = _countries(codes)
    found = {}
    for code, kind in codes.items():
        participant, _created = Participant.objects.get_or_create(
            operation=operation, code=code, defaults={"kind": kind, "country": countries[code]}
        )
        found[code] = participant
    return found


def _organisations(operation: Operation) -> list[Participant]:
    return [
        Participant.objects.get_or_create(
            operation=operation,
            code=code,
            defaults={"kind": ParticipantKind.INTERNATIONAL, "name_ru": ru, "name_en": en},
        )[0]
        for code, ru, en in ORGANISATIONS
    ]


def _stage(
    operation: Operation,
    *,
    number: int,
    year: int,
    month: int,
    lead: MemberState,
    closer: User,
) -> Stage:
    starts = date(year, month, 10)
    ends = starts + timedelta(days=11)
    return Stage.objects.create(
        operation=operation,
        number=number,
        year=year,
        starts_on=starts,
        ends_on=ends,
        lead_state=lead,
        status=Stage.Status.CLOSED,
        closed_at=datetime.combine(ends + timedelta(days=30), time(12), tzinfo=UTC),
        closed_by=closer,
    )


@dataclass(frozen=True)
class Report:
    """One country's report for one stage: makes its result lines."""

    stage: Stage
    participant: Participant
    reporter: Reporter

    def line(
        self, kind: str, quantity: Decimal | int, unit: str, substance: str = ""
    ) -> ResultLine:
        amount = Decimal(quantity)
        return ResultLine(
            stage=self.stage,
            participant=self.participant,
            kind=kind,
            substance=substance,
            quantity=amount,
            unit=unit,
            mass_kg=amount * KG_PER_UNIT[unit] if unit in KG_PER_UNIT else None,
            tlp=Tlp.AMBER,
            owner_agency=self.reporter.agency,
            author=self.reporter.author,
            created_at=datetime.combine(
                self.stage.ends_on + timedelta(days=7), time(9), tzinfo=UTC
            ),
        )


def _save_lines(lines: list[ResultLine]) -> int:
    """Bulk-create the lines, shared with the Secretariat like the ones reported through the
    services (the Secretariat's own lines need no share)."""
    created = ResultLine.objects.bulk_create(lines, batch_size=1000)
    services.refresh_totals(stage_ids={line.stage_id for line in created})
    secretariat = Body.objects.filter(code="SEC").first()
    if secretariat is not None:
        through = ResultLine.shared_bodies.through
        through._default_manager.bulk_create(
            [
                through(resultline_id=line.pk, body_id=secretariat.pk)
                for line in created
                if line.owner_agency.body_id != secretariat.pk
            ],
            batch_size=1000,
        )
    return len(created)


def _channel_stage_lines(
    stage: Stage, kilograms: int, participants: dict[str, Participant], who: dict[str, Reporter]
) -> list[ResultLine]:
    lines = []
    by_country = split(kilograms * 1000, _varied(COUNTRY_WEIGHTS, stage.number))  # grams
    for code, grams in by_country.items():
        report = Report(stage, participants[code], who[code])
        profile = _varied(PROFILES[code], stage.number + ord(code[0]))
        lines += [
            report.line(ResultKind.DRUG_SEIZURE, Decimal(part) / 1000, Unit.KILOGRAM, substance)
            for substance, part in split(grams, profile).items()
            if part
        ]
        cases = max(1, grams // 40_000)
        lines += [
            report.line(ResultKind.CRIMINAL_CASES, cases, Unit.CASES),
            report.line(ResultKind.DETENTIONS, cases * 9 // 10 + 1, Unit.PERSONS),
        ]
        if code in MEMBERS:
            weapons = cases // 12 + 1
            lines += [
                report.line(ResultKind.WEAPONS, weapons, Unit.ITEMS),
                report.line(ResultKind.AMMUNITION, weapons * 37, Unit.ROUNDS),
            ]
    return lines


def load_channel(bodies: dict[str, Body]) -> Operation:
    operation, _created = Operation.objects.get_or_create(
        slug="channel",
        defaults={
            "name_ru": "Канал",
            "name_en": "Channel",
            "kind": OperationKind.ANTI_DRUG,
            "coordinating_body": bodies["CCDT"],
            "since_year": 2007,
            "description_ru": (
                "Комплексная оперативно-профилактическая операция по противодействию "
                "незаконному обороту наркотиков: правоохранительные органы 22 стран."
            ),
            "description_en": (
                "Comprehensive operational and preventive operation against illicit drug "
                "trafficking, with the law-enforcement agencies of 22 countries."
            ),
            "illustrative_splits": True,
        },
    )
    if operation.stages.exists():
        return operation
    kinds = {
        **dict.fromkeys(MEMBERS, ParticipantKind.MEMBER_STATE),
        **dict.fromkeys(OBSERVERS, ParticipantKind.OBSERVER),
        **dict.fromkeys(PARTNERS, ParticipantKind.PARTNER),
    }
    participants = _participants(operation, kinds)
    everyone = [*participants.values(), *_organisations(operation)]
    who = reporters(participants)
    states = {s.code: s for s in MemberState.objects.filter(code__in=MEMBERS)}
    closer = _user("secretariat")
    lines: list[ResultLine] = []
    number = 0
    for year, kilograms in CHANNEL_KG.items():
        count = CHANNEL_STAGES[year]
        shares = dict(enumerate(STAGE_SHARES[count]))
        for index, stage_kg in split(kilograms, {str(i): s for i, s in shares.items()}).items():
            number += 1
            month = STAGE_MONTHS[count][int(index)]
            lead = states[MEMBERS[number % len(MEMBERS)]]
            stage = _stage(
                operation, number=number, year=year, month=month, lead=lead, closer=closer
            )
            stage.participants.set(everyone)
            lines += _channel_stage_lines(stage, stage_kg, participants, who)
    year, starts, ends = OPEN_STAGE
    open_stage = Stage.objects.create(
        operation=operation,
        number=number + 1,
        year=year,
        starts_on=starts,
        ends_on=ends,
        lead_state=states["KZ"],
        status=Stage.Status.OPEN,
    )
    open_stage.participants.set(everyone)
    _save_lines(lines)
    return operation


def load_illegal_migrant(bodies: dict[str, Body]) -> Operation:
    operation, _created = Operation.objects.get_or_create(
        slug="illegal-migrant",
        defaults={
            "name_ru": "Нелегал",
            "name_en": "Illegal migrant",
            "kind": OperationKind.ILLEGAL_MIGRATION,
            "coordinating_body": bodies["CCIM"],
            "since_year": 2008,
            "description_ru": (
                "Оперативно-профилактические мероприятия и специальные операции по "
                "противодействию незаконной миграции."
            ),
            "description_en": (
                "Operational and preventive measures and special operations against illegal "
                "migration."
            ),
            "illustrative_splits": True,
        },
    )
    if operation.stages.exists():
        return operation
    participants = _participants(operation, dict.fromkeys(MEMBERS, ParticipantKind.MEMBER_STATE))
    who = reporters(participants)
    states = {s.code: s for s in MemberState.objects.filter(code__in=MEMBERS)}
    closer = _user("secretariat")
    lines: list[ResultLine] = []
    for number, (year, (wanted, migrants)) in enumerate(MIGRANT_YEARS.items(), start=1):
        lead = states[MEMBERS[number % len(MEMBERS)]]
        stage = _stage(operation, number=number, year=year, month=9, lead=lead, closer=closer)
        stage.participants.set(participants.values())
        weights = _varied(MIGRANT_WEIGHTS, number)
        found = split(wanted, weights)
        detected = split(migrants, weights)
        for code, participant in participants.items():
            report = Report(stage, participant, who[code])
            lines += [
                report.line(ResultKind.WANTED_FOUND, found[code], Unit.PERSONS),
                report.line(ResultKind.ILLEGAL_MIGRANTS, detected[code], Unit.PERSONS),
                report.line(ResultKind.CRIMINAL_CASES, detected[code] // 25 + 1, Unit.CASES),
            ]
    _save_lines(lines)
    return operation


def load_press_summary(operation: Operation) -> PressSummary:
    """The CLEAR press summary of Channel 2017, published once through the service (which
    freezes the year's totals and writes the text in both languages)."""
    existing = operation.press_summaries.filter(year=2017, stage=None).first()
    if existing is not None:
        return existing
    return services.press_summary_publish(
        acting_user=_user("secretariat"), operation=operation, year=2017
    )


@transaction.atomic
def load(*, password: str | None, reset_passwords: bool) -> list[object]:
    """Load the demo operations; no accounts of their own (the core demo's are used)."""
    del password, reset_passwords
    before = Stage.objects.filter(operation__slug__in=("channel", "illegal-migrant")).count()
    bodies = load_bodies()
    channel = load_channel(bodies)
    migrant = load_illegal_migrant(bodies)
    summary = load_press_summary(channel)
    stages = Stage.objects.filter(operation__in=[channel, migrant])
    if stages.count() != before:
        audit.record(
            actor=None,
            action="operations.demo.load",
            summary={
                "operations": [channel.slug, migrant.slug],
                "stages": stages.count(),
                "lines": ResultLine.objects.filter(stage__in=stages).count(),
                "press_summary": summary.pk,
            },
        )
    return []
