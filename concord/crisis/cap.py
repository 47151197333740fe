"""Read a CAP 1.2 message (OASIS Common Alerting Protocol) into a plain `CapAlert`.

`parse_cap` refuses, with `ImportRefused` naming the file, line and reason:
- XML that is not well formed, or that carries a DOCTYPE (entity declarations are how XML bombs
  are built; CAP never needs one). The parser is hardened: no entity expansion, no network, no
  DTD loading, libxml2's size limits kept;
- a CAP 1.1 (or 1.0) message, or anything that is not a CAP `alert`;
- a date (`sent`, `effective`, `onset`, `expires`) without a UTC offset;
- a message invalid against the OASIS CAP 1.2 schema (the validator's own message, with its line);
- an Update or Cancel whose `references` is empty or not "sender,identifier,sent" triples;
- a polygon or circle that is not closed, too short, out of range or has lat/lon swapped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from django.utils.translation import gettext as _
from lxml import etree

from concord.crisis.cap_geometry import cap_circle_to_geojson, cap_polygon_to_geojson
from concord.crisis.records import ImportProblem, ImportRefused

CAP_12 = "urn:oasis:names:tc:emergency:cap:1.2"
CAP_11 = "urn:oasis:names:tc:emergency:cap:1.1"
CAP_10 = "http://www.incident.com/cap/1.0"
SCHEMA_PATH = Path(__file__).parent / "data" / "cap" / "CAP-v1.2.xsd"
DATE_FIELDS = ("sent", "effective", "onset", "expires")
MAX_SCHEMA_ERRORS = 10
_NS = {"cap": CAP_12}
# A DOCTYPE in the prolog (after the XML declaration, processing instructions and comments).
_DOCTYPE = re.compile(rb"(?:\xef\xbb\xbf)?\s*(?:<\?.*?\?>\s*|<!--.*?-->\s*)*<!DOCTYPE", re.S)


class CapReference(NamedTuple):
    """An earlier message, as CAP names it: sender, identifier, sent (text as written)."""

    sender: str
    identifier: str
    sent: str

    @property
    def key(self) -> str:
        return f"{self.sender},{self.identifier},{self.sent}"


@dataclass
class CapArea:
    area_desc: str
    polygons: list[str] = field(default_factory=list)  # whitespace-normalised CAP text
    circles: list[str] = field(default_factory=list)
    geocodes: list[tuple[str, str]] = field(default_factory=list)  # (valueName, value)
    geometries: list[dict[str, Any]] = field(default_factory=list)  # GeoJSON, polygons first


@dataclass
class CapInfo:
    language: str
    categories: list[str]
    event: str
    urgency: str
    severity: str
    certainty: str
    headline: str = ""
    description: str = ""
    instruction: str = ""
    sender_name: str = ""
    web: str = ""
    onset: datetime | None = None
    effective: datetime | None = None
    expires: datetime | None = None
    event_codes: list[tuple[str, str]] = field(default_factory=list)
    parameters: list[tuple[str, str]] = field(default_factory=list)
    areas: list[CapArea] = field(default_factory=list)

    @property
    def category(self) -> str:
        return self.categories[0] if self.categories else ""


@dataclass
class CapAlert:
    identifier: str
    sender: str
    sent: str  # as written: part of the message's key
    sent_at: datetime  # timezone-aware
    status: str  # Actual, Exercise, System, Test, Draft
    msg_type: str  # Alert, Update, Cancel, Ack, Error
    scope: str  # Public, Restricted, Private
    source: str = ""
    restriction: str = ""
    addresses: str = ""
    note: str = ""
    references: list[CapReference] = field(default_factory=list)
    infos: list[CapInfo] = field(default_factory=list)
    xml: str = ""  # the document as received (decoded)
    file: str = ""
    line: int | None = None

    @property
    def key(self) -> str:
        """CAP's own key of a message: "sender,identifier,sent"."""
        return f"{self.sender},{self.identifier},{self.sent}"


@cache
def cap_schema() -> etree.XMLSchema:
    """The OASIS CAP 1.2 schema shipped with the app, loaded once."""
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH), _parser()))


def _parser() -> etree.XMLParser:
    # A new parser per document: lxml parsers keep state and are not to be shared by threads.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        dtd_validation=False,
    )


def parse_secure_xml(data: bytes, *, filename: str) -> etree._Element:
    """Parse XML with the hardened parser; refuse malformed XML and any DOCTYPE."""
    if not data.strip():
        raise ImportRefused([ImportProblem(filename, None, "", _("the file is empty"))])
    if _DOCTYPE.match(data):
        raise _doctype_refused(filename)
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as error:
        raise ImportRefused(
            [
                ImportProblem(
                    filename,
                    error.lineno,
                    "",
                    _("not well-formed XML: %(message)s") % {"message": error.msg},
                )
            ]
        ) from error
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise _doctype_refused(filename)
    return root


def _doctype_refused(filename: str) -> ImportRefused:
    return ImportRefused(
        [
            ImportProblem(
                filename,
                None,
                "",
                _(
                    "a DOCTYPE (entity declarations) is not accepted: XML bombs are built that "
                    "way, and the file needs none"
                ),
            )
        ]
    )


def parse_cap(data: bytes, *, filename: str = "") -> CapAlert:
    """One CAP 1.2 document (bytes as received) as a `CapAlert`, or `ImportRefused`."""
    root = parse_secure_xml(data, filename=filename)
    _check_namespace(root, filename)
    _check_dates(root, filename)
    schema = cap_schema()
    if not schema.validate(root):
        raise ImportRefused(
            [
                ImportProblem(
                    filename,
                    error.line,
                    "",
                    _("invalid CAP 1.2: %(message)s") % {"message": error.message},
                )
                for error in list(schema.error_log)[:MAX_SCHEMA_ERRORS]
            ]
        )
    problems: list[ImportProblem] = []
    alert = _alert(root, filename, problems)
    if problems:
        raise ImportRefused(problems)
    docinfo = root.getroottree().docinfo
    alert.xml = data.decode(docinfo.encoding or "utf-8").lstrip("\ufeff")
    return alert


def _check_namespace(root: etree._Element, filename: str) -> None:
    name = etree.QName(root)
    if name.namespace == CAP_11:
        reason = _("CAP 1.1 is not accepted; send CAP 1.2")
    elif name.namespace == CAP_10:
        reason = _("CAP 1.0 is not accepted; send CAP 1.2")
    elif name.namespace != CAP_12 or name.localname != "alert":
        reason = _("not a CAP 1.2 alert: the root element is %(tag)s") % {"tag": name.text}
    else:
        return
    raise ImportRefused([ImportProblem(filename, root.sourceline, "", reason)])


def _check_dates(root: etree._Element, filename: str) -> None:
    """A clearer message than the schema's pattern error for a date without an offset."""
    problems = []
    for element in root.iter(*(f"{{{CAP_12}}}{name}" for name in DATE_FIELDS)):
        text = (element.text or "").strip()
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            continue  # the schema names it
        if value.tzinfo is None:
            problems.append(
                ImportProblem(
                    filename,
                    element.sourceline,
                    etree.QName(element).localname,
                    _("%(text)s has no UTC offset (CAP writes e.g. 2025-01-15T06:00:00+05:00)")
                    % {"text": text},
                )
            )
    if problems:
        raise ImportRefused(problems)


def _text(element: etree._Element, path: str) -> str:
    return (element.findtext(path, default="", namespaces=_NS) or "").strip()


def _pairs(element: etree._Element, path: str) -> list[tuple[str, str]]:
    return [
        (_text(item, "cap:valueName"), _text(item, "cap:value"))
        for item in element.iterfind(path, _NS)
    ]


def _date(element: etree._Element, path: str) -> datetime | None:
    text = _text(element, path)
    return datetime.fromisoformat(text) if text else None  # offset checked by _check_dates


def _alert(root: etree._Element, filename: str, problems: list[ImportProblem]) -> CapAlert:
    sent = _text(root, "cap:sent")
    alert = CapAlert(
        identifier=_text(root, "cap:identifier"),
        sender=_text(root, "cap:sender"),
        sent=sent,
        sent_at=datetime.fromisoformat(sent),
        status=_text(root, "cap:status"),
        msg_type=_text(root, "cap:msgType"),
        scope=_text(root, "cap:scope"),
        source=_text(root, "cap:source"),
        restriction=_text(root, "cap:restriction"),
        addresses=_text(root, "cap:addresses"),
        note=_text(root, "cap:note"),
        file=filename,
        line=root.sourceline,
    )
    alert.references = _references(root, alert.msg_type, filename, problems)
    alert.infos = [_info(info, filename, problems) for info in root.iterfind("cap:info", _NS)]
    return alert


def _references(
    root: etree._Element, msg_type: str, filename: str, problems: list[ImportProblem]
) -> list[CapReference]:
    element = root.find("cap:references", _NS)
    line = element.sourceline if element is not None else root.sourceline
    text = (element.text or "") if element is not None else ""
    references = []
    for triple in text.split():
        parts = triple.split(",")
        sent_at = None
        if len(parts) == 3:
            try:
                sent_at = datetime.fromisoformat(parts[2])
            except ValueError:
                sent_at = None
        if sent_at is None or sent_at.tzinfo is None or not parts[0] or not parts[1]:
            problems.append(
                ImportProblem(
                    filename,
                    line,
                    "references",
                    _(
                        "%(triple)r is not a reference: CAP writes sender,identifier,sent "
                        "(sent with its UTC offset)"
                    )
                    % {"triple": triple},
                )
            )
            continue
        references.append(CapReference(*parts))
    if msg_type in {"Update", "Cancel"} and not text.split():
        problems.append(
            ImportProblem(
                filename,
                line,
                "references",
                _("an %(type)s must name the message(s) it changes in references; it names none")
                % {"type": msg_type},
            )
        )
    return references


def _info(info: etree._Element, filename: str, problems: list[ImportProblem]) -> CapInfo:
    return CapInfo(
        language=_text(info, "cap:language") or "en-US",
        categories=[(c.text or "").strip() for c in info.iterfind("cap:category", _NS)],
        event=_text(info, "cap:event"),
        urgency=_text(info, "cap:urgency"),
        severity=_text(info, "cap:severity"),
        certainty=_text(info, "cap:certainty"),
        headline=_text(info, "cap:headline"),
        description=_text(info, "cap:description"),
        instruction=_text(info, "cap:instruction"),
        sender_name=_text(info, "cap:senderName"),
        web=_text(info, "cap:web"),
        onset=_date(info, "cap:onset"),
        effective=_date(info, "cap:effective"),
        expires=_date(info, "cap:expires"),
        event_codes=_pairs(info, "cap:eventCode"),
        parameters=_pairs(info, "cap:parameter"),
        areas=[_area(area, filename, problems) for area in info.iterfind("cap:area", _NS)],
    )


def _area(area: etree._Element, filename: str, problems: list[ImportProblem]) -> CapArea:
    result = CapArea(area_desc=_text(area, "cap:areaDesc"), geocodes=_pairs(area, "cap:geocode"))
    for tag, convert, texts in (
        ("polygon", cap_polygon_to_geojson, result.polygons),
        ("circle", cap_circle_to_geojson, result.circles),
    ):
        for element in area.iterfind(f"cap:{tag}", _NS):
            text = " ".join((element.text or "").split())
            try:
                result.geometries.append(convert(text))
            except ValueError as error:
                problems.append(ImportProblem(filename, element.sourceline, tag, str(error)))
                continue
            texts.append(text)
    return result
