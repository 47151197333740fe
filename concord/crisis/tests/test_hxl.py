"""HXL in and out: HDX HAPI's aggregated conflict table (Source: ACLED via HDX HAPI; a copy for
tests only, not republished) and our own event export, read back."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from django.db.models import Sum

from concord.crisis import hxl_io
from concord.crisis.conflict_import import import_acled
from concord.crisis.hxl_io import export_hxl, import_hxl, read_hxl
from concord.crisis.models import Event, EventFigure, EventSource
from concord.crisis.records import ImportRefused
from concord.crisis.tests.conftest import DATA

pytestmark = pytest.mark.django_db

HDX = DATA / "conflict" / "hdx_hapi_conflict_event_region_2025_hxl.csv"
ACLED = DATA / "conflict" / "acled_layout_synthetic.csv"


def hdx_files():
    return [(HDX.name, HDX.read_bytes())]


def test_hdx_table_rows_with_events_become_aggregate_events(kz_analyst):
    report = import_hxl(files=hdx_files(), acting_user=kz_analyst)

    assert (report.created, report.updated, report.unchanged) == (31, 0, 0)
    assert report.skipped_rows == 1187
    assert report.unmatched_places == []
    events = Event.objects.filter(origin="hxl")
    assert sum(e.details["events"] for e in events) == 587
    afg = events.filter(country="AFG")
    assert afg.count() == 20
    assert sum(e.details["events"] for e in afg) == 23
    afg_dead = EventFigure.objects.filter(source__event__in=afg, figure="dead")
    assert afg_dead.aggregate(total=Sum("best"))["total"] == 10
    all_dead = EventFigure.objects.filter(figure="dead").aggregate(total=Sum("best"))["total"]
    assert all_dead == 127
    codes = sorted(events.values_list("event_type__code", flat=True))
    assert codes.count("acled") == 17
    assert codes.count("acled.violence_against_civilians") == 9
    assert codes.count("acled.protests") == 5


def test_an_aggregate_event(kz_analyst):
    import_hxl(files=hdx_files(), acting_user=kz_analyst)

    herat = Event.objects.get(external_id="AFG/AF3201/political_violence/2025-01-01")
    assert herat.title == "Political violence: 3 events — Hirat / Hirat, January 2025"
    assert herat.event_type.code == "acled"
    assert (herat.country, herat.admin1_pcode, herat.admin2_pcode) == ("AFG", "AF32", "AF3201")
    assert (herat.admin1_name, herat.admin2_name) == ("Hirat", "Hirat")
    assert (herat.starts_at, herat.start_precision) == (datetime(2025, 1, 1, tzinfo=UTC), "month")
    assert herat.ends_at == datetime(2025, 1, 31, tzinfo=UTC)
    assert herat.location_precision == "admin2"
    # No coordinates in the table: the province's label point (Natural Earth), on the map.
    assert (round(herat.latitude, 3), round(herat.longitude, 3)) == (34.155, 62.485)
    assert herat.details["events"] == 3
    assert herat.description == "Source: ACLED via HDX HAPI"
    source = herat.sources.get()
    assert (source.kind, source.name) == ("open", "ACLED via HDX HAPI")
    assert list(source.figures.values_list("figure", "best")) == [("dead", 3)]

    russia = Event.objects.get(external_id="RUS/-/civilian_targeting/2025-01-01")
    assert russia.title == "Civilian targeting: 22 events — Russian Federation, January 2025"
    assert (russia.location_precision, russia.admin1_pcode) == ("country", "")
    kazakh = Event.objects.get(external_id="KAZ/-/demonstration/2025-01-01")
    assert kazakh.title == "Demonstrations: 9 events — Kazakhstan, January 2025"
    assert not EventSource.objects.get(event=kazakh).figures.exists()  # no fatalities given


def test_hdx_reimport_is_unchanged(kz_analyst):
    import_hxl(files=hdx_files(), acting_user=kz_analyst)

    again = import_hxl(files=hdx_files(), acting_user=kz_analyst)

    assert (again.created, again.updated, again.unchanged, again.skipped_rows) == (0, 0, 31, 1187)
    assert Event.objects.count() == 31


def test_unknown_pcode_in_the_table_is_refused(kz_analyst):
    text = HDX.read_text(encoding="utf-8").replace(",AF3201,", ",AF3299,")

    with pytest.raises(ImportRefused) as refusal:
        import_hxl(files=[("hdx.csv", text.encode())], acting_user=kz_analyst)

    assert [str(p) for p in refusal.value.problems] == [
        "hdx.csv:885: admin2_pcode: unknown P-code AF3299"
    ]
    assert Event.objects.count() == 0


def test_bad_hxl_inputs():
    with pytest.raises(ImportRefused, match=r"^plain\.csv: no HXL hashtag row$"):
        read_hxl(b"a,b\n1,2\n", filename="plain.csv")
    with pytest.raises(
        ImportRefused, match=r"^t\.csv:2: not the expected layout: missing hashtags #event\+type"
    ):
        read_hxl(
            b"c,n,d\n#country+code,#indicator+event+num,#date+start\nAFG,1,2025-01-01\n",
            filename="t.csv",
        )
    rows = (
        b"c,t,n,k,d\n#country+code,#event+type,#indicator+event+num,#affected+killed,#date+start\n"
        b"AFG,parade,1,0,2025-01-01\nAFG,demonstration,x,0,2025-01-01\n"
        b"AFG,demonstration,1,0,2025-01-01T08:00:00\n"
    )
    with pytest.raises(ImportRefused) as refusal:
        read_hxl(rows, filename="t.csv")
    assert [str(p) for p in refusal.value.problems] == [
        "t.csv:3: #event+type: unknown event type 'parade'",
        "t.csv:4: #indicator+event+num: not a whole number: x",
        "t.csv:5: #date+start: a date and time without a UTC offset: 2025-01-01T08:00:00",
    ]


def test_libhxl_gets_rows_not_a_location(monkeypatch):
    """libhxl could open files and URLs itself; it is only ever handed the decoded rows."""
    seen: list[object] = []
    real = hxl_io.hxl.data
    monkeypatch.setattr(hxl_io.hxl, "data", lambda source: seen.append(source) or real(source))

    read_hxl(HDX.read_bytes(), filename=HDX.name)

    (source,) = seen
    assert isinstance(source, list)
    assert source[1][:3] == ["#country+code", "#meta+has_hrp", "#meta+in_gho"]


def test_export_has_header_and_hashtag_rows(kz_analyst):
    import_acled(files=[(ACLED.name, ACLED.read_bytes())], acting_user=kz_analyst)
    event = Event.objects.get(external_id="SYN-AFG-0001")

    text = export_hxl(Event.objects.filter(pk=event.pk))

    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [
        "id", "title", "type", "start", "country", "admin1_pcode", "admin1_name",
        "admin2_pcode", "admin2_name", "place", "latitude", "longitude", "severity", "dead",
        "source",
    ]  # fmt: skip
    assert rows[1] == [
        "#event+id", "#event+name", "#event+type", "#date+start", "#country+code", "#adm1+code",
        "#adm1+name", "#adm2+code", "#adm2+name", "#loc+name", "#geo+lat", "#geo+lon",
        "#severity", "#affected+killed", "#meta+source",
    ]  # fmt: skip
    assert rows[2] == [
        str(event.uid), "Armed clash — Shir Khan Bandar, Kunduz", "acled.battles.armed_clash",
        "2025-01-03T00:00:00+00:00", "AFG", "AF19", "Kunduz", "AF1905", "Imam Sahib",
        "Shir Khan Bandar", "37.185", "68.603", "3", "4", "acled",
    ]  # fmt: skip


def test_export_dead_is_the_largest_figure_among_sources(kz_analyst):
    import_acled(files=[(ACLED.name, ACLED.read_bytes())], acting_user=kz_analyst)
    event = Event.objects.get(external_id="SYN-AFG-0001")
    national = EventSource.objects.create(event=event, kind="national", name="MoI")
    EventFigure.objects.create(source=national, figure="dead", best=6)

    rows = list(csv.reader(io.StringIO(export_hxl([event]))))

    assert rows[2][13] == "6"


def test_export_then_import_keeps_places_and_figures(kz_analyst):
    import_acled(files=[(ACLED.name, ACLED.read_bytes())], acting_user=kz_analyst)
    originals = list(Event.objects.filter(origin="acled").order_by("external_id"))

    text = export_hxl(originals)
    report = import_hxl(files=[("export.csv", text.encode())], acting_user=kz_analyst)

    assert (report.created, report.skipped_rows) == (12, 0)
    place_fields = (
        "title", "event_type_id", "starts_at", "country", "admin1_pcode", "admin1_name",
        "admin2_pcode", "admin2_name", "place_name", "latitude", "longitude", "severity",
    )  # fmt: skip

    def places(events):
        return [tuple(getattr(e, name) for name in place_fields) for e in events]

    def dead(events):
        return [
            EventFigure.objects.filter(source__event=e, figure="dead").values_list("best").first()
            for e in events
        ]

    copies = [Event.objects.get(origin="hxl", external_id=str(e.uid)) for e in originals]
    assert places(copies) == places(originals)
    assert dead(copies) == dead(originals)
    assert {s.name for c in copies for s in c.sources.all()} == {"acled"}
