"""Browser tests of the designations pages (Debian's Chromium via Playwright, as core's e2e):
an analyst answers a review pair with one key, then screens a name and sees the match appear
without a page load."""

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
from concord.designations import services
from concord.designations.models import Judgement, Verdict
from concord.designations.tests.factories import import_rows, row

pytestmark = pytest.mark.e2e
T = TypeVar("T")


@pytest.fixture
def queued_pair(analyst):  # noqa: F811 - the imported fixture, by name
    """KZ and RU list the same organisation under two spellings that only review can join."""
    services.ensure_lists()
    import_rows("KZ", [row("KZ-1", "Джамаат Ансаруллах")])
    import_rows("RU", [row("RU-1", "Джамаат Ансарулла Таджикистана")])
    report = services.harmonise(acting_user=None, auto_threshold=0.99)
    assert report.queued == 1
    return analyst


def in_a_thread(query: Callable[[], T]) -> T:
    """Run an ORM query off Playwright's event-loop thread (Django refuses it there)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(query).result()


def sign_in(page, base, user) -> None:
    page.goto(f"{base}/account/login/")
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(TEST_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(f"{base}/")


def test_one_key_answers_a_pair_then_a_name_is_screened(
    live_server,
    queued_pair,
    browser_page,  # noqa: F811 - the imported fixture, by name
) -> None:
    page, problems = browser_page
    base = loopback(live_server.url)
    sign_in(page, base, queued_pair)

    page.goto(f"{base}/designations/review/")
    expect(page.locator("#pair")).to_have_attribute("data-left", "kz:KZ-1")
    page.keyboard.press("s")

    expect(page.locator("#queue-empty")).to_be_visible()
    assert in_a_thread(
        lambda: Judgement.objects.values_list("left_uid", "right_uid", "verdict").get()
    ) == (
        "kz:KZ-1",
        "ru:RU-1",
        Verdict.POSITIVE,
    )

    page.goto(f"{base}/designations/screen/")
    page.locator("#screen-one input[name=name]").fill("Jamaat Ansarullah")
    page.locator("#screen-one button[type=submit]").click()

    expect(page.locator("#matches tbody tr")).to_have_count(1)
    expect(page.locator("#matches tbody tr").first).to_contain_text("KZ")
    assert problems == []
