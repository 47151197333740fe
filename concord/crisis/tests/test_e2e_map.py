"""Browser test of the offline map (Debian's Chromium via Playwright, as core's e2e): a signed-in
analyst opens the map with three events in the database, sees one cluster of two and one
single event, filters by severity, opens an event's popup, and no request of the page leaves
127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import TypeVar
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import Request, expect

from concord.core.markings import Tlp
from concord.core.models import User
from concord.core.tests.factories import TEST_PASSWORD
from concord.core.tests.test_e2e import (  # noqa: F401 - fixtures used by name
    analyst,
    browser_page,
    chromium_present,
    loopback,
)
from concord.crisis.models import Event, Region, RegionMembership
from concord.crisis.tests.factories import EventFactory

pytestmark = pytest.mark.e2e
T = TypeVar("T")


def in_a_thread(work: Callable[[], T]) -> T:
    """Run ORM work off Playwright's event-loop thread (Django refuses it there)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()


def three_events(author: User) -> list[Event]:
    """Two events near Kunduz (one cell of the zoom-5 grid: a cluster of 2) and one in Almaty.
    (The event taxonomy is put back before each test by the crisis conftest.)"""
    recent = {"starts_at": timezone.now() - timedelta(days=3), "tlp": Tlp.GREEN}
    events = [
        EventFactory(author=author, title="Clash north of Kunduz", severity=2, **recent),
        EventFactory(
            author=author,
            title="Shelling near Kunduz",
            latitude=36.74,
            longitude=68.87,
            severity=4,
            **recent,
        ),
        EventFactory(
            author=author,
            title="Flood in Almaty",
            latitude=43.25,
            longitude=76.92,
            severity=5,
            country="KAZ",
            admin1_pcode="",
            admin1_name="Almaty",
            **recent,
        ),
    ]
    # A region of concern around Kunduz holding the first two (placement is another module's
    # work: the memberships are written here directly).
    region = Region.objects.create(
        slug="kunduz-box",
        name_en="Kunduz box",
        name_ru="Кундуз",
        kind=Region.Kind.POLYGON,
        geometry={
            "type": "Polygon",
            "coordinates": [[[68.0, 36.0], [70.0, 36.0], [70.0, 37.5], [68.0, 37.5], [68.0, 36.0]]],
        },
        created_by=author,
    )
    for event in events[:2]:
        RegionMembership.objects.create(region=region, event=event)
    return events


def test_the_map_shows_clusters_and_events_without_leaving_the_machine(
    live_server,
    analyst,  # noqa: F811 - the imported fixture, by name
    browser_page,  # noqa: F811 - the imported fixture, by name
) -> None:
    page, problems = browser_page
    events = in_a_thread(lambda: three_events(analyst))
    base = loopback(live_server.url)
    requests: list[str] = []

    def on_request(request: Request) -> None:
        requests.append(request.url)

    page.on("request", on_request)

    page.goto(f"{base}/account/login/")
    page.locator("#id_username").fill(analyst.username)
    page.locator("#id_password").fill(TEST_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(f"{base}/")

    page.goto(f"{base}/crisis/map/")
    crisis_map = page.locator("#crisis-map")
    clusters = page.locator("#crisis-map .crisis-cluster")
    singles = page.locator("#crisis-map path.crisis-event")
    expect(crisis_map).to_have_attribute("data-shown", "3")
    expect(clusters).to_have_count(1)
    expect(clusters).to_have_text("2")
    expect(singles).to_have_count(1)
    # The basemap's three layers came from this server and were drawn.
    expect(page.locator(".leaflet-world-pane path").first).to_be_attached()
    expect(page.locator(".leaflet-countries-pane path").first).to_be_attached()
    # No link to another site in the map either (Leaflet's own prefix is plain text).
    assert page.locator("#crisis-map a[href^='http']").count() == 0

    singles.click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text("Flood in Almaty")
    expect(popup.locator("a")).to_have_attribute("href", f"/crisis/events/{events[2].uid}/")

    # A filter reloads the layer: only severity 5 and above is left.
    page.locator("#f-severity").select_option("5")
    expect(crisis_map).to_have_attribute("data-shown", "1")
    expect(clusters).to_have_count(0)
    expect(singles).to_have_count(1)

    cluster_requests = [url for url in requests if "/api/v1/crisis/events/clusters?" in url]
    last = parse_qs(urlsplit(cluster_requests[-1]).query)
    assert (last["zoom"], last["min_severity"]) == (["5"], ["5"])

    # A region of concern: its outline is drawn, the map moves to it, its events are shown.
    page.locator("#f-severity").select_option("")
    page.locator("#f-region").select_option("kunduz-box")
    expect(page.locator(".leaflet-region-pane path")).to_have_count(1)
    expect(crisis_map).to_have_attribute("data-shown", "2")
    assert f"{base}/api/v1/crisis/regions/kunduz-box" in requests
    assert {
        f"{base}/crisis/map/basemap/{name}.geojson" for name in ("world", "countries", "places")
    } <= set(requests)
    elsewhere = [url for url in requests if urlsplit(url).hostname != "127.0.0.1"]
    assert elsewhere == []
    assert problems == []
