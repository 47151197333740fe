"""The visibility chokepoint: the TLP table of architecture.md, case by case and as a property."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from concord.core import access
from concord.core.markings import Tlp
from concord.core.models import AuditEvent, Notice, Role
from concord.core.tests.factories import AgencyFactory, NoticeFactory, UserFactory

pytestmark = pytest.mark.django_db

PERSONAS = [
    "author",
    "same_agency",
    "same_state",
    "other_state",
    "secretariat",
    "anonymous",
    "inactive",
]

# marking → the personas who see a record owned by KZ-KNB and shared with nobody.
UNSHARED = {
    Tlp.CLEAR: set(PERSONAS),
    Tlp.GREEN: {"author", "same_agency", "same_state", "other_state", "secretariat"},
    Tlp.AMBER: {"author", "same_agency", "same_state"},
    Tlp.AMBER_STRICT: {"author", "same_agency"},
    Tlp.RED: {"author"},
}


@pytest.fixture
def people(kz_analyst, kz_coordinator, kz_cert_analyst, ru_analyst, secretariat_user, agency_kz):
    inactive = UserFactory(username="kz-gone", agency=agency_kz, is_active=False)
    return {
        "author": kz_analyst,
        "same_agency": kz_coordinator,
        "same_state": kz_cert_analyst,
        "other_state": ru_analyst,
        "secretariat": secretariat_user,
        "anonymous": AnonymousUser(),
        "inactive": inactive,
    }


def _seers(notice, people) -> set[str]:
    return {name for name, user in people.items() if access.can_view(notice, user)}


def _listed(notice, people) -> set[str]:
    return {
        name
        for name, user in people.items()
        if access.visible(Notice.objects.filter(pk=notice.pk), user).exists()
    }


@pytest.mark.parametrize("tlp", list(UNSHARED), ids=lambda t: t.value)
def test_unshared_record_is_seen_by_exactly_its_marking_audience(tlp, people):
    notice = NoticeFactory(author=people["author"], tlp=tlp)

    assert _seers(notice, people) == UNSHARED[tlp]
    assert _listed(notice, people) == UNSHARED[tlp]


def test_amber_shared_with_a_state_admits_that_state(people, state_ru):
    notice = NoticeFactory(author=people["author"], tlp=Tlp.AMBER)
    notice.shared_states.add(state_ru)

    assert _seers(notice, people) == {"author", "same_agency", "same_state", "other_state"}


def test_amber_shared_with_a_body_admits_its_users(people, secretariat_body):
    notice = NoticeFactory(author=people["author"], tlp=Tlp.AMBER)
    notice.shared_bodies.add(secretariat_body)

    assert _seers(notice, people) == {"author", "same_agency", "same_state", "secretariat"}


def test_amber_strict_shared_with_a_state_does_not_admit_it(people, state_ru, agency_ru):
    notice = NoticeFactory(author=people["author"], tlp=Tlp.AMBER_STRICT)
    notice.shared_states.add(state_ru)

    assert _seers(notice, people) == {"author", "same_agency"}

    notice.shared_agencies.add(agency_ru)
    assert _seers(notice, people) == {"author", "same_agency", "other_state"}


def test_red_is_seen_by_author_and_named_users_only(people):
    notice = NoticeFactory(author=people["author"], tlp=Tlp.RED)
    notice.shared_users.add(people["other_state"])

    assert _seers(notice, people) == {"author", "other_state"}
    assert _listed(notice, people) == {"author", "other_state"}


def test_unknown_marking_is_seen_by_nobody(people):
    notice = NoticeFactory(author=people["author"], tlp=Tlp.GREEN)
    Notice.objects.filter(pk=notice.pk).update(tlp="PURPLE")
    notice.refresh_from_db()

    assert _seers(notice, people) == set()
    assert _listed(notice, people) == set()


def test_objects_without_a_marking_are_denied(people):
    assert access.can_view(object(), people["author"]) is False
    with pytest.raises(TypeError, match="not a protected model"):
        access.visible(AuditEvent.objects.all(), people["author"])


def test_only_editors_of_the_owner_agency_can_edit(people, agency_kz):
    viewer = UserFactory(username="kz-viewer", agency=agency_kz, role=Role.VIEWER)
    notice = NoticeFactory(author=people["author"], tlp=Tlp.GREEN)

    editors = {name for name, user in people.items() if access.can_edit(notice, user)}

    assert editors == {"author", "same_agency"}
    assert access.can_edit(notice, viewer) is False


def test_get_for_user_hides_unseen_records_and_logs_the_denial(people):
    notice = NoticeFactory(author=people["author"], tlp=Tlp.AMBER)
    before = AuditEvent.objects.count()

    with pytest.raises(Http404):
        access.get_for_user(Notice.objects.all(), people["other_state"], notice.pk)

    denial = AuditEvent.objects.get(seq=before + 1)
    assert (denial.action, denial.object_type, denial.object_id, denial.actor_username) == (
        "access.denied",
        "core.notice",
        str(notice.pk),
        "ru-analyst",
    )
    assert denial.summary == '{"reason":"read"}'
    assert notice.title not in denial.summary


def test_get_for_user_refuses_writes_by_other_agencies(people):
    notice = NoticeFactory(author=people["author"], tlp=Tlp.GREEN)

    assert access.get_for_user(Notice.objects.all(), people["same_state"], notice.pk) == notice
    with pytest.raises(PermissionDenied, match="another agency"):
        access.get_for_user(Notice.objects.all(), people["same_state"], notice.pk, write=True)
    assert AuditEvent.objects.filter(action="access.denied").count() == 1


def test_get_for_user_on_a_missing_record_is_404_without_a_log(people):
    with pytest.raises(Http404):
        access.get_for_user(Notice.objects.all(), people["author"], 999_999)
    assert AuditEvent.objects.count() == 0


# --- property: the database filter and the Python check always agree -------------------------

AUDIENCE = st.fixed_dictionaries(
    {
        "tlp": st.sampled_from([*Tlp.values, "PURPLE"]),
        "states": st.sets(st.sampled_from(["KZ", "RU"])),
        "bodies": st.sets(st.sampled_from(["SEC"])),
        "agencies": st.sets(st.sampled_from(["KZ-KNB", "KZ-CERT", "RU-FSB", "SEC"])),
        "users": st.sets(st.sampled_from(["author", "same_state", "other_state", "secretariat"])),
        "author": st.sampled_from(["author", "other_state", "secretariat"]),
    }
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(audience=AUDIENCE)
def test_visible_and_can_view_always_agree(
    audience,
    people,
    state_kz,
    state_ru,
    secretariat_body,
    agency_kz,
    agency_kz_cert,
    agency_ru,
    agency_sec,
):
    states = {"KZ": state_kz, "RU": state_ru}
    agencies = {
        "KZ-KNB": agency_kz,
        "KZ-CERT": agency_kz_cert,
        "RU-FSB": agency_ru,
        "SEC": agency_sec,
    }
    author = people[audience["author"]]
    notice = NoticeFactory(author=author, tlp=Tlp.GREEN)
    Notice.objects.filter(pk=notice.pk).update(tlp=audience["tlp"])
    notice.refresh_from_db()
    notice.shared_states.set(states[c] for c in audience["states"])
    notice.shared_bodies.set([secretariat_body] if audience["bodies"] else [])
    notice.shared_agencies.set(agencies[c] for c in audience["agencies"])
    notice.shared_users.set(people[n] for n in audience["users"])

    assert _seers(notice, people) == _listed(notice, people)
    notice.delete()


def test_a_user_without_an_agency_in_memory_sees_only_clear(people):
    notice = NoticeFactory(author=people["author"], tlp=Tlp.GREEN)
    stray = UserFactory.build(username="stray", agency=AgencyFactory(code="X-1"))
    stray.agency_id = None

    assert access.can_view(notice, stray) is False
    assert access.visible(Notice.objects.all(), stray).count() == 0
