"""Fixtures of the operations tests: the operation "Channel" with two stages and four
participants (KZ and RU, member states; AF, a partner country; INTERPOL), and an analyst of
Kazakhstan's drug-control agency. Other helpers' tests reuse these fixtures."""

from __future__ import annotations

from datetime import date

import pytest

from concord.core.models import Agency, Body, MemberState, Role, User
from concord.core.tests.factories import AgencyFactory, CountryFactory, UserFactory
from concord.operations.models import (
    Operation,
    OperationKind,
    Participant,
    ParticipantKind,
    Stage,
)


@pytest.fixture
def channel(state_kz: MemberState, state_ru: MemberState, secretariat_body: Body) -> Operation:
    """Operation "Channel" with participants KZ, RU (member states), AF (partner) and INTERPOL."""
    operation = Operation.objects.create(
        slug="channel",
        name_ru="Канал",
        name_en="Channel",
        kind=OperationKind.ANTI_DRUG,
        coordinating_body=secretariat_body,
        since_year=2007,
    )
    afghanistan = CountryFactory(
        alpha2="AF", alpha3="AFG", name_en="Afghanistan", name_ru="Афганистан"
    )
    Participant.objects.bulk_create(
        [
            Participant(
                operation=operation,
                kind=ParticipantKind.MEMBER_STATE,
                country=state_kz.country,
                code="KZ",
            ),
            Participant(
                operation=operation,
                kind=ParticipantKind.MEMBER_STATE,
                country=state_ru.country,
                code="RU",
            ),
            Participant(
                operation=operation, kind=ParticipantKind.PARTNER, country=afghanistan, code="AF"
            ),
            Participant(
                operation=operation,
                kind=ParticipantKind.INTERNATIONAL,
                code="INTERPOL",
                name_ru="Интерпол",
                name_en="INTERPOL",
            ),
        ]
    )
    return operation


@pytest.fixture
def stage1(channel: Operation) -> Stage:
    """Stage 1 (2017), open for reports; all four participants take part."""
    stage = Stage.objects.create(
        operation=channel,
        number=1,
        year=2017,
        starts_on=date(2017, 4, 10),
        ends_on=date(2017, 4, 20),
        status=Stage.Status.OPEN,
    )
    stage.participants.set(channel.participants.all())
    return stage


@pytest.fixture
def stage2(channel: Operation) -> Stage:
    """Stage 2 (2018), closed; only KZ and RU took part."""
    stage = Stage.objects.create(
        operation=channel,
        number=2,
        year=2018,
        starts_on=date(2018, 6, 4),
        ends_on=date(2018, 6, 15),
        status=Stage.Status.CLOSED,
    )
    stage.participants.set(channel.participants.filter(code__in=["KZ", "RU"]))
    return stage


@pytest.fixture
def kz_drug_agency(state_kz: MemberState) -> Agency:
    return AgencyFactory(code="KZ-DRUG", state=state_kz, kind=Agency.Kind.DRUG_CONTROL)


@pytest.fixture
def kz_drug_analyst(kz_drug_agency: Agency) -> User:
    return UserFactory(username="kz-drug-analyst", agency=kz_drug_agency, role=Role.ANALYST)
