"""The whole TONE3000 journey in Chromium, against the fake TONE3000 as its own server: a new
player signs in with TONE3000, uploads their own DI, picks two capture variants of one tone in
the builder's TONE3000 browser, renders them, and shares the result — and the results page and
the shared page credit the creator and licence, "Powered by TONE3000"."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.e2e.api import BrowserApi
from tests.e2e.browser import VIEWPORTS, PageWatch
from tests.e2e.conftest import Audit
from tests.e2e.live import LiveServer
from tests.e2e.pages import upload_in_page
from tests.e2e.shootouts import Material
from tests.e2e.tone3000 import FakeTone3000, page_problems

RENDER_TIMEOUT_MS = 300_000  # a render on a loaded 2-core machine


@pytest.fixture
def journey(
    browser: Browser,
    t3k_server: LiveServer,
    tone3000: FakeTone3000,
    audit_for: Callable[[Page], Audit],
) -> Iterator[tuple[Page, Audit]]:
    """A page whose only other-origin requests are the trips to TONE3000's sign-in."""
    context = browser.new_context(base_url=t3k_server.url, viewport=VIEWPORTS["desktop"])
    page = context.new_page()
    watch = PageWatch(origin=t3k_server.url)
    watch.attach(page)
    try:
        yield page, audit_for(page)
        problems = page_problems(watch, tone3000.base_url)
        assert not problems, "\n".join(problems)
    finally:
        context.close()


def _pick(block: Locator, tone: str, variant: str) -> None:
    """In a capture block: switch its source to TONE3000, open `tone`, use `variant`."""
    block.get_by_role("radio", name="TONE3000").check()
    browser = block.locator("t3k-browser")
    browser.get_by_role("button", name=re.compile(re.escape(tone))).click()
    browser.get_by_role("button", name=f"Use {tone} — {variant}").click()
    expect(block.locator(".t3k-chosen")).to_contain_text(f"{tone} — {variant}")


def _add_capture_block(page: Page, chain: int) -> Locator:
    page.locator(f"#add-block-{chain}").select_option("capture")
    page.locator("section.chain").nth(chain).get_by_role("button", name="Add block").click()
    return page.locator(f"#block-{chain}-0")


def test_sign_in_pick_two_variants_render_and_share_with_credits(
    journey: tuple[Page, Audit],
    t3k_server: LiveServer,
    tone3000: FakeTone3000,
    material: Material,
    browser: Browser,
) -> None:
    page, audit = journey
    page.goto("/login?next=/library")
    page.get_by_role("link", name="Sign in with TONE3000").click()
    page.wait_for_url(re.compile(r"/library$"))

    upload_in_page(page, "di-tracks", [material.di])
    expect(page.locator("#section-di-tracks")).to_contain_text(material.di.name, timeout=60_000)
    library_t3k = page.locator("#tone3000 t3k-browser")
    expect(library_t3k).to_contain_text("Plexi Lead 100W")
    library_t3k.get_by_role("button", name=re.compile("Plexi Lead 100W")).click()
    expect(library_t3k.get_by_role("link", name=re.compile("New shootout with"))).to_have_count(5)
    audit("t3k-library")

    page.goto("/shootouts/new")
    first = _add_capture_block(page, 0)
    first.get_by_role("radio", name="TONE3000").check()
    expect(first.locator("t3k-browser")).to_contain_text("Favourites")
    _pick(first, "Plexi Lead 100W", "Gain 3 - SM57 (A2, standard)")
    page.get_by_role("button", name="Add chain").click()
    second = _add_capture_block(page, 1)
    second.get_by_role("radio", name="TONE3000").check()
    expect(second.locator("t3k-browser")).to_contain_text("Plexi Lead 100W")
    audit("t3k-builder-browsing")
    _pick(second, "Plexi Lead 100W", "Gain 7 - SM57 (A2, standard)")
    expect(second.locator(".t3k-chosen")).to_contain_text("by Amp Wright · CC BY 4.0")
    audit("t3k-builder-picked")

    page.get_by_role("button", name="Render").click()
    page.wait_for_url(re.compile(r"/renders/[0-9a-f-]+$"))
    render_id = page.url.rsplit("/", 1)[-1]
    credits = page.locator(".credits-section")
    expect(credits).to_be_visible(timeout=RENDER_TIMEOUT_MS)
    expect(credits.locator("li.t3k-credit")).to_have_count(2)
    expect(credits).to_contain_text("Gain 3 - SM57")
    expect(credits).to_contain_text("Gain 7 - SM57")
    expect(credits).to_contain_text("CC BY 4.0")
    expect(credits.locator(".powered-by")).to_have_text("Powered by TONE3000")
    audit("t3k-journey-results")

    api = BrowserApi(page.context, t3k_server.url)
    share = api.call("POST", f"/api/v1/renders/{render_id}/shares", {"visibility": "unlisted"}, 201)
    _stranger_sees_the_credits(browser, t3k_server, tone3000, share["token"])


def _stranger_sees_the_credits(
    browser: Browser, server: LiveServer, tone3000: FakeTone3000, token: str
) -> None:
    stranger = browser.new_context(base_url=server.url, viewport=VIEWPORTS["desktop"])
    try:
        shared = stranger.new_page()
        shared.goto(f"/s/{token}")
        shared_credits = shared.locator(".credits-section")
        expect(shared_credits).to_be_visible(timeout=30_000)
        expect(shared_credits.locator("li.t3k-credit")).to_have_count(2)
        expect(shared_credits).to_contain_text("ampwright")
        expect(shared_credits.get_by_role("link", name="TONE3000")).to_have_attribute(
            "href", "https://www.tone3000.com"
        )
        tone_page = shared_credits.get_by_role("link", name="Plexi Lead 100W").first
        expect(tone_page).to_have_attribute("href", f"{tone3000.base_url}//plexi-lead-100w-4201")
    finally:
        stranger.close()
