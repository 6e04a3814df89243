"""The sign-in, sign-up and account pages with TONE3000 configured."""

from __future__ import annotations

from tests.integration.server.tone3000.helpers import Browser


async def test_login_page_offers_sign_in_with_tone3000(browser: Browser) -> None:
    text = (await browser.app.get("/login?next=/library")).text
    assert 'href="/api/v1/auth/tone3000/login?next=/library"' in text
    assert "Sign in with TONE3000" in text
    assert 'Powered by <a href="https://www.tone3000.com"' in text
    assert 'id="t3k-message"' not in text


async def test_login_page_passes_on_only_a_safe_next(browser: Browser) -> None:
    text = (await browser.app.get("/login", params={"next": "//evil.example"})).text
    assert 'href="/api/v1/auth/tone3000/login?next=/shootouts"' in text
    assert "evil.example" not in text


async def test_signup_page_offers_it_too(browser: Browser) -> None:
    text = (await browser.app.get("/signup")).text
    assert 'href="/api/v1/auth/tone3000/login"' in text


async def test_login_page_shows_only_known_messages(browser: Browser) -> None:
    calm = (await browser.app.get("/login", params={"t3k": "canceled"})).text
    assert "You left TONE3000 without signing in" in calm
    crafted = (await browser.app.get("/login", params={"t3k": "<b>pay here</b>"})).text
    assert 'id="t3k-message"' not in crafted
    assert "pay here" not in crafted


async def test_account_page_offers_a_link_then_shows_it(browser: Browser) -> None:
    await browser.sign_up_with_password()
    before = (await browser.app.get("/account")).text
    assert 'id="t3k-link"' in before
    assert 'id="t3k-unlink"' not in before
    assert "/static/js/tone3000-link.js" in before
    await browser.link()
    after = (await browser.app.get("/account", params={"t3k": "linked"})).text
    assert 'Linked as <strong id="t3k-username">shootout-tester</strong>' in after
    assert 'id="t3k-unlink"' in after
    assert "Your TONE3000 account is linked." in after
    assert 'id="password-form"' in after


async def test_account_page_of_a_tone3000_only_account(browser: Browser) -> None:
    await browser.round_trip()
    text = (await browser.app.get("/account")).text
    assert "Signed in as <strong>shootout-tester</strong> with TONE3000" in text
    assert 'id="t3k-unlink"' not in text
    assert "signs in with TONE3000 only" in text
    assert 'id="password-form"' not in text  # no password to change
    assert 'id="delete_password"' not in text
    assert 'id="delete-form"' in text
