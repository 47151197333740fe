"""Our records as STIX 2.1 objects, built with the `stix2` library.

- Each agency is an `identity` with an id derived from its code (uuid5 over a fixed namespace),
  so every export and every peer names the same agency with the same id; `created_by_ref` of a
  record is its owner agency's identity.
- Markings are the official TLP 2.0 marking definitions (OASIS, cti-stix-common-objects,
  extension `extension-definition--60a3c5c5-…`) and the PAP marking definitions of the same
  repository (extension `extension-definition--f8d78575-…`). The TLP 1.0 ids that `stix2`
  ships (`stix2.TLP_*`) are understood on import.
- An incident carries the Incident Core Extension (`extension-definition--ef765651-…`, OASIS):
  `determination`, `investigation_status` and `criticality`. What STIX has no place for
  (RSIT classification, severity, sectors, affected states) travels as `x_concord_*` custom
  properties, which the validator accepts with a warning.
- The same records always give the same bundle: ids and timestamps come from the records,
  and objects are sorted.

Identifiers we derive (identities, relationships, bundles) are UUIDv5, as OpenCTI does for its
deterministic ids; the validator notes that it prefers UUIDv4 there (a warning, not an error).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import stix2
from stix2.v21 import Bundle, Identity, MarkingDefinition, Relationship
from stix2.v21 import Incident as StixIncident
from stix2.v21 import Indicator as StixIndicator

from concord.core.markings import Tlp, width
from concord.core.models import Agency

from .models import Incident, Indicator, Pap

# Our namespace for derived ids. Never change it: every id we ever published depends on it.
NAMESPACE = uuid.UUID("e386d7c2-3556-423c-a572-afbd4c547208")
# Identities have no history of their own in our data: one fixed version.
IDENTITY_CREATED = "2015-01-01T00:00:00.000Z"

TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
PAP_EXTENSION = "extension-definition--f8d78575-edfd-406e-8e84-6162a8450f5b"
INCIDENT_EXTENSION = "extension-definition--ef765651-680c-498d-9894-99799f2fa126"

# The official TLP 2.0 marking definitions: (id, created). Source: OASIS cti-stix-common-objects,
# extension-definition-specifications/tlp-2.0 (the CLEAR, AMBER and AMBER+STRICT files are in
# ../shared/data/cyber/tlp2/).
TLP2: dict[Tlp, str] = {
    Tlp.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    Tlp.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    Tlp.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    Tlp.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    Tlp.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
TLP2_CREATED = "2022-10-01T00:00:00.000Z"

# TLP 1.0 (STIX 2.1 spec, section 7.2.1.4; `stix2.TLP_*`): WHITE is CLEAR in TLP 2.0.
TLP1: dict[str, Tlp] = {
    stix2.TLP_WHITE.id: Tlp.CLEAR,
    stix2.TLP_GREEN.id: Tlp.GREEN,
    stix2.TLP_AMBER.id: Tlp.AMBER,
    stix2.TLP_RED.id: Tlp.RED,
}

# Every marking-definition id that means a TLP level, 1.0 and 2.0.
TLP_BY_MARKING_ID: dict[str, Tlp] = {**{v: k for k, v in TLP2.items()}, **TLP1}

# The PAP marking definitions: level → (id, created). Source: OASIS cti-stix-common-objects,
# extension-definition-specifications/pap-marking-definition-f8d.
_PAP_CREATED = "2022-10-0%sT00:00:00.000Z"
PAP_MARKINGS: dict[str, tuple[str, str]] = {
    Pap.CLEAR: ("marking-definition--ad15a0cd-55b6-4588-a14c-a66105329b92", _PAP_CREATED % 1),
    Pap.GREEN: ("marking-definition--c43594d1-4b11-4c59-93ab-1c9b14d53ce9", _PAP_CREATED % 9),
    Pap.AMBER: ("marking-definition--60f8932b-e51e-4458-b265-a2e8be9a80ab", _PAP_CREATED % 2),
    Pap.RED: ("marking-definition--740d36e5-7714-4c30-961a-3ae632ceee0e", _PAP_CREATED % 6),
}

# Severity as the extension's criticality (0–100).
CRITICALITY = {"low": 25, "medium": 50, "high": 75, "critical": 100}

# Indicator kind → the STIX pattern's object path. Hashes use the names of the STIX hash
# vocabulary (hash-algorithm-ov); networks are ip addresses with a prefix length.
PATTERN_PATHS = {
    "ipv4": "ipv4-addr:value",
    "ipv6": "ipv6-addr:value",
    "domain": "domain-name:value",
    "url": "url:value",
    "email": "email-addr:value",
    "md5": "file:hashes.MD5",
    "sha1": "file:hashes.'SHA-1'",
    "sha256": "file:hashes.'SHA-256'",
    "sha512": "file:hashes.'SHA-512'",
    "asn": "autonomous-system:number",
}


def narrower(first: str, second: str) -> Tlp:
    """The narrower of two markings (unknown markings raise: fail closed)."""
    return Tlp(first) if width(first) <= width(second) else Tlp(second)


def stix_time(moment: datetime) -> str:
    """A STIX timestamp: UTC, with the fraction of a second the moment has."""
    return str(stix2.utils.format_datetime(moment))


def rsit_label(classification: str) -> str:
    """Our classification as the RSIT machine tag MISP and OpenCTI read: `rsit:fraud="phishing"`."""
    predicate, _, value = classification.partition(":")
    return f'rsit:{predicate}="{value}"'


# Markings -------------------------------------------------------------------------------------


def tlp_marking(tlp: str) -> MarkingDefinition:
    """The official TLP 2.0 marking definition of a level."""
    level = Tlp(tlp)
    return MarkingDefinition(
        id=TLP2[level],
        created=TLP2_CREATED,
        name=f"TLP:{level.value}",
        extensions={
            TLP2_EXTENSION: {
                "extension_type": "property-extension",
                "tlp_2_0": level.value.lower(),
            }
        },
    )


def pap_marking(pap: str) -> MarkingDefinition:
    level = Pap(pap)
    marking_id, created = PAP_MARKINGS[level]
    return MarkingDefinition(
        id=marking_id,
        created=created,
        name=f"PAP:{level.value}",
        extensions={
            PAP_EXTENSION: {"extension_type": "property-extension", "pap": level.value.lower()}
        },
    )


# Identities -----------------------------------------------------------------------------------


def identity_id(agency_code: str) -> str:
    return f"identity--{uuid.uuid5(NAMESPACE, f'agency:{agency_code}')}"


def identity_for(agency: Agency) -> Identity:
    """The STIX identity of an agency: the same id on every export and every server."""
    custom: dict[str, str] = {"x_concord_agency": agency.code}
    if agency.state is not None:
        custom["x_concord_state"] = agency.state.code
    if agency.body is not None:
        custom["x_concord_body"] = agency.body.code
    return Identity(
        id=identity_id(agency.code),
        created=IDENTITY_CREATED,
        modified=IDENTITY_CREATED,
        name=agency.name_en or agency.name_ru,
        identity_class="organization",
        sectors=["government"],
        allow_custom=True,
        **custom,
    )


# Records --------------------------------------------------------------------------------------


def _times(created: datetime, modified: datetime) -> tuple[datetime, datetime]:
    """STIX requires modified ≥ created."""
    return created, max(created, modified)


def incident_to_stix(incident: Incident) -> StixIncident:
    created, modified = _times(incident.created_at, incident.modified_at)
    custom: dict[str, Any] = {
        "x_concord_classification": incident.classification,
        "x_concord_severity": incident.severity,
        "x_concord_status": incident.status,
        "x_concord_pap": incident.pap,
    }
    if incident.sectors:
        custom["x_concord_sectors"] = list(incident.sectors)
    states = sorted(incident.affected_states.values_list("code", flat=True))
    if states:
        custom["x_concord_affected_states"] = states
    if incident.occurred_at is not None:
        custom["x_concord_occurred"] = stix_time(incident.occurred_at)
    optional = {"description": incident.description} if incident.description else {}
    return StixIncident(
        id=incident.stix_id,
        created=created,
        modified=modified,
        name=incident.title,
        labels=[rsit_label(incident.classification)],
        created_by_ref=identity_id(incident.owner_agency.code),
        object_marking_refs=[TLP2[Tlp(incident.tlp)], PAP_MARKINGS[Pap(incident.pap)][0]],
        extensions={
            INCIDENT_EXTENSION: {
                "extension_type": "property-extension",
                "determination": "suspected",
                "investigation_status": incident.status,
                "criticality": CRITICALITY.get(incident.severity, 50),
            }
        },
        allow_custom=True,
        **optional,
        **custom,
    )


def pattern_literal(text: str) -> str:
    """A STIX pattern string literal: quotes and backslashes escaped (STIX 2.1, 9.2)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def indicator_pattern(kind: str, canonical: str) -> str:
    """The STIX pattern of one of our indicator values."""
    if kind == "asn":
        return f"[autonomous-system:number = {int(canonical.upper().removeprefix('AS'))}]"
    if kind == "cidr":
        path = "ipv6-addr:value" if ":" in canonical else "ipv4-addr:value"
    else:
        path = PATTERN_PATHS[kind]
    return f"[{path} = {pattern_literal(canonical)}]"


def indicator_to_stix(indicator: Indicator) -> StixIndicator:
    created, modified = _times(indicator.created_at, indicator.modified_at)
    optional: dict[str, Any] = {}
    if indicator.description:
        optional["description"] = indicator.description
    if indicator.valid_until is not None and indicator.valid_until > indicator.valid_from:
        optional["valid_until"] = indicator.valid_until
    return StixIndicator(
        id=indicator.stix_id,
        created=created,
        modified=modified,
        name=indicator.canonical[:250],
        indicator_types=["malicious-activity"],
        pattern=indicator_pattern(indicator.kind, indicator.canonical),
        pattern_type="stix",
        pattern_version="2.1",
        valid_from=indicator.valid_from,
        confidence=indicator.confidence,
        created_by_ref=identity_id(indicator.owner_agency.code),
        object_marking_refs=[TLP2[Tlp(indicator.tlp)]],
        x_concord_kind=indicator.kind,
        x_concord_actionable=indicator.actionable,
        allow_custom=True,
        **optional,
    )


def relationship(indicator: Indicator, incident: Incident) -> Relationship:
    """`indicator indicates incident`, marked as the narrower of the two records."""
    created = max(indicator.created_at, incident.created_at)
    return Relationship(
        id=f"relationship--{uuid.uuid5(NAMESPACE, f'indicates:{indicator.uid}:{incident.uid}')}",
        created=created,
        modified=created,
        relationship_type="indicates",
        source_ref=indicator.stix_id,
        target_ref=incident.stix_id,
        created_by_ref=identity_id(indicator.owner_agency.code),
        object_marking_refs=[TLP2[narrower(indicator.tlp, incident.tlp)]],
    )


def to_dict(obj: Any) -> dict[str, Any]:
    """A stix2 object as plain JSON data."""
    data: dict[str, Any] = json.loads(obj.serialize())
    return data


def bundle_for(
    *, incidents: Iterable[Incident] = (), indicators: Iterable[Indicator] = ()
) -> dict[str, Any]:
    """One bundle of the records, their owners' identities, the markings they use and the
    `indicates` relationships between the indicators and incidents given."""
    incident_list = sorted(set(incidents), key=lambda i: str(i.uid))
    indicator_list = sorted(set(indicators), key=lambda i: str(i.uid))
    objects: list[Any] = [incident_to_stix(i) for i in incident_list]
    objects += [indicator_to_stix(i) for i in indicator_list]
    wanted = {i.pk for i in incident_list}
    links = [
        relationship(indicator, incident)
        for indicator in indicator_list
        for incident in indicator.incidents.all()
        if incident.pk in wanted
    ]
    objects += sorted(links, key=lambda r: r.id)
    agencies = {r.owner_agency.code: r.owner_agency for r in [*incident_list, *indicator_list]}
    identities = sorted((identity_for(a) for a in agencies.values()), key=lambda i: i.id)
    tlps = {Tlp(r.tlp) for r in [*incident_list, *indicator_list]}
    tlps |= {TLP_BY_MARKING_ID[ref] for r in links for ref in r.object_marking_refs}
    markings = [tlp_marking(t) for t in sorted(tlps, key=lambda t: TLP2[t])]
    markings += [pap_marking(p) for p in sorted({i.pap for i in incident_list})]
    everything = [*identities, *markings, *objects]
    seed = "|".join(f"{o.id}@{o.get('modified', o.get('created'))}" for o in everything)
    bundle = Bundle(*everything, id=f"bundle--{uuid.uuid5(NAMESPACE, seed)}", allow_custom=True)
    return to_dict(bundle)
