"""The STIX store's services: imports (markings, spoofing, versions, duplicates, unknown types,
malformed files, MISP), TAXII adds and deletes, publishing records, exports."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from concord.core.markings import Tlp
from concord.core.models import AuditEvent, Role
from concord.core.tests.factories import UserFactory
from concord.cyber import services_stix, stix_export
from concord.cyber.models import Collection, Incident, Indicator, StixObject
from concord.cyber.stix_import import BundleTooLarge, StixImportRejected, format_version
from concord.cyber.tests.test_stix_export import INCIDENT_UID, make_incident, make_indicator

DATA = Path(__file__).parent / "data"
RED2 = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
AMBER1 = "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"
GREEN2 = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
IND = "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"
INC = "incident--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061"
EXTERNAL = "identity--f690c992-8e7d-4b9a-9303-3312616c0220"


def bundle(*objects: dict) -> bytes:
    return json.dumps(
        {"type": "bundle", "id": "bundle--44af6c39-c09b-49c5-9de2-394224b04982", "objects": objects}
    ).encode()


def indicator(
    value: str = "198.51.100.3",
    *,
    stix_id: str = IND,
    modified: str = "2024-01-01T00:00:00.000Z",
    **fields,
) -> dict:
    data = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": stix_id,
        "created": "2024-01-01T00:00:00.000Z",
        "modified": modified,
        "pattern": f"[ipv4-addr:value = '{value}']",
        "pattern_type": "stix",
        "valid_from": "2024-01-01T00:00:00Z",
    }
    data.update(fields)
    return data


def ingest(user, source: bytes, **kwargs) -> services_stix.IngestReport:
    return services_stix.ingest_bundle(acting_user=user, source=source, **kwargs)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("filename", "stored", "kinds"),
    [
        ("indicator-for-c2-ip-address.json", 1, [("ipv4", "10.0.0.0")]),
        ("indicator-to-campaign-relationship.json", 3, [("ipv4", "10.0.0.0")]),
        (
            "indicators-for-C2-with-COA.json",
            8,
            [
                ("ipv4", "10.0.0.0"),
                ("sha256", "ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c"),
            ],
        ),
        ("infrastructure.json", 10, []),
        ("interop-objectmarking-test.json", 1, []),
        ("malicious-email-indicator-with-attachment.json", 6, []),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_each_example_bundle_imports(kz_analyst, filename, stored, kinds):
    report = ingest(kz_analyst, (DATA / "stix" / filename).read_bytes(), filename=filename)

    assert (report.total, report.stored, report.duplicates, report.versions) == (
        stored,
        stored,
        0,
        0,
    )
    assert report.indicators_created == len(kinds)
    assert sorted(Indicator.objects.values_list("kind", "canonical")) == kinds
    assert StixObject.objects.filter(collection__alias="concord").count() == stored


@pytest.mark.django_db
def test_the_broken_tlp2_example_is_refused_and_nothing_is_stored(kz_analyst):
    events = AuditEvent.objects.count()

    with pytest.raises(StixImportRejected) as refused:
        ingest(
            kz_analyst, (DATA / "tlp2" / "using-tlp2.0-green.json").read_bytes(), filename="g.json"
        )

    assert [str(p) for p in refused.value.problems] == [
        (
            "object #2 (relationship--1621d4d4-b67d-11e3-9670-f01faf20d111): created is not a STIX "
            "timestamp (YYYY-MM-DDTHH:MM:SS[.s]Z): '2022-101-27T13:49:54.326Z'"
        ),
        'the file is not a STIX bundle: it has no "type": "bundle"',
    ]
    assert StixObject.objects.count() == 0
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_a_truncated_file_imports_nothing(kz_analyst):
    data = (DATA / "stix" / "indicators-for-C2-with-COA.json").read_bytes()[:2000]

    with pytest.raises(
        StixImportRejected, match="truncated: it ends at byte 2,000, inside object #3"
    ):
        ingest(kz_analyst, data)

    assert StixObject.objects.count() == 0
    assert Indicator.objects.count() == 0


@pytest.mark.django_db
def test_a_file_over_the_limit_is_refused(kz_analyst, settings):
    settings.CYBER_STIX_MAX_BYTES = 500

    with pytest.raises(BundleTooLarge):
        ingest(kz_analyst, (DATA / "stix" / "infrastructure.json").read_bytes())

    assert StixObject.objects.count() == 0


# Markings -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_source_marking_is_never_lowered(kz_analyst):
    data = bundle(indicator(object_marking_refs=[RED2]))

    report = ingest(kz_analyst, data, tlp="GREEN")

    assert StixObject.objects.get().tlp == Tlp.RED
    assert Indicator.objects.get().tlp == Tlp.RED
    assert report.warnings == [
        (
            "1 object(s) kept their source marking TLP:RED: the requested TLP:GREEN is wider, and "
            "an import never lowers a marking"
        )
    ]


@pytest.mark.django_db
def test_a_narrower_request_narrows_a_tlp1_marking(kz_analyst):
    ingest(kz_analyst, bundle(indicator(object_marking_refs=[AMBER1])), tlp="AMBER+STRICT")

    assert StixObject.objects.get().tlp == Tlp.AMBER_STRICT


@pytest.mark.django_db
def test_the_narrowest_of_several_markings_wins(kz_analyst):
    ingest(kz_analyst, bundle(indicator(object_marking_refs=[GREEN2, AMBER1])))

    assert StixObject.objects.get().tlp == Tlp.AMBER


@pytest.mark.django_db
def test_unmarked_objects_take_the_request_or_the_collection_default(kz_analyst):
    ingest(kz_analyst, bundle(indicator()), tlp="CLEAR")
    ingest(
        kz_analyst,
        bundle(
            indicator("198.51.100.4", stix_id="indicator--9e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f")
        ),
    )

    assert sorted(StixObject.objects.values_list("stix_id", "tlp")) == [
        (IND, Tlp.CLEAR),
        ("indicator--9e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", Tlp.AMBER),
    ]


# Authorship -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_created_by_ref_of_another_states_agency_is_refused(kz_analyst, agency_ru):
    spoofed = indicator(created_by_ref=stix_export.identity_id("RU-FSB"))

    with pytest.raises(StixImportRejected) as refused:
        ingest(kz_analyst, bundle(spoofed))

    assert [str(p) for p in refused.value.problems] == [
        (
            f"object #0 ({IND}): created_by_ref names RU-FSB, an agency of another state: objects "
            "cannot be published in its name"
        )
    ]
    assert StixObject.objects.count() == 0


@pytest.mark.django_db
def test_another_states_agency_identity_object_is_refused(kz_analyst, agency_ru):
    identity = stix_export.to_dict(stix_export.identity_for(agency_ru))

    with pytest.raises(StixImportRejected, match="this is the identity of RU-FSB"):
        ingest(kz_analyst, bundle(identity))


@pytest.mark.django_db
def test_own_states_agencies_and_external_identities_are_allowed(kz_analyst, agency_kz_cert):
    ours = indicator(created_by_ref=stix_export.identity_id("KZ-CERT"))
    theirs = indicator(
        "198.51.100.9",
        stix_id="indicator--9e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        created_by_ref=EXTERNAL,
    )

    report = ingest(kz_analyst, bundle(ours, theirs))

    assert report.stored == 2


# Versions and duplicates ----------------------------------------------------------------------


@pytest.mark.django_db
def test_versions_are_all_kept_and_the_latest_drives_the_indicator(kz_analyst):
    later = indicator(modified="2024-02-01T00:00:00.000Z", description="second look", confidence=90)
    earlier = indicator(description="first look")

    report = ingest(kz_analyst, bundle(later, earlier))

    assert (report.stored, report.versions, report.indicators_created) == (2, 1, 1)
    assert sorted(StixObject.objects.values_list("version", flat=True)) == [
        "2024-01-01T00:00:00.000Z",
        "2024-02-01T00:00:00.000Z",
    ]
    native = Indicator.objects.get()
    assert (native.description, native.confidence, str(native.uid)) == (
        "second look", 90, IND.removeprefix("indicator--"),
    )  # fmt: skip


@pytest.mark.django_db
def test_a_later_import_of_a_newer_version_updates_the_indicator(kz_analyst):
    ingest(kz_analyst, bundle(indicator(description="first look")))

    report = ingest(
        kz_analyst, bundle(indicator(modified="2024-03-01T00:00:00Z", description="new"))
    )

    assert (report.stored, report.versions, report.indicators_updated) == (1, 1, 1)
    assert Indicator.objects.get().description == "new"


@pytest.mark.django_db
def test_resubmitting_a_file_is_idempotent(kz_analyst):
    data = (DATA / "stix" / "indicators-for-C2-with-COA.json").read_bytes()
    ingest(kz_analyst, data)
    rows = list(StixObject.objects.values_list("pk", "date_added"))

    report = ingest(kz_analyst, data)

    assert (report.total, report.stored, report.duplicates) == (8, 0, 8)
    assert list(StixObject.objects.values_list("pk", "date_added")) == rows
    assert Indicator.objects.count() == 2
    assert AuditEvent.objects.filter(action="cyber.stix.import").count() == 2


@pytest.mark.django_db
def test_an_sco_arriving_twice_is_a_duplicate(kz_analyst):
    sco = {
        "type": "ipv4-addr",
        "id": "ipv4-addr--1e4ffad7-0b88-41d4-ba4d-77d27490b956",
        "value": "1.2.3.4",
    }

    first = ingest(kz_analyst, bundle(sco, sco))
    second = ingest(kz_analyst, bundle(sco))

    assert (first.stored, first.duplicates, second.duplicates) == (1, 1, 1)
    row = StixObject.objects.get()
    assert row.version == format_version(row.date_added)


@pytest.mark.django_db
def test_date_added_strictly_increases_across_imports(kz_analyst):
    ingest(kz_analyst, (DATA / "stix" / "infrastructure.json").read_bytes())
    ingest(kz_analyst, (DATA / "stix" / "indicators-for-C2-with-COA.json").read_bytes())

    added = list(StixObject.objects.order_by("pk").values_list("date_added", flat=True))
    assert len(added) == 18
    assert all(a < b for a, b in itertools.pairwise(added))


# Unknown types --------------------------------------------------------------------------------


CUSTOM = {
    "type": "x-acme-widget",
    "spec_version": "2.1",
    "id": "x-acme-widget--57c444c0-8004-48fa-9c33-8aca950d210f",
    "created": "2016-08-29T14:20:48.000Z",
    "modified": "2016-08-29T14:20:48.000Z",
}


@pytest.mark.django_db
def test_unknown_types_are_kept_by_default(kz_analyst):
    report = ingest(kz_analyst, bundle(CUSTOM, indicator()))

    assert (report.stored, report.unknown_kept) == (2, 1)
    assert StixObject.objects.get(type="x-acme-widget").body == json.dumps(
        CUSTOM, separators=(",", ":")
    )


@pytest.mark.django_db
def test_unknown_types_are_refused_when_configured(kz_analyst, settings):
    settings.CYBER_STIX_UNKNOWN_TYPES = "refuse"

    with pytest.raises(StixImportRejected) as refused:
        ingest(kz_analyst, bundle(indicator(), CUSTOM))

    assert [str(p) for p in refused.value.problems] == [
        (
            "object #1 (x-acme-widget--57c444c0-8004-48fa-9c33-8aca950d210f): x-acme-widget is "
            "not a STIX 2.1 type, and unknown types are refused here"
        )
    ]
    assert StixObject.objects.count() == 0


# Incidents and relationships ------------------------------------------------------------------


@pytest.mark.django_db
def test_incidents_and_indicates_relationships_become_records(kz_analyst):
    incident = {
        "type": "incident",
        "spec_version": "2.1",
        "id": INC,
        "created": "2024-01-01T00:00:00.000Z",
        "modified": "2024-01-02T00:00:00.000Z",
        "name": "Botnet C2",
        "labels": ['rsit:malicious-code="c2-server"'],
        "object_marking_refs": [GREEN2, "marking-definition--740d36e5-7714-4c30-961a-3ae632ceee0e"],
        "extensions": {
            stix_export.INCIDENT_EXTENSION: {
                "extension_type": "property-extension",
                "determination": "suspected",
                "investigation_status": "in_progress",
                "criticality": 95,
            }
        },
    }
    link = {
        "type": "relationship",
        "spec_version": "2.1",
        "id": "relationship--44298a74-ba52-4f0c-87a3-1824e67d7fad",
        "created": "2024-01-01T00:00:00.000Z",
        "modified": "2024-01-01T00:00:00.000Z",
        "relationship_type": "indicates",
        "source_ref": IND,
        "target_ref": INC,
    }

    report = ingest(kz_analyst, bundle(link, indicator(), incident))

    assert (report.incidents_created, report.indicators_created, report.relationships_linked) == (
        1,
        1,
        1,
    )
    native = Incident.objects.get()
    fields = ("title", "classification", "severity", "status", "pap", "tlp")
    assert [getattr(native, name) for name in fields] == [
        "Botnet C2", "malicious-code:c2-server", "critical", "in_progress", "RED", Tlp.GREEN,
    ]  # fmt: skip
    assert list(native.indicators.values_list("canonical", flat=True)) == ["198.51.100.3"]


@pytest.mark.django_db
def test_an_exported_incident_imported_by_its_owner_round_trips(kz_analyst):
    incident = make_incident(kz_analyst)
    make_indicator(
        kz_analyst, "0f7c1c7e-0d5e-4c3b-8d61-5e9a2b7f4a01", "ipv4", "203.0.113.7"
    ).incidents.add(incident)
    data = json.dumps(
        services_stix.export_bundle(acting_user=kz_analyst, incidents=[INCIDENT_UID])
    ).encode()

    report = ingest(kz_analyst, data)

    assert (report.stored, report.incidents_created, report.incidents_updated) == (6, 0, 1)
    assert (report.indicators_created, report.indicators_updated) == (0, 1)
    assert Incident.objects.get().classification == "fraud:phishing"


# MISP -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_misp_event_creates_its_hash_indicators(kz_analyst):
    source = (DATA / "misp" / "circl_osint_event_57c4445b.json").read_bytes()

    report = ingest(kz_analyst, source, fmt="misp", filename="circl.json")

    assert (report.total, report.stored, report.unknown_kept, report.indicators_created) == (
        29,
        29,
        2,
        3,
    )
    assert sorted(Indicator.objects.values_list("kind", "canonical", "tlp")) == [
        ("md5", "0749bae92ca336a02c83d126e04ec628", Tlp.CLEAR),
        ("sha1", "77b0c41b7d340b8a3d903f21347bbf06aa766b5b", Tlp.CLEAR),
        ("sha256", "b3c4ae251f8094fa15b510051835c657eaef2a6cea46075d3aec964b14a99f68", Tlp.CLEAR),
    ]
    assert report.sha256 == __import__("hashlib").sha256(source).hexdigest()


@pytest.mark.django_db
def test_a_misp_event_imported_narrower_keeps_the_request(kz_analyst):
    source = (DATA / "misp" / "circl_osint_event_57c4445b.json").read_bytes()

    ingest(kz_analyst, source, fmt="misp", tlp="AMBER")

    assert set(Indicator.objects.values_list("tlp", flat=True)) == {Tlp.AMBER}


# Audit and access -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_one_audit_record_per_import(kz_analyst):
    data = (DATA / "stix" / "indicators-for-C2-with-COA.json").read_bytes()

    report = ingest(kz_analyst, data, filename="coa.json", tlp="AMBER")

    event = AuditEvent.objects.get(action="cyber.stix.import")
    assert json.loads(event.summary) == {
        "via": "file", "format": "stix", "filename": "coa.json", "sha256": report.sha256,
        "collection": "concord", "total": 8, "stored": 8, "duplicates": 0, "versions": 0,
        "refused": 0, "unknown_kept": 0, "indicators_created": 2, "indicators_updated": 0,
        "incidents_created": 0, "incidents_updated": 0, "relationships_linked": 0,
        "requested_tlp": "AMBER",
    }  # fmt: skip
    assert event.actor_id == kz_analyst.pk


@pytest.mark.django_db
def test_a_viewer_cannot_import(agency_kz):
    viewer = UserFactory(username="kz-viewer", agency=agency_kz, role=Role.VIEWER)

    with pytest.raises(PermissionDenied):
        ingest(viewer, bundle(indicator()))

    assert StixObject.objects.count() == 0


@pytest.mark.django_db
def test_the_default_collection_belongs_to_the_secretariat(kz_analyst, agency_sec):
    ingest(kz_analyst, bundle(indicator()))

    collection = Collection.objects.get(alias="concord")
    assert (collection.owner_agency.code, collection.tlp, collection.writable) == (
        "SEC",
        Tlp.GREEN,
        True,
    )


# TAXII adds and deletes -----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_taxii_add_stores_what_it_can_and_reports_the_rest(kz_analyst, agency_ru):
    collection = services_stix.default_collection(creator=kz_analyst)
    spoofed = indicator("198.51.100.9", stix_id="indicator--9e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
                        created_by_ref=stix_export.identity_id("RU-FSB"))  # fmt: skip

    report = services_stix.ingest_objects(
        acting_user=kz_analyst, collection=collection, objects=[indicator(), spoofed, indicator()]
    )

    assert report.successes == [
        (IND, "2024-01-01T00:00:00.000Z"),
        (IND, "2024-01-01T00:00:00.000Z"),
    ]
    assert report.failures == [
        ("indicator--9e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "2024-01-01T00:00:00.000Z",
         ("created_by_ref names RU-FSB, an agency of another state: objects cannot be published "
         "in its name")),
    ]  # fmt: skip
    assert (report.stored, report.duplicates) == (1, 1)


@pytest.mark.django_db
def test_a_taxii_add_can_be_all_or_nothing(kz_analyst):
    collection = services_stix.default_collection(creator=kz_analyst)

    with pytest.raises(StixImportRejected):
        services_stix.ingest_objects(
            acting_user=kz_analyst,
            collection=collection,
            objects=[indicator(), {"type": 1}],
            atomic_all=True,
        )

    assert StixObject.objects.count() == 0


@pytest.mark.django_db
def test_only_the_owner_agency_deletes_an_object(kz_analyst, ru_analyst):
    ingest(kz_analyst, bundle(indicator()), tlp="GREEN")
    collection = Collection.objects.get(alias="concord")

    with pytest.raises(PermissionDenied):
        services_stix.delete_object(acting_user=ru_analyst, collection=collection, stix_id=IND)
    assert StixObject.objects.count() == 1

    deleted = services_stix.delete_object(
        acting_user=kz_analyst, collection=collection, stix_id=IND, version="2024-01-01T00:00:00Z"
    )
    assert deleted == 1
    assert StixObject.objects.count() == 0
    event = AuditEvent.objects.filter(action="cyber.stix.delete").get()
    assert json.loads(event.summary) == {
        "collection": "concord", "stix_id": IND, "versions": ["2024-01-01T00:00:00.000Z"],
    }  # fmt: skip


@pytest.mark.django_db
def test_deleting_an_unseen_object_is_404(kz_analyst, ru_analyst):
    ingest(kz_analyst, bundle(indicator()), tlp="AMBER")
    collection = Collection.objects.get(alias="concord")

    with pytest.raises(Http404):
        services_stix.delete_object(acting_user=ru_analyst, collection=collection, stix_id=IND)

    assert StixObject.objects.count() == 1


# Publishing and exporting ---------------------------------------------------------------------


@pytest.mark.django_db
def test_publishing_a_record_stores_its_stix_form_with_its_marking_and_shares(kz_analyst, state_ru):
    incident = make_incident(kz_analyst)
    incident.shared_states.add(state_ru)

    row = services_stix.publish_record(obj=incident)
    again = services_stix.publish_record(obj=incident)

    assert again.pk == row.pk
    assert (row.stix_id, row.version, row.tlp, row.owner_agency.code) == (
        f"incident--{INCIDENT_UID}", "2024-03-02T12:30:15.250Z", Tlp.AMBER, "KZ-KNB",
    )  # fmt: skip
    assert list(row.shared_states.values_list("code", flat=True)) == ["RU"]
    assert json.loads(row.body) == stix_export.to_dict(stix_export.incident_to_stix(incident))
    assert sorted(StixObject.objects.values_list("type", "tlp")) == [
        ("identity", Tlp.GREEN), ("incident", Tlp.AMBER),
    ]  # fmt: skip


@pytest.mark.django_db
def test_publishing_an_indicator_brings_its_relationships(kz_analyst):
    incident = make_incident(kz_analyst, tlp=Tlp.RED)
    found = make_indicator(
        kz_analyst, "0f7c1c7e-0d5e-4c3b-8d61-5e9a2b7f4a01", "ipv4", "203.0.113.7"
    )
    found.incidents.add(incident)

    services_stix.publish_record(obj=found)

    assert sorted(StixObject.objects.values_list("type", "tlp")) == [
        ("identity", Tlp.GREEN), ("indicator", Tlp.AMBER), ("relationship", Tlp.RED),
    ]  # fmt: skip


@pytest.mark.django_db
def test_an_export_holds_only_what_the_user_sees(kz_analyst, ru_analyst):
    make_incident(kz_analyst)

    with pytest.raises(Http404):
        services_stix.export_bundle(acting_user=ru_analyst, incidents=[INCIDENT_UID])

    exported = services_stix.export_bundle(acting_user=kz_analyst, incidents=[INCIDENT_UID])
    assert [o["type"] for o in exported["objects"]] == [
        "identity",
        "marking-definition",
        "marking-definition",
        "incident",
    ]
    assert AuditEvent.objects.filter(action="cyber.stix.export").count() == 1
