"""Services of the registry of harmful resources: registering (canonical forms, duplicates,
refusals), per-state actions and their rules, yearly returns, and a resource state by state."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from concord.core.models import AuditEvent, Role
from concord.core.tests.factories import UserFactory
from concord.cyber import demo_registry, queries_registry, services_registry
from concord.cyber.models_registry import Resource, ResourceAction, YearlyReturn

pytestmark = pytest.mark.django_db

KZ_BASIS = "Ministry of Information order under Law on Communications art. 41-1"


@pytest.fixture
def categories():
    return demo_registry.load_categories()


def register(user, value, kind="host", category=None, **extra):
    return services_registry.resource_register(
        acting_user=user,
        kind=kind,
        value=value,
        category=category,
        identified_on=extra.pop("identified_on", date(2026, 3, 1)),
        **extra,
    )


@pytest.fixture
def evil(kz_analyst, categories):
    return register(kz_analyst, "Evil.Example.", category=categories["malware"]).resource


def block(user, resource, state, day=date(2026, 3, 5), **extra):
    return services_registry.action_record(
        acting_user=user,
        resource=resource,
        state=state,
        action="blocked",
        date=day,
        basis_kind=extra.pop("basis_kind", "authority"),
        basis=extra.pop("basis", KZ_BASIS),
        reasons=extra.pop("reasons", "phishing"),
        **extra,
    )


# --- registering -------------------------------------------------------------------------------


def test_register_stores_the_canonical_host_and_the_states_identification(
    kz_analyst, categories, state_kz
):
    registration = register(kz_analyst, "Evil.Example.", category=categories["malware"])

    resource = registration.resource
    assert registration.created is True
    assert (resource.kind, resource.value, resource.canonical, resource.host) == (
        "host",
        "Evil.Example.",
        "evil.example",
        "evil.example",
    )
    assert resource.identified_by == kz_analyst.agency
    assert list(resource.actions.values_list("state__code", "action", "date")) == [
        ("KZ", "identified", date(2026, 3, 1))
    ]
    event = AuditEvent.objects.get(action="cyber.resource.register")
    assert (event.actor, event.object_id) == (kz_analyst, str(resource.pk))


def test_registering_again_returns_the_stored_resource(kz_analyst, ru_analyst, evil, categories):
    again = register(kz_analyst, "http://EVIL.example", category=categories["other"])
    by_russia = register(ru_analyst, "evil.example", category=categories["other"])

    assert (again.created, again.resource.pk, again.identified_recorded) == (False, evil.pk, False)
    assert again.message == "Already registered: evil.example (no second entry was made)."
    assert (by_russia.created, by_russia.identified_recorded) == (False, True)
    assert Resource.objects.count() == 1
    assert sorted(evil.actions.values_list("state__code", "action")) == [
        ("KZ", "identified"),
        ("RU", "identified"),
    ]


def test_url_is_canonicalised_and_keeps_its_host(kz_analyst, categories):
    resource = register(
        kz_analyst,
        "HTTPS://Files.Example:443/pub/../bad/x.exe#frag",
        kind="url",
        category=categories["malware"],
    ).resource

    assert (resource.canonical, resource.host) == (
        "https://files.example/bad/x.exe",
        "files.example",
    )


def test_homograph_and_punycode_hosts_are_flagged(kz_analyst, categories):
    resource = register(kz_analyst, "аррӏе.example", category=categories["fraud_phishing"]).resource

    assert resource.canonical == "xn--80ak6aa92e.example"
    assert resource.flags == ["homograph", "punycode"]


@pytest.mark.parametrize(
    ("value", "platform", "canonical"),
    [
        ("@Demo_Channel", "telegram", "telegram:demo_channel"),
        ("https://t.me/Demo_Channel", "", "telegram:demo_channel"),
        ("demo.group", "vk", "vk:demo.group"),
        ("Some Handle", "other", None),
    ],
    ids=["handle", "url", "vk", "space-refused"],
)
def test_accounts_are_platform_and_handle(kz_analyst, categories, value, platform, canonical):
    if canonical is None:
        with pytest.raises(ValidationError, match="is not an account handle on other"):
            register(kz_analyst, value, "account", categories["recruitment"], platform=platform)
        return
    resource = register(
        kz_analyst, value, "account", categories["recruitment"], platform=platform
    ).resource

    assert resource.canonical == canonical


@pytest.mark.parametrize(
    ("kind", "value", "platform", "message"),
    [
        ("url", "https://user:secret@evil.example/", "", "credentials are never stored"),
        ("host", "evil\x00.example", "", r"control or invisible character U\+0000"),
        ("host", "evil\u200b.example", "", r"control or invisible character U\+200B"),
        ("url", "https://evil.example/" + "a" * 2100, "", "the limit is 2048"),
        ("account", "someone", "myspace", "unknown platform 'myspace'"),
        ("host", "not a host", "", "cannot be registered"),
    ],
    ids=["credentials", "nul", "zero-width", "too-long", "platform", "garbage"],
)
def test_bad_values_are_refused_with_a_clear_message(
    kz_analyst, categories, kind, value, platform, message
):
    with pytest.raises(ValidationError, match=message):
        register(kz_analyst, value, kind, categories["other"], platform=platform)

    assert Resource.objects.count() == 0


def test_a_viewer_cannot_register(agency_kz, categories):
    viewer = UserFactory(username="kz-viewer", agency=agency_kz, role=Role.VIEWER)

    with pytest.raises(PermissionDenied, match="cannot register"):
        register(viewer, "evil.example", category=categories["other"])

    assert Resource.objects.count() == 0


def test_identification_in_the_future_is_refused(kz_analyst, categories):
    tomorrow = timezone.localdate() + timedelta(days=1)

    with pytest.raises(ValidationError, match="in the future"):
        register(kz_analyst, "evil.example", category=categories["other"], identified_on=tomorrow)


# --- actions -----------------------------------------------------------------------------------


def test_a_state_records_its_own_block(kz_analyst, evil, state_kz):
    recorded = block(kz_analyst, evil, state_kz)

    assert (recorded.state, recorded.agency, recorded.basis) == (
        state_kz,
        kz_analyst.agency,
        KZ_BASIS,
    )
    assert AuditEvent.objects.filter(action="cyber.resource.action").count() == 1


def test_another_states_user_is_refused_and_nothing_changes(ru_analyst, evil, state_kz):
    before = ResourceAction.objects.count()

    with pytest.raises(PermissionDenied, match="only the agencies of KZ record its actions"):
        block(ru_analyst, evil, state_kz)

    assert ResourceAction.objects.count() == before


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"basis": ""}, "basis: name the authority, decision or court ruling"),
        ({"basis_kind": ""}, "basis_kind: say what kind of legal basis the blocked rests on"),
        ({"day": date(2026, 2, 1)}, r"date: 2026-02-01 is before the resource was identified"),
        ({"outcome": "review"}, "outcome: only an unblocking has an outcome"),
    ],
    ids=["no-basis", "no-basis-kind", "before-identified", "outcome"],
)
def test_a_block_needs_its_grounds(kz_analyst, evil, state_kz, extra, message):
    with pytest.raises(ValidationError, match=message):
        block(kz_analyst, evil, state_kz, **extra)

    assert evil.actions.filter(action="blocked").count() == 0


def test_a_criminal_case_needs_a_number(kz_analyst, evil, state_kz):
    with pytest.raises(ValidationError, match="a criminal case needs its number"):
        services_registry.action_record(
            acting_user=kz_analyst,
            resource=evil,
            state=state_kz,
            action="criminal_case",
            date=date(2026, 3, 9),
        )


def test_unblocking_follows_a_block_and_says_why(kz_analyst, evil, state_kz):
    def unblock(day, outcome="appeal_upheld"):
        return services_registry.action_record(
            acting_user=kz_analyst,
            resource=evil,
            state=state_kz,
            action="unblocked",
            date=day,
            basis_kind="court",
            basis="Almaly District Court ruling",
            outcome=outcome,
        )

    with pytest.raises(ValidationError, match="KZ has no block on this resource to lift"):
        unblock(date(2026, 3, 4))
    block(kz_analyst, evil, state_kz)
    with pytest.raises(ValidationError, match=r"outcome: say why the block was lifted"):
        unblock(date(2026, 3, 20), outcome="")

    unblock(date(2026, 3, 20))

    kz = next(row for row in queries_registry.resource_status(evil) if row.state.code == "KZ")
    assert (kz.status, kz.blocked, kz.outcome, kz.date) == (
        "unblocked",
        False,
        "appeal_upheld",
        date(2026, 3, 20),
    )


def test_the_same_action_twice_is_refused(kz_analyst, evil, state_kz):
    block(kz_analyst, evil, state_kz)

    with pytest.raises(ValidationError, match="KZ already recorded blocked on 2026-03-05"):
        block(kz_analyst, evil, state_kz)


def test_status_is_shown_state_by_state(kz_analyst, ru_analyst, evil, state_kz, state_ru):
    block(kz_analyst, evil, state_kz)
    services_registry.action_record(
        acting_user=ru_analyst,
        resource=evil,
        state=state_ru,
        action="criminal_case",
        date=date(2026, 3, 7),
        case_number="12602450001000123",
    )

    rows = queries_registry.resource_status(evil)

    assert [(r.state.code, r.status, r.blocked, r.basis, r.case_numbers) for r in rows] == [
        ("KZ", "blocked", True, KZ_BASIS, ()),
        ("RU", "criminal_case", False, "", ("12602450001000123",)),
    ]
    assert queries_registry.statuses([evil.pk]) == {
        evil.pk: {"KZ": "blocked", "RU": "criminal_case"}
    }


# --- yearly returns ----------------------------------------------------------------------------


def test_a_coordinator_sets_its_states_return(kz_coordinator, state_kz):
    returned = services_registry.yearly_return_set(
        acting_user=kz_coordinator,
        year=2018,
        state=state_kz,
        identified=10,
        blocked=8,
        suspended=3,
        criminal_cases=1,
        source="KZ return 2018",
    )
    again = services_registry.yearly_return_set(
        acting_user=kz_coordinator,
        year=2018,
        state=state_kz,
        identified=12,
        blocked=8,
        suspended=3,
        criminal_cases=1,
        source="KZ return 2018, corrected",
    )

    assert again.pk == returned.pk
    assert YearlyReturn.objects.get().identified == 12


@pytest.mark.parametrize(
    ("persona", "state_code", "message"),
    [
        ("kz_analyst", "KZ", "only a coordinator of KZ sets its returns"),
        ("kz_coordinator", "RU", "only a coordinator of RU sets its returns"),
        ("kz_coordinator", None, "only the Secretariat sets the organisation's returns"),
    ],
    ids=["analyst", "other-state", "organisation"],
)
def test_returns_are_set_by_their_coordinator_only(
    request, state_kz, state_ru, persona, state_code, message
):
    user = request.getfixturevalue(persona)
    state = {"KZ": state_kz, "RU": state_ru, None: None}[state_code]

    with pytest.raises(PermissionDenied, match=message):
        services_registry.yearly_return_set(
            acting_user=user,
            year=2017,
            state=state,
            identified=1,
            blocked=1,
            suspended=1,
            criminal_cases=1,
            source="x",
        )

    assert YearlyReturn.objects.count() == 0


def test_the_secretariat_sets_the_organisations_return(secretariat_user):
    returned = services_registry.yearly_return_set(
        acting_user=secretariat_user,
        year=2017,
        state=None,
        identified=5,
        blocked=4,
        suspended=3,
        criminal_cases=2,
        source="Secretariat summary",
    )

    assert (returned.state, returned.identified) == (None, 5)


def test_action_counts_per_state_between_two_dates(kz_analyst, categories, state_kz, evil):
    other = register(kz_analyst, "bad.example", category=categories["malware"]).resource
    block(kz_analyst, evil, state_kz, day=date(2026, 3, 5))
    block(kz_analyst, other, state_kz, day=date(2026, 4, 1))

    march = queries_registry.action_counts(start=date(2026, 3, 1), end=date(2026, 3, 31))
    spring = queries_registry.action_counts(start=date(2026, 3, 1), end=date(2026, 5, 31))

    assert march == {"KZ": {"identified": 2, "blocked": 1}}
    assert spring == {"KZ": {"identified": 2, "blocked": 2}}
    assert queries_registry.action_counts(start=date(2000, 1, 1), end=date(2000, 12, 31)) == {}
