"""The map's GeoJSON endpoint over 1,000,000 events: 200 requests of
`GET /api/v1/crisis/events?format=geojson` with a random ~3°×3° bounding box and a 30-day window,
in-process (Django's test client, a signed-in user of another state who sees the GREEN events),
p50/p95 ms and SQL queries per request, next to the same requests with the map's indexes dropped
in the same run (a lat/lon and time range scan over every row). `queries.feature_collection`
alone is timed too. Target: p95 ≤ 200 ms. BENCH_CRISIS_N scales the events down (e.g.
BENCH_CRISIS_N=100000); `python -m bench.crisis.geojson` runs it alone.

The events: one owner agency (Kazakhstan), 95 % GREEN and 5 % AMBER (which the reader must not
get), spread evenly over Central Asia and Afghanistan (29°–50° N, 55°–80° E) and five years,
inserted with executemany (model instances would take minutes), `cell` computed as `save()` does.
The measuring runs in a child process with its own database under the run's data directory (or
the run's --database-url), so a million rows never touch what the other benchmarks measure.
"""

from __future__ import annotations

import json
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
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

SIZE = int(os.environ.get("BENCH_CRISIS_N", "1000000"))
SAMPLES = 200  # timed requests of the indexed endpoint
BASELINE_SAMPLES = 20  # each scans every row
TARGET_P95_MS = 200.0
START = datetime(2021, 1, 1, tzinfo=UTC)
DAYS = 5 * 365
SOUTH, NORTH, WEST, EAST = 29.0, 50.0, 55.0, 80.0
BOX_DEGREES = 3.0
WINDOW_DAYS = 30
AMBER_SHARE = 0.05
TYPES = (
    "acled.battles.armed_clash",
    "acled.explosions.remote_explosive_landmine_ied",
    "acled.violence_against_civilians.attack",
    "acled.protests.peaceful_protest",
    "geophysical.earthquake",
    "flood.flashFlood",
    "crime.terrorism",
)
COUNTRIES = ("AFG", "TJK", "UZB", "TKM", "KGZ", "KAZ")
# The indexes the map's query can use; the baseline drops them (in a transaction rolled back).
MAP_INDEXES = (
    "crisis_event_cell_time",
    "crisis_event_time",
    "crisis_event_country_time",
    "crisis_event_type_time",
)


# The child: data and measurements -----------------------------------------------------------


def _people() -> dict[str, Any]:
    """The owner agency (Kazakhstan) with its analyst, and the reader: a Russian analyst, who
    sees the GREEN events and none of the AMBER ones."""
    from concord.core import demo
    from concord.core.models import Agency, MemberState, Role, User

    demo.load_countries()
    demo.load_organisation()
    people = {}
    for key, code, state in (("author", "KZ", "KZ"), ("reader", "RU", "RU")):
        agency, _ = Agency.objects.get_or_create(
            code=f"BENCH-CRISIS-{code}",
            defaults={
                "kind": Agency.Kind.EMERGENCY,
                "state": MemberState.objects.get(code=state),
                "name_en": f"Bench crisis {code}",
                "name_ru": f"Бенч кризис {code}",
            },
        )
        people[key], _ = User.objects.get_or_create(
            username=f"bench-crisis-{code.lower()}",
            defaults={"agency": agency, "role": Role.ANALYST},
        )
    return people


def _fill(author: Any, size: int) -> float:
    """`size` events through executemany; the constant columns prepared once by their fields."""
    from django.db import connection, transaction
    from django.utils import timezone

    from concord.crisis.models import Event, EventType, cell_of

    started = time.perf_counter()
    Event.objects.filter(owner_agency=author.agency).delete()
    type_ids = dict(EventType.objects.filter(code__in=TYPES).values_list("code", "pk"))
    fields = {f.column: f for f in Event._meta.concrete_fields if f.column != "id"}
    varying = (
        "uid", "title", "event_type_id", "starts_at", "country", "latitude", "longitude", "cell",
        "severity", "tlp", "origin", "external_id",
    )  # fmt: skip
    constant = {
        "description": "",
        "crisis_id": None,
        "start_precision": "day",
        "ends_at": None,
        "end_precision": "",
        "admin1_pcode": "",
        "admin1_name": "",
        "admin2_pcode": "",
        "admin2_name": "",
        "place_name": "",
        "location_precision": "exact",
        "area": None,
        "actor1": "",
        "actor2": "",
        "urgency": "Unknown",
        "certainty": "Unknown",
        "verification": "unverified",
        "exercise": False,
        "details": {},
        "border_distance_km": None,
        "cancelled_at": None,
        "created_at": timezone.now(),
        "updated_at": timezone.now(),
        "owner_agency_id": author.agency_id,
        "author_id": author.pk,
    }
    missing = set(fields) - set(varying) - set(constant)
    if missing:
        raise RuntimeError(f"the bench does not fill these event columns: {sorted(missing)}")
    prepared = [
        fields[name].get_db_prep_save(value, connection) for name, value in constant.items()
    ]
    columns = [*varying, *constant]
    table = connection.ops.quote_name(Event._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608
    uid_field = fields["uid"]
    adapt_time = connection.ops.adapt_datetimefield_value
    codes = list(type_ids)
    rng = random.Random(6)
    batch: list[tuple[Any, ...]] = []
    with transaction.atomic(), connection.cursor() as cursor:
        for n in range(size):
            lat = round(rng.uniform(SOUTH, NORTH), 5)
            lon = round(rng.uniform(WEST, EAST), 5)
            code = codes[n % len(codes)]
            batch.append(
                (
                    uid_field.get_db_prep_save(uuid.UUID(int=rng.getrandbits(128)), connection),
                    f"Bench event {n}", type_ids[code],
                    adapt_time(START + timedelta(seconds=rng.randrange(DAYS * 86400))),
                    COUNTRIES[n % len(COUNTRIES)], lat, lon, cell_of(lat, lon),
                    1 + n % 5, "AMBER" if rng.random() < AMBER_SHARE else "GREEN",
                    "acled", f"BENCH{n}", *prepared,
                )
            )  # fmt: skip
            if len(batch) >= 10_000:
                cursor.executemany(sql, batch)
                batch.clear()
        if batch:
            cursor.executemany(sql, batch)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {table}" if connection.vendor == "postgresql" else "ANALYZE")
    return time.perf_counter() - started


def _requests(count: int, rng: random.Random) -> list[dict[str, str]]:
    """Random ~3°×3° boxes inside the area and 30-day windows inside the five years."""
    params = []
    for _ in range(count):
        west = rng.uniform(WEST, EAST - BOX_DEGREES)
        south = rng.uniform(SOUTH, NORTH - BOX_DEGREES)
        since = START + timedelta(days=rng.randrange(DAYS - WINDOW_DAYS))
        params.append(
            {
                "format": "geojson",
                "bbox": f"{west:.3f},{south:.3f},{west + BOX_DEGREES:.3f},"
                f"{south + BOX_DEGREES:.3f}",
                "since": since.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "until": (since + timedelta(days=WINDOW_DAYS)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
        )
    return params


def _time_requests(client: Any, url: str, params: list[dict[str, str]]) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    seconds: list[float] = []
    queries: list[int] = []
    features: list[int] = []
    amber = 0
    for one in params:
        with CaptureQueriesContext(connection) as captured:
            began = time.perf_counter()
            response = client.get(url, one)
            seconds.append(time.perf_counter() - began)
        if response.status_code != 200:
            raise RuntimeError(f"{response.status_code}: {response.content[:300]!r}")
        queries.append(len(captured))
        body = json.loads(response.content)
        features.append(len(body["features"]))
        amber += sum(1 for f in body["features"] if f["properties"]["tlp"] != "GREEN")
    return {"seconds": seconds, "queries": queries, "features": features, "amber": amber}


def _plan(reader: Any, params: dict[str, str]) -> list[str]:
    from django.db import connection

    from concord.crisis import queries

    if connection.vendor != "sqlite":
        return []
    flt = queries.parse_filter(params)
    found = queries.with_dead(queries.events(reader, flt).filter(latitude__isnull=False))
    sql, sql_params = found.values("uid")[:5000].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, sql_params)
        return [str(row[-1]) for row in cursor.fetchall()]


def child(var_dir: Path, size: int) -> dict[str, Any]:
    setup_child_django(var_dir)
    from django.db import connection, transaction
    from django.test import Client
    from django.urls import reverse

    from concord.crisis import queries
    from concord.crisis.models import Event

    people = _people()
    inserted_s = _fill(people["author"], size)
    reader = people["reader"]
    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(reader)
    url = reverse("api:crisis_events")
    rng = random.Random(30)
    params = _requests(SAMPLES, rng)
    client.get(url, params[0])  # warm up: imports, the session's first save
    indexed = _time_requests(client, url, params)
    direct: list[float] = []
    for one in params:
        flt = queries.parse_filter(one)
        began = time.perf_counter()
        queries.feature_collection(reader, flt)
        direct.append(time.perf_counter() - began)
    plan = _plan(reader, params[0])
    with transaction.atomic():  # the baseline: no map indexes; rolled back afterwards
        with connection.cursor() as cursor:
            for name in MAP_INDEXES:
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        unindexed = _time_requests(client, url, params[:BASELINE_SAMPLES])
        transaction.set_rollback(True)
    agree = unindexed["features"] == indexed["features"][:BASELINE_SAMPLES]
    visible = queries.events(reader, queries.EventFilter()).count()
    if connection.vendor == "postgresql":  # the run's shared database, left as it was
        Event.objects.filter(owner_agency=people["author"].agency).delete()
    return {
        "rows": size,
        "visible": visible,
        "inserted_s": inserted_s,
        "indexed": indexed,
        "direct": direct,
        "unindexed": unindexed,
        "agree": agree,
        "plan": plan,
        "vendor": connection.vendor,
    }


# The parent: run the child, report ------------------------------------------------------------


def run(ctx: BenchContext | None) -> ModuleResult:
    env = child_env(ctx)
    base = ctx.var_dir if ctx is not None and ctx.var_dir is not None else None
    with tempfile.TemporaryDirectory(prefix="concord-crisis-bench-", dir=base) as tmp:
        data = run_child(env, "bench.crisis.geojson", Path(tmp), SIZE)
    indexed = latency_result(data["indexed"]["seconds"])
    unindexed = latency_result(data["unindexed"]["seconds"])
    direct = latency_result(data["direct"])
    path = "/api/v1/crisis/events?format=geojson&bbox=…&since=…&until=…"
    measurements = [
        Measurement("unindexed", path, "session", unindexed),
        Measurement("geojson", path, "session", indexed),
        Measurement("feature_collection", "queries.feature_collection", "-", direct),
    ]
    result = ModuleResult("crisis.geojson", "unindexed", measurements)
    speedup = unindexed.p50_ms / indexed.p50_ms if indexed.p50_ms else 0.0
    features = data["indexed"]["features"]
    queries = sorted(set(data["indexed"]["queries"]))
    result.notes += [
        (
            f"{data['rows']:,} events on {data['vendor']} ({data['visible']:,} GREEN ones visible "
            f"to the reader), inserted in {data['inserted_s']:.0f} s"
        ),
        (
            f"{len(features)} requests: random {BOX_DEGREES:.0f}°×{BOX_DEGREES:.0f}° boxes, "
            f"{WINDOW_DAYS}-day windows; {min(features)}–{max(features)} features a response "
            f"(median {sorted(features)[len(features) // 2]}); SQL queries per request: "
            f"{', '.join(map(str, queries))}; AMBER features leaked: {data['indexed']['amber']}"
        ),
        (
            f"unindexed = the same requests with {', '.join(MAP_INDEXES)} dropped "
            f"({len(data['unindexed']['seconds'])} requests): indexed is {speedup:.0f}× faster "
            f"(median {indexed.p50_ms:.1f} ms vs {unindexed.p50_ms:.0f} ms)"
        ),
    ]
    if data["plan"]:
        result.notes.append("SQLite plan: " + " | ".join(data["plan"]))
    result.checks = [
        Check(
            f"GeoJSON p95 ≤ {TARGET_P95_MS:.0f} ms",
            indexed.p95_ms <= TARGET_P95_MS,
            f"p50 {indexed.p50_ms:.1f} ms, p95 {indexed.p95_ms:.1f} ms",
        ),
        Check("indexed and unindexed answers agree (features per request)", bool(data["agree"])),
        Check("constant SQL queries per request", len(queries) == 1, ", ".join(map(str, queries))),
        Check("no AMBER event reaches the reader", data["indexed"]["amber"] == 0),
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
