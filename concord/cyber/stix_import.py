"""Reading STIX 2.1 bundles (and MISP events) as a stream of checked objects.

`BundleReader` parses a bundle with `ijson` and hands out `objects[i]` one at a time, so memory
does not grow with the file; it counts the bytes read (the size limit is enforced while reading,
whatever the source) and hashes them. `check_object` is a light structural check of one object:
type, id, spec_version, timestamps, marking and author references, known types. It is written
by hand on purpose: `stix2.parse` builds and validates full Python objects and is far too slow
for the ingest target (5,000 objects/s); full validation (`stix2-validator`) runs in the tests
and, on request, in `concord stix_import --strict`.

Nothing here touches the database; `services_stix` applies the rules that do (markings,
authorship, versions, duplicates).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import ijson
from django.utils.translation import gettext as _

SDO_TYPES = frozenset(
    {"attack-pattern", "campaign", "course-of-action", "grouping", "identity", "incident",
     "indicator", "infrastructure", "intrusion-set", "location", "malware", "malware-analysis",
     "note", "observed-data", "opinion", "report", "threat-actor", "tool", "vulnerability"}
)  # fmt: skip
SRO_TYPES = frozenset({"relationship", "sighting"})
SCO_TYPES = frozenset(
    {"artifact", "autonomous-system", "directory", "domain-name", "email-addr", "email-message",
     "file", "ipv4-addr", "ipv6-addr", "mac-addr", "mutex", "network-traffic", "process",
     "software", "url", "user-account", "windows-registry-key", "x509-certificate"}
)  # fmt: skip
META_TYPES = frozenset({"marking-definition", "extension-definition", "language-content"})
KNOWN_TYPES = SDO_TYPES | SRO_TYPES | SCO_TYPES | META_TYPES

UNKNOWN_KEEP = "keep"
UNKNOWN_REFUSE = "refuse"

_TYPE = re.compile(r"[a-z0-9][a-z0-9-]{1,248}[a-z0-9]")
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_ID = re.compile(rf"([a-z0-9][a-z0-9-]*[a-z0-9])--({_UUID})")
_TIMESTAMP = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?Z")
# `[path = 'value']` or `[autonomous-system:number = 123]`: the patterns we map to indicators.
_SIMPLE_PATTERN = re.compile(
    r"\[\s*([a-z0-9-]+:[A-Za-z0-9_.'-]+)\s*=\s*(?:'((?:[^'\\]|\\.)*)'|(\d+))\s*\]"
)
_HASH_KINDS = {"MD5": "md5", "SHA1": "sha1", "SHA256": "sha256", "SHA512": "sha512"}
_VALUE_KINDS = {
    "ipv4-addr:value": "ipv4",
    "ipv6-addr:value": "ipv6",
    "domain-name:value": "domain",
    "url:value": "url",
    "email-addr:value": "email",
}
MAX_LISTED_PROBLEMS = 1000
MAX_TYPE_LENGTH = 62


class Readable(Protocol):
    """What a source must offer: a binary `read` (files, uploads, sockets)."""

    def read(self, size: int = -1, /) -> bytes: ...


class BundleTooLarge(ValueError):  # noqa: N818 - a refusal of input, not a program fault
    """The file is over the configured size limit (HTTP 413)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(
            _("the file is larger than the limit of %(limit)s bytes") % {"limit": f"{limit:,}"}
        )


@dataclass(frozen=True)
class Problem:
    """Why one object (or the file as a whole, `index` None) was refused."""

    index: int | None
    stix_id: str
    reason: str

    def __str__(self) -> str:
        if self.index is None:
            return self.reason
        where = _("object #%(index)s") % {"index": self.index}
        return (
            f"{where} ({self.stix_id}): {self.reason}"
            if self.stix_id
            else f"{where}: {self.reason}"
        )


class StixImportRejected(ValueError):  # noqa: N818 - a refusal of input, not a program fault
    """The file was refused; `problems` names every object that made it so."""

    def __init__(self, problems: list[Problem], *, filename: str = "", more: int = 0) -> None:
        self.problems = problems
        self.filename = filename
        self.more = more  # problems found beyond the listed ones
        shown = "; ".join(str(p) for p in problems[:20])
        super().__init__(f"{filename}: {shown}" if filename else shown)


@dataclass(frozen=True, slots=True)
class Checked:
    """One object that passed the structural check."""

    index: int
    type: str
    id: str
    uuid: str
    version: str | None  # normalised `modified` (or `created`); None: unversioned (most SCOs)
    moment: datetime | None  # the same, parsed
    created_by_ref: str
    marking_refs: tuple[str, ...]
    known: bool
    data: dict[str, Any]


# Timestamps -----------------------------------------------------------------------------------


def parse_timestamp(text: object) -> datetime | None:
    """A STIX timestamp (RFC 3339, UTC, `Z`) as an aware datetime, or None when malformed."""
    if not isinstance(text, str):
        return None
    match = _TIMESTAMP.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction = match.groups()
    try:
        return datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second),
            int((fraction or "0")[:6].ljust(6, "0")), tzinfo=UTC,
        )  # fmt: skip
    except ValueError:
        return None


def format_version(moment: datetime) -> str:
    """The one text we store and serve for a version: milliseconds, or microseconds when the
    moment has them (`2016-05-12T08:17:27.000Z`), so that equal timestamps written differently
    are one version."""
    moment = moment.astimezone(UTC)
    base = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond % 1000 == 0:
        return f"{base}.{moment.microsecond // 1000:03d}Z"
    return f"{base}.{moment.microsecond:06d}Z"


def normalise_version(text: str) -> str | None:
    """A version as a client wrote it (`match[version]`, `modified`) in our stored form."""
    moment = parse_timestamp(text)
    return None if moment is None else format_version(moment)


# Objects --------------------------------------------------------------------------------------


def _timestamps(data: dict[str, Any], kind: str) -> tuple[datetime | None, str]:
    """(version moment, problem): `modified`, else `created`; what the type requires."""
    versioned = kind not in SCO_TYPES
    moments: dict[str, datetime] = {}
    for name in ("created", "modified"):
        if name not in data:
            continue
        moment = parse_timestamp(data[name])
        if moment is None:
            return None, _(
                "%(name)s is not a STIX timestamp (YYYY-MM-DDTHH:MM:SS[.s]Z): %(value)s"
            ) % {
                "name": name,
                "value": repr(data[name])[:80],
            }
        moments[name] = moment
    if versioned and "created" not in moments:
        return None, _("created is missing")
    if versioned and kind != "marking-definition" and "modified" not in moments:
        return None, _("modified is missing")
    if "created" in moments and moments.get("modified", moments["created"]) < moments["created"]:
        return None, _("modified is earlier than created")
    return moments.get("modified") or moments.get("created"), ""


def _references(data: dict[str, Any]) -> tuple[str, tuple[str, ...], str]:
    """(created_by_ref, object_marking_refs, problem)."""
    author = data.get("created_by_ref", "")
    if not isinstance(author, str) or (author and not author.startswith("identity--")):
        return "", (), _("created_by_ref must be an identity id")
    refs = data.get("object_marking_refs", [])
    if not isinstance(refs, list) or not all(
        isinstance(r, str) and r.startswith("marking-definition--") for r in refs
    ):
        return "", (), _("object_marking_refs must be a list of marking-definition ids")
    return author, tuple(refs), ""


def check_object(data: object, index: int, *, unknown: str = UNKNOWN_KEEP) -> Checked | Problem:
    """The structural check of one object; never raises on bad input."""
    if not isinstance(data, dict):
        return Problem(index, "", _("not a JSON object"))
    kind, stix_id = data.get("type"), data.get("id")
    if not isinstance(kind, str) or not _TYPE.fullmatch(kind):
        return Problem(index, str(stix_id or "")[:120], _("type is missing or malformed"))
    if len(kind) > MAX_TYPE_LENGTH:  # the stored id (type--uuid) must fit in 100 characters
        return Problem(
            index,
            "",
            _("type names longer than %(limit)s characters are not supported")
            % {"limit": MAX_TYPE_LENGTH},
        )
    match = _ID.fullmatch(stix_id) if isinstance(stix_id, str) else None
    if match is None:
        return Problem(
            index, "", _("id %(id)s is not <type>--<UUID>") % {"id": repr(stix_id)[:120]}
        )
    stix_id = match.group(0)
    if match.group(1) != kind:
        return Problem(
            index, stix_id, _("the id does not start with its type %(type)s") % {"type": kind}
        )
    known = kind in KNOWN_TYPES
    if not known and unknown != UNKNOWN_KEEP:
        return Problem(
            index,
            stix_id,
            _("%(type)s is not a STIX 2.1 type, and unknown types are refused here")
            % {"type": kind},
        )
    spec = data.get("spec_version")
    if spec != "2.1" and not (spec is None and kind in SCO_TYPES):
        return Problem(
            index,
            stix_id,
            _('spec_version must be "2.1", not %(value)s') % {"value": repr(spec)[:40]},
        )
    moment, problem = _timestamps(data, kind)
    if problem:
        return Problem(index, stix_id, problem)
    author, markings, problem = _references(data)
    if problem:
        return Problem(index, stix_id, problem)
    return Checked(
        index=index,
        type=kind,
        id=stix_id,
        uuid=match.group(2).lower(),
        version=format_version(moment) if moment is not None else None,
        moment=moment,
        created_by_ref=author,
        marking_refs=markings,
        known=known,
        data=data,
    )


def simple_pattern(pattern: object) -> tuple[str, str] | None:
    """(our indicator kind, value) of a pattern that compares one supported SCO property with
    one value, e.g. `[ipv4-addr:value = '10.0.0.0/8']` → ("cidr", "10.0.0.0/8"); else None."""
    if not isinstance(pattern, str):
        return None
    match = _SIMPLE_PATTERN.fullmatch(pattern.strip())
    if match is None:
        return None
    path, quoted, number = match.groups()
    if number is not None:
        return ("asn", number) if path == "autonomous-system:number" else None
    value = re.sub(r"\\(.)", r"\1", quoted)
    if path.startswith("file:hashes."):
        name = path.removeprefix("file:hashes.").strip("'").upper().replace("-", "")
        kind = _HASH_KINDS.get(name)
        return (kind, value) if kind else None
    kind = _VALUE_KINDS.get(path)
    if kind is None:
        return None
    if kind in {"ipv4", "ipv6"} and "/" in value:
        kind = "cidr"
    return kind, value


# Reading a bundle -----------------------------------------------------------------------------


class _CountingReader:
    """A binary reader that counts and hashes what it hands out and stops at the size limit."""

    def __init__(self, raw: Readable, limit: int) -> None:
        self.raw = raw
        self.limit = limit
        self.count = 0
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        chunk = self.raw.read(size)
        self.count += len(chunk)
        if self.count > self.limit:
            raise BundleTooLarge(self.limit)
        self.digest.update(chunk)
        return chunk


class BundleReader:
    """Iterate `(index, object)` over a bundle's `objects`, streamed. A file holding one bare
    STIX object (not a bundle) yields that object. Problems with the file as a whole (not a
    bundle, malformed JSON with its position) are in `problems` once iteration ends."""

    def __init__(self, source: bytes | Readable, *, max_bytes: int) -> None:
        raw: Readable = io.BytesIO(source) if isinstance(source, bytes) else source
        self._reader = _CountingReader(raw, max_bytes)
        self.problems: list[Problem] = []
        self.count = 0
        self._top: dict[str, Any] = {}
        self._started = False
        self._builder = ijson.ObjectBuilder()
        self._is_map = False

    @property
    def sha256(self) -> str:
        return self._reader.digest.hexdigest()

    @property
    def bytes_read(self) -> int:
        return self._reader.count

    def _watch(self, events: Iterator[tuple[str, str, Any]]) -> Iterator[tuple[str, str, Any]]:
        """Pass the parser's events through, building the top-level object except the items of
        its `objects` array (those are handed out one by one)."""
        builder = self._builder
        stream = iter(events)
        for event in stream:
            prefix, name, value = event
            if not self._started:
                self._started = True
                self._is_map = name == "start_map"
            if prefix == "objects" and name == "start_array":
                builder.event("start_array", None)  # an empty placeholder for the array
                builder.event("end_array", None)
                yield event
                # The hot loop: every event of every object, until the array ends.
                for inner in stream:
                    yield inner
                    if inner[1] == "end_array" and inner[0] == "objects":
                        break
                continue
            builder.event(name, value)
            yield event

    def __iter__(self) -> Iterator[tuple[int, Any]]:
        events = self._watch(ijson.parse(self._reader, use_float=True))
        index = 0
        try:
            for index, item in enumerate(ijson.items(events, "objects.item")):
                self.count = index + 1
                yield index, item
        except ijson.JSONError as error:
            self.problems.append(self._malformed(error))
            return
        yield from self._top_level()

    def _malformed(self, error: Exception) -> Problem:
        detail = error.args[0] if error.args else ""
        if isinstance(detail, bytes):
            detail = detail.decode("utf-8", "replace")
        reason = (
            str(detail).strip().splitlines()[0] if str(detail).strip() else type(error).__name__
        )
        values = {"index": self.count, "bytes": f"{self.bytes_read:,}", "reason": reason}
        if "premature EOF" in reason:
            return Problem(
                None,
                "",
                _("the file is truncated: it ends at byte %(bytes)s, inside object #%(index)s")
                % values
                if self.count
                else _("the file is truncated: it ends at byte %(bytes)s, before any object")
                % values,
            )
        return Problem(
            None,
            "",
            _("malformed JSON in object #%(index)s, within the first %(bytes)s bytes: %(reason)s")
            % values,
        )

    def _top_level(self) -> Iterator[tuple[int, Any]]:
        top = self._builder.value if self._is_map else None
        if not isinstance(top, dict):
            self.problems.append(
                Problem(None, "", _("the file is not a JSON object (a STIX bundle)"))
            )
            return
        if ("objects" in top and isinstance(top["objects"], list)) or top.get("type") == "bundle":
            if top.get("type") != "bundle":
                self.problems.append(
                    Problem(
                        None, "", _('the file is not a STIX bundle: it has no "type": "bundle"')
                    )
                )
            bundle_id = top.get("id")
            if not isinstance(bundle_id, str) or not re.fullmatch(f"bundle--{_UUID}", bundle_id):
                self.problems.append(
                    Problem(
                        None,
                        "",
                        _("the bundle id %(id)s is not bundle--<UUID>")
                        % {"id": repr(bundle_id)[:80]},
                    )
                )
            return
        if "type" in top:  # one bare STIX object
            self.count = 1
            yield 0, top
            return
        self.problems.append(
            Problem(None, "", _("the file is neither a STIX bundle nor a STIX object"))
        )


# MISP -----------------------------------------------------------------------------------------


def misp_to_stix(event: bytes) -> bytes:
    """A MISP event (MISP JSON, `{"Event": {…}}`) as a STIX 2.1 bundle, converted by misp-stix.

    A MISP event's marking (its `tlp:` tag) covers all its attributes; misp-stix puts it on the
    report only, so it is copied onto every object that carries no marking of its own, and the
    import's never-lower rule then applies to each of them.
    """
    from misp_stix_converter import MISPtoSTIX21Parser

    try:
        data = json.loads(event)
    except (ValueError, UnicodeDecodeError) as error:
        raise StixImportRejected(
            [Problem(None, "", _("malformed JSON: %(reason)s") % {"reason": error})]
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("Event", data), dict):
        raise StixImportRejected([Problem(None, "", _("the file is not a MISP event"))])
    if "Event" not in data or "info" not in data["Event"]:
        raise StixImportRejected(
            [Problem(None, "", _('the file is not a MISP event: it has no "Event" with "info"'))]
        )
    parser = MISPtoSTIX21Parser()
    try:
        parser.parse_misp_event(data)
    except Exception as error:
        raise StixImportRejected(
            [
                Problem(
                    None,
                    "",
                    _("misp-stix could not convert the event: %(reason)s") % {"reason": error},
                )
            ]
        ) from None
    bundle: dict[str, Any] = json.loads(parser.bundle.serialize())
    event_markings: list[str] = []
    for obj in bundle["objects"]:
        if obj["type"] in {"report", "grouping"} and obj.get("object_marking_refs"):
            event_markings = obj["object_marking_refs"]
            break
    if event_markings:
        for obj in bundle["objects"]:
            if obj["type"] != "marking-definition" and not obj.get("object_marking_refs"):
                obj["object_marking_refs"] = list(event_markings)
    return json.dumps(bundle, ensure_ascii=False).encode("utf-8")
