"""Importing events from CSV: 100,000 synthetic rows in ACLED's column layout read by
`conflict_import.read_acled` and written by `event_import.apply` (checks, P-code matching, bulk
writes of events, sources and figures, placement in the regions of concern, one audit record)
into a fresh database, in events per second — next to the same records written one by one
through `Model.save()` (an event, its source, its figure; a 2,000-record sample, extrapolated) in
the same run. A second import of the same file (every record unchanged) is timed too. Target:
≥ 3,000 events/s. BENCH_CRISIS_IMPORT_N scales the file; `python -m bench.crisis.import_csv`
runs it alone. The child process has its own SQLite database under the run's data directory
(or the run's --database-url).
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.harness import (
    BenchContext,
    Measurement,
    child_env,
    latency_result,
    run_child,
    setup_child_django,
)
from bench.report import Check, ModuleResult, render

SIZE = int(os.environ.get("BENCH_CRISIS_IMPORT_N", "100000"))
SAMPLE = 2000  # records saved one by one for the baseline
TARGET_PER_S = 3000.0
HEADER = [
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
]
KINDS = (
    ("Political violence", "Battles", "Armed clash"),
    ("Political violence", "Explosions/Remote violence", "Remote explosive/landmine/IED"),
    ("Political violence", "Explosions/Remote violence", "Shelling/artillery/missile attack"),
    ("Political violence", "Violence against civilians", "Attack"),
    ("Demonstrations", "Protests", "Peaceful protest"),
    ("Demonstrations", "Riots", "Mob violence"),
    ("Strategic developments", "Strategic developments", "Arrests"),
)


def _importer() -> Any:
    """An analyst of a member state's emergency agency."""
    from concord.core import demo
    from concord.core.models import Agency, MemberState, Role, User

    demo.load_countries()
    demo.load_organisation()
    state = MemberState.objects.order_by("code").first()
    agency, _ = Agency.objects.get_or_create(
        code="BENCH-CRISIS",
        defaults={
            "kind": Agency.Kind.EMERGENCY,
            "state": state,
            "name_en": "Bench emergency agency",
            "name_ru": "Бенч-МЧС",
        },
    )
    user, _ = User.objects.get_or_create(
        username="bench-crisis", defaults={"agency": agency, "role": Role.ANALYST}
    )
    return user


def _places() -> list[tuple[str, str, float, float]]:
    """Afghan (province, district) names from the P-codes file, with a point in the country."""
    from concord.crisis import gazetteer

    rng = random.Random(5)
    found = []
    for path_unit in gazetteer._load().units.values():
        if path_unit.country == "AFG" and path_unit.level == 2:
            province = gazetteer.unit(path_unit.parent)
            if province is not None:
                found.append(
                    (
                        province.name,
                        path_unit.name,
                        round(rng.uniform(31.0, 38.0), 4),
                        round(rng.uniform(62.0, 71.0), 4),
                    )
                )
    return found


def make_file(size: int, prefix: str = "BENCH") -> bytes:
    """`size` synthetic rows in ACLED's layout, across Afghanistan's 401 districts."""
    rng = random.Random(7)
    places = _places()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for n in range(size):
        disorder, event_type, sub_type = KINDS[n % len(KINDS)]
        admin1, admin2, lat, lon = places[n % len(places)]
        day = 1 + n % 28
        row = {
            "event_id_cnty": f"{prefix}{n:07d}",
            "event_date": f"2024-{1 + n % 12:02d}-{day:02d}",
            "year": "2024",
            "time_precision": str(1 + n % 3),
            "disorder_type": disorder,
            "event_type": event_type,
            "sub_event_type": sub_type,
            "actor1": "Synthetic Armed Group A",
            "actor2": "Synthetic Armed Group B" if n % 2 else "",
            "inter1": "3",
            "interaction": "33",
            "iso": "4",
            "region": "Caspian",
            "country": "Afghanistan",
            "admin1": admin1,
            "admin2": admin2,
            "location": admin2,
            "latitude": f"{lat + rng.uniform(-0.2, 0.2):.4f}",
            "longitude": f"{lon + rng.uniform(-0.2, 0.2):.4f}",
            "geo_precision": str(1 + n % 3),
            "source": "Synthetic Newswire",
            "source_scale": "National",
            "notes": f"Synthetic benchmark row {n}.",
            "fatalities": str(rng.choice((0, 0, 0, 1, 2, 3, 5, 12))),
            "timestamp": str(1_700_000_000 + n),
        }
        writer.writerow([row.get(name, "") for name in HEADER])
    return out.getvalue().encode("utf-8")


def _one_by_one(records: list[Any], user: Any) -> float:
    """The same records written the plain way: `save()` per event, source and figure, then
    placed in the regions (as the import does)."""
    from django.db import transaction

    from concord.crisis import gazetteer, placement
    from concord.crisis.models import Event, EventFigure, EventSource, EventType

    began = time.perf_counter()
    saved: list[int] = []
    with transaction.atomic():
        for record in records:
            place = gazetteer.match(record.country, record.admin1_name, record.admin2_name)
            event = Event(
                origin=record.origin,
                external_id=record.external_id,
                title=record.title,
                event_type=EventType.objects.get(code=record.type_code),
                starts_at=record.starts_at,
                start_precision=record.start_precision,
                description=record.description,
                country=record.country,
                admin1_pcode=place.admin1_pcode,
                admin1_name=place.admin1_name or record.admin1_name,
                admin2_pcode=place.admin2_pcode,
                admin2_name=place.admin2_name or record.admin2_name,
                place_name=record.place_name,
                latitude=record.latitude,
                longitude=record.longitude,
                location_precision=record.location_precision,
                actor1=record.actor1,
                actor2=record.actor2,
                severity=record.severity,
                details=record.details,
                tlp="GREEN",
                owner_agency=user.agency,
                author=user,
            )
            event.save()
            saved.append(event.pk)
            for source in record.sources:
                row = EventSource(event=event, kind=source.kind, name=source.name)
                row.save()
                for figure in source.figures:
                    EventFigure(source=row, figure=figure.figure, best=figure.best).save()
        placement.place_events(saved)
    return time.perf_counter() - began


class _Timed:
    """Wraps a function and adds up the time spent in it."""

    def __init__(self, function: Any) -> None:
        self.function = function
        self.seconds = 0.0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        began = time.perf_counter()
        try:
            return self.function(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - began


def child(var_dir: Path, size: int) -> dict[str, Any]:
    setup_child_django(var_dir)
    from django.db import connection

    from concord.crisis import conflict_import, event_import
    from concord.crisis.models import Event, EventFigure

    user = _importer()
    Event.objects.filter(origin="acled", external_id__startswith="BENCH").delete()
    data = make_file(size)
    placing = _Timed(event_import.placement.place_events)
    event_import.placement.place_events = placing

    began = time.perf_counter()
    records = conflict_import.read_acled(data, filename="bench.csv")
    parsed_s = time.perf_counter() - began
    report = event_import.apply(records=records, acting_user=user, source_label="bench")
    imported_s = time.perf_counter() - began
    placed_s = placing.seconds
    stored = Event.objects.filter(origin="acled", external_id__startswith="BENCH").count()
    figures = EventFigure.objects.filter(source__event__external_id__startswith="BENCH").count()

    began = time.perf_counter()
    again = event_import.apply(
        records=conflict_import.read_acled(data, filename="bench.csv"),
        acting_user=user,
        source_label="bench (again)",
    )
    reimport_s = time.perf_counter() - began

    sample = conflict_import.read_acled(make_file(SAMPLE, prefix="SAVE"), filename="sample.csv")
    one_by_one_s = _one_by_one(sample, user)
    if connection.vendor == "postgresql":
        Event.objects.filter(origin="acled", external_id__regex=r"^(BENCH|SAVE)").delete()
    return {
        "events": size,
        "bytes": len(data),
        "created": report.created,
        "unchanged_again": again.unchanged,
        "stored": stored,
        "figures": figures,
        "parsed_s": parsed_s,
        "placed_s": placed_s,
        "imported_s": imported_s,
        "reimport_s": reimport_s,
        "one_by_one_s": one_by_one_s,
        "vendor": connection.vendor,
    }


def run(ctx: BenchContext | None) -> ModuleResult:
    env = child_env(ctx)
    base = ctx.var_dir if ctx is not None and ctx.var_dir is not None else None
    with tempfile.TemporaryDirectory(prefix="concord-crisis-import-", dir=base) as tmp:
        data = run_child(env, "bench.crisis.import_csv", Path(tmp), SIZE)
    events = data["events"]
    per_event_single = data["one_by_one_s"] / SAMPLE
    measurements = [
        Measurement("one-by-one", "Model.save()", "-", latency_result([per_event_single] * SAMPLE)),
        Measurement(
            "csv-import",
            "read_acled + event_import.apply",
            "-",
            latency_result([data["imported_s"] / events] * events),
        ),
        Measurement(
            "csv-reimport",
            "the same file again (unchanged)",
            "-",
            latency_result([data["reimport_s"] / events] * events),
        ),
    ]
    result = ModuleResult("crisis.import_csv", "one-by-one", measurements)
    rate = events / data["imported_s"]
    single_rate = SAMPLE / data["one_by_one_s"]
    result.notes += [
        (
            f"{events:,} ACLED-layout rows ({data['bytes'] / 1e6:.1f} MB) on {data['vendor']}: "
            f"imported in {data['imported_s']:.1f} s in all — {rate:,.0f} events/s (reading "
            f"{data['parsed_s']:.1f} s, placement in regions {data['placed_s']:.1f} s, checks "
            f"and writes {data['imported_s'] - data['parsed_s'] - data['placed_s']:.1f} s); "
            f"again (all unchanged) {data['reimport_s']:.1f} s "
            f"({events / data['reimport_s']:,.0f} events/s)"
        ),
        (
            f"{SAMPLE:,} records saved one by one: {single_rate:,.0f} events/s; the import is "
            f"{rate / single_rate:.1f}× faster"
        ),
        "rows are events/s (p50/p95 are the mean time per event: one call writes every event)",
    ]
    result.checks = [
        Check(f"import ≥ {TARGET_PER_S:,.0f} events/s", rate >= TARGET_PER_S, f"{rate:,.0f}/s"),
        Check(
            "every event stored once, with its figure",
            data["created"] == data["stored"] == events and data["unchanged_again"] == events,
            f"{data['created']:,} created, {data['stored']:,} stored, "
            f"{data['figures']:,} figures, {data['unchanged_again']:,} unchanged on re-import",
        ),
    ]
    return result


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        print(json.dumps(child(Path(sys.argv[2]), int(sys.argv[3]))))
    else:
        outcome = run(None)
        print(render(outcome))
        print(f"OVERALL: {'PASS' if outcome.passed else 'FAIL'}")
        sys.exit(0 if outcome.passed else 1)
