"""The small operation the statistics, chart and report tests compute by hand (see the table in
`test_queries.py`). Lines are stored directly, as the statistics read them; reporting them
through the services is tested with the services. Tests only: production code never imports
this."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from concord.core.markings import Tlp
from concord.core.models import MemberState, User
from concord.core.tests.factories import CountryFactory
from concord.operations import services
from concord.operations.models import (
    KG_PER_UNIT,
    Operation,
    OperationKind,
    Participant,
    ParticipantKind,
    ResultKind,
    ResultLine,
    Stage,
)

DRUGS = ResultKind.DRUG_SEIZURE


@dataclass
class OpsFixture:
    operation: Operation
    stages: dict[int, Stage]
    participants: dict[str, Participant]
    reporters: dict[str, User]
    lines: list[ResultLine] = field(default_factory=list)

    def line(
        self,
        stage: int,
        code: str,
        kind: str,
        quantity: str,
        unit: str,
        substance: str = "",
        *,
        tlp: str = Tlp.AMBER,
        supersedes: ResultLine | None = None,
    ) -> ResultLine:
        reporter = self.reporters[code]
        amount = Decimal(quantity)
        factor = KG_PER_UNIT.get(unit)
        line = ResultLine.objects.create(
            stage=self.stages[stage],
            participant=self.participants[code],
            kind=kind,
            substance=substance,
            quantity=amount,
            unit=unit,
            mass_kg=None if factor is None else amount * factor,
            revision=1 if supersedes is None else supersedes.revision + 1,
            supersedes=supersedes,
            reason="" if supersedes is None else "typo in the first report",
            tlp=tlp,
            owner_agency=reporter.agency,
            author=reporter,
        )
        self.lines.append(line)
        services.refresh_totals(stage_ids=[line.stage_id], participant_ids=[line.participant_id])
        return line


def build(
    *,
    state_kz: MemberState,
    state_ru: MemberState,
    kz_user: User,
    ru_user: User,
    secretariat: User,
) -> OpsFixture:
    operation = Operation.objects.create(
        slug="channel",
        name_ru="Канал",
        name_en="Channel",
        kind=OperationKind.ANTI_DRUG,
        since_year=2016,
        illustrative_splits=True,
    )
    for state in (state_kz, state_ru):  # the core factory names countries "Country XX"
        state.country.name_en, state.country.name_ru = state.name_en, state.name_ru
        state.country.save(update_fields=["name_en", "name_ru"])
    uzbekistan = CountryFactory(
        alpha2="UZ", alpha3="UZB", name_en="Uzbekistan", name_ru="Узбекистан"
    )
    participants = {
        "KZ": Participant(
            operation=operation,
            kind=ParticipantKind.MEMBER_STATE,
            country=state_kz.country,
            code="KZ",
        ),
        "RU": Participant(
            operation=operation,
            kind=ParticipantKind.MEMBER_STATE,
            country=state_ru.country,
            code="RU",
        ),
        "UZ": Participant(
            operation=operation, kind=ParticipantKind.OBSERVER, country=uzbekistan, code="UZ"
        ),
        "INTERPOL": Participant(
            operation=operation,
            kind=ParticipantKind.INTERNATIONAL,
            code="INTERPOL",
            name_ru="Интерпол",
            name_en="INTERPOL",
        ),
    }
    for participant in participants.values():
        participant.save()
    stages = {}
    for number, year, starts, ends, status, taking_part in (
        (1, 2016, date(2016, 5, 10), date(2016, 5, 20), Stage.Status.CLOSED, "KZ RU"),
        (2, 2017, date(2017, 3, 1), date(2017, 3, 10), Stage.Status.CLOSED, "KZ RU UZ"),
        (3, 2017, date(2017, 9, 4), date(2017, 9, 14), Stage.Status.OPEN, "KZ RU UZ INTERPOL"),
    ):
        stage = Stage.objects.create(
            operation=operation,
            number=number,
            year=year,
            starts_on=starts,
            ends_on=ends,
            status=status,
        )
        stage.participants.set([participants[code] for code in taking_part.split()])
        stages[number] = stage
    reporters = {"KZ": kz_user, "RU": ru_user, "UZ": secretariat, "INTERPOL": secretariat}
    ops = OpsFixture(operation, stages, participants, reporters)
    ops.line(1, "KZ", DRUGS, "1500", "g", "heroin")
    ops.line(1, "KZ", DRUGS, "2.5", "kg", "hashish")
    ops.line(1, "RU", DRUGS, "0.1", "t", "heroin")
    ops.line(1, "RU", ResultKind.DETENTIONS, "12", "persons")
    ops.line(2, "KZ", DRUGS, "2.5", "kg", "heroin")
    ops.line(2, "KZ", ResultKind.DETENTIONS, "7", "persons")
    first = ops.line(2, "RU", DRUGS, "3", "kg", "heroin")
    ops.line(2, "RU", DRUGS, "4", "kg", "heroin", supersedes=first)
    ops.line(2, "UZ", DRUGS, "10", "kg", "opium")
    ops.line(2, "UZ", DRUGS, "500", "tablets", "psychotropic")
    ops.line(3, "KZ", DRUGS, "0.002", "t", "heroin")
    ops.line(3, "KZ", ResultKind.WEAPONS, "3", "items")
    ops.line(3, "RU", DRUGS, "250", "g", "cocaine")
    ops.line(3, "RU", DRUGS, "1.5", "l", "psychotropic")
    ops.line(3, "UZ", ResultKind.CRIMINAL_CASES, "4", "cases")
    return ops
