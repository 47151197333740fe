"""Browser test of the cyber pages (Debian's Chromium via Playwright, as core's e2e): an analyst
reports an incident, comments on it without a page load, and reads who can see it and why."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import pytest
from playwright.sync_api import expect

from concord.core.tests.factories import TEST_PASSWORD
from concord.core.tests.test_e2e import (  # noqa: F401 - fixtures used by name
    analyst,
    browser_page,
    chromium_present,
    loopback,
)
from concord.cyber.models import Comment, Incident

pytestmark = pytest.mark.e2e
T = TypeVar("T")


def in_a_thread(query: Callable[[], T]) -> T:
    """Run an ORM query off Playwright's event-loop thread (Django refuses it there)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(query).result()


def test_report_an_incident_comment_and_read_its_audience(
    live_server,
    analyst,  # noqa: F811 - the imported fixture, by name
    browser_page,  # noqa: F811 - the imported fixture, by name
) -> None:
    page, problems = browser_page
    base = loopback(live_server.url)
    page.goto(f"{base}/account/login/")
    page.locator("#id_username").fill(analyst.username)
    page.locator("#id_password").fill(TEST_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(f"{base}/")

    page.goto(f"{base}/cyber/incidents/new/")
    page.locator("#id_title").fill("Фишинг против банков")
    page.locator("#id_classification").select_option("fraud:phishing")
    page.locator("#id_tlp").select_option("AMBER")
    page.locator("#incident-form button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("Фишинг против банков")
    uid = in_a_thread(lambda: str(Incident.objects.values_list("uid", flat=True).get()))
    expect(page).to_have_url(f"{base}/cyber/incidents/{uid}/")

    page.evaluate("window.loadMarker = 'still here'")
    page.locator("#comments textarea").fill("Домен уже заблокирован у провайдера.")
    page.locator("#comments button[type=submit]").click()
    expect(page.locator("#comments li")).to_contain_text("Домен уже заблокирован у провайдера.")
    assert page.evaluate("window.loadMarker") == "still here"  # no page load
    assert in_a_thread(Comment.objects.count) == 1

    page.locator("#audience-link").click()
    expect(page.locator('[data-kind="state"][data-code="KZ"]')).to_be_visible()
    expect(page.locator('[data-kind="agency"][data-code="KZ-E2E"]')).to_be_visible()
    assert problems == []
