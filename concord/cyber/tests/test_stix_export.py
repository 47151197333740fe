"""STIX 2.1 export: identities, official markings, patterns, the incident extension, and bundles
that stix2-validator accepts, the same for the same records."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.management import call_command
from stix2patterns.validator import run_validator
from stix2validator import ValidationOptions, validate_instance

from concord.core.markings import Tlp
from concord.cyber import stix_export
from concord.cyber.models import Incident, Indicator, Pap
from concord.cyber.stix_import import simple_pattern

TLP2_DIR = Path(__file__).parent / "data" / "tlp2"
T0 = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
T1 = datetime(2024, 3, 2, 12, 30, 15, 250000, tzinfo=UTC)

INCIDENT_UID = "6b1f9a3e-2c55-4d8e-9a77-0c3e5f1d2a10"
INDICATOR_UIDS = (
    "0f7c1c7e-0d5e-4c3b-8d61-5e9a2b7f4a01",
    "1a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c02",
    "2b3c4d5e-6f70-4b2c-9d3e-4f5a6b7c8d03",
)


def make_incident(user, **fields) -> Incident:
    values = {
        "uid": INCIDENT_UID,
        "title": "Phishing wave against banks",
        "description": "Fake login pages of three banks.",
        "classification": "fraud:phishing",
        "severity": "high",
        "status": "triaged",
        "pap": Pap.GREEN,
        "sectors": ["banking"],
        "tlp": Tlp.AMBER,
        "owner_agency": user.agency,
        "author": user,
        "created_at": T0,
        "modified_at": T1,
    }
    values.update(fields)
    return Incident.objects.create(**values)


def make_indicator(user, uid: str, kind: str, canonical: str, **fields) -> Indicator:
    values = {
        "uid": uid,
        "kind": kind,
        "value": canonical,
        "canonical": canonical,
        "tlp": Tlp.AMBER,
        "owner_agency": user.agency,
        "author": user,
        "valid_from": T0,
        "created_at": T0,
        "modified_at": T0,
    }
    values.update(fields)
    return Indicator.objects.create(**values)


@pytest.fixture
def demo_incident(kz_analyst, state_kz) -> Incident:
    """An incident of KZ-KNB with three indicators (an address, a domain, a URL with a quote)."""
    incident = make_incident(kz_analyst)
    incident.affected_states.add(state_kz)
    values = (("ipv4", "203.0.113.7"), ("domain", "login-bank.example"),
              ("url", "http://login-bank.example/it's"))  # fmt: skip
    for uid, (kind, canonical) in zip(INDICATOR_UIDS, values, strict=True):
        make_indicator(kz_analyst, uid, kind, canonical).incidents.add(incident)
    return incident


def _bundle(incident: Incident) -> dict:
    return stix_export.bundle_for(incidents=[incident], indicators=incident.indicators.all())


@pytest.mark.django_db
def test_the_bundle_of_an_incident_with_three_indicators_validates(demo_incident):
    bundle = _bundle(demo_incident)

    result = validate_instance(bundle, ValidationOptions(version="2.1"))

    assert result.is_valid
    assert result.errors == []
    assert [(o["type"], o["id"]) for o in bundle["objects"]] == [
        ("identity", stix_export.identity_id("KZ-KNB")),
        ("marking-definition", "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"),
        ("marking-definition", "marking-definition--c43594d1-4b11-4c59-93ab-1c9b14d53ce9"),
        ("incident", f"incident--{INCIDENT_UID}"),
        *[("indicator", f"indicator--{uid}") for uid in INDICATOR_UIDS],
        *sorted(
            ("relationship", stix_export.relationship(i, demo_incident).id)
            for i in demo_incident.indicators.all()
        ),
    ]


@pytest.mark.django_db
def test_the_incident_carries_markings_author_extension_and_classification(demo_incident):
    incident = next(o for o in _bundle(demo_incident)["objects"] if o["type"] == "incident")

    assert incident == {
        "type": "incident",
        "spec_version": "2.1",
        "id": f"incident--{INCIDENT_UID}",
        "created_by_ref": stix_export.identity_id("KZ-KNB"),
        "created": "2024-03-01T10:00:00.000Z",
        "modified": "2024-03-02T12:30:15.250Z",
        "name": "Phishing wave against banks",
        "description": "Fake login pages of three banks.",
        "labels": ['rsit:fraud="phishing"'],
        "object_marking_refs": [
            "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
            "marking-definition--c43594d1-4b11-4c59-93ab-1c9b14d53ce9",
        ],
        "extensions": {
            "extension-definition--ef765651-680c-498d-9894-99799f2fa126": {
                "extension_type": "property-extension",
                "determination": "suspected",
                "investigation_status": "triaged",
                "criticality": 75,
            }
        },
        "x_concord_classification": "fraud:phishing",
        "x_concord_severity": "high",
        "x_concord_status": "triaged",
        "x_concord_pap": "GREEN",
        "x_concord_sectors": ["banking"],
        "x_concord_affected_states": ["KZ"],
    }


@pytest.mark.django_db
def test_an_indicator_and_its_relationship(demo_incident):
    objects = {o["id"]: o for o in _bundle(demo_incident)["objects"]}
    indicator = objects[f"indicator--{INDICATOR_UIDS[2]}"]
    seed = f"indicates:{INDICATOR_UIDS[2]}:{INCIDENT_UID}"
    link_id = f"relationship--{uuid.uuid5(stix_export.NAMESPACE, seed)}"

    assert indicator == {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{INDICATOR_UIDS[2]}",
        "created_by_ref": stix_export.identity_id("KZ-KNB"),
        "created": "2024-03-01T10:00:00.000Z",
        "modified": "2024-03-01T10:00:00.000Z",
        "name": "http://login-bank.example/it's",
        "indicator_types": ["malicious-activity"],
        "pattern": "[url:value = 'http://login-bank.example/it\\'s']",
        "pattern_type": "stix",
        "pattern_version": "2.1",
        "valid_from": "2024-03-01T10:00:00Z",
        "confidence": 50,
        "object_marking_refs": ["marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"],
        "x_concord_kind": "url",
        "x_concord_actionable": True,
    }
    assert objects[link_id] == {
        "type": "relationship",
        "spec_version": "2.1",
        "id": link_id,
        "created_by_ref": stix_export.identity_id("KZ-KNB"),
        "created": "2024-03-01T10:00:00.000Z",
        "modified": "2024-03-01T10:00:00.000Z",
        "relationship_type": "indicates",
        "source_ref": f"indicator--{INDICATOR_UIDS[2]}",
        "target_ref": f"incident--{INCIDENT_UID}",
        "object_marking_refs": ["marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"],
    }


@pytest.mark.django_db
def test_the_same_records_give_the_same_bundle(demo_incident):
    first, second = _bundle(demo_incident), _bundle(demo_incident)

    assert json.dumps(first) == json.dumps(second)
    assert first["id"].startswith("bundle--")


@pytest.mark.django_db
def test_an_agency_identity_is_derived_from_its_code(agency_kz):
    identity = stix_export.to_dict(stix_export.identity_for(agency_kz))

    assert identity == {
        "type": "identity",
        "spec_version": "2.1",
        "id": "identity--" + str(uuid.uuid5(stix_export.NAMESPACE, "agency:KZ-KNB")),
        "created": "2015-01-01T00:00:00.000Z",
        "modified": "2015-01-01T00:00:00.000Z",
        "name": "Agency KZ-KNB",
        "identity_class": "organization",
        "sectors": ["government"],
        "x_concord_agency": "KZ-KNB",
        "x_concord_state": "KZ",
    }
    assert stix_export.identity_id("KZ-KNB") == "identity--" + str(
        uuid.uuid5(uuid.UUID("e386d7c2-3556-423c-a572-afbd4c547208"), "agency:KZ-KNB")
    )


@pytest.mark.parametrize(
    ("level", "filename"),
    [
        (Tlp.CLEAR, "tlp-clear.json"),
        (Tlp.AMBER, "tlp-amber.json"),
        (Tlp.AMBER_STRICT, "tlp-amber+strict.json"),
    ],
    ids=["clear", "amber", "amber-strict"],
)
def test_tlp_markings_are_the_official_oasis_definitions(level, filename):
    official = json.loads((TLP2_DIR / filename).read_text())["objects"][0]

    assert stix_export.to_dict(stix_export.tlp_marking(level)) == official


def test_every_tlp_level_has_its_official_marking_id():
    assert stix_export.TLP2 == {
        Tlp.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
        Tlp.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
        Tlp.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
        Tlp.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
        Tlp.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
    }
    assert (
        stix_export.TLP_BY_MARKING_ID["marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"]
        == Tlp.CLEAR
    )
    assert (
        stix_export.TLP_BY_MARKING_ID["marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"]
        == Tlp.RED
    )


@pytest.mark.parametrize(
    ("kind", "canonical", "pattern"),
    [
        ("ipv4", "203.0.113.7", "[ipv4-addr:value = '203.0.113.7']"),
        ("ipv6", "2001:db8::1", "[ipv6-addr:value = '2001:db8::1']"),
        ("cidr", "10.0.0.0/8", "[ipv4-addr:value = '10.0.0.0/8']"),
        ("cidr", "2001:db8::/32", "[ipv6-addr:value = '2001:db8::/32']"),
        ("domain", "xn--80ak6aa92e.com", "[domain-name:value = 'xn--80ak6aa92e.com']"),
        ("url", "http://e.example/a\\b'c", "[url:value = 'http://e.example/a\\\\b\\'c']"),
        ("email", "o'brien@example.org", "[email-addr:value = 'o\\'brien@example.org']"),
        (
            "md5",
            "0749bae92ca336a02c83d126e04ec628",
            "[file:hashes.MD5 = '0749bae92ca336a02c83d126e04ec628']",
        ),
        (
            "sha1",
            "77b0c41b7d340b8a3d903f21347bbf06aa766b5b",
            "[file:hashes.'SHA-1' = '77b0c41b7d340b8a3d903f21347bbf06aa766b5b']",
        ),
        ("sha256", "ab" * 32, f"[file:hashes.'SHA-256' = '{'ab' * 32}']"),
        ("sha512", "cd" * 64, f"[file:hashes.'SHA-512' = '{'cd' * 64}']"),
        ("asn", "AS1234", "[autonomous-system:number = 1234]"),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 12 else None,
)
def test_indicator_patterns_are_valid_and_read_back(kind, canonical, pattern):
    written = stix_export.indicator_pattern(kind, canonical)

    assert written == pattern
    assert run_validator(written) == []
    assert simple_pattern(written) == (kind, canonical.removeprefix("AS"))


@pytest.mark.django_db
def test_stix_export_command_writes_the_bundle(demo_incident, kz_analyst, tmp_path):
    out = tmp_path / "bundle.json"

    call_command("stix_export", "--incident", INCIDENT_UID, "-o", str(out), "--as", "kz-analyst")

    written = json.loads(out.read_text())
    assert written == _bundle(demo_incident)
    assert len(written["objects"]) == 10


@pytest.mark.django_db
def test_stix_export_command_refuses_a_record_the_user_does_not_see(
    demo_incident, ru_analyst, tmp_path
):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not visible to ru-analyst"):
        call_command(
            "stix_export", "--incident", INCIDENT_UID, "-o", str(tmp_path / "x.json"),
            "--as", "ru-analyst",
        )  # fmt: skip
    assert not (tmp_path / "x.json").exists()
