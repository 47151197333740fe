"""`/api/v1/crisis/events`: the authorization matrix, then each endpoint's exact bodies: the
list with its pages, GeoJSON (constant queries), clusters, one event, recording by hand, and
refusals with their messages."""

from __future__ import annotations

import importlib.util
import json
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from concord.core.markings import Tlp
from concord.core.tests.matrix import Endpoint, assert_matrix
from concord.crisis.models import Event, EventFigure, EventSource, EventType
from concord.crisis.tests.factories import EventFactory

pytestmark = pytest.mark.django_db

UID0 = "00000000-0000-0000-0000-000000000000"


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def url(name: str, *args: object) -> str:
    return reverse(f"api:{name}", args=args)


def get_json(client, path: str, **params):
    response = client.get(path, params)
    return response.status_code, response.json()


def post_json(client, path: str, body: dict, method: str = "post"):
    return getattr(client, method)(path, json.dumps(body), content_type="application/json")


@pytest.fixture
def events(kz_analyst):
    """An AMBER report of Kazakhstan and two GREEN open-source events."""
    amber = EventFactory(
        author=kz_analyst, title="KZ report", starts_at=datetime(2025, 1, 10, tzinfo=UTC)
    )
    green = EventFactory(author=kz_analyst, title="Kunduz clash", tlp=Tlp.GREEN)
    quake = EventFactory(
        author=kz_analyst,
        title="Dushanbe quake",
        tlp=Tlp.GREEN,
        event_type=EventType.objects.get(code="geophysical.earthquake"),
        country="TJK",
        admin1_pcode="",
        admin1_name="Dushanbe",
        latitude=38.56,
        longitude=68.78,
        starts_at=datetime(2025, 2, 3, 9, 0, tzinfo=UTC),
        severity=5,
        origin="gdacs",
        external_id="EQ1",
    )
    return {"amber": amber, "green": green, "quake": quake}


# Who may do what ------------------------------------------------------------------------------


def test_authorization_matrix(personas, client_for, events, kz_analyst):
    amber, green = events["amber"], events["green"]
    signed_in = {"anonymous": 401}
    kz_only_reads = {"anonymous": 401, "ru_analyst": 404, "secretariat": 404, "admin": 404}
    new_event = {"title": "Clash", "type": "acled.battles", "starts_at": "2025-03-01T00:00Z"}
    assert_matrix(
        personas,
        client_for,
        [
            Endpoint("GET", url("crisis_events"), signed_in),
            Endpoint("GET", url("crisis_events") + "?format=geojson", signed_in),
            Endpoint("GET", url("crisis_event_clusters") + "?zoom=3", signed_in),
            Endpoint("GET", url("crisis_event_detail", green.uid), signed_in),
            Endpoint("GET", url("crisis_event_detail", amber.uid), kz_only_reads),
            Endpoint("GET", url("crisis_event_detail", UID0), signed_in, default=404),
            # Seen but another agency's: 403; unseen: 404; the admin role records nothing.
            Endpoint(
                "PATCH",
                url("crisis_event_update", green.uid),
                {"anonymous": 401, "ru_analyst": 403, "secretariat": 403, "admin": 403},
                data={"severity": 4},
            ),
            Endpoint(
                "PATCH", url("crisis_event_update", amber.uid), kz_only_reads, data={"severity": 4}
            ),
            Endpoint(
                "POST",
                url("crisis_event_source_add", amber.uid),
                kz_only_reads,
                default=201,
                data={"kind": "open", "name": "ACLED"},
            ),
            Endpoint(
                "POST",
                url("crisis_event_create"),
                {"anonymous": 401, "admin": 403},
                default=201,
                data=new_event,
            ),
        ],
    )


def test_amber_event_is_left_out_of_every_read_for_another_state(client_for, events, ru_analyst):
    client = client_for(ru_analyst)
    status, body = get_json(client, url("crisis_events"))
    assert (status, body["count"]) == (200, 2)
    assert [row["title"] for row in body["results"]] == ["Dushanbe quake", "Kunduz clash"]
    geo = client.get(url("crisis_events"), {"format": "geojson"}).json()
    assert [f["properties"]["title"] for f in geo["features"]] == ["Dushanbe quake", "Kunduz clash"]
    assert geo["total"] == 2
    status, clusters = get_json(client, url("crisis_event_clusters"), zoom=1)
    assert (status, clusters["total"]) == (200, 2)
    assert client.get(url("crisis_event_detail", events["amber"].uid)).json() == {
        "detail": "not found",
        "errors": [],
    }


def test_anonymous_gets_401(client_for, events):
    response = client_for(None).get(url("crisis_events"))
    assert (response.status_code, response.json()) == (
        401,
        {"detail": "authentication required", "errors": []},
    )


# The list -------------------------------------------------------------------------------------


def test_list_pages_with_count_and_links(client_for, events, kz_analyst):
    client = client_for(kz_analyst)
    status, first = get_json(client, url("crisis_events"), limit=2)
    assert status == 200
    assert first["count"] == 3
    assert first["previous"] is None
    assert first["next"] == "http://testserver/api/v1/crisis/events?limit=2&offset=2"
    assert [row["title"] for row in first["results"]] == ["Dushanbe quake", "Kunduz clash"]
    second = client.get(first["next"]).json()
    assert [row["title"] for row in second["results"]] == ["KZ report"]
    assert second["next"] is None
    assert second["previous"] == "http://testserver/api/v1/crisis/events?limit=2&offset=0"


def test_list_row(client_for, events, kz_analyst):
    quake = events["quake"]
    source = EventSource.objects.create(event=quake, kind="feed", name="GDACS")
    EventFigure.objects.create(source=source, figure="dead", best=12)
    status, body = get_json(
        client_for(kz_analyst), url("crisis_events"), country="TJK", source="gdacs"
    )
    assert status == 200
    assert body["results"] == [
        {
            "uid": str(quake.uid),
            "title": "Dushanbe quake",
            "type": "geophysical.earthquake",
            "type_name": "Earthquake",
            "severity": 5,
            "starts_at": "2025-02-03T09:00:00Z",
            "ends_at": None,
            "country": "TJK",
            "admin1_pcode": "",
            "admin1_name": "Dushanbe",
            "admin2_pcode": "",
            "admin2_name": "",
            "place_name": "",
            "latitude": 38.56,
            "longitude": 68.78,
            "location_precision": "exact",
            "origin": "gdacs",
            "external_id": "EQ1",
            "verification": "unverified",
            "exercise": False,
            "cancelled": False,
            "tlp": "GREEN",
            "owner_agency": "KZ-KNB",
            "crisis": None,
            "dead": 12,
            "url": f"/crisis/events/{quake.uid}/",
        }
    ]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"bbox": "68,36,69,37"}, ["KZ report", "Kunduz clash"]),
        ({"bbox": "68,38,69,39"}, ["Dushanbe quake"]),
        ({"since": "2025-01-15", "until": "2025-01-15"}, ["Kunduz clash"]),
        ({"since": "2025-01-16T00:00+00:00"}, ["Dushanbe quake"]),
        ({"type": "acled"}, ["KZ report", "Kunduz clash"]),
        ({"type": ["geophysical", "crime"]}, ["Dushanbe quake"]),
        ({"country": "afg"}, ["KZ report", "Kunduz clash"]),
        ({"source": "gdacs"}, ["Dushanbe quake"]),
        ({"source": "manual", "min_severity": "3"}, ["KZ report", "Kunduz clash"]),
        ({"q": "quake"}, ["Dushanbe quake"]),
    ],
    ids=lambda value: "&".join(value) if isinstance(value, dict) else "",
)
def test_list_filters(client_for, events, kz_analyst, params, expected):
    status, body = get_json(client_for(kz_analyst), url("crisis_events"), **params)
    assert status == 200
    assert sorted(row["title"] for row in body["results"]) == expected
    assert body["count"] == len(expected)


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({"bbox": "170,10,-170,20"}, "bbox west > east (170.0 > -170.0): split the box at 180°"),
        (
            {"since": "2025-01-01T00:00"},
            "since: 2025-01-01T00:00 has no UTC offset (add Z or e.g. +05:00)",
        ),
        ({"type": "crime.nope"}, "unknown event type 'crime.nope'"),
        ({"country": "AF"}, "'AF' is not an ISO 3166-1 alpha-3 country code"),
        ({"limit": "1001"}, "limit must be a whole number from 1 to 1000; got '1001'"),
        (
            {"limit": "10001", "format": "geojson"},
            "limit must be a whole number from 1 to 10000; got '10001'",
        ),
        ({"format": "kml"}, "format must be json, geojson or hxl; got 'kml'"),
    ],
    ids=lambda value: "&".join(value) if isinstance(value, dict) else "",
)
def test_bad_filters_answer_400(client_for, kz_analyst, params, detail):
    response = client_for(kz_analyst).get(url("crisis_events"), params)
    assert (response.status_code, response.json()) == (
        400,
        {"detail": detail, "errors": [{"msg": detail}]},
    )


# GeoJSON and clusters -------------------------------------------------------------------------


def test_geojson(client_for, events, kz_analyst):
    response = client_for(kz_analyst).get(
        url("crisis_events"), {"format": "geojson", "bbox": "68,38,69,39"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    uid = str(events["quake"].uid)
    assert response.json() == {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": uid,
                "geometry": {"type": "Point", "coordinates": [68.78, 38.56]},
                "properties": {
                    "uid": uid,
                    "title": "Dushanbe quake",
                    "type": "geophysical.earthquake",
                    "type_name": "Earthquake",
                    "severity": 5,
                    "starts_at": "2025-02-03T09:00:00+00:00",
                    "country": "TJK",
                    "admin1_name": "Dushanbe",
                    "origin": "gdacs",
                    "tlp": "GREEN",
                    "dead": None,
                    "url": f"/crisis/events/{uid}/",
                },
            }
        ],
        "total": 1,
        "truncated": False,
    }


def _geojson_queries(client, limit: int) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as captured:
        body = client.get(url("crisis_events"), {"format": "geojson", "limit": limit}).json()
    return len(captured), body


def test_geojson_queries_do_not_grow_with_events(
    client_for, kz_analyst, django_assert_max_num_queries
):
    client = client_for(kz_analyst)
    client.get(url("crisis_events"))  # the session's first request also saves the session
    for n in range(3):
        EventFactory(author=kz_analyst, tlp=Tlp.GREEN, latitude=36 + n / 10)
    few, body = _geojson_queries(client, 2)
    assert (body["total"], body["truncated"], len(body["features"])) == (3, True, 2)
    for n in range(40):
        event = EventFactory(author=kz_analyst, latitude=37 + n / 100)
        source = EventSource.objects.create(event=event, kind="open", name="ACLED")
        EventFigure.objects.create(source=source, figure="dead", best=n)
    many, body = _geojson_queries(client, 30)
    assert (body["total"], body["truncated"], len(body["features"])) == (43, True, 30)
    assert many == few == 4  # session, user, the rows, their count
    with django_assert_max_num_queries(few):
        client.get(url("crisis_events"), {"format": "geojson"})


def test_clusters_sum_to_the_total(client_for, events, kz_analyst):
    client = client_for(kz_analyst)
    total = client.get(url("crisis_events"), {"format": "geojson"}).json()["total"]
    for zoom in (0, 3, 6, 9):
        response = client.get(url("crisis_event_clusters"), {"zoom": zoom})
        assert response["Content-Type"] == "application/geo+json"
        body = response.json()
        counts = [f["properties"].get("count", 1) for f in body["features"]]
        assert (sum(counts), body["total"], body["zoom"]) == (total, 3, zoom)
    at_zoom_3 = client.get(url("crisis_event_clusters"), {"zoom": 3}).json()["features"]
    assert [f["properties"] for f in at_zoom_3] == [
        {"cluster": True, "count": 3, "max_severity": 5}
    ]
    response = client.get(url("crisis_event_clusters"))
    assert response.status_code == 400
    assert response.json()["detail"] == "zoom is required (0 to 18)"


@pytest.mark.skipif(
    importlib.util.find_spec("concord.crisis.hxl_io") is None,
    reason="hxl_io (helper B's HXL export) is not in the tree yet",
)
def test_hxl_export(client_for, events, ru_analyst):
    response = client_for(ru_analyst).get(url("crisis_events"), {"format": "hxl"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    quake, green = events["quake"], events["green"]
    rows = [line.split(",") for line in response.content.decode().splitlines()]
    assert rows == [
        [
            "id", "title", "type", "start", "country", "admin1_pcode", "admin1_name",
            "admin2_pcode", "admin2_name", "place", "latitude", "longitude", "severity", "dead",
            "source",
        ],
        [
            "#event+id", "#event+name", "#event+type", "#date+start", "#country+code",
            "#adm1+code", "#adm1+name", "#adm2+code", "#adm2+name", "#loc+name", "#geo+lat",
            "#geo+lon", "#severity", "#affected+killed", "#meta+source",
        ],
        [
            str(quake.uid), "Dushanbe quake", "geophysical.earthquake",
            "2025-02-03T09:00:00+00:00", "TJK", "", "Dushanbe", "", "", "", "38.56", "68.78", "5",
            "", "gdacs",
        ],
        [
            str(green.uid), "Kunduz clash", "acled.battles", "2025-01-15T06:00:00+00:00", "AFG",
            green.admin1_pcode, "Kunduz", "", "", "", "36.73", "68.86", "3", "", "manual",
        ],
    ]  # fmt: skip
    # The AMBER report of Kazakhstan is not in it.


# One event ------------------------------------------------------------------------------------


def test_detail(client_for, events, kz_analyst):
    green = events["green"]
    source = EventSource.objects.create(event=green, kind="national", name="MVD")
    EventFigure.objects.create(source=source, figure="dead", low=2, best=3, high=5)
    status, body = get_json(client_for(kz_analyst), url("crisis_event_detail", green.uid))
    assert status == 200
    assert body["title"] == "Kunduz clash"
    assert body["dead"] == 3
    assert body["sources"] == [
        {
            "kind": "national",
            "name": "MVD",
            "url": "",
            "reference": "",
            "published_at": None,
            "figures": [{"figure": "dead", "low": 2, "best": 3, "high": 5}],
        }
    ]
    assert (body["attachments"], body["regions"], body["area"]) == ([], [], None)
    assert (body["description"], body["urgency"], body["details"]) == ("", "Unknown", {})
    response = client_for(kz_analyst).get(url("crisis_event_detail", "not-a-uuid"))
    assert response.status_code == 404


# Recording ------------------------------------------------------------------------------------


def test_create_event(client_for, kz_analyst):
    response = post_json(
        client_for(kz_analyst),
        url("crisis_event_create"),
        {
            "title": "Shelling near Khorog",
            "type": "acled.explosions",
            "starts_at": "2025-03-01T09:30:00+05:00",
            "country": "TJK",
            "latitude": 37.49,
            "longitude": 71.55,
            "location_precision": "near",
            "severity": 4,
            "sources": [
                {"kind": "national", "name": "KNB", "figures": [{"figure": "dead", "best": 2}]}
            ],
        },
    )
    assert response.status_code == 201
    body = response.json()
    event = Event.objects.get()
    assert body["uid"] == str(event.uid)
    assert (body["tlp"], body["owner_agency"], body["origin"], body["dead"]) == (
        "AMBER",
        "KZ-KNB",
        "manual",
        2,
    )
    assert body["starts_at"] == "2025-03-01T04:30:00Z"
    assert body["sources"][0]["figures"] == [
        {"figure": "dead", "low": None, "best": 2, "high": None}
    ]


@pytest.mark.parametrize(
    ("changes", "detail"),
    [
        ({"starts_at": "2025-03-01T09:30:00"}, "the start 2025-03-01T09:30:00 has no UTC offset"),
        ({"latitude": 95}, "latitude 95.0 is outside -90…90"),
        ({"longitude": None}, "give both latitude and longitude, or neither"),
        ({"severity": 9}, "severity must be a whole number from 1 to 5; got 9"),
        ({"crisis": "nothing"}, "unknown crisis 'nothing'"),
        ({"tlp": "PINK"}, "unknown TLP marking 'PINK'"),
        (
            {
                "sources": [
                    {
                        "kind": "open",
                        "name": "X",
                        "figures": [{"figure": "dead", "low": 3, "best": 1}],
                    }
                ]
            },
            "dead: low ≤ best ≤ high is not true of 3 / 1 / None",
        ),
    ],
    ids=lambda value: next(iter(value)) if isinstance(value, dict) else "",
)
def test_create_refuses_bad_input(client_for, kz_analyst, changes, detail):
    body = {
        "title": "Clash",
        "type": "acled.battles",
        "starts_at": "2025-03-01T00:00Z",
        "latitude": 36.7,
        "longitude": 68.8,
    } | changes
    response = post_json(client_for(kz_analyst), url("crisis_event_create"), body)
    assert (response.status_code, response.json()["detail"]) == (400, detail)
    assert Event.objects.count() == 0


def test_update_add_source_verify_cancel(client_for, events, kz_analyst, crc_officer):
    client = client_for(kz_analyst)
    green = events["green"]
    response = post_json(
        client,
        url("crisis_event_update", green.uid),
        {"title": "Clash at Kunduz airport", "type": "acled.battles.armed_clash", "tlp": "AMBER"},
        method="patch",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["title"], body["type"], body["tlp"]) == (
        "Clash at Kunduz airport",
        "acled.battles.armed_clash",
        "AMBER",
    )
    response = post_json(
        client,
        url("crisis_event_source_add", green.uid),
        {"kind": "open", "name": "ACLED", "figures": [{"figure": "dead", "low": 1, "best": 4}]},
    )
    assert (response.status_code, response.json()) == (
        201,
        {
            "kind": "open",
            "name": "ACLED",
            "url": "",
            "reference": "",
            "published_at": None,
            "figures": [{"figure": "dead", "low": 1, "best": 4, "high": None}],
        },
    )
    response = post_json(
        client, url("crisis_event_verify", green.uid), {"verification": "confirmed"}
    )
    assert (response.status_code, response.json()["verification"]) == (200, "confirmed")
    response = post_json(client, url("crisis_event_cancel", green.uid), {"reason": "duplicate"})
    assert (response.status_code, response.json()["cancelled"]) == (200, True)
    _status, listed = get_json(client, url("crisis_events"))
    assert [row["title"] for row in listed["results"]] == ["Dushanbe quake", "KZ report"]
