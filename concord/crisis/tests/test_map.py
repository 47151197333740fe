"""The map page works with this server alone: no address of another site in the page or in any
script or stylesheet it loads that would be fetched (tiles, @import, url(http…)); the basemap
layers are served here, as GeoJSON with an ETag; the page's settings agree with the API."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import lxml.html
import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import timezone

from concord.core.markings import Tlp
from concord.crisis.tests.factories import EventFactory

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
URL = re.compile(r"https?://[^\s\"'<>()\\]+")

# Every address of another site found in the scripts and stylesheets the map page loads, and
# why none of them is ever fetched. A new one fails the test until someone looks at it.
HARMLESS = {
    "leaflet/leaflet.js": {
        # The SVG namespace: an identifier for createElementNS, not a resource.
        "http://www.w3.org/2000/svg",
        # The href of the attribution prefix's link; map.js replaces the prefix with plain text.
        "https://leafletjs.com",
    },
    "leaflet/leaflet.extras.js": {
        # In comments (credit for a resolution table).
        "https://github.com/ajashton/TileCache/blob/master/tilecache/TileCache/Layer.py#L185-L196",
        "https://github.com/ajashton/TileCache/blob/master/tilecache/TileCache/Layer.py#L197",
    },
    # In a comment (the bug a rule works around).
    "leaflet/leaflet.css": {"https://bugzilla.mozilla.org/show_bug.cgi?id=888319"},
}


@pytest.fixture
def map_page(client_for, kz_analyst, state_ru):
    response = client_for(kz_analyst).get(reverse("crisis:map"), **EN)
    assert response.status_code == 200
    return response.content.decode()


def _assets(page: str) -> list[str]:
    """The static files the page loads: scripts and stylesheets, as paths under STATIC_URL."""
    tree = lxml.html.fromstring(page)
    urls = tree.xpath("//script/@src") + tree.xpath('//link[@rel="stylesheet"]/@href')
    assert all(url.startswith(settings.STATIC_URL) for url in urls), urls
    return [url.removeprefix(settings.STATIC_URL) for url in urls]


def _static_text(path: str) -> str:
    found = finders.find(path)
    assert found, f"{path} is not a static file"
    return Path(str(found)).read_text(encoding="utf-8")


def test_the_page_names_no_other_site(map_page):
    assert URL.findall(map_page) == []
    tree = lxml.html.fromstring(map_page)
    addresses = tree.xpath("//@href | //@src | //@action")
    # Protocol-relative ("//host/…") or any other scheme would leave the server too.
    assert [a for a in addresses if a.startswith("//") or re.match(r"^[a-z][a-z0-9+.-]*:", a)] == []


def test_the_page_loads_leaflet_and_our_files_only(map_page):
    assert _assets(map_page) == [
        "django_htmx/htmx-2.min.js",
        "leaflet/leaflet.js",
        "leaflet/leaflet.extras.js",
        "leaflet/draw/leaflet.draw.i18n.js",
        "crisis/map.js",
        "core/concord.css",
        "crisis/map.css",
        "leaflet/leaflet.css",
        "leaflet/leaflet.extras.css",
    ]


def test_no_loaded_file_fetches_from_another_site(map_page):
    found = {}
    for path in _assets(map_page):
        text = _static_text(path)
        urls = set(URL.findall(text))
        if urls:
            found[path] = urls
        if path.endswith(".css"):
            assert "@import" not in text, path
            assert re.findall(r"url\(\s*['\"]?\s*(?:[a-z]+:)?//", text, re.IGNORECASE) == [], path
            assert "@font-face" not in text, path
        else:
            # No tile URL template anywhere, and no call that adds a tile layer except
            # django-leaflet's own map set-up, which takes its layers from LEAFLET_CONFIG.
            assert "{z}/{x}/{y}" not in text, path
            if re.search(r"\bL\.tileLayer\s*\(", text):
                assert path == "leaflet/leaflet.extras.js"
    assert found == HARMLESS
    # That set-up (`L.Map.djangoMap`) has no layers to add, and the page does not run it.
    assert settings.LEAFLET_CONFIG["TILES"] == []
    assert "djangoMap" not in map_page
    assert "djangoMap" not in _static_text("crisis/map.js")


def test_the_page_config_points_at_this_server(map_page, kz_analyst):
    tree = lxml.html.fromstring(map_page)
    (node,) = tree.xpath('//script[@id="crisis-map-config"]')
    config = json.loads(node.text)
    assert config["basemap"] == {
        "countries": "/crisis/map/basemap/countries.geojson",
        "world": "/crisis/map/basemap/world.geojson",
        "places": "/crisis/map/basemap/places.geojson",
    }
    assert config["clustersUrl"] == "/api/v1/crisis/events/clusters"
    assert config["regionUrl"] == "/api/v1/crisis/regions/"
    assert config["eventUrl"] == "/crisis/events/{uid}/"
    assert config["memberStates"] == ["KZX", "RUX"]  # the test states' countries (factories)
    assert (config["center"], config["zoom"], config["minZoom"], config["maxZoom"]) == (
        [38.0, 68.0],
        5,
        2,
        14,
    )
    assert config["attribution"] == "Borders and places: Natural Earth (public domain)"
    today = timezone.now().astimezone(UTC).date()
    assert config["timeEnd"] == f"{today + timedelta(days=1)}T00:00:00+00:00"
    assert config["colours"] == {
        "1": "#1a9850",
        "2": "#91cf60",
        "3": "#e6b800",
        "4": "#fc8d59",
        "5": "#d73027",
    }
    options = tree.xpath('//select[@id="f-type"]/option/@value')
    assert options[:3] == ["", "acled", "acled.battles"]


def test_the_time_span_follows_the_months_asked_for(client_for, kz_analyst):
    response = client_for(kz_analyst).get(reverse("crisis:map"), {"months": "3"}, **EN)
    tree = lxml.html.fromstring(response.content.decode())
    config = json.loads(tree.xpath('//script[@id="crisis-map-config"]')[0].text)
    start = datetime.fromisoformat(config["timeStart"])
    end = datetime.fromisoformat(config["timeEnd"])
    assert 89 <= (end - start).days <= 93
    assert tree.xpath('//select[@id="f-months"]/option[@selected]/@value') == ["3"]


def test_the_clusters_the_map_asks_for(client_for, kz_analyst, ru_analyst):
    """The request map.js builds (zoom, bbox, since/until with an offset, filters) is one the
    API accepts, and it answers with what the script draws."""
    now = timezone.now()
    near = {"starts_at": now - timedelta(days=3), "tlp": Tlp.GREEN}
    EventFactory(author=kz_analyst, latitude=36.70, longitude=68.90, severity=2, **near)
    EventFactory(author=kz_analyst, latitude=36.71, longitude=68.91, severity=4, **near)
    single = EventFactory(
        author=kz_analyst, latitude=43.25, longitude=76.90, severity=5, title="Almaty", **near
    )
    EventFactory(author=kz_analyst, latitude=41.3, longitude=69.2, tlp=Tlp.AMBER)  # unseen
    params = {
        "zoom": "5",
        "bbox": "40.0000,25.0000,96.0000,50.0000",
        "since": (now - timedelta(days=30)).isoformat(),
        "until": (now + timedelta(days=1)).isoformat(),
    }
    response = client_for(ru_analyst).get(reverse("api:crisis_event_clusters"), params)
    assert response.status_code == 200
    features = response.json()["features"]
    cluster = [f["properties"] for f in features if f["properties"].get("cluster")]
    singles = [f["properties"] for f in features if not f["properties"].get("cluster")]
    assert cluster == [{"cluster": True, "count": 2, "max_severity": 4}]
    assert [(p["uid"], p["title"], p["severity"]) for p in singles] == [
        (str(single.uid), "Almaty", 5)
    ]
    assert singles[0]["url"] == reverse("crisis:event", args=[single.uid])


@pytest.mark.parametrize(("name", "features"), [("world", 177), ("countries", 18), ("places", 321)])
def test_basemap_layers_are_geojson_with_an_etag(client_for, kz_analyst, name, features):
    client = client_for(kz_analyst)
    url = reverse("crisis:basemap", args=[name])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    assert re.fullmatch(r'"[0-9a-f]{32}"', response["ETag"])
    assert response["Cache-Control"] == "private, max-age=86400"
    data = json.loads(response.content)
    assert data["type"] == "FeatureCollection"
    assert len(data["features"]) == features
    assert {f["geometry"]["type"] for f in data["features"]} <= {
        "Polygon",
        "MultiPolygon",
        "Point",
    }

    again = client.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    assert again.content == b""


def test_basemap_refuses_unknown_layers_and_strangers(client_for, kz_analyst):
    assert client_for(kz_analyst).get(reverse("crisis:basemap", args=["tiles"])).status_code == 404
    response = client_for(None).get(reverse("crisis:basemap", args=["world"]))
    assert response.status_code == 302


def test_the_time_window_ends_at_the_latest_visible_event(client_for, kz_analyst, ru_analyst):
    """A picture of past events is not an empty map: the window ends at the latest event the
    user may see, or today when there is none."""
    EventFactory(author=kz_analyst, starts_at=datetime(2025, 1, 20, 6, tzinfo=UTC))
    EventFactory(author=kz_analyst, starts_at=datetime(2025, 3, 2, 6, tzinfo=UTC), tlp=Tlp.RED)

    own = client_for(kz_analyst).get(reverse("crisis:map"), HTTP_ACCEPT_LANGUAGE="en")
    other = client_for(ru_analyst).get(reverse("crisis:map"), HTTP_ACCEPT_LANGUAGE="en")

    assert own.context["config"]["timeEnd"] == "2025-03-03T00:00:00+00:00"
    assert own.context["config"]["timeStart"] == "2024-03-02T00:00:00+00:00"
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    assert other.context["config"]["timeEnd"] == f"{tomorrow.isoformat()}T00:00:00+00:00"
