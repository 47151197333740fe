"""`event_import.apply`: the one write path of every importer. Upserts by (origin, external_id),
refuses a batch whole, and reports what it did."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from datetime import timezone as dt_timezone

import pytest
from django.core.exceptions import PermissionDenied

from concord.core.models import AuditEvent
from concord.crisis import event_import
from concord.crisis.event_import import ImportReport, apply
from concord.crisis.models import Event, EventFigure, EventSource, cell_of
from concord.crisis.records import EventRecord, FigureRecord, ImportRefused, SourceRecord

pytestmark = pytest.mark.django_db

KABUL = dt_timezone(timedelta(hours=4, minutes=30))


def record(external_id: str = "AFG1", **changes: object) -> EventRecord:
    base = EventRecord(
        origin="acled",
        external_id=external_id,
        title=f"Armed clash {external_id}",
        type_code="acled.battles.armed_clash",
        starts_at=datetime(2025, 1, 15, tzinfo=UTC),
        country="AFG",
        admin1_name="Kunduz",
        admin2_name="Imam Sahib",
        place_name="Shir Khan Bandar",
        latitude=37.18,
        longitude=68.59,
        location_precision="exact",
        actor1="Military Forces",
        severity=3,
        details={"interaction": 12},
        sources=[
            SourceRecord(
                kind="open",
                name="ACLED",
                figures=[FigureRecord("dead", best=4)],
            )
        ],
        file="acled.csv",
        line=2,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def counts(report: ImportReport) -> tuple[int, int, int, int]:
    return report.created, report.updated, report.unchanged, report.cancelled


def test_creates_events_owned_by_the_importer(kz_analyst):
    report = apply(records=[record("A1"), record("A2")], acting_user=kz_analyst, source_label="t")

    assert counts(report) == (2, 0, 0, 0)
    assert report.refused == []
    assert report.unmatched_places == []
    event = Event.objects.get(origin="acled", external_id="A1")
    assert report.event_ids == {
        "A1": event.pk,
        "A2": Event.objects.get(external_id="A2").pk,
    }
    assert (event.owner_agency_id, event.author_id) == (kz_analyst.agency_id, kz_analyst.pk)
    assert event.tlp == "GREEN"
    assert event.cell == cell_of(37.18, 68.59)
    assert (event.admin1_pcode, event.admin1_name) == ("AF19", "Kunduz")
    assert (event.admin2_pcode, event.admin2_name) == ("AF1905", "Imam Sahib")
    assert event.event_type.code == "acled.battles.armed_clash"
    assert event.details == {"interaction": 12}
    source = event.sources.get()
    assert (source.kind, source.name) == ("open", "ACLED")
    assert list(source.figures.values_list("figure", "low", "best", "high")) == [
        ("dead", None, 4, None)
    ]


def test_one_audit_record_with_the_counts(kz_analyst):
    before = AuditEvent.objects.count()

    apply(records=[record("A1"), record("A2")], acting_user=kz_analyst, source_label="acled.csv")

    assert AuditEvent.objects.count() == before + 1
    entry = AuditEvent.objects.latest("seq")
    assert entry.action == "crisis.events.import"
    assert entry.actor_id == kz_analyst.pk
    assert entry.summary == (
        '{"cancelled":0,"created":2,"records":2,"source":"acled.csv",'
        '"unchanged":0,"unmatched_places":0,"updated":0}'
    )


def test_reimport_is_unchanged_and_never_duplicates(kz_analyst):
    apply(records=[record("A1"), record("A2")], acting_user=kz_analyst, source_label="t")
    stamp = Event.objects.get(external_id="A1").updated_at

    report = apply(records=[record("A1"), record("A2")], acting_user=kz_analyst, source_label="t")

    assert counts(report) == (0, 0, 2, 0)
    assert Event.objects.count() == 2
    assert EventSource.objects.count() == 2
    assert EventFigure.objects.count() == 2
    assert Event.objects.get(external_id="A1").updated_at == stamp


def test_same_moment_in_another_offset_is_unchanged(kz_analyst):
    apply(records=[record("A1")], acting_user=kz_analyst, source_label="t")
    kabul = datetime(2025, 1, 15, 4, 30, tzinfo=KABUL)

    report = apply(
        records=[record("A1", starts_at=kabul)], acting_user=kz_analyst, source_label="t"
    )

    assert counts(report) == (0, 0, 1, 0)


def test_changed_record_updates_and_replaces_its_sources(kz_analyst):
    apply(records=[record("A1")], acting_user=kz_analyst, source_label="t")
    event = Event.objects.get(external_id="A1")
    EventSource.objects.create(event=event, kind="national", name="MoI report")
    stamp = event.updated_at
    changed = record(
        "A1",
        severity=4,
        latitude=36.73,
        longitude=68.86,
        sources=[SourceRecord(kind="open", name="ACLED", figures=[FigureRecord("dead", 2, 1, 3)])],
    )

    report = apply(records=[changed], acting_user=kz_analyst, source_label="t")

    assert counts(report) == (0, 1, 0, 0)
    assert report.event_ids == {"A1": event.pk}
    event.refresh_from_db()
    assert event.severity == 4
    assert event.cell == cell_of(36.73, 68.86)
    assert event.updated_at > stamp
    assert sorted(event.sources.values_list("kind", "name")) == [
        ("national", "MoI report"),
        ("open", "ACLED"),
    ]
    figures = EventFigure.objects.filter(source__event=event)
    assert list(figures.values_list("figure", "low", "best", "high")) == [("dead", 1, 2, 3)]


def test_later_record_of_a_key_wins_within_a_batch(kz_analyst):
    report = apply(
        records=[record("A1"), record("A1", title="Corrected")],
        acting_user=kz_analyst,
        source_label="t",
    )

    assert counts(report) == (1, 0, 0, 0)
    assert Event.objects.get().title == "Corrected"


def test_every_problem_is_named_and_nothing_is_written(kz_analyst):
    before = AuditEvent.objects.count()
    bad = [
        record("B1", type_code="acled.parades", line=2),
        record("B2", latitude=91.0, line=3),
        record("B3", longitude=None, line=4),
        record("B4", severity=6, line=5),
        record(
            "B5",
            sources=[SourceRecord(kind="open", name="X", figures=[FigureRecord("dead", 5, 9)])],
            line=6,
        ),
        record("B6", starts_at=datetime(2025, 1, 15, 6, 0), line=7),  # noqa: DTZ001 (the point)
        record("B7", line=8),
    ]

    with pytest.raises(ImportRefused) as refusal:
        apply(records=bad, acting_user=kz_analyst, source_label="t")

    assert [str(problem) for problem in refusal.value.problems] == [
        "acled.csv:2: type: unknown event type 'acled.parades'",
        "acled.csv:3: latitude: 91.0 is out of range (-90 to 90)",
        "acled.csv:4: latitude: latitude and longitude come together or not at all",
        "acled.csv:5: severity: 6 is not 1 to 5",
        "acled.csv:6: X: dead: low ≤ best ≤ high does not hold",
        "acled.csv:7: starts_at: a date and time without a UTC offset",
    ]
    assert Event.objects.count() == 0
    assert AuditEvent.objects.count() == before


def test_unknown_pcode_is_refused(kz_analyst):
    with pytest.raises(ImportRefused, match=r"acled.csv:2: admin1_pcode: unknown P-code AF99"):
        apply(records=[record("P1", admin1_pcode="AF99")], acting_user=kz_analyst, source_label="t")
    with pytest.raises(ImportRefused, match=r"admin2_pcode: P-code AF1905 is not in AF17"):
        apply(
            records=[record("P2", admin1_pcode="AF17", admin2_pcode="AF1905")],
            acting_user=kz_analyst,
            source_label="t",
        )
    assert Event.objects.count() == 0


def test_pcodes_given_bring_ochas_names(kz_analyst):
    apply(
        records=[record("P1", admin1_name="Kondoz", admin2_name="", admin2_pcode="AF1905")],
        acting_user=kz_analyst,
        source_label="t",
    )

    event = Event.objects.get()
    assert (event.admin1_pcode, event.admin1_name) == ("AF19", "Kunduz")
    assert (event.admin2_pcode, event.admin2_name) == ("AF1905", "Imam Sahib")


def test_unmatched_places_are_reported_and_kept_as_given(kz_analyst):
    report = apply(
        records=[
            record("U1", admin1_name="Foo", admin2_name="Bar"),
            record("U2", admin1_name="Kunduz", admin2_name="Nowhere"),
            record("U3", country="TKM", admin1_name="Ahal", admin2_name=""),
        ],
        acting_user=kz_analyst,
        source_label="t",
    )

    assert report.unmatched_places == ["AFG / Foo / Bar", "AFG / Kunduz / Nowhere", "TKM / Ahal"]
    u2 = Event.objects.get(external_id="U2")
    assert (u2.admin1_pcode, u2.admin1_name, u2.admin2_pcode, u2.admin2_name) == (
        "AF19",
        "Kunduz",
        "",
        "Nowhere",
    )
    assert Event.objects.get(external_id="U1").admin1_name == "Foo"


def test_dry_run_reports_and_writes_nothing(kz_analyst, monkeypatch):
    called: list[str] = []
    monkeypatch.setattr(event_import.placement, "place_events", lambda ids: called.append("p"))
    before = AuditEvent.objects.count()

    report = apply(
        records=[record("D1"), record("D2", admin1_name="Foo", admin2_name="")],
        acting_user=kz_analyst,
        source_label="t",
        dry_run=True,
    )

    assert counts(report) == (2, 0, 0, 0)
    assert report.unmatched_places == ["AFG / Foo"]
    assert sorted(report.event_ids) == ["D1", "D2"]
    assert Event.objects.count() == 0
    assert EventSource.objects.count() == 0
    assert AuditEvent.objects.count() == before
    assert called == []


def test_placement_and_alerting_get_created_and_updated_ids(kz_analyst, monkeypatch):
    apply(records=[record("A1")], acting_user=kz_analyst, source_label="t")
    placed: list[list[int]] = []
    alerted: list[list[int]] = []
    monkeypatch.setattr(event_import.placement, "place_events", placed.append)
    monkeypatch.setattr(event_import.alerting, "events_recorded", alerted.append)

    report = apply(
        records=[record("A1", severity=5), record("A2"), record("A3")],
        acting_user=kz_analyst,
        source_label="t",
    )

    ids = report.event_ids
    assert placed == alerted == [[ids["A2"], ids["A3"], ids["A1"]]]


def test_markings_record_amber_and_argument_overrides(kz_analyst):
    apply(
        records=[record("M1"), record("M2", tlp="AMBER")],
        acting_user=kz_analyst,
        source_label="t",
    )
    apply(records=[record("M3")], acting_user=kz_analyst, source_label="t", tlp="RED")

    assert dict(Event.objects.values_list("external_id", "tlp")) == {
        "M1": "GREEN",
        "M2": "AMBER",
        "M3": "RED",
    }
    with pytest.raises(ImportRefused, match="t: tlp: unknown TLP marking 'PINK'"):
        apply(records=[record("M4")], acting_user=kz_analyst, source_label="t", tlp="PINK")


def test_cancel_marks_a_known_event_and_creates_an_unknown_one_cancelled(kz_analyst):
    apply(records=[record("C1")], acting_user=kz_analyst, source_label="t")

    report = apply(
        records=[record("C1", cancelled=True, title="Cancel"), record("C2", cancelled=True)],
        acting_user=kz_analyst,
        source_label="t",
    )

    assert counts(report) == (0, 0, 0, 2)
    c1 = Event.objects.get(external_id="C1")
    assert c1.cancelled_at is not None
    assert c1.title == "Armed clash C1"  # a cancellation changes nothing else
    assert Event.objects.get(external_id="C2").cancelled_at is not None
    again = apply(records=[record("C1", cancelled=True)], acting_user=kz_analyst, source_label="t")
    assert counts(again) == (0, 0, 1, 0)


def test_another_agency_may_reimport_but_not_change(kz_analyst, ru_analyst):
    apply(records=[record("A1")], acting_user=kz_analyst, source_label="t")

    same = apply(records=[record("A1")], acting_user=ru_analyst, source_label="t")
    assert counts(same) == (0, 0, 1, 0)

    with pytest.raises(ImportRefused, match="event A1 is held by another agency"):
        apply(records=[record("A1", severity=1)], acting_user=ru_analyst, source_label="t")
    assert Event.objects.get().severity == 3


def test_admin_may_import_and_viewer_may_not(admin_user, crc_viewer):
    report = apply(records=[record("A1")], acting_user=admin_user, source_label="t")
    assert report.created == 1

    with pytest.raises(PermissionDenied):
        apply(records=[record("A2")], acting_user=crc_viewer, source_label="t")
    assert Event.objects.count() == 1


def test_the_border_distance_is_written_with_the_row(kz_analyst):
    """The importer writes `border_distance_km` as placement would, so placement finds nothing
    left to change (the second write was half the cost of a large import on PostgreSQL)."""
    from concord.crisis import placement

    report = apply(records=[record()], acting_user=kz_analyst, source_label="test")
    event = Event.objects.get(pk=report.event_ids["AFG1"])
    expected = placement.border_distances([(68.59, 37.18)])[0]
    assert expected is not None
    assert event.border_distance_km == expected

    placement.place_events([event.pk])
    event.refresh_from_db()
    assert event.border_distance_km == expected
