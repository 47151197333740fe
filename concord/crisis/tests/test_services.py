"""Recording events by hand: what each service writes and audits, who may call it (a refusal
changes nothing), and the checks on coordinates, dates, severity and figures."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from concord.core.markings import Tlp
from concord.core.models import AuditEvent
from concord.crisis import services
from concord.crisis.models import Event, EventAttachment, EventFigure, EventSource, cell_of
from concord.crisis.records import FigureRecord, SourceRecord
from concord.crisis.tests.factories import EventFactory

pytestmark = pytest.mark.django_db

START = datetime(2025, 3, 1, 4, 30, tzinfo=UTC)


def audits(action: str) -> list[dict]:
    return [
        json.loads(row.summary) for row in AuditEvent.objects.filter(action=action).order_by("seq")
    ]


@pytest.fixture
def calls(monkeypatch):
    """What the services hand to placement and alerting."""
    seen: dict[str, list[list[int]]] = {"placed": [], "alerted": []}
    monkeypatch.setattr(
        services.placement, "place_events", lambda ids: seen["placed"].append(list(ids))
    )
    monkeypatch.setattr(
        services.alerting, "events_recorded", lambda ids: seen["alerted"].append(list(ids))
    )
    return seen


def create(user, **fields):
    values = {
        "acting_user": user,
        "title": "  Shelling near   Khorog ",
        "type_code": "acled.explosions.shelling_artillery_missile_attack",
        "starts_at": START,
        "country": "tjk",
        "latitude": 37.49,
        "longitude": 71.55,
        "location_precision": "near",
        "severity": 4,
    }
    return services.create_event(**(values | fields))


# Create ---------------------------------------------------------------------------------------


def test_create_event_is_owned_amber_audited_and_placed(kz_analyst, calls):
    event = create(
        kz_analyst,
        sources=[
            SourceRecord(
                kind="national",
                name="KNB",
                figures=[FigureRecord("dead", best=3), FigureRecord("injured", 2, 1, 4)],
            )
        ],
    )

    assert event.title == "Shelling near Khorog"
    assert (event.tlp, event.owner_agency, event.author) == (
        Tlp.AMBER,
        kz_analyst.agency,
        kz_analyst,
    )
    assert (event.origin, event.country, event.cell) == ("manual", "TJK", cell_of(37.49, 71.55))
    assert list(
        EventFigure.objects.filter(source__event=event)
        .order_by("figure")
        .values_list("source__name", "figure", "low", "best", "high")
    ) == [("KNB", "dead", None, 3, None), ("KNB", "injured", 1, 2, 4)]
    assert audits("crisis.event.create") == [
        {
            "uid": str(event.uid),
            "title": "Shelling near Khorog",
            "type": "acled.explosions.shelling_artillery_missile_attack",
            "starts_at": "2025-03-01T04:30:00+00:00",
            "country": "TJK",
            "severity": 4,
            "tlp": "AMBER",
            "sources": [
                {
                    "kind": "national",
                    "name": "KNB",
                    "figures": {"dead": [None, 3, None], "injured": [1, 2, 4]},
                }
            ],
        }
    ]
    assert calls == {"placed": [[event.pk]], "alerted": [[event.pk]]}


def test_create_event_with_a_chosen_marking(kz_analyst, calls):
    assert create(kz_analyst, tlp="TLP:GREEN").tlp == Tlp.GREEN
    with pytest.raises(ValidationError, match="unknown TLP marking 'PINK'"):
        create(kz_analyst, tlp="PINK")


def test_a_viewer_cannot_record_events(crc_viewer, calls):
    with pytest.raises(PermissionDenied, match="your role cannot record events"):
        create(crc_viewer)
    assert Event.objects.count() == 0
    assert calls == {"placed": [], "alerted": []}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": "  "}, "an event needs a title"),
        ({"type_code": "crime.nope"}, "unknown event type 'crime.nope'"),
        ({"latitude": 91.0}, "latitude 91.0 is outside -90…90"),
        ({"longitude": -180.5}, "longitude -180.5 is outside -180…180"),
        ({"longitude": None}, "give both latitude and longitude, or neither"),
        (
            {"latitude": None, "longitude": None, "location_precision": "exact"},
            "an exact location needs coordinates",
        ),
        ({"ends_at": START - timedelta(hours=1)}, "the end is before the start"),
        ({"starts_at": datetime(2025, 3, 1)}, "the start 2025-03-01T00:00:00 has no UTC offset"),  # noqa: DTZ001
        ({"severity": 6}, "severity must be a whole number from 1 to 5; got 6"),
        ({"severity": 0}, "severity must be a whole number from 1 to 5; got 0"),
        ({"country": "AF"}, "'AF' is not an ISO 3166-1 alpha-3 country code"),
        (
            {"location_precision": "street"},
            (
                "unknown location precision 'street' (known: exact, near, admin2, admin1, "
                "country, area, unknown)"
            ),
        ),
        (
            {"urgency": "Now"},
            "unknown urgency 'Now' (known: Immediate, Expected, Future, Past, Unknown)",
        ),
        ({"owner_agency": 1}, "these fields cannot be set: owner_agency"),
    ],
    ids=lambda value: next(iter(value)) if isinstance(value, dict) else "",
)
def test_create_event_refuses_bad_fields(kz_analyst, calls, fields, message):
    with pytest.raises(ValidationError) as refused:
        create(kz_analyst, **fields)
    assert refused.value.messages == [message]
    assert Event.objects.count() == 0
    assert AuditEvent.objects.filter(action="crisis.event.create").count() == 0


@pytest.mark.parametrize(
    ("figures", "message"),
    [
        (
            [FigureRecord("dead", best=5, low=6)],
            "dead: low ≤ best ≤ high is not true of 6 / 5 / None",
        ),
        (
            [FigureRecord("dead", best=5, high=4)],
            "dead: low ≤ best ≤ high is not true of None / 5 / 4",
        ),
        (
            [FigureRecord("dead", low=9, high=2)],
            "dead: low ≤ best ≤ high is not true of 9 / None / 2",
        ),
        ([FigureRecord("dead", best=-1)], "dead: figures are whole numbers, 0 or more"),
        ([FigureRecord("dead")], "dead: no number given"),
        (
            [FigureRecord("killed", best=1)],
            "unknown figure 'killed' (known: dead, injured, missing, affected, displaced)",
        ),
        (
            [FigureRecord("dead", best=1), FigureRecord("dead", best=2)],
            "the figure dead is given twice",
        ),
    ],
)
def test_figures_are_checked(kz_analyst, calls, figures, message):
    with pytest.raises(ValidationError) as refused:
        create(kz_analyst, sources=[SourceRecord(kind="open", name="ACLED", figures=figures)])
    assert refused.value.messages == [message]
    assert Event.objects.count() == 0  # the whole event is refused with its figures


# Update ---------------------------------------------------------------------------------------


def test_update_event_audits_before_and_after(kz_analyst, calls):
    event = EventFactory(author=kz_analyst, title="Clash", severity=3)
    updated = services.update_event(
        acting_user=kz_analyst,
        event=event,
        title="Clash in Kunduz",
        severity=4,
        latitude=36.9,
        type_code="acled.battles.armed_clash",
    )
    assert (updated.title, updated.severity, updated.latitude, updated.cell) == (
        "Clash in Kunduz",
        4,
        36.9,
        cell_of(36.9, 68.86),
    )
    assert Event.objects.get(pk=event.pk).event_type.code == "acled.battles.armed_clash"
    assert audits("crisis.event.update") == [
        {
            "uid": str(event.uid),
            "before": {
                "title": "Clash",
                "severity": 3,
                "latitude": 36.73,
                "event_type": "acled.battles",
            },
            "after": {
                "title": "Clash in Kunduz",
                "severity": 4,
                "latitude": 36.9,
                "event_type": "acled.battles.armed_clash",
            },
        }
    ]
    assert calls == {"placed": [[event.pk]], "alerted": [[event.pk]]}


def test_update_without_a_change_writes_nothing(kz_analyst, calls):
    event = EventFactory(author=kz_analyst, title="Clash")
    services.update_event(acting_user=kz_analyst, event=event, title="Clash")
    assert audits("crisis.event.update") == []
    assert calls == {"placed": [], "alerted": []}


def test_marking_changes_only_when_the_owner_asks(kz_analyst, calls):
    event = EventFactory(author=kz_analyst, title="Clash")
    services.update_event(acting_user=kz_analyst, event=event, severity=5)
    assert Event.objects.get(pk=event.pk).tlp == Tlp.AMBER
    services.update_event(acting_user=kz_analyst, event=event, tlp="GREEN")
    assert Event.objects.get(pk=event.pk).tlp == Tlp.GREEN
    assert audits("marking.widen") == [{"from": "AMBER", "to": "GREEN"}]
    assert audits("crisis.event.update")[-1]["after"] == {"tlp": "GREEN"}


def test_another_state_cannot_edit_a_kz_event(kz_analyst, ru_analyst, calls):
    event = EventFactory(author=kz_analyst, title="Clash", tlp=Tlp.GREEN)
    with pytest.raises(PermissionDenied, match="only the owner agency's editors"):
        services.update_event(acting_user=ru_analyst, event=event, title="Changed")
    with pytest.raises(PermissionDenied):
        services.add_source(acting_user=ru_analyst, event=event, kind="open", name="X")
    with pytest.raises(PermissionDenied):
        services.cancel_event(acting_user=ru_analyst, event=event)
    with pytest.raises(PermissionDenied):
        services.set_verification(acting_user=ru_analyst, event=event, verification="false")
    event.refresh_from_db()
    assert (event.title, event.verification, event.cancelled_at) == ("Clash", "unverified", None)
    assert EventSource.objects.count() == 0
    assert calls == {"placed": [], "alerted": []}


def test_update_checks_the_whole_event(kz_analyst, calls):
    event = EventFactory(author=kz_analyst, title="Clash")
    with pytest.raises(ValidationError, match="give both latitude and longitude, or neither"):
        services.update_event(acting_user=kz_analyst, event=event, latitude=None)
    with pytest.raises(ValidationError, match="unknown TLP marking 'PINK'"):
        services.update_event(acting_user=kz_analyst, event=event, tlp="PINK")
    with pytest.raises(ValidationError, match="these fields cannot be set: origin"):
        services.update_event(acting_user=kz_analyst, event=event, origin="cap")
    assert Event.objects.get(pk=event.pk).tlp == Tlp.AMBER


# Verification, sources, attachments, cancelling -----------------------------------------------


def test_the_centre_verifies_any_event_it_sees(kz_analyst, crc_officer, calls):
    event = EventFactory(author=kz_analyst, title="Clash", tlp=Tlp.GREEN)
    services.set_verification(
        acting_user=crc_officer, event=event, verification="confirmed", note="two sources"
    )
    assert Event.objects.get(pk=event.pk).verification == "confirmed"
    assert audits("crisis.event.verify") == [
        {"uid": str(event.uid), "from": "unverified", "to": "confirmed", "note": "two sources"}
    ]
    with pytest.raises(ValidationError, match="unknown verification status 'sure'"):
        services.set_verification(acting_user=kz_analyst, event=event, verification="sure")
    amber = EventFactory(author=kz_analyst, title="Amber")
    with pytest.raises(PermissionDenied):  # the Centre does not see a KZ AMBER event
        services.set_verification(acting_user=crc_officer, event=amber, verification="false")


def test_add_source(kz_analyst, calls):
    event = EventFactory(author=kz_analyst, title="Clash")
    source = services.add_source(
        acting_user=kz_analyst,
        event=event,
        kind="open",
        name="ACLED",
        url="https://acleddata.com/",
        figures=[FigureRecord("dead", best=7, low=5, high=9)],
    )
    assert (source.kind, source.name, source.url) == ("open", "ACLED", "https://acleddata.com/")
    assert list(source.figures.values_list("figure", "low", "best", "high")) == [("dead", 5, 7, 9)]
    assert audits("crisis.source.add") == [
        {
            "uid": str(event.uid),
            "kind": "open",
            "name": "ACLED",
            "figures": {"dead": [5, 7, 9]},
        }
    ]
    with pytest.raises(ValidationError, match=r"the event already has the source ACLED \(open\)"):
        services.add_source(acting_user=kz_analyst, event=event, kind="open", name="ACLED")
    with pytest.raises(ValidationError, match="'ftp://x' is not a web address"):
        services.add_source(
            acting_user=kz_analyst, event=event, kind="open", name="B", url="ftp://x"
        )
    assert calls["alerted"] == [[event.pk]]


def test_add_attachment(kz_analyst, settings, calls):
    settings.CRISIS_MAX_ATTACHMENT_BYTES = 10
    event = EventFactory(author=kz_analyst, title="Clash")
    upload = SimpleUploadedFile("../report.pdf", b"%PDF-1.4\n", content_type="text/html")
    attachment = services.add_attachment(acting_user=kz_analyst, event=event, upload=upload)
    assert (attachment.filename, attachment.content_type, attachment.size) == (
        "report.pdf",
        "application/pdf",
        9,
    )
    assert attachment.sha256 == "e5c62df5dab5c87b6a015ef3d43597074d1eec433b15f51aec63b8582d0e4ab4"
    assert bytes(EventAttachment.objects.get().content) == b"%PDF-1.4\n"
    too_big = SimpleUploadedFile("big.bin", b"x" * 11)
    with pytest.raises(
        ValidationError,
        match=r"the file big\.bin is 11 bytes; attachments are limited to 10 bytes",
    ):
        services.add_attachment(acting_user=kz_analyst, event=event, upload=too_big)
    assert EventAttachment.objects.count() == 1
    assert [a["filename"] for a in audits("crisis.attachment.add")] == ["report.pdf"]


def test_cancel_event(kz_analyst, calls):
    event = EventFactory(author=kz_analyst, title="Clash")
    cancelled = services.cancel_event(acting_user=kz_analyst, event=event, reason="duplicate")
    assert cancelled.is_cancelled
    assert audits("crisis.event.cancel") == [{"uid": str(event.uid), "reason": "duplicate"}]
    with pytest.raises(ValidationError, match="the event is already cancelled"):
        services.cancel_event(acting_user=kz_analyst, event=cancelled)
