"""The Centre's own alerts written as CAP 1.2 XML, and the Atom feed that lists them.

`render(alert)` builds the message with lxml (never by string pasting, so every text is escaped)
in the element order of the OASIS schema; `validate(xml)` checks it against the schema shipped
with the app (`data/cap/CAP-v1.2.xsd`), and `services_alerts.publish_alert` refuses to publish
anything that fails. `feed(alerts)` is an Atom (RFC 4287) feed whose entries link to each
alert's CAP XML — the form CAP aggregators (e.g. Google Public Alerts, WMO's register) read.

A message is identified by (sender, identifier, sent); `sent` is the publication time, in UTC,
written with its offset to the second ("2026-11-29T10:00:00+00:00": the schema's pattern
allows neither fractions nor "Z").
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from lxml import etree

from .cap_geometry import geojson_to_cap_polygons
from .models import CapScope, IssuedAlert

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM_NS = "http://www.w3.org/2005/Atom"
CAP_MEDIA_TYPE = "application/cap+xml"
ATOM_MEDIA_TYPE = "application/atom+xml"
SCHEMA_PATH = Path(__file__).parent / "data" / "cap" / "CAP-v1.2.xsd"
SENDER_NAME = "CSTO Crisis Response Centre"


def _parser() -> etree.XMLParser:
    """Hardened: no entities, no DTD, no network, no huge trees."""
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)


@lru_cache(maxsize=1)
def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH), _parser()))


def cap_time(moment: datetime) -> str:
    """A moment as CAP writes it: UTC, to the second, with the offset."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def sent_of(alert: IssuedAlert) -> str:
    """The alert's `sent`: its publication time (now, for a draft being previewed)."""
    return cap_time(alert.published_at or timezone.now())


def reference_of(alert: IssuedAlert) -> str:
    """How a later message names this one in `references`: "sender,identifier,sent"."""
    return f"{settings.CRISIS_CAP_SENDER},{alert.identifier},{sent_of(alert)}"


def _add(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, f"{{{CAP_NS}}}{tag}")
    if text is not None:
        element.text = text
    return element


def render(alert: IssuedAlert) -> str:
    """The alert as a CAP 1.2 message (UTF-8 XML text, with declaration)."""
    root = etree.Element(f"{{{CAP_NS}}}alert", nsmap={None: CAP_NS})
    _add(root, "identifier", alert.identifier)
    _add(root, "sender", settings.CRISIS_CAP_SENDER)
    _add(root, "sent", sent_of(alert))
    _add(root, "status", "Actual")
    _add(root, "msgType", alert.msg_type)
    _add(root, "scope", alert.scope)
    if alert.scope == CapScope.RESTRICTED:
        _add(root, "restriction", alert.restriction)
    if alert.addresses:
        _add(root, "addresses", alert.addresses)
    # CAP's `code` denotes special handling: the record's TLP marking travels with the message.
    _add(root, "code", f"TLP:{alert.tlp}")
    if alert.references is not None:
        _add(root, "references", reference_of(alert.references))
    _info(root, alert)
    text: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return text.decode("utf-8")


def _info(root: etree._Element, alert: IssuedAlert) -> None:
    info = _add(root, "info")
    _add(info, "language", alert.language)
    _add(info, "category", alert.category)
    _add(info, "event", alert.event_text)
    _add(info, "urgency", alert.urgency)
    _add(info, "severity", alert.severity)
    _add(info, "certainty", alert.certainty)
    _add(info, "senderName", SENDER_NAME)
    _add(info, "headline", alert.headline)
    if alert.description:
        _add(info, "description", alert.description)
    if alert.instruction:
        _add(info, "instruction", alert.instruction)
    area = _add(info, "area")
    _add(area, "areaDesc", alert.area_desc)
    for polygon in geojson_to_cap_polygons(alert.area) if alert.area else []:
        _add(area, "polygon", polygon)


def validate(xml: str | bytes) -> None:
    """Raise ValidationError with the validator's first message unless `xml` is a valid CAP
    1.2 message."""
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    try:
        document = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as error:
        raise ValidationError(_("not well-formed XML: %(error)s") % {"error": error}) from None
    if document.getroottree().docinfo.doctype:
        # CAP has no DTD; a DOCTYPE only brings entities (and entity bombs).
        raise ValidationError(_("a CAP message may not have a DOCTYPE"))
    schema = _schema()
    try:
        valid = schema.validate(document)
    except etree.XMLSchemaValidateError as error:
        raise ValidationError(
            _("the CAP message could not be validated: %(error)s") % {"error": error}
        ) from None
    if not valid:
        first = schema.error_log[0]
        raise ValidationError(
            _("the CAP message does not validate against CAP 1.2 (line %(line)s): %(error)s")
            % {"line": first.line, "error": first.message}
        )


def alert_url(alert: IssuedAlert) -> str:
    """Where the alert's CAP XML is served: absolute when `CONCORD_BASE_URL` is set."""
    return _absolute(reverse("crisis:cap_alert", kwargs={"identifier": alert.identifier}))


def _absolute(path: str) -> str:
    return str(getattr(settings, "CONCORD_BASE_URL", "") or "").rstrip("/") + path


def _atom(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, f"{{{ATOM_NS}}}{tag}")
    if text is not None:
        element.text = text
    return element


def feed(alerts: Iterable[IssuedAlert]) -> str:
    """An Atom feed of published alerts, newest first as given; each entry links to the
    alert's CAP XML (`rel="alternate"`, type application/cap+xml)."""
    items = [alert for alert in alerts if alert.published_at is not None]
    root = etree.Element(f"{{{ATOM_NS}}}feed", nsmap={None: ATOM_NS})
    _atom(root, "id", f"urn:concord:crisis:cap-feed:{settings.CRISIS_CAP_SENDER}")
    _atom(root, "title", _("Alerts of the CSTO Crisis Response Centre"))
    newest = max((alert.published_at for alert in items if alert.published_at), default=None)
    _atom(root, "updated", cap_time(newest or timezone.now()))
    author = _atom(root, "author")
    _atom(author, "name", SENDER_NAME)
    _atom(author, "email", settings.CRISIS_CAP_SENDER)
    self_link = _atom(root, "link")
    self_link.set("rel", "self")
    self_link.set("href", _absolute(reverse("crisis:cap_feed")))
    for alert in items:
        _entry(root, alert)
    text: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return text.decode("utf-8")


def _entry(root: etree._Element, alert: IssuedAlert) -> None:
    entry = _atom(root, "entry")
    _atom(entry, "id", f"urn:concord:crisis:cap:{alert.identifier}")
    _atom(entry, "title", alert.headline)
    _atom(entry, "updated", sent_of(alert))
    _atom(entry, "published", sent_of(alert))
    category = _atom(entry, "category")
    category.set("term", alert.msg_type)
    if alert.description:
        _atom(entry, "summary", alert.description)
    link = _atom(entry, "link")
    link.set("rel", "alternate")
    link.set("type", CAP_MEDIA_TYPE)
    link.set("href", alert_url(alert))
