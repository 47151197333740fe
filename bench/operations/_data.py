"""Generated data shared by the operations benchmarks: a database for the child process, the
reporting agencies, an operation with its participants and stages, and the figures a line may
carry. Seeded, so every run sees the same data."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

PARTICIPANTS = 22  # "Channel" has 22 participating countries
STAGES_PER_YEAR = 4
LAST_YEAR = 2017


def people(count: int) -> dict[str, Any]:
    """`count` reporting agencies of the member states, one analyst each, and a Secretariat
    user (who reports for non-member participants)."""
    from concord.core import demo
    from concord.core.models import Agency, Body, MemberState, Role, User

    demo.load_countries()
    demo.load_organisation()
    states = list(MemberState.objects.order_by("code"))
    agencies, authors = [], []
    for n in range(count):
        state = states[n % len(states)]
        agency, _ = Agency.objects.get_or_create(
            code=f"BENCH-OPS-{n}",
            defaults={
                "kind": Agency.Kind.DRUG_CONTROL,
                "state": state,
                "name_en": f"Bench agency {n}",
                "name_ru": f"Бенч-ведомство {n}",
            },
        )
        user, _ = User.objects.get_or_create(
            username=f"bench-ops-{n}", defaults={"agency": agency, "role": Role.ANALYST}
        )
        agencies.append(agency)
        authors.append(user)
    body = Body.objects.get(code="SEC") if Body.objects.filter(code="SEC").exists() else None
    secretariat_agency, _ = Agency.objects.get_or_create(
        code="BENCH-OPS-SEC",
        defaults={
            "kind": Agency.Kind.BODY_UNIT,
            "state": None,
            "body": body or Body.objects.first(),
            "name_en": "Bench Secretariat",
            "name_ru": "Бенч-Секретариат",
        },
    )
    secretariat, _ = User.objects.get_or_create(
        username="bench-ops-secretariat",
        defaults={"agency": secretariat_agency, "role": Role.SECRETARIAT},
    )
    return {"agencies": agencies, "authors": authors, "secretariat": secretariat}


def operation(slug: str, *, stages: int, participants: int = PARTICIPANTS) -> Any:
    """An anti-drug operation with `participants` countries (six member states, the others
    partners) and `stages` stages, four a year, ending in LAST_YEAR; everyone takes part in
    every stage."""
    from datetime import date

    from concord.core.models import Country
    from concord.operations.models import Operation, Participant, ParticipantKind, Stage

    remove(slug)
    years = -(-stages // STAGES_PER_YEAR)
    first_year = LAST_YEAR - years + 1
    op = Operation.objects.create(
        slug=slug,
        name_ru="Канал (бенч)",
        name_en="Channel (bench)",
        kind="anti_drug",
        since_year=first_year,
        illustrative_splits=True,
    )
    members = {"AM", "BY", "KG", "KZ", "RU", "TJ"}
    countries = list(Country.objects.filter(alpha2__in=members).order_by("alpha2"))
    countries += Country.objects.exclude(alpha2__in=members).order_by("alpha2")[
        : participants - len(countries)
    ]
    people = Participant.objects.bulk_create(
        [
            Participant(
                operation=op,
                kind=(
                    ParticipantKind.MEMBER_STATE
                    if country.alpha2 in members
                    else ParticipantKind.PARTNER
                ),
                country=country,
                code=country.alpha2,
            )
            for country in countries
        ]
    )
    Stage.objects.bulk_create(
        [
            Stage(
                operation=op,
                number=n + 1,
                year=first_year + n // STAGES_PER_YEAR,
                starts_on=date(first_year + n // STAGES_PER_YEAR, 2 + 3 * (n % 4), 1),
                ends_on=date(first_year + n // STAGES_PER_YEAR, 2 + 3 * (n % 4), 12),
                status=Stage.Status.CLOSED,
            )
            for n in range(stages)
        ]
    )
    made = list(Stage.objects.filter(operation=op).order_by("number"))
    through = Stage.participants.through
    through._default_manager.bulk_create(
        [through(stage_id=s.pk, participant_id=p.pk) for s in made for p in people]
    )
    return op


def remove(slug: str) -> None:
    """The operation and its lines, gone (a rerun on a shared PostgreSQL database)."""
    from concord.operations.models import Operation, ResultLine

    lines = ResultLine.objects.filter(stage__operation__slug=slug)
    for name in ("shared_states", "shared_bodies", "shared_agencies", "shared_users"):
        through = getattr(ResultLine, name).through
        through._default_manager.filter(resultline__in=lines).delete()
    lines.update(supersedes=None)
    lines._raw_delete(lines.db)
    Operation.objects.filter(slug=slug).delete()


def figures() -> list[tuple[str, str, str]]:
    """Every (kind, substance, unit) a line may carry: 78 of them."""
    from concord.operations.models import UNITS_BY_KIND, ResultKind, Substance

    found = []
    for kind, units in UNITS_BY_KIND.items():
        substances = Substance.values if kind == ResultKind.DRUG_SEIZURE else [""]
        found += [(kind, substance, unit) for substance in substances for unit in units]
    return found


def quantity(unit: str, draw: float) -> Decimal:
    """A plausible quantity for a unit from a uniform draw in [0, 1)."""
    scale = {"g": 50_000, "kg": 800, "t": 3, "l": 200}.get(unit)
    if scale is not None:
        return Decimal(int(draw * scale * 1000)) / 1000 + Decimal("0.001")
    return Decimal(int(draw * 500) + 1)
