"""TAXII `get objects` pages of 1,000 from a 1,000,000-object collection (mixed markings and
owners, some objects in several versions), requested in-process with a Bearer token (Django's
test client, no network): p50/p95 ms per page and SQL queries per page, next to the same pages
served the naive way (every stored object parsed with json.loads and the envelope written with
json.dumps). Target p95 ≤ 200 ms with a constant number of queries per page. BENCH_TAXII_N
scales the collection down (e.g. BENCH_TAXII_N=100000); `python -m bench.cyber.taxii_pages`
runs it alone.

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

SIZE = int(os.environ.get("BENCH_TAXII_N", "1000000"))
PAGE = 1000
SAMPLES = 60  # pages measured per target (random starting points, each followed by its `next`)
TARGET_P95_MS = 200.0
START = datetime(2025, 1, 1, tzinfo=UTC)
# (marking, share of rows): mixed so that the visibility filter does real work.
MARKINGS = (
    ("CLEAR", 5),
    ("GREEN", 40),
    ("AMBER", 30),
    ("AMBER+STRICT", 15),
    ("RED", 10),
)


# The child: data and measurements -----------------------------------------------------------


def _people() -> dict[str, Any]:
    """Agencies of three states and a reader (an analyst of the first Kazakh agency)."""
    from concord.core import demo
    from concord.core.models import Agency, MemberState, Role, User

    demo.load_countries()
    demo.load_organisation()
    agencies = []
    for code, state in (("KZ-1", "KZ"), ("KZ-2", "KZ"), ("RU-1", "RU"), ("BY-1", "BY")):
        agency, _ = Agency.objects.get_or_create(
            code=f"BENCH-{code}",
            defaults={
                "kind": Agency.Kind.CERT,
                "state": MemberState.objects.get(code=state),
                "name_en": f"Bench {code}",
                "name_ru": f"Бенч {code}",
            },
        )
        agencies.append(agency)
    authors = []
    for agency in agencies:
        user, _ = User.objects.get_or_create(
            username=f"bench-{agency.code.lower()}",
            defaults={"agency": agency, "role": Role.ANALYST},
        )
        authors.append(user)
    return {"agencies": agencies, "authors": authors, "reader": authors[0]}


def _body(stix_id: str, version: str, marking: str, rng: random.Random) -> str:
    """An indicator as peers send them, about 500 bytes."""
    octets = (rng.randrange(1, 224), rng.randrange(256), rng.randrange(256), rng.randrange(1, 255))
    address = ".".join(map(str, octets))
    return (
        f'{{"type":"indicator","spec_version":"2.1","id":"{stix_id}",'
        f'"created_by_ref":"identity--{uuid.UUID(int=rng.getrandbits(128), version=4)}",'
        f'"created":"2025-01-01T00:00:00.000Z","modified":"{version}",'
        f'"name":"C2 server {address}","description":"Command and control server seen in '
        f'phishing campaign {rng.randrange(10_000)}","indicator_types":["malicious-activity"],'
        f'"pattern":"[ipv4-addr:value = \'{address}\']","pattern_type":"stix",'
        f'"valid_from":"2025-01-01T00:00:00Z","labels":["{marking.lower()}","c2"],'
        f'"object_marking_refs":["marking-definition--{uuid.UUID(int=rng.getrandbits(128))}"]}}'
    )


def _fill(collection: Any, people: dict[str, Any], size: int) -> float:
    """Insert `size` rows with executemany (model instances would triple the time); every
    twentieth row is a newer version of an earlier id. Returns seconds taken."""
    from django.db import connection, transaction

    from concord.cyber.models import StixObject

    started = time.perf_counter()
    rng = random.Random(7)
    weights = [w for _, w in MARKINGS]
    names = [m for m, _ in MARKINGS]
    agencies, authors = people["agencies"], people["authors"]
    table = connection.ops.quote_name(StixObject._meta.db_table)
    columns = (
        "collection_id, stix_id, type, spec_version, version, date_added, body, tlp, "
        "owner_agency_id, author_id"
    )
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * 10)})"  # noqa: S608
    adapt = connection.ops.adapt_datetimefield_value
    ids: list[str] = []
    batch: list[tuple[Any, ...]] = []
    with transaction.atomic(), connection.cursor() as cursor:
        for n in range(size):
            if n % 20 == 19 and ids:  # a newer version of an earlier id (unique per row)
                stix_id = rng.choice(ids)
                later = START + timedelta(days=31, microseconds=n)
                version = later.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            else:
                stix_id = f"indicator--{uuid.UUID(int=rng.getrandbits(128), version=4)}"
                version = "2025-01-01T00:00:00.000Z"
                ids.append(stix_id)
            marking = rng.choices(names, weights)[0]
            owner = n % len(agencies)
            batch.append(
                (
                    collection.pk,
                    stix_id,
                    "indicator",
                    "2.1",
                    version,
                    adapt(START + timedelta(microseconds=37 * n)),
                    _body(stix_id, version, marking, rng),
                    marking,
                    agencies[owner].pk,
                    authors[owner].pk,
                )
            )
            if len(batch) == 10_000:
                cursor.executemany(sql, batch)
                batch.clear()
        if batch:
            cursor.executemany(sql, batch)
        # Some Russian AMBER objects are shared with Kazakhstan: the EXISTS branch finds them.
        through = StixObject.shared_states.through
        kz = people["agencies"][0].state_id
        rows = StixObject.objects.filter(
            collection=collection, tlp="AMBER", owner_agency=agencies[2]
        ).values_list("pk", flat=True)
        through._default_manager.bulk_create(
            [through(stixobject_id=pk, memberstate_id=kz) for pk in rows if pk % 10 == 0],
            batch_size=5000,
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")
    return time.perf_counter() - started


def _page_bodies(user: Any, collection: Any, start: datetime | None) -> Any:
    from concord.cyber import queries_taxii

    filters = queries_taxii.Filters(limit=PAGE, added_after=start)
    return queries_taxii.object_page(user, collection, filters)


def _naive(user: Any, collection: Any, start: datetime | None) -> bytes:
    """What a naive server does: parse every stored object, serialise the envelope again."""
    page = _page_bodies(user, collection, start)
    envelope = {"more": page.more, "objects": [json.loads(row[0]) for row in page.rows]}
    if page.next:
        envelope["next"] = page.next
    return json.dumps(envelope).encode()


def _stored_text(user: Any, collection: Any, start: datetime | None) -> bytes:
    """Ours, minus HTTP: the stored text joined into the envelope."""
    page = _page_bodies(user, collection, start)
    head = '{"more":' + ("true" if page.more else "false")
    if page.next:
        head += ',"next":"' + page.next + '"'
    return (head + ',"objects":[' + ",".join(row[0] for row in page.rows) + "]}").encode()


def child(var_dir: Path, size: int) -> dict[str, Any]:
    setup_child_django(var_dir)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from concord.core.services import api_token_create
    from concord.cyber import access
    from concord.cyber.models import Collection, StixObject

    people = _people()
    reader = people["reader"]
    collection, _ = Collection._default_manager.get_or_create(
        alias="bench-taxii",
        defaults={
            "title": "Bench TAXII",
            "tlp": "GREEN",
            "owner_agency": reader.agency,
            "author": reader,
        },
    )
    StixObject.objects.filter(collection=collection).delete()
    inserted_s = _fill(collection, people, size)
    token = api_token_create(acting_user=None, user=reader, label="bench").raw
    client = Client(SERVER_NAME="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {token}")
    url = reverse("taxii:objects", args=[collection.uid])
    accept = "application/taxii+json;version=2.1"
    span = 37 * size  # microseconds covered by date_added
    rng = random.Random(11)
    starts = [START + timedelta(microseconds=rng.randrange(span)) for _ in range(SAMPLES // 2)]

    http: list[float] = []
    queries: list[int] = []
    objects_per_page: list[int] = []
    client.get(url + "?limit=1", HTTP_ACCEPT=accept)  # warm up: imports, token touch
    for start in starts:
        query = f"?limit={PAGE}&added_after={start.strftime('%Y-%m-%dT%H:%M:%S.%fZ')}"
        for _ in range(2):  # the page, then the one its `next` points to
            with CaptureQueriesContext(connection) as captured:
                began = time.perf_counter()
                response = client.get(url + query, HTTP_ACCEPT=accept)
                http.append(time.perf_counter() - began)
            assert response.status_code == 200, response.content[:300]
            queries.append(len(captured))
            envelope = json.loads(response.content)
            objects_per_page.append(len(envelope.get("objects", [])))
            if not envelope.get("next"):
                break
            query = f"?limit={PAGE}&next={envelope['next']}"

    timings: dict[str, list[float]] = {"naive-json": [], "stored-text": []}
    for _round in range(3):  # interleaved, so background load hits both alike
        for name, serve in (("naive-json", _naive), ("stored-text", _stored_text)):
            for start in starts[:10]:
                began = time.perf_counter()
                serve(reader, collection, start)
                timings[name].append(time.perf_counter() - began)
    plan: list[str] = []
    if connection.vendor == "sqlite":
        sql, params = _visible_sql(reader, collection, starts[0])
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            plan = [str(row[-1]) for row in cursor.fetchall()]
    visible = access.objects_for(reader, collection).count()
    return {
        "rows": size,
        "visible": visible,
        "inserted_s": inserted_s,
        "http": http,
        "queries": queries,
        "objects_per_page": objects_per_page,
        "timings": timings,
        "vendor": connection.vendor,
        "plan": plan,
    }


def _visible_sql(user: Any, collection: Any, start: datetime) -> tuple[str, tuple[Any, ...]]:
    from concord.cyber import queries_taxii

    found = queries_taxii.matching(user, collection, queries_taxii.Filters(limit=PAGE))
    page = found.filter(date_added__gt=start).order_by("date_added").values_list("body")
    sql, params = page[: PAGE + 1].query.sql_with_params()
    return sql, tuple(params)


# The parent: run the child, report ------------------------------------------------------------


def run(ctx: BenchContext | None) -> ModuleResult:
    env = child_env(ctx)
    base = ctx.var_dir if ctx is not None and ctx.var_dir is not None else None
    with tempfile.TemporaryDirectory(prefix="concord-taxii-bench-", dir=base) as tmp:
        data = run_child(env, "bench.cyber.taxii_pages", Path(tmp), SIZE)
    naive = latency_result(data["timings"]["naive-json"])
    ours = latency_result(data["timings"]["stored-text"])
    http = latency_result(data["http"])
    measurements = [
        Measurement("naive-json", "page", "token", naive),
        Measurement("stored-text", "page", "token", ours),
        Measurement("http-page", "/taxii2/…/objects/", "token", http),
    ]
    result = ModuleResult("cyber.taxii_pages", "naive-json", measurements)
    queries = data["queries"]
    full_pages = sum(1 for n in data["objects_per_page"] if n == PAGE)
    result.notes += [
        (
            f"{data['rows']:,} stored objects on {data['vendor']} ({data['visible']:,} visible "
            f"to the reader), inserted in {data['inserted_s']:.0f} s; {len(data['http'])} pages "
            f"of ≤ {PAGE} ({full_pages} full) at random starting points and their next page"
        ),
        (
            "rows are pages/s; naive-json and stored-text are the same page query and envelope "
            "without HTTP, http-page the whole request (Bearer token, match[version]=last)"
        ),
        (
            f"serving the stored text is {naive.mean_ms / ours.mean_ms:.1f}× faster than "
            f"json.loads/json.dumps per page ({ours.mean_ms:.1f} ms vs {naive.mean_ms:.1f} ms)"
        ),
        f"SQL queries per page: {sorted(set(queries))}",
        *(f"query plan: {line}" for line in data["plan"] if "cyber_stixobject " in line),
    ]
    result.checks = [
        Check(
            f"p95 ≤ {TARGET_P95_MS:.0f} ms per page of {PAGE}",
            http.p95_ms <= TARGET_P95_MS,
            f"p50 {http.p50_ms:.1f} ms, p95 {http.p95_ms:.1f} ms",
        ),
        Check(
            "a constant number of SQL queries per page",
            len(set(queries)) == 1,
            f"{sorted(set(queries))}",
        ),
        Check(
            "stored text served faster than re-serialised JSON",
            ours.mean_ms < naive.mean_ms,
            f"{naive.mean_ms / ours.mean_ms:.2f}×",
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
