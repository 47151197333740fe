"""Browser smoke test: Debian's Chromium, driven by Playwright, against a live server.

A person opens the site, is sent to sign in, signs in, lands on the Russian home page, switches
to English and sees the member states. Needs /usr/bin/chromium (`apt-get install chromium`):
without it the test is skipped on a developer's machine and fails in CI (CI is set), so CI can
never pass without having run it. Never `playwright install`: the browser is Debian's.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from playwright.sync_api import Page, Response, expect, sync_playwright

from concord.core import demo, reference_data
from concord.core.models import MemberState, Role, User
from concord.core.tests.factories import TEST_PASSWORD, AgencyFactory, UserFactory

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
# Headless, no sandbox (CI runs as root) and no background traffic: this machine has no network
# but the loopback, and Chromium's calls home would only fail and slow it down.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 20_000
ORGANISATION_RU = settings.CONCORD_ORGANISATION["name_ru"]
ORGANISATION_EN = settings.CONCORD_ORGANISATION["name_en"]


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


def require_chromium() -> None:
    if CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK):
        return
    reason = f"{CHROMIUM} not found: install Debian's Chromium (apt-get install chromium)"
    if in_ci():
        pytest.fail(f"{reason}; CI must run the browser test, so .ci/run has to install it")
    pytest.skip(reason)


def loopback(url: str) -> str:
    """The live server's address on 127.0.0.1 (pytest-socket allows only loopback addresses,
    and `localhost` could resolve to ::1 where the server does not listen)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://127.0.0.1:{parts.port}"


@pytest.fixture(autouse=True)
def chromium_present() -> None:
    """Check for the browser first, before any data is loaded."""
    require_chromium()


@pytest.fixture
def analyst(transactional_db: None) -> User:
    """The organisation's real member states, and an analyst of Kazakhstan's security agency."""
    demo.load_countries()
    demo.load_organisation()
    agency = AgencyFactory(code="KZ-E2E", state=MemberState.objects.get(code="KZ"))
    return UserFactory(username="e2e-analyst", agency=agency, role=Role.ANALYST)


@pytest.fixture
def browser_page() -> Iterator[tuple[Page, list[str]]]:
    """A fresh headless Chromium page (Playwright's `launch` gives it a new, empty profile),
    and the list of problems seen while it runs: failed requests, HTTP errors, script errors.

    The browser asks for Kazakh, a language of a member state that the site does not offer, so
    the site has to fall back to Russian, its default (headless Chromium would ask for en-US).
    """
    problems: list[str] = []

    def on_response(response: Response) -> None:
        if response.status >= 400:
            problems.append(f"HTTP {response.status} {response.request.method} {response.url}")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True, timeout=60_000
        )
        try:
            context = browser.new_context(locale="kk-KZ")
            context.set_default_timeout(TIMEOUT_MS)
            page = context.new_page()
            page.on("response", on_response)
            page.on(
                "requestfailed",
                lambda request: problems.append(f"failed {request.url}: {request.failure}"),
            )
            page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
            yield page, problems
            context.close()
        finally:
            browser.close()


def test_sign_in_then_switch_to_english(live_server, analyst, browser_page) -> None:
    page, problems = browser_page
    base = loopback(live_server.url)
    states = page.locator("#states")

    page.goto(f"{base}/")
    expect(page).to_have_url(re.compile(re.escape(f"{base}/account/login/") + r"\?next=/?$"))
    expect(page.locator("html")).to_have_attribute("lang", "ru")

    page.locator("#id_username").fill(analyst.username)
    page.locator("#id_password").fill(TEST_PASSWORD)
    page.locator("main form button[type=submit]").click()

    expect(page).to_have_url(f"{base}/")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.locator("main h1")).to_have_text(ORGANISATION_RU)
    expect(page.locator("header .brand")).to_contain_text(ORGANISATION_RU)
    expect(states.locator("li")).to_have_count(len(reference_data.MEMBER_STATES))
    expect(states).to_contain_text("Казахстан")
    expect(page.locator("header .who")).to_contain_text(analyst.username)

    page.locator("header form.lang button[data-lang='en']").click()

    expect(page).to_have_url(f"{base}/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("main h1")).to_have_text(ORGANISATION_EN)
    expect(page.locator("header form.lang button[data-lang='en']")).to_have_attribute(
        "aria-current", "true"
    )
    expect(states.locator("li")).to_have_count(len(reference_data.MEMBER_STATES))
    expect(states).to_contain_text("Kazakhstan")
    expect(states).not_to_contain_text("Казахстан")

    # The stylesheet and htmx came from the live server's static files handler.
    assert page.evaluate("() => typeof window.htmx") == "object"
    assert page.evaluate(
        "() => [...document.styleSheets].some(s => s.href && s.href.includes('/static/'))"
    )
    assert problems == []
