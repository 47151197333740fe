"""`access.audience` lists exactly the people `core.access.can_view` admits, for incidents with
random markings, share lists and sharing groups."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from concord.core import access as core_access
from concord.core.markings import Tlp
from concord.core.tests.factories import UserFactory
from concord.cyber import access
from concord.cyber.models import Incident, SharingGroup

pytestmark = pytest.mark.django_db


def _admitted(lines, user) -> bool:
    """Whether the audience lines admit `user` (the rule read back from the list)."""
    person = core_access.active_user(user)
    for line in lines:
        if line.kind == "everyone":
            return True
        if person is None:
            continue
        agency = person.agency
        if (
            line.kind == "signed_in"
            or (
                line.kind == "state" and agency.state is not None and agency.state.code == line.code
            )
            or (line.kind == "body" and agency.body is not None and agency.body.code == line.code)
            or (line.kind == "agency" and agency.code == line.code)
            or (line.kind == "user" and person.username == line.code)
        ):
            return True
    return False


AUDIENCE = st.fixed_dictionaries(
    {
        "tlp": st.sampled_from(Tlp.values),
        "states": st.sets(st.sampled_from(["KZ", "RU"])),
        "bodies": st.booleans(),
        "agencies": st.sets(st.sampled_from(["KZ-CERT", "RU-FSB", "SEC"])),
        "users": st.sets(st.sampled_from(["ru", "sec", "cert"])),
        "group": st.booleans(),
    }
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(audience=AUDIENCE)
def test_audience_agrees_with_can_view(
    audience,
    kz_analyst,
    kz_coordinator,
    kz_cert_analyst,
    ru_analyst,
    secretariat_user,
    state_kz,
    state_ru,
    secretariat_body,
    agency_kz_cert,
    agency_ru,
    agency_sec,
):
    gone = UserFactory(username="gone", agency=kz_analyst.agency, is_active=False)
    people = [
        kz_analyst,
        kz_coordinator,
        kz_cert_analyst,
        ru_analyst,
        secretariat_user,
        gone,
        AnonymousUser(),
    ]
    named = {"ru": ru_analyst, "sec": secretariat_user, "cert": kz_cert_analyst}
    incident = Incident.objects.create(
        title="x",
        classification="other:other",
        tlp=audience["tlp"],
        owner_agency=kz_analyst.agency,
        author=kz_analyst,
    )
    incident.shared_states.set({"KZ": state_kz, "RU": state_ru}[c] for c in audience["states"])
    incident.shared_bodies.set([secretariat_body] if audience["bodies"] else [])
    incident.shared_agencies.set(
        {"KZ-CERT": agency_kz_cert, "RU-FSB": agency_ru, "SEC": agency_sec}[c]
        for c in audience["agencies"]
    )
    incident.shared_users.set(named[n] for n in audience["users"])
    if audience["group"]:
        group = SharingGroup.objects.create(
            code="g", name_ru="g", name_en="g", owner_agency=agency_sec
        )
        group.states.add(state_ru)
        incident.sharing_groups.add(group)

    lines = access.audience(incident)

    assert [_admitted(lines, p) for p in people] == [
        core_access.can_view(incident, p) for p in people
    ]
    if audience["group"] and "RU" in audience["states"] and audience["tlp"] == Tlp.AMBER:
        assert any(line.reason.endswith("via g") for line in lines if line.code == "RU")
    SharingGroup.objects.filter(code="g").delete()
    incident.delete()
    gone.delete()
