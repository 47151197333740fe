"""UCDP GED and ACLED-layout CSV imports. The ACLED file is synthetic (ACLED's terms forbid
republishing its data); the UCDP rows are synthetic too, in GED's columns."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db.models import Sum

from concord.crisis.conflict_import import import_acled, import_ucdp, read_acled, read_ucdp
from concord.crisis.models import Event, EventFigure
from concord.crisis.records import ImportRefused
from concord.crisis.tests.conftest import DATA

pytestmark = pytest.mark.django_db

ACLED = DATA / "conflict" / "acled_layout_synthetic.csv"
UCDP = DATA / "conflict" / "ucdp_ged_synthetic.csv"


def files(path, data=None):
    return [(path.name, path.read_bytes() if data is None else data)]


def acled_header() -> str:
    return ACLED.read_text(encoding="utf-8").splitlines()[0]


def acled_row(number: int) -> str:
    return ACLED.read_text(encoding="utf-8").splitlines()[number]


# ACLED layout -------------------------------------------------------------------------------------


def test_acled_layout_import_counts_places_and_dead(kz_analyst):
    report = import_acled(files=files(ACLED), acting_user=kz_analyst)

    assert (report.created, report.updated, report.unchanged, report.cancelled) == (12, 0, 0, 0)
    assert report.unmatched_places == ["AFG / Kunduz / Gultepa"]
    assert Event.objects.filter(origin="acled").count() == 12
    by_country = {
        code: Event.objects.filter(country=code).count() for code in ("AFG", "TJK", "KGZ")
    }
    assert by_country == {"AFG": 9, "TJK": 2, "KGZ": 1}
    dead = EventFigure.objects.filter(figure="dead").aggregate(total=Sum("best"))["total"]
    assert dead == 30


def test_acled_row_becomes_an_event(kz_analyst):
    import_acled(files=files(ACLED), acting_user=kz_analyst)

    event = Event.objects.get(origin="acled", external_id="SYN-AFG-0001")
    assert event.title == "Armed clash — Shir Khan Bandar, Kunduz"
    assert event.event_type.code == "acled.battles.armed_clash"
    assert event.starts_at == datetime(2025, 1, 3, tzinfo=UTC)
    assert event.start_precision == "day"
    assert (event.country, event.admin1_pcode, event.admin2_pcode) == ("AFG", "AF19", "AF1905")
    assert (event.admin1_name, event.admin2_name) == ("Kunduz", "Imam Sahib")
    assert event.place_name == "Shir Khan Bandar"
    assert (event.latitude, event.longitude, event.location_precision) == (37.185, 68.603, "exact")
    assert (event.actor1, event.actor2) == (
        "Military Forces of Afghanistan (2021-)",
        "Unidentified Armed Group (Afghanistan)",
    )
    assert event.severity == 3
    assert event.tlp == "GREEN"
    assert event.details["interaction"] == "13"
    source = event.sources.get()
    assert (source.kind, source.name, source.reference) == ("open", "ACLED", "SYN-AFG-0001")
    assert list(source.figures.values_list("figure", "best")) == [("dead", 4)]

    shelling = Event.objects.get(external_id="SYN-AFG-0007")
    assert shelling.event_type.code == "acled.explosions.shelling_artillery_missile_attack"
    assert (shelling.start_precision, shelling.location_precision) == ("week", "near")
    assert (shelling.admin2_pcode, shelling.admin2_name) == ("AF1727", "Darwaz-e-Balla")
    tajik = Event.objects.get(external_id="SYN-TJK-0002")
    assert (tajik.country, tajik.admin1_pcode, tajik.admin2_pcode) == ("TJK", "3507000", "3507234")
    clash = Event.objects.get(external_id="SYN-AFG-0005")
    assert clash.severity == 4  # 12 dead


def test_acled_reimport_is_idempotent(kz_analyst):
    import_acled(files=files(ACLED), acting_user=kz_analyst)

    again = import_acled(files=files(ACLED), acting_user=kz_analyst)

    assert (again.created, again.updated, again.unchanged) == (0, 0, 12)
    assert Event.objects.count() == 12
    assert EventFigure.objects.count() == 12


def test_acled_changed_row_updates(kz_analyst):
    import_acled(files=files(ACLED), acting_user=kz_analyst)
    text = ACLED.read_text(encoding="utf-8").replace(
        "Synthetic test row: a border clash.,2,", "Synthetic test row: a border clash.,9,"
    )

    report = import_acled(files=files(ACLED, text.encode()), acting_user=kz_analyst)

    assert (report.created, report.updated, report.unchanged) == (0, 1, 11)
    tajik = Event.objects.get(external_id="SYN-TJK-0002")
    assert list(EventFigure.objects.filter(source__event=tajik).values_list("best")) == [(9,)]


def test_wrong_layout_names_the_missing_columns(kz_analyst):
    data = b"id,date,what\n1,2025-01-01,clash\n"
    with pytest.raises(ImportRefused) as refusal:
        import_acled(files=[("other.csv", data)], acting_user=kz_analyst)
    assert [str(p) for p in refusal.value.problems] == [
        (
            "other.csv:1: not the expected layout: missing columns event_id_cnty, event_date, "
            "time_precision, event_type, sub_event_type, actor1, country, admin1, location, "
            "latitude, longitude, geo_precision, fatalities"
        )
    ]
    assert Event.objects.count() == 0


def test_undecodable_file_is_refused_by_name(kz_analyst):
    data = acled_header().encode() + b"\nSYN-1,\x98\x98\n"  # 0x98 is no CP1251 character
    with pytest.raises(ImportRefused, match=r"^latin\.csv: not UTF-8 or CP1251 text"):
        import_acled(files=[("latin.csv", data)], acting_user=kz_analyst)


def test_cp1251_and_bom_files_are_read():
    row = acled_row(12).replace("residents ask for a new road", "жители просят дорогу")
    text = f"{acled_header()}\n{row}\n"

    for data in (text.encode("cp1251"), b"\xef\xbb\xbf" + text.encode("utf-8")):
        (record,) = read_acled(data, filename="kg.csv")
        assert record.description == "Synthetic test row: жители просят дорогу."
        assert (record.file, record.line) == ("kg.csv", 2)


def test_bad_rows_are_each_named_and_nothing_is_written(kz_analyst):
    rows = [
        acled_row(1).replace("2025-01-03", "2025-01-03T10:00:00"),
        acled_row(2).replace(",Explosions/Remote violence,", ",Parades,"),
        acled_row(3).replace(",36.7361,", ",north,"),
        acled_row(4).replace("Synthetic test row: traders protest a tax.,0,", "x,-1,"),
        acled_row(5).replace(",1,Synthetic Newswire", ",7,Synthetic Newswire"),
        "SYN-SHORT,2025-01-01,2025",
    ]
    data = "\n".join([acled_header(), *rows, acled_row(12)]).encode()

    with pytest.raises(ImportRefused) as refusal:
        import_acled(files=[("bad.csv", data)], acting_user=kz_analyst)

    assert [str(p) for p in refusal.value.problems] == [
        "bad.csv:2: event_date: a date and time without a UTC offset: 2025-01-03T10:00:00",
        "bad.csv:3: event_type: unknown ACLED event type 'Parades'",
        "bad.csv:4: latitude: not a number: north",
        "bad.csv:5: fatalities: negative: -1",
        "bad.csv:6: geo_precision: '7' is not one of 1, 2, 3",
        "bad.csv:7: 3 cells where the header has 31",
    ]
    assert Event.objects.count() == 0


def test_out_of_range_coordinates_are_refused_by_apply(kz_analyst):
    data = "\n".join([acled_header(), acled_row(6).replace(",35.9214,", ",95.9214,")]).encode()

    with pytest.raises(ImportRefused, match=r"bad\.csv:2: latitude: 95\.9214 is out of range"):
        import_acled(files=[("bad.csv", data)], acting_user=kz_analyst)
    assert Event.objects.count() == 0


def test_one_bad_file_refuses_the_whole_batch(kz_analyst):
    with pytest.raises(ImportRefused, match=r"other\.csv:1: not the expected layout"):
        import_acled(files=[*files(ACLED), ("other.csv", b"a,b\n1,2\n")], acting_user=kz_analyst)
    assert Event.objects.count() == 0


def test_dry_run_reports_without_writing(kz_analyst):
    report = import_acled(files=files(ACLED), acting_user=kz_analyst, dry_run=True)

    assert report.created == 12
    assert Event.objects.count() == 0


# UCDP GED -----------------------------------------------------------------------------------------


def test_ucdp_import(kz_analyst):
    report = import_ucdp(files=files(UCDP), acting_user=kz_analyst)

    assert (report.created, report.updated, report.unchanged) == (5, 0, 0)
    assert report.unmatched_places == []
    figures = EventFigure.objects.filter(figure="dead").aggregate(
        low=Sum("low"), best=Sum("best"), high=Sum("high")
    )
    assert figures == {"low": 19, "best": 23, "high": 31}
    types = dict(Event.objects.values_list("external_id", "event_type__code"))
    assert types == {
        "900001": "acled.battles",
        "900002": "acled.battles",
        "900003": "acled.violence_against_civilians",
        "900004": "acled.battles",
        "900005": "acled.battles",
    }


def test_ucdp_row_becomes_an_event(kz_analyst):
    import_ucdp(files=files(UCDP), acting_user=kz_analyst)

    event = Event.objects.get(origin="ucdp", external_id="900001")
    assert event.title == "Government of Afghanistan - IS — Kunduz town"
    assert (event.admin1_pcode, event.admin2_pcode) == ("AF19", "AF1901")
    assert (event.actor1, event.actor2) == ("Government of Afghanistan", "IS")
    assert (event.starts_at, event.ends_at) == (datetime(2024, 3, 2, tzinfo=UTC), None)
    assert event.details["type_of_violence"] == "state-based"
    assert list(event.sources.get().figures.values_list("low", "best", "high")) == [(3, 3, 4)]

    spread = Event.objects.get(external_id="900002")
    assert (spread.start_precision, spread.location_precision) == ("month", "near")
    assert spread.ends_at == datetime(2024, 4, 10, tzinfo=UTC)
    province = Event.objects.get(external_id="900003")
    assert (province.admin1_pcode, province.admin2_pcode, province.location_precision) == (
        "AF17",
        "",
        "admin1",
    )
    country = Event.objects.get(external_id="900005")
    assert (country.country, country.admin1_pcode, country.location_precision) == (
        "AFG",
        "",
        "country",
    )
    assert Event.objects.get(external_id="900004").country == "TJK"


def test_ucdp_bad_rows(kz_analyst):
    lines = UCDP.read_text(encoding="utf-8").splitlines()
    bad = [
        lines[0],
        lines[1].replace(",Clear,1,333,", ",Clear,4,333,"),
        lines[2].replace(",7,9,5", ",7,9,x"),
    ]
    with pytest.raises(ImportRefused) as refusal:
        read_ucdp("\n".join(bad).encode(), filename="ged.csv")
    assert [str(p) for p in refusal.value.problems] == [
        "ged.csv:2: type_of_violence: '4' is not one of 1, 2, 3",
        "ged.csv:3: low: not a whole number: x",
    ]
