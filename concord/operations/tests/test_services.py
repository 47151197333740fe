"""Services of the operations module: operations, participants, stages, reporting, corrections
and press summaries."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from concord.core import access as core_access
from concord.core.markings import Tlp
from concord.core.models import AuditEvent
from concord.core.tests.factories import CountryFactory
from concord.operations import access, services
from concord.operations.models import Operation, Participant, ResultLine, Stage
from concord.operations.tests.factories import report

pytestmark = pytest.mark.django_db


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action))


# --- operations, participants, stages -----------------------------------------------------------


def test_operation_create_and_update_are_audited(secretariat_user, secretariat_body):
    operation = services.operation_create(
        acting_user=secretariat_user,
        slug="illegal-migrant",
        name_ru="Нелегал",
        name_en="Illegal migrant",
        kind="illegal_migration",
        since_year=2008,
        coordinating_body=secretariat_body,
    )
    services.operation_update(
        acting_user=secretariat_user,
        operation=operation,
        since_year=2009,
        name_en="Illegal migrant",
    )
    operation.refresh_from_db()
    assert (operation.slug, operation.since_year, operation.coordinating_body) == (
        "illegal-migrant", 2009, secretariat_body
    )  # fmt: skip
    (created,) = _events("operations.operation.create")
    (updated,) = _events("operations.operation.update")
    assert created.summary == (
        '{"kind":"illegal_migration","since_year":2008,"slug":"illegal-migrant"}'
    )
    assert updated.summary == '{"after":{"since_year":2009},"before":{"since_year":2008}}'


def test_operation_create_refuses_a_taken_slug(channel, secretariat_user):
    with pytest.raises(
        ValidationError, match="an operation with the slug 'channel' already exists"
    ):
        services.operation_create(
            acting_user=secretariat_user,
            slug="channel",
            name_ru="Канал",
            name_en="Channel",
            kind="anti_drug",
            since_year=2003,
        )


def test_only_the_secretariat_defines_operations(kz_drug_analyst, channel):
    with pytest.raises(PermissionDenied, match="only the Secretariat manages operations"):
        services.operation_update(acting_user=kz_drug_analyst, operation=channel, since_year=1999)
    channel.refresh_from_db()
    assert channel.since_year == 2007


def test_participant_add(channel, secretariat_user):
    uzbekistan = CountryFactory(alpha2="UZ", alpha3="UZB", name_en="Uzbekistan")
    participant = services.participant_add(
        acting_user=secretariat_user, operation=channel, kind="observer", country=uzbekistan
    )
    unodc = services.participant_add(
        acting_user=secretariat_user,
        operation=channel,
        kind="international",
        code="unodc",
        name_en="UNODC",
    )
    assert (participant.code, unodc.code) == ("UZ", "UNODC")
    assert sorted(channel.participants.values_list("code", flat=True)) == [
        "AF", "INTERPOL", "KZ", "RU", "UNODC", "UZ"
    ]  # fmt: skip
    with pytest.raises(ValidationError, match="UZ already takes part in channel"):
        services.participant_add(
            acting_user=secretariat_user, operation=channel, kind="observer", country=uzbekistan
        )


def test_participant_add_refuses_a_non_member_as_member_state(channel, secretariat_user):
    china = CountryFactory(alpha2="CN", alpha3="CHN", name_en="China")
    with pytest.raises(ValidationError, match="China is not a member state"):
        services.participant_add(
            acting_user=secretariat_user, operation=channel, kind="member_state", country=china
        )


def test_stage_create(channel, secretariat_user, state_kz):
    participants = list(channel.participants.filter(code__in=["KZ", "AF"]))
    stage = services.stage_create(
        acting_user=secretariat_user,
        operation=channel,
        number=3,
        year=2019,
        starts_on=date(2019, 5, 1),
        ends_on=date(2019, 5, 10),
        participants=participants,
        lead_state=state_kz,
    )
    assert (stage.number, stage.status, stage.lead_state) == (3, "open", state_kz)
    assert sorted(stage.participants.values_list("code", flat=True)) == ["AF", "KZ"]
    (event,) = _events("operations.stage.create")
    assert event.summary == (
        '{"number":3,"operation":"channel","participants":["AF","KZ"],"year":2019}'
    )


def test_stage_number_is_unique_per_operation(stage1, secretariat_user):
    with pytest.raises(ValidationError, match="channel already has a stage number 1"):
        services.stage_create(
            acting_user=secretariat_user,
            operation=stage1.operation,
            number=1,
            year=2020,
            starts_on=date(2020, 1, 1),
            ends_on=date(2020, 1, 2),
            participants=[],
        )
    assert Stage.objects.count() == 1


def test_stage_participants_belong_to_the_operation(channel, secretariat_user):
    other = Operation.objects.create(slug="other", name_en="Other", kind="other", since_year=2010)
    stranger = Participant.objects.create(
        operation=other, kind="international", code="UNODC", name_en="UNODC"
    )
    with pytest.raises(ValidationError, match="UNODC do not take part in channel"):
        services.stage_create(
            acting_user=secretariat_user,
            operation=channel,
            number=5,
            year=2020,
            starts_on=date(2020, 1, 1),
            ends_on=date(2020, 1, 2),
            participants=[stranger],
        )


def test_stage_close_and_open(stage1, secretariat_user):
    closed = services.stage_close(acting_user=secretariat_user, stage=stage1)
    assert (closed.status, closed.closed_by) == ("closed", secretariat_user)
    assert closed.closed_at is not None
    with pytest.raises(ValidationError, match="stage 1 is already closed"):
        services.stage_close(acting_user=secretariat_user, stage=stage1)
    with pytest.raises(ValidationError, match="stage 1 is closed; its figures are changed by"):
        services.stage_open(acting_user=secretariat_user, stage=stage1)
    (event,) = _events("operations.stage.close")
    assert event.summary == '{"lines":0,"number":1,"operation":"channel"}'


def test_stage_open_opens_a_planned_stage(stage1, secretariat_user):
    Stage.objects.filter(pk=stage1.pk).update(status="planned")
    opened = services.stage_open(acting_user=secretariat_user, stage=stage1)
    assert opened.status == "open"
    assert len(_events("operations.stage.open")) == 1


def test_only_the_secretariat_closes_a_stage(stage1, kz_drug_analyst):
    with pytest.raises(PermissionDenied):
        services.stage_close(acting_user=kz_drug_analyst, stage=stage1)
    stage1.refresh_from_db()
    assert stage1.status == "open"


# --- reporting ----------------------------------------------------------------------------------


def test_result_report_owner_marking_and_sharing(stage1, kz_drug_analyst, kz_drug_agency):
    line = report(kz_drug_analyst, stage1, "KZ", "drug_seizure", "1 250,5", "кг", "героин")
    assert (line.owner_agency, line.author, line.tlp, line.revision) == (
        kz_drug_agency, kz_drug_analyst, Tlp.AMBER, 1
    )  # fmt: skip
    assert (line.kind, line.substance, line.quantity, line.unit, line.mass_kg) == (
        "drug_seizure", "heroin", Decimal("1250.500"), "kg", Decimal("1250.500000")
    )  # fmt: skip
    assert list(line.shared_bodies.values_list("code", flat=True)) == ["SEC"]
    (event,) = _events("operations.result.report")
    assert event.summary == (
        '{"kind":"drug_seizure","mass_kg":"1250.500000","operation":"channel","participant":"KZ",'
        '"quantity":"1250.500","revision":1,"stage":1,"substance":"heroin","tlp":"AMBER","unit":"kg"}'
    )


def test_reported_line_is_seen_by_its_state_and_the_secretariat_only(
    stage1, kz_drug_analyst, kz_analyst, ru_analyst, secretariat_user
):
    line = report(kz_drug_analyst, stage1, "KZ", "weapons", 4, "шт")
    seen = {
        user.username: core_access.can_view(line, user)
        for user in (kz_drug_analyst, kz_analyst, ru_analyst, secretariat_user)
    }
    assert seen == {
        "kz-drug-analyst": True,
        "kz-analyst": True,
        "ru-analyst": False,
        "secretariat": True,
    }


def test_secretariat_reports_for_partners_and_organisations(stage1, secretariat_user, agency_sec):
    afghan = report(secretariat_user, stage1, "AF", "drug_seizure", "2", "t", "opium")
    interpol = report(secretariat_user, stage1, "INTERPOL", "wanted_found", 3, "persons")
    assert (afghan.owner_agency, afghan.mass_kg, interpol.quantity) == (
        agency_sec, Decimal("2000.000000"), Decimal("3.000")
    )  # fmt: skip


@pytest.mark.parametrize(
    ("who", "code"),
    [("secretariat_user", "KZ"), ("kz_drug_analyst", "RU"), ("kz_drug_analyst", "AF")],
    ids=["secretariat-for-member", "kz-for-ru", "kz-for-partner"],
)
def test_result_report_refuses_who_may_not_report(request, stage1, who, code):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied, match="you may not report figures for"):
        report(user, stage1, code, "weapons", 1, "items")
    assert ResultLine.objects.count() == 0


def test_a_viewer_may_not_report(stage1, kz_drug_agency):
    from concord.core.tests.factories import UserFactory

    viewer = UserFactory(username="kz-viewer", agency=kz_drug_agency, role="viewer")
    with pytest.raises(PermissionDenied):
        report(viewer, stage1, "KZ", "weapons", 1, "items")


def test_result_report_refuses_a_closed_stage(stage1, secretariat_user, kz_drug_analyst):
    services.stage_close(acting_user=secretariat_user, stage=stage1)
    with pytest.raises(
        ValidationError, match=r"stage 1 is closed: it takes no new lines \(correct"
    ):
        services.result_report(
            acting_user=kz_drug_analyst,
            stage=stage1,
            participant=stage1.participants.get(code="KZ"),
            kind="weapons",
            substance="",
            quantity=Decimal(1),
            unit="items",
        )
    assert ResultLine.objects.count() == 0


def test_result_report_refuses_a_participant_not_in_the_stage(stage2, secretariat_user):
    stage2.status = Stage.Status.OPEN
    stage2.save()
    with pytest.raises(ValidationError, match="AF did not take part in stage 2"):
        services.result_report(
            acting_user=secretariat_user,
            stage=stage2,
            participant=stage2.operation.participants.get(code="AF"),
            kind="weapons",
            substance="",
            quantity=Decimal(1),
            unit="items",
        )


def test_result_report_refuses_a_bad_unit(stage1, kz_drug_analyst):
    with pytest.raises(ValidationError, match=r"weapons is not counted in kg \(use items\)"):
        report(kz_drug_analyst, stage1, "KZ", "weapons", 1, "kg")


def test_result_report_refuses_a_duplicate(stage1, kz_drug_analyst, kz_analyst):
    report(kz_drug_analyst, stage1, "KZ", "drug_seizure", "5", "kg", "heroin")
    with pytest.raises(
        ValidationError,
        match="KZ already reported drug_seizure/heroin in kg for this stage: correct that line",
    ):
        report(kz_drug_analyst, stage1, "KZ", "drug_seizure", "7", "кг", "героин")
    # Another agency of the same state reports its own figure; another unit is another figure.
    report(kz_analyst, stage1, "KZ", "drug_seizure", "7", "kg", "heroin")
    report(kz_drug_analyst, stage1, "KZ", "drug_seizure", "700", "g", "heroin")
    assert ResultLine.objects.count() == 3
    assert len(_events("operations.result.report")) == 3


# --- corrections --------------------------------------------------------------------------------


def test_result_correct_makes_a_new_revision(stage1, kz_drug_analyst, secretariat_user):
    line = report(kz_drug_analyst, stage1, "KZ", "drug_seizure", "5", "kg", "heroin")
    services.stage_close(acting_user=secretariat_user, stage=stage1)
    corrected = services.result_correct(
        acting_user=kz_drug_analyst, line=line, quantity=Decimal(5200), unit="g", reason="typo"
    )
    assert (corrected.revision, corrected.supersedes, corrected.reason) == (2, line, "typo")
    assert (corrected.quantity, corrected.unit, corrected.mass_kg) == (
        Decimal("5200.000"), "g", Decimal("5.200000")
    )  # fmt: skip
    assert list(corrected.shared_bodies.values_list("code", flat=True)) == ["SEC"]
    assert list(ResultLine.objects.current().values_list("pk", flat=True)) == [corrected.pk]
    line.refresh_from_db()
    assert (line.quantity, line.unit) == (Decimal("5.000"), "kg")  # the old line stays as it was
    (event,) = _events("operations.result.correct")
    assert event.summary == (
        '{"after":{"kind":"drug_seizure","mass_kg":"5.200000","operation":"channel",'
        '"participant":"KZ","quantity":"5200.000","revision":2,"stage":1,"substance":"heroin",'
        '"unit":"g"},"before":{"kind":"drug_seizure","mass_kg":"5.000000","operation":"channel",'
        '"participant":"KZ","quantity":"5.000","revision":1,"stage":1,"substance":"heroin",'
        f'"unit":"kg"}},"reason":"typo","supersedes":{line.pk}}}'
    )


def test_result_correct_needs_a_reason_and_a_change(stage1, kz_drug_analyst):
    line = report(kz_drug_analyst, stage1, "KZ", "weapons", 3, "items")
    with pytest.raises(ValidationError, match="a correction gives its reason"):
        services.result_correct(
            acting_user=kz_drug_analyst, line=line, quantity=Decimal(4), reason="  "
        )
    with pytest.raises(ValidationError, match="the correction changes nothing"):
        services.result_correct(
            acting_user=kz_drug_analyst, line=line, quantity=Decimal(3), reason="same"
        )
    assert ResultLine.objects.count() == 1


def test_result_correct_refuses_a_superseded_line(stage1, kz_drug_analyst):
    line = report(kz_drug_analyst, stage1, "KZ", "weapons", 3, "items")
    services.result_correct(
        acting_user=kz_drug_analyst, line=line, quantity=Decimal(4), reason="recount"
    )
    with pytest.raises(ValidationError, match=r"line \d+ was already corrected by revision 2"):
        services.result_correct(
            acting_user=kz_drug_analyst, line=line, quantity=Decimal(5), reason="again"
        )
    assert ResultLine.objects.count() == 2


@pytest.mark.parametrize(
    "who", ["kz_analyst", "ru_analyst", "secretariat_user"], ids=["same-state", "other", "sec"]
)
def test_only_the_owner_agency_corrects(request, stage1, kz_drug_analyst, who):
    line = report(kz_drug_analyst, stage1, "KZ", "weapons", 3, "items")
    user = request.getfixturevalue(who)
    assert not access.can_correct(user, line)
    with pytest.raises(PermissionDenied, match="only the agency that reported a figure corrects"):
        services.result_correct(acting_user=user, line=line, quantity=Decimal(9), reason="no")
    assert ResultLine.objects.count() == 1


# --- press summaries ----------------------------------------------------------------------------


def test_press_summary_publish_freezes_the_totals(
    stage1, kz_drug_analyst, secretariat_user, agency_sec
):
    report(kz_drug_analyst, stage1, "KZ", "drug_seizure", "1500", "kg", "heroin")
    report(kz_drug_analyst, stage1, "KZ", "drug_seizure", "500", "g", "hashish")
    report(secretariat_user, stage1, "AF", "drug_seizure", "2.5", "t", "opium")
    report(kz_drug_analyst, stage1, "KZ", "weapons", 12, "items")
    summary = services.press_summary_publish(
        acting_user=secretariat_user, operation=stage1.operation, year=2017
    )
    assert (summary.tlp, summary.owner_agency, summary.year, summary.stage) == (
        Tlp.CLEAR, agency_sec, 2017, None
    )  # fmt: skip
    assert summary.totals == {
        "year": 2017,
        "stage": None,
        "stages": 1,
        "countries": 3,
        "participants": 4,
        "totals": {"drug_seizure": {"kg": 4000.5}, "weapons": {"items": 12}},
        "by_substance": [
            {"substance": "opium", "mass_kg": 2500},
            {"substance": "heroin", "mass_kg": 1500},
            {"substance": "hashish", "mass_kg": 0.5},
        ],
    }
    assert summary.title_ru == "Операция «Канал»: итоги 2017 года"
    assert summary.title_en == "Operation “Channel”: results of 2017"
    assert summary.text_en == (
        "Stages held in 2017: 1.\n"
        "Participants: 4 (3 countries).\n"
        "Results:\n"
        "— Drugs seized: 4,000.5 kg (including: opium — 2,500 kg; heroin — 1,500 kg; "
        "hashish — 0.5 kg).\n"
        "— Firearms seized: 12."
    )
    assert summary.text_ru == (
        "В 2017 году проведено этапов операции: 1.\n"
        "Участников: 4 (государств — 3).\n"
        "Результаты:\n"
        "— Изъято наркотиков: 4\u00a0000,5 кг (в том числе: опий — 2\u00a0500 кг; "
        "героин — 1\u00a0500 кг; гашиш — 0,5 кг).\n"
        "— Изъято оружия: 12."
    )
    assert access.press_for(None).get() == summary  # CLEAR: public
    assert len(_events("operations.press_summary.publish")) == 1


def test_press_summary_for_a_stage(stage1, kz_drug_analyst, secretariat_user):
    report(kz_drug_analyst, stage1, "KZ", "detentions", 3, "persons")
    summary = services.press_summary_publish(
        acting_user=secretariat_user, operation=stage1.operation, year=2017, stage=stage1
    )
    assert summary.title_en == "Operation “Channel”: results of stage 1 (2017)"
    assert summary.text_en.splitlines()[0] == "Stage 1 ran from 10 April 2017 to 20 April 2017."
    assert summary.text_ru.splitlines()[0] == "Этап 1 проведён с 10.04.2017 по 20.04.2017."
    assert summary.totals["totals"] == {"detentions": {"persons": 3}}


def test_press_summary_refuses_an_empty_year_and_non_secretariat(
    stage1, kz_drug_analyst, secretariat_user
):
    with pytest.raises(ValidationError, match="channel has no results for 2017 to publish"):
        services.press_summary_publish(
            acting_user=secretariat_user, operation=stage1.operation, year=2017
        )
    with pytest.raises(PermissionDenied):
        services.press_summary_publish(
            acting_user=kz_drug_analyst, operation=stage1.operation, year=2017
        )
    with pytest.raises(ValidationError, match="stage 1 is not a 2018 stage of channel"):
        services.press_summary_publish(
            acting_user=secretariat_user, operation=stage1.operation, year=2018, stage=stage1
        )
