"""Core services: markings never widen on re-share, writes are audited, refusals change nothing."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from concord.core import services
from concord.core.markings import MarkingError, Tlp, derived_marking, parse_tlp
from concord.core.models import AuditEvent, Notice, Role, User
from concord.core.tests.factories import NoticeFactory

pytestmark = pytest.mark.django_db


def _last_event() -> AuditEvent:
    return AuditEvent.objects.order_by("-seq").first()


def test_notice_create_is_owned_by_the_authors_agency(kz_analyst, state_ru):
    notice = services.notice_create(
        acting_user=kz_analyst, title="  Drill  ", tlp="TLP:amber", shared_states=[state_ru]
    )

    assert (notice.title, notice.tlp, notice.owner_agency.code) == ("Drill", "AMBER", "KZ-KNB")
    assert json.loads(_last_event().summary)["shared_states"] == ["RU"]


def test_viewers_cannot_create(agency_kz):
    viewer = User.objects.create(username="v", agency=agency_kz, role=Role.VIEWER)

    with pytest.raises(PermissionDenied, match="cannot create"):
        services.notice_create(acting_user=viewer, title="x")
    assert Notice.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_owner_widens_a_marking_and_it_is_audited_as_widening(kz_analyst):
    notice = NoticeFactory(author=kz_analyst, tlp=Tlp.AMBER_STRICT)

    services.marking_change(acting_user=kz_analyst, obj=notice, tlp=Tlp.GREEN)

    event = _last_event()
    assert (event.action, event.summary) == (
        "marking.widen",
        '{"from":"AMBER+STRICT","to":"GREEN"}',
    )


def test_narrowing_is_audited_as_narrowing(kz_analyst):
    notice = NoticeFactory(author=kz_analyst, tlp=Tlp.GREEN)

    services.marking_change(acting_user=kz_analyst, obj=notice, tlp=Tlp.RED)

    assert _last_event().action == "marking.narrow"


def test_another_agency_cannot_change_the_marking(kz_analyst, ru_analyst):
    notice = NoticeFactory(author=kz_analyst, tlp=Tlp.GREEN)

    with pytest.raises(PermissionDenied, match="owner agency"):
        services.marking_change(acting_user=ru_analyst, obj=notice, tlp=Tlp.CLEAR)
    notice.refresh_from_db()
    assert notice.tlp == Tlp.GREEN
    assert AuditEvent.objects.count() == 0


def test_share_adds_audiences_and_records_before_and_after(kz_analyst, state_ru, agency_ru):
    notice = NoticeFactory(author=kz_analyst, tlp=Tlp.AMBER)

    services.record_share(
        acting_user=kz_analyst,
        obj=notice,
        states=[state_ru],
        agencies=[agency_ru],
        tlp=Tlp.AMBER_STRICT,
    )

    notice.refresh_from_db()
    assert notice.tlp == Tlp.AMBER_STRICT
    summary = json.loads(_last_event().summary)
    assert summary["before"]["shared_states"] == []
    assert summary["after"]["shared_states"] == ["RU"]
    assert summary["after"]["shared_agencies"] == ["RU-FSB"]


def test_sharing_never_widens_the_marking(kz_analyst, state_ru):
    notice = NoticeFactory(author=kz_analyst, tlp=Tlp.AMBER)

    with pytest.raises(MarkingError, match="cannot widen TLP:AMBER to TLP:GREEN"):
        services.record_share(acting_user=kz_analyst, obj=notice, states=[state_ru], tlp=Tlp.GREEN)
    notice.refresh_from_db()
    assert notice.tlp == Tlp.AMBER
    assert list(notice.shared_states.all()) == []


def test_recipients_cannot_re_share(kz_analyst, ru_analyst, state_ru, state_kz):
    notice = NoticeFactory(author=kz_analyst, tlp=Tlp.AMBER)
    notice.shared_states.add(state_ru)

    with pytest.raises(PermissionDenied, match="only the owner agency"):
        services.record_share(acting_user=ru_analyst, obj=notice, states=[state_kz])


@pytest.mark.parametrize(
    ("source", "requested", "expected"),
    [
        (Tlp.AMBER, None, Tlp.AMBER),
        (Tlp.AMBER, Tlp.AMBER_STRICT, Tlp.AMBER_STRICT),
        (Tlp.GREEN, Tlp.RED, Tlp.RED),
        (Tlp.CLEAR, Tlp.CLEAR, Tlp.CLEAR),
    ],
    ids=["keep", "narrow", "narrow-far", "same"],
)
def test_derived_marking_keeps_or_narrows(source, requested, expected):
    assert derived_marking(source, requested) == expected


@pytest.mark.parametrize(("source", "requested"), [(Tlp.AMBER, Tlp.GREEN), (Tlp.RED, Tlp.CLEAR)])
def test_derived_marking_refuses_to_widen(source, requested):
    with pytest.raises(MarkingError, match="only its owner may widen"):
        derived_marking(source, requested)


@pytest.mark.parametrize("text", ["PURPLE", "", "TLP:WHITE"])
def test_unknown_markings_are_refused(text):
    with pytest.raises(MarkingError, match="unknown TLP marking"):
        parse_tlp(text)


def test_user_create_generates_a_password_and_audits(agency_kz, admin_user):
    user, password = services.user_create(
        acting_user=admin_user, username="kz-new", agency=agency_kz, role="coordinator"
    )

    assert user.check_password(password)
    assert len(password) == 16
    event = _last_event()
    assert (event.action, event.actor_username, event.summary) == (
        "user.create",
        "admin",
        '{"agency":"KZ-KNB","role":"coordinator","username":"kz-new"}',
    )
    assert password not in event.summary


def test_user_create_refuses_duplicates_and_weak_passwords(kz_analyst, agency_kz):
    with pytest.raises(ValidationError, match="already exists"):
        services.user_create(
            acting_user=None, username="kz-analyst", agency=agency_kz, role="viewer"
        )
    with translation.override("en"), pytest.raises(ValidationError, match="too short"):
        services.user_create(
            acting_user=None, username="kz-x", agency=agency_kz, role="viewer", password="abc"
        )
    assert User.objects.filter(username="kz-x").count() == 0


def test_only_admins_issue_tokens_for_others(kz_analyst, ru_analyst, admin_user):
    with pytest.raises(PermissionDenied, match="administrators only"):
        services.api_token_create(acting_user=ru_analyst, user=kz_analyst)

    issued = services.api_token_create(acting_user=admin_user, user=kz_analyst, label="etl")

    assert issued.token.user == kz_analyst
    assert issued.raw.startswith("cnc_")
