"""Reading STIX bundles: the streamed reader, the structural check of one object, simple
patterns, versions, MISP conversion, and the `stix_import` command."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from concord.core.models import AuditEvent
from concord.cyber.models import Indicator, StixObject
from concord.cyber.stix_import import (
    UNKNOWN_REFUSE,
    BundleReader,
    BundleTooLarge,
    Checked,
    Problem,
    StixImportRejected,
    check_object,
    misp_to_stix,
    normalise_version,
    simple_pattern,
)

DATA = Path(__file__).parent / "data"
LIMIT = 10 * 1024 * 1024
IND_ID = "indicator--33fe3b22-0201-47cf-85d0-97c02164528d"
SHA256 = "b3c4ae251f8094fa15b510051835c657eaef2a6cea46075d3aec964b14a99f68"
RUN_KEY = "\\\\".join(("Software", "Wow6432Node", "Microsoft", "Windows", "CurrentVersion", "Run"))


def read(source: bytes) -> tuple[list[tuple[int, object]], list[str]]:
    reader = BundleReader(source, max_bytes=LIMIT)
    objects = list(reader)
    return objects, [str(p) for p in reader.problems]


def indicator(**fields: object) -> dict[str, object]:
    data: dict[str, object] = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": IND_ID,
        "created": "2016-04-06T20:03:48.000Z",
        "modified": "2016-04-06T20:03:48.000Z",
        "pattern": "[ipv4-addr:value = '198.51.100.3']",
        "pattern_type": "stix",
        "valid_from": "2016-01-01T00:00:00Z",
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize(
    ("filename", "count", "types"),
    [
        ("indicator-for-c2-ip-address.json", 1, ["indicator"]),
        ("indicator-to-campaign-relationship.json", 3, ["campaign", "indicator", "relationship"]),
        (
            "indicators-for-C2-with-COA.json",
            8,
            [
                "identity",
                "malware",
                "indicator",
                "indicator",
                "course-of-action",
                "relationship",
                "relationship",
                "relationship",
            ],
        ),
        (
            "infrastructure.json",
            10,
            [
                "infrastructure",
                "relationship",
                "malware",
                "relationship",
                "ipv4-addr",
                "infrastructure",
                "relationship",
                "malware",
                "relationship",
                "domain-name",
            ],
        ),
        ("interop-objectmarking-test.json", 1, ["campaign"]),
        (
            "malicious-email-indicator-with-attachment.json",
            6,
            [
                "identity",
                "attack-pattern",
                "indicator",
                "indicator",
                "relationship",
                "relationship",
            ],
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_every_example_bundle_reads_and_passes_the_check(filename, count, types):
    objects, problems = read((DATA / "stix" / filename).read_bytes())

    checked = [check_object(data, index) for index, data in objects]
    assert problems == []
    assert len(objects) == count
    assert [c.type for c in checked if isinstance(c, Checked)] == types


def test_upstreams_broken_tlp2_example_is_refused_with_both_faults_named():
    objects, problems = read((DATA / "tlp2" / "using-tlp2.0-green.json").read_bytes())

    refused = [str(c) for i, d in objects if isinstance(c := check_object(d, i), Problem)]
    assert problems == ['the file is not a STIX bundle: it has no "type": "bundle"']
    assert refused == [
        (
            "object #2 (relationship--1621d4d4-b67d-11e3-9670-f01faf20d111): created is not a STIX "
            "timestamp (YYYY-MM-DDTHH:MM:SS[.s]Z): '2022-101-27T13:49:54.326Z'"
        )
    ]


def test_a_truncated_file_names_where_it_ends():
    data = (DATA / "stix" / "indicators-for-C2-with-COA.json").read_bytes()

    objects, problems = read(data[:2000])

    assert len(objects) == 3
    assert problems == ["the file is truncated: it ends at byte 2,000, inside object #3"]


def test_malformed_json_names_the_object_and_the_reason():
    text = b'{"type": "bundle", "id": "bundle--44af6c39-c09b-49c5-9de2-394224b04982", '
    text += b'"objects": [{"a": 1}, {"b": 2,}]}'

    objects, problems = read(text)

    assert objects == [(0, {"a": 1})]
    assert problems == [
        (
            "malformed JSON in object #1, within the first 106 bytes: parse error: invalid object "
            "key (must be a string)"
        )
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (b"[1, 2]", "the file is not a JSON object (a STIX bundle)"),
        (
            b'{"id": "bundle--44af6c39-c09b-49c5-9de2-394224b04982", "objects": []}',
            'the file is not a STIX bundle: it has no "type": "bundle"',
        ),
        (
            b'{"type": "bundle", "id": "bundle-1", "objects": []}',
            "the bundle id 'bundle-1' is not bundle--<UUID>",
        ),
        (b'{"name": "x"}', "the file is neither a STIX bundle nor a STIX object"),
    ],
    ids=["array", "no-type", "bad-id", "no-stix"],
)
def test_files_that_are_not_bundles(text, problem):
    assert read(text) == ([], [problem])


def test_a_file_over_the_limit_stops_while_reading():
    data = (DATA / "stix" / "infrastructure.json").read_bytes()

    with pytest.raises(BundleTooLarge, match="larger than the limit of 1,000 bytes"):
        list(BundleReader(io.BytesIO(data), max_bytes=1000))


def test_the_reader_hashes_what_it_read():
    data = (DATA / "stix" / "infrastructure.json").read_bytes()
    reader = BundleReader(io.BytesIO(data), max_bytes=LIMIT)

    list(reader)

    assert reader.bytes_read == len(data)
    assert reader.sha256 == __import__("hashlib").sha256(data).hexdigest()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ([1], "not a JSON object"),
        (indicator(type=None), "type is missing or malformed"),
        (indicator(type="x-" + "a" * 61), "type names longer than 62 characters are not supported"),
        (indicator(id="indicator-1"), "id 'indicator-1' is not <type>--<UUID>"),
        (
            indicator(id="malware--33fe3b22-0201-47cf-85d0-97c02164528d"),
            "the id does not start with its type indicator",
        ),
        (indicator(spec_version="2.0"), "spec_version must be \"2.1\", not '2.0'"),
        (indicator(spec_version=None), 'spec_version must be "2.1", not None'),
        (indicator(created=None), "created is missing"),
        (indicator(modified=None), "modified is missing"),
        (
            indicator(modified="2016-02-30T00:00:00Z"),
            "modified is not a STIX timestamp (YYYY-MM-DDTHH:MM:SS[.s]Z): '2016-02-30T00:00:00Z'",
        ),
        (indicator(modified="2015-01-01T00:00:00Z"), "modified is earlier than created"),
        (indicator(created_by_ref="organization--1"), "created_by_ref must be an identity id"),
        (
            indicator(object_marking_refs="marking-definition--x"),
            "object_marking_refs must be a list of marking-definition ids",
        ),
    ],
    ids=[
        "not-object",
        "no-type",
        "long-type",
        "bad-id",
        "id-type",
        "spec-2.0",
        "no-spec",
        "no-created",
        "no-modified",
        "bad-date",
        "modified-early",
        "bad-author",
        "bad-markings",
    ],
)
def test_structural_problems_of_one_object(data, reason):
    result = check_object(data, 4)

    assert isinstance(result, Problem)
    assert result.index == 4
    assert result.reason == reason


def test_a_good_object_is_checked_with_its_version_and_references():
    result = check_object(
        indicator(
            modified="2016-04-07T01:02:03.5Z",
            created_by_ref="identity--f690c992-8e7d-4b9a-9303-3312616c0220",
            object_marking_refs=["marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"],
        ),
        0,
    )

    assert isinstance(result, Checked)
    assert (result.type, result.id, result.uuid, result.version, result.known) == (
        "indicator", IND_ID, "33fe3b22-0201-47cf-85d0-97c02164528d", "2016-04-07T01:02:03.500Z",
        True,
    )  # fmt: skip
    assert result.created_by_ref == "identity--f690c992-8e7d-4b9a-9303-3312616c0220"
    assert result.marking_refs == ("marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",)


def test_an_sco_needs_no_timestamps_nor_spec_version():
    sco = {"type": "ipv4-addr", "id": "ipv4-addr--1e4ffad7-0b88-41d4-ba4d-77d27490b956"}

    result = check_object({**sco, "value": "1.2.3.4"}, 0)

    assert isinstance(result, Checked)
    assert result.version is None


def test_unknown_types_are_kept_or_refused():
    custom = {
        "type": "x-misp-attribute",
        "spec_version": "2.1",
        "id": "x-misp-attribute--57c444c0-8004-48fa-9c33-8aca950d210f",
        "created": "2016-08-29T14:20:48.000Z",
        "modified": "2016-08-29T14:20:48.000Z",
    }

    kept = check_object(custom, 0)
    refused = check_object(custom, 0, unknown=UNKNOWN_REFUSE)

    assert isinstance(kept, Checked)
    assert kept.known is False
    assert isinstance(refused, Problem)
    assert refused.reason == (
        "x-misp-attribute is not a STIX 2.1 type, and unknown types are refused here"
    )


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("[ipv4-addr:value = '10.0.0.0']", ("ipv4", "10.0.0.0")),
        ("[ ipv4-addr:value = '10.0.0.0' ]", ("ipv4", "10.0.0.0")),
        ("[ipv4-addr:value = '10.0.0.0/8']", ("cidr", "10.0.0.0/8")),
        ("[ipv6-addr:value = '2001:db8::/32']", ("cidr", "2001:db8::/32")),
        ("[domain-name:value = 'evil.example']", ("domain", "evil.example")),
        ("[url:value = 'http://e.example/it\\'s']", ("url", "http://e.example/it's")),
        ("[email-addr:value = 'a@example.org']", ("email", "a@example.org")),
        ("[file:hashes.MD5 = 'aa']", ("md5", "aa")),
        ("[file:hashes.'SHA-1' = 'aa']", ("sha1", "aa")),
        ("[file:hashes.'SHA-256' = 'aa']", ("sha256", "aa")),
        ("[file:hashes.'SHA-512' = 'aa']", ("sha512", "aa")),
        ("[autonomous-system:number = 64500]", ("asn", "64500")),
        ("[file:name = '3Z4wnG9603it23y.exe']", None),
        ("[file:hashes.'SSDEEP' = 'aa']", None),
        ("[url:value = 'a' OR url:value = 'b']", None),
        ("[email-message:subject MATCHES '^x']", None),
        ("[domain-name:value = 123]", None),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_simple_patterns(pattern, expected):
    assert simple_pattern(pattern) == expected


@pytest.mark.parametrize(
    ("text", "version"),
    [
        ("2016-05-12T08:17:27Z", "2016-05-12T08:17:27.000Z"),
        ("2016-05-12T08:17:27.000Z", "2016-05-12T08:17:27.000Z"),
        ("2016-05-12T08:17:27.1Z", "2016-05-12T08:17:27.100Z"),
        ("2016-05-12T08:17:27.123456789Z", "2016-05-12T08:17:27.123456Z"),
        ("2016-05-12 08:17:27Z", None),
        ("2016-05-12T08:17:27+00:00", None),
    ],
)
def test_versions_have_one_spelling(text, version):
    assert normalise_version(text) == version


def test_a_misp_event_becomes_a_bundle_whose_objects_carry_the_event_marking():
    bundle = json.loads(
        misp_to_stix((DATA / "misp" / "circl_osint_event_57c4445b.json").read_bytes())
    )

    patterns = [o["pattern"] for o in bundle["objects"] if o["type"] == "indicator"]
    unmarked = [o["type"] for o in bundle["objects"] if not o.get("object_marking_refs")]
    assert patterns == [
        "[file:name = '3Z4wnG9603it23y.exe']",
        "[file:hashes.MD5 = '0749bae92ca336a02c83d126e04ec628']",
        "[file:hashes.'SHA-1' = '77b0c41b7d340b8a3d903f21347bbf06aa766b5b']",
        f"[file:hashes.'SHA-256' = '{SHA256}']",
        (
            f"[windows-registry-key:key = '{RUN_KEY}' AND windows-registry-key:values.data = "
            "'\\\\%TEMP\\\\%\\\\3Z4wnG9603it23y.exe']"
        ),
    ]
    assert unmarked == ["marking-definition"]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            b"{not json",
            (
                "malformed JSON: Expecting property name enclosed in double quotes: line 1 "
                "column 2 (char 1)"
            ),
        ),
        (
            b'{"Event": {"uuid": "x"}}',
            'the file is not a MISP event: it has no "Event" with "info"',
        ),
    ],
    ids=["malformed", "not-an-event"],
)
def test_a_misp_file_that_is_not_an_event_is_refused(text, reason):
    with pytest.raises(StixImportRejected) as refused:
        misp_to_stix(text)

    assert [p.reason for p in refused.value.problems] == [reason]


# The command ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_stix_import_command(kz_analyst, capsys):
    path = DATA / "stix" / "indicators-for-C2-with-COA.json"

    call_command("stix_import", str(path), "--tlp", "AMBER", "--strict", "--as", "kz-analyst")

    out = capsys.readouterr().out
    assert out.startswith(
        "indicators-for-C2-with-COA.json: 8 objects, 8 stored (0 new versions), 0 duplicates, "
        "0 of unknown types kept; indicators 2 created, 0 updated; incidents 0 created, "
        "0 updated; collection concord, sha256 "
    )
    assert StixObject.objects.count() == 8
    assert sorted(Indicator.objects.values_list("kind", "canonical")) == [
        ("ipv4", "10.0.0.0"),
        ("sha256", "ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c"),
    ]


@pytest.mark.django_db
def test_stix_import_command_refuses_a_broken_file_and_imports_nothing(kz_analyst, capsys):
    path = DATA / "tlp2" / "using-tlp2.0-green.json"
    events = AuditEvent.objects.count()

    with pytest.raises(CommandError, match="refused, 2 problem"):
        call_command("stix_import", str(path), "--as", "kz-analyst")

    err = capsys.readouterr().err
    assert 'the file is not a STIX bundle: it has no "type": "bundle"' in err
    assert "object #2 (relationship--1621d4d4-b67d-11e3-9670-f01faf20d111): created is" in err
    assert StixObject.objects.count() == 0
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_stix_import_command_strict_reports_validator_errors(kz_analyst, tmp_path, capsys):
    path = tmp_path / "bad.json"
    path.write_text(
        json.dumps(
            {
                "type": "bundle",
                "id": "bundle--44af6c39-c09b-49c5-9de2-394224b04982",
                "objects": [indicator(pattern="[ipv4-addr:value = ")],
            }
        )
    )

    with pytest.raises(CommandError, match="validation error"):
        call_command("stix_import", str(path), "--strict", "--as", "kz-analyst")

    assert IND_ID in capsys.readouterr().err
    assert StixObject.objects.count() == 0


@pytest.mark.django_db
def test_stix_import_command_needs_a_known_user(kz_analyst):
    with pytest.raises(CommandError, match="no active user 'nobody'"):
        call_command("stix_import", str(DATA / "stix" / "infrastructure.json"), "--as", "nobody")
