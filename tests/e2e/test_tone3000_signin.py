"""Sign in with TONE3000 in Chromium, against the fake TONE3000 running as its own server:
from the login page to a signed-in account whose page shows the link; and a password
account linking and unlinking TONE3000 from its account page."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.api import BrowserApi
from tests.e2e.browser import VIEWPORTS, PageWatch
from tests.e2e.conftest import Audit
from tests.e2e.live import LiveServer
from tests.e2e.tone3000 import RunningFake, page_problems


@pytest.fixture
def t3k_context(browser: Browser, t3k_server: LiveServer) -> Iterator[BrowserContext]:
    ctx = browser.new_context(base_url=t3k_server.url, viewport=VIEWPORTS["desktop"])
    try:
        yield ctx
    finally:
        ctx.close()


@pytest.fixture
def t3k_watch(t3k_server: LiveServer) -> PageWatch:
    return PageWatch(origin=t3k_server.url)


@pytest.fixture
def t3k_page(
    t3k_context: BrowserContext, t3k_watch: PageWatch, tone3000: RunningFake
) -> Iterator[Page]:
    """A page whose only other-origin requests are the navigations to TONE3000's sign-in."""
    watch = t3k_watch
    page = t3k_context.new_page()
    watch.attach(page)
    yield page
    problems = page_problems(watch, tone3000.base_url)
    if problems:
        pytest.fail("the page misbehaved:\n" + "\n".join(problems), pytrace=False)


@pytest.fixture
def t3k_audit(t3k_page: Page, audit_for: Callable[[Page], Audit]) -> Audit:
    return audit_for(t3k_page)


@pytest.fixture
def signs_in_as(tone3000: RunningFake) -> Iterator[Callable[[str | None], None]]:
    """Choose who signs in at the fake (its `user` switch), reset afterwards."""

    def choose(username: str | None) -> None:
        reply = httpx.put(f"{tone3000.base_url}/_fake/switches", json={"user": username})
        reply.raise_for_status()

    yield choose
    choose(None)


def test_sign_in_with_tone3000_lands_signed_in_and_linked(t3k_page: Page, t3k_audit: Audit) -> None:
    page = t3k_page
    page.goto("/signup")
    expect(page.get_by_role("link", name="Sign in with TONE3000")).to_be_visible()
    t3k_audit("tone3000-signup")
    page.goto("/login?next=/library")
    button = page.get_by_role("link", name="Sign in with TONE3000")
    expect(button).to_be_visible()
    expect(page.get_by_role("link", name="TONE3000", exact=True)).to_have_attribute(
        "href", "https://www.tone3000.com"
    )
    t3k_audit("tone3000-login")
    button.click()
    page.wait_for_url(re.compile(r"/library$"))
    expect(page.get_by_role("link", name="Account")).to_be_visible()
    page.goto("/account")
    section = page.locator("#t3k-section")
    expect(section).to_contain_text("Linked as shootout-tester")
    expect(page.locator("main")).to_contain_text("Signed in as shootout-tester with TONE3000")
    expect(section.get_by_role("button", name="Unlink TONE3000")).to_have_count(0)
    expect(page.locator("#password-form")).to_have_count(0)
    t3k_audit("tone3000-account-signed-in")
    # No password to confirm with: the tick box alone deletes the account, link and all.
    page.get_by_label("I understand my library, shootouts and renders are deleted").check()
    page.get_by_role("button", name="Delete account").click()
    page.wait_for_url(re.compile(r"/\?deleted=1$"))


def test_password_account_links_and_unlinks_tone3000(
    t3k_page: Page,
    t3k_context: BrowserContext,
    t3k_server: LiveServer,
    t3k_audit: Audit,
    signs_in_as: Callable[[str | None], None],
) -> None:
    page = t3k_page
    signs_in_as("ampwright")  # a TONE3000 user nobody here has signed in as yet
    BrowserApi(t3k_context, t3k_server.url).sign_up()
    page.goto("/account")
    section = page.locator("#t3k-section")
    link = section.get_by_role("button", name="Link TONE3000")
    expect(link).to_be_enabled()
    t3k_audit("tone3000-account-unlinked")
    link.click()
    page.wait_for_url(re.compile(r"/account\?t3k=linked$"))
    expect(section).to_contain_text("Your TONE3000 account is linked.")
    expect(section).to_contain_text("Linked as ampwright")
    t3k_audit("tone3000-account-linked")
    section.get_by_role("button", name="Unlink TONE3000").click()
    page.wait_for_url(re.compile(r"/account\?t3k=unlinked$"))
    expect(section).to_contain_text("TONE3000 is unlinked")
    expect(section.get_by_role("button", name="Link TONE3000")).to_be_visible()


def test_a_stale_callback_shows_the_reason_on_a_page(
    t3k_page: Page, t3k_watch: PageWatch, t3k_audit: Audit
) -> None:
    t3k_watch.allow_console("the server responded with a status of 400")
    page = t3k_page
    reply = page.goto("/api/v1/auth/tone3000/callback?code=old&state=" + "A" * 43)
    assert reply is not None
    assert reply.status == 400
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Signing in with TONE3000 did not work"
    )
    expect(page.get_by_role("alert")).to_contain_text("unknown or long expired")
    t3k_audit("tone3000-callback-refused")
    page.get_by_role("link", name="Sign in again").click()
    page.wait_for_url(re.compile(r"/login$"))
