"""Incident and indicator services: workflow, release to groups, dedup, warninglists, bulk
paste, sightings, attachments; each refusal names the problem and changes nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from concord.core.markings import Tlp
from concord.core.models import AuditEvent
from concord.cyber import services, services_indicators
from concord.cyber.models import Incident, Indicator, SharingGroup, Sighting, TimelineEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(kz_analyst):
    return services.incident_create(
        acting_user=kz_analyst,
        title="Phishing against banks",
        classification="fraud:phishing",
        severity="high",
        pap="AMBER",
        tlp=Tlp.AMBER,
        sectors=["banking"],
    )


@pytest.fixture
def group(kz_analyst, state_ru, agency_sec):
    group = services.sharing_group_create(
        acting_user=kz_analyst, code="partners", name_ru="Партнёры", name_en="Partners"
    )
    group.states.add(state_ru)
    group.agencies.add(agency_sec)
    return group


def test_create_records_incident_timeline_and_audit(incident, kz_analyst):
    assert incident.owner_agency == kz_analyst.agency
    assert (incident.status, incident.classification, incident.sectors) == (
        "new",
        "fraud:phishing",
        ["banking"],
    )
    assert list(incident.timeline.values_list("kind", "text")) == [("status", "reported as new")]
    assert AuditEvent.objects.filter(action="cyber.incident.create").count() == 1


def test_create_refuses_unknown_classification(kz_analyst):
    with pytest.raises(ValidationError, match="'fraud:nonsense' is not an RSIT classification"):
        services.incident_create(
            acting_user=kz_analyst, title="x", classification="fraud:nonsense", severity="low"
        )
    assert Incident.objects.count() == 0


def test_status_follows_the_workflow(incident, kz_analyst):
    services.incident_set_status(acting_user=kz_analyst, incident=incident, status="triaged")
    with pytest.raises(ValidationError, match="cannot become resolved; it may become: in prog"):
        services.incident_set_status(acting_user=kz_analyst, incident=incident, status="resolved")
    incident.refresh_from_db()
    assert incident.status == "triaged"
    assert incident.timeline.filter(kind=TimelineEntry.Kind.STATUS).count() == 2


def test_other_agency_cannot_change_status(incident, ru_analyst):
    with pytest.raises(PermissionDenied):
        services.incident_set_status(acting_user=ru_analyst, incident=incident, status="triaged")


def test_release_to_groups_shares_members_and_never_widens(incident, kz_analyst, group):
    services.incident_release(acting_user=kz_analyst, incident=incident, groups=[group])
    incident.refresh_from_db()
    assert incident.tlp == Tlp.AMBER
    assert list(incident.shared_states.values_list("code", flat=True)) == ["RU"]
    assert list(incident.shared_agencies.values_list("code", flat=True)) == ["SEC"]
    assert list(incident.sharing_groups.values_list("code", flat=True)) == ["partners"]


def test_release_of_red_incident_is_refused(kz_analyst, group):
    red = services.incident_create(
        acting_user=kz_analyst, title="Leak", classification="other:other", tlp=Tlp.RED
    )
    with pytest.raises(ValidationError, match="TLP:RED incident"):
        services.incident_release(acting_user=kz_analyst, incident=red, groups=[group])
    assert red.shared_states.count() == 0


def test_comment_by_any_viewer(incident, kz_cert_analyst, ru_analyst):
    comment = services.comment_add(acting_user=kz_cert_analyst, incident=incident, text=" Seen ")
    assert (comment.text, comment.agency.code) == ("Seen", "KZ-CERT")
    with pytest.raises(PermissionDenied):
        services.comment_add(acting_user=ru_analyst, incident=incident, text="x")


def test_attachment_limit_and_hash(incident, kz_analyst, settings):
    settings.CYBER_MAX_ATTACHMENT_BYTES = 10
    attachment = services.attachment_add(
        acting_user=kz_analyst, incident=incident, filename="../logs/mail.eml", data=b"hello"
    )
    assert (attachment.filename, attachment.content_type, attachment.size) == (
        "mail.eml",
        "message/rfc822",
        5,
    )
    assert attachment.sha256 == ("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824")
    with pytest.raises(ValidationError, match="is 11 bytes; attachments are limited to 10"):
        services.attachment_add(
            acting_user=kz_analyst, incident=incident, filename="big.bin", data=b"x" * 11
        )


def test_indicator_dedup_per_agency_links_incidents(incident, kz_analyst):
    other = services.incident_create(
        acting_user=kz_analyst, title="Second", classification="fraud:phishing"
    )
    first = services_indicators.indicator_add(
        acting_user=kz_analyst, kind="domain", value="Evil-Bank.example.", incident=incident
    )
    second = services_indicators.indicator_add(
        acting_user=kz_analyst, kind="domain", value="evil-bank.example", incident=other
    )
    assert (first.created, second.created) == (True, False)
    assert second.indicator.pk == first.indicator.pk
    assert first.indicator.canonical == "evil-bank.example"
    assert first.indicator.lifetime_days == 3
    assert sorted(first.indicator.incidents.values_list("title", flat=True)) == [
        "Phishing against banks",
        "Second",
    ]


def test_indicator_on_benign_warninglist_is_not_actionable(kz_analyst):
    added = services_indicators.indicator_add(
        acting_user=kz_analyst, kind="ipv4", value="192.0.2.7"
    )
    assert added.indicator.actionable is False
    assert [w["list"] for w in added.warnings] == ["private-ranges"]
    forced = services_indicators.indicator_add(
        acting_user=kz_analyst, kind="ipv4", value="192.0.2.8", force_actionable=True
    )
    assert forced.indicator.actionable is True
    assert forced.indicator.lifetime_days == 30


def test_shared_platform_host_stays_actionable(kz_analyst):
    added = services_indicators.indicator_add(
        acting_user=kz_analyst, kind="domain", value="evil.vercel.app"
    )
    assert added.indicator.actionable is True
    assert [w["list"] for w in added.warnings] == ["psl-private"]


def test_indicator_takes_incident_marking_and_refuses_wider(incident, kz_analyst):
    added = services_indicators.indicator_add(
        acting_user=kz_analyst,
        kind="md5",
        value="D41D8CD98F00B204E9800998ECF8427E",
        incident=incident,
    )
    assert (added.indicator.tlp, added.indicator.canonical, added.indicator.lifetime_days) == (
        "AMBER",
        "d41d8cd98f00b204e9800998ecf8427e",
        None,
    )
    with pytest.raises(ValidationError, match="cannot be re-shared as TLP:GREEN"):
        services_indicators.indicator_add(
            acting_user=kz_analyst, kind="sha1", value="a" * 40, incident=incident, tlp="GREEN"
        )


def test_bad_value_names_it(kz_analyst):
    with pytest.raises(ValidationError, match=r"'999\.1\.1\.1' \(IPv4 address\)"):
        services_indicators.indicator_add(acting_user=kz_analyst, kind="ipv4", value="999.1.1.1")
    assert Indicator.objects.count() == 0


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("8.8.8.8", "ipv4"),
        ("2001:db8::1", "ipv6"),
        ("10.0.0.0/8", "cidr"),
        ("hxxps://evil[.]example/x", "url"),
        ("evil.example", "domain"),
        ("a@evil.example", "email"),
        ("d41d8cd98f00b204e9800998ecf8427e", "md5"),
        ("a" * 40, "sha1"),
        ("b" * 64, "sha256"),
        ("c" * 128, "sha512"),
        ("AS13335", "asn"),
        ("not a value", None),
    ],
)
def test_detect_kind(value, kind):
    assert services_indicators.detect_kind(value) == kind


def test_bulk_add_is_all_or_nothing(kz_analyst):
    with pytest.raises(ValidationError) as refused:
        services_indicators.indicators_bulk_add(
            acting_user=kz_analyst, text="evil.example\n# note\n???\nhttp://me:pw@evil.example/\n"
        )
    assert refused.value.messages[0].startswith("line 3: '???' is not an address")
    assert refused.value.messages[1].startswith(
        "line 4: 'http://me:pw@evil.example/' (URL): The URL carries a user name or password"
    )
    assert Indicator.objects.count() == 0
    result = services_indicators.indicators_bulk_add(
        acting_user=kz_analyst, text="evil.example\n\n203.0.113.5\nevil.example\n"
    )
    assert (result.created, result.existing, result.flagged) == (2, 1, 1)


def test_sightings(kz_analyst, kz_cert_analyst, ru_analyst):
    indicator = services_indicators.indicator_add(
        acting_user=kz_analyst, kind="domain", value="evil.example"
    ).indicator
    services_indicators.sighting_add(
        acting_user=kz_cert_analyst, indicator=indicator, kind="expired"
    )
    indicator.refresh_from_db()
    assert indicator.valid_until is None  # only the owner agency ends the validity
    services_indicators.sighting_add(acting_user=kz_analyst, indicator=indicator, kind="expired")
    indicator.refresh_from_db()
    assert indicator.valid_until is not None
    with pytest.raises(PermissionDenied):
        services_indicators.sighting_add(acting_user=ru_analyst, indicator=indicator, kind="seen")
    with pytest.raises(ValidationError, match="unknown sighting 'gone'"):
        services_indicators.sighting_add(acting_user=kz_analyst, indicator=indicator, kind="gone")
    assert Sighting.objects.count() == 2


def test_sharing_group_update_only_by_owner(group, kz_analyst, ru_analyst, state_kz):
    services.sharing_group_update(acting_user=kz_analyst, group=group, states=[state_kz])
    assert list(group.states.values_list("code", flat=True)) == ["KZ"]
    with pytest.raises(PermissionDenied):
        services.sharing_group_update(acting_user=ru_analyst, group=group, name_en="Mine")
    with pytest.raises(ValidationError, match="a sharing group partners already exists"):
        services.sharing_group_create(
            acting_user=kz_analyst, code="partners", name_ru="x", name_en="x"
        )
    assert SharingGroup.objects.count() == 1


def test_demo_incidents_load_twice(db):
    from concord.core import demo as core_demo
    from concord.core.models import User
    from concord.cyber import demo_incidents, queries

    core_demo.load_countries()
    core_demo.load_organisation()
    first = demo_incidents.load(password="demo-password-1")
    second = demo_incidents.load()
    assert [a.username for a in first] == [
        "kz-cert",
        "ru-cert",
        "by-cert",
        "am-cert",
        "kg-cert",
        "tj-cert",
        "ccc-analyst",
    ]
    assert second == []
    assert Incident.objects.count() == 12
    assert sorted(set(Incident.objects.values_list("tlp", flat=True))) == [
        "AMBER",
        "AMBER+STRICT",
        "CLEAR",
        "GREEN",
        "RED",
    ]
    kz = User.objects.get(username="kz-cert")
    shared = Indicator.objects.get(owner_agency=kz.agency, canonical=demo_incidents.SHARED_HOST)
    assert queries.correlation(kz, shared).summary == "reported by 3 states in 2 incidents"
