"""Searching TONE3000 in the browser, on a server whose API tier allows it: the Search tab of
the library's TONE3000 section finds tones (A2-only ones too) and opens their models."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.browser import VIEWPORTS, PageWatch
from tests.e2e.conftest import Audit
from tests.e2e.live import LiveServer
from tests.e2e.tone3000 import FakeTone3000, page_problems, server_signing_in_with


@pytest.fixture(scope="module")
def search_server(
    tmp_path_factory: pytest.TempPathFactory, tone3000: FakeTone3000
) -> Iterator[LiveServer]:
    server = server_signing_in_with(tone3000, tmp_path_factory.mktemp("e2e-t3k-search"))
    server.extra_env["TONESHOOTOUT_TONE3000__SEARCH_ENABLED"] = "true"
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def search_page(
    browser: Browser,
    search_server: LiveServer,
    tone3000: FakeTone3000,
    audit_for: Callable[[Page], Audit],
) -> Iterator[tuple[Page, Audit]]:
    context = browser.new_context(base_url=search_server.url, viewport=VIEWPORTS["phone"])
    page = context.new_page()
    watch = PageWatch(origin=search_server.url)
    watch.attach(page)
    try:
        yield page, audit_for(page)
        problems = page_problems(watch, tone3000.base_url)
        assert not problems, "\n".join(problems)
    finally:
        context.close()


def test_search_finds_an_a2_only_tone_and_lists_its_models(
    search_page: tuple[Page, Audit],
) -> None:
    page, audit = search_page
    page.goto("/login?next=/library")
    page.get_by_role("link", name="Sign in with TONE3000").click()
    page.wait_for_url(re.compile(r"/library$"))
    browser = page.locator("#tone3000 t3k-browser")
    browser.get_by_role("button", name="Search", exact=True).click()
    query = browser.get_by_role("searchbox", name="Search TONE3000")
    expect(query).to_be_focused()
    query.fill("crater")
    query.press("Enter")
    found = browser.get_by_role("button", name=re.compile("Crater Modern A2 Only"))
    expect(found).to_be_visible()
    audit("t3k-search")
    found.click()
    rows = browser.locator("table.t3k-variants tbody tr")
    expect(rows.first).to_be_visible()
    for text in rows.all_inner_texts():
        assert "A2" in text
    browser.get_by_role("button", name="← Back to the list").click()
    expect(browser.get_by_role("searchbox", name="Search TONE3000")).to_have_value("crater")
