"""Signing in with TONE3000: PKCE S256 and a one-time state bound to the browser (REQ-04),
redirects from configuration only (REQ-05), a new local account on the first visit."""

from __future__ import annotations

import uuid

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update

from tests.integration.server.auth.conftest import FakeClock
from tests.integration.server.tone3000.conftest import AppFactory, BrowserFactory
from tests.integration.server.tone3000.helpers import (
    CALLBACK,
    CLIENT_ID,
    FAKE_BASE,
    LOGIN,
    REDIRECT_URI,
    STATE_COOKIE,
    STATUS,
    Browser,
    location,
    query_of,
)
from toneshootout.server.auth.cookies import ACCESS_COOKIE, REFRESH_COOKIE
from toneshootout.server.db.models.user import User
from toneshootout.server.state import Services
from toneshootout.tone3000_fake import FakeState

SESSION_COOKIES = (ACCESS_COOKIE, REFRESH_COOKIE)


def _set_cookies(response: httpx.Response) -> list[str]:
    return response.headers.get_list("set-cookie")


def assert_no_session(response: httpx.Response, browser: Browser) -> None:
    assert not any(
        c.startswith(f"{name}=") for c in _set_cookies(response) for name in SESSION_COOKIES
    )
    assert browser.app.cookies.get(ACCESS_COOKIE) is None


async def test_login_redirects_to_authorize_with_pkce_s256(browser: Browser) -> None:
    response = await browser.app.get(LOGIN)
    url = location(response)
    assert url.startswith(f"{FAKE_BASE}/api/v1/oauth/authorize?")
    params = query_of(url)
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) == 43
    assert len(params["state"]) >= 43  # 256 random bits, base64url
    assert params["client_id"] == CLIENT_ID
    assert params["redirect_uri"] == REDIRECT_URI
    assert params["response_type"] == "code"
    assert "prompt" not in params
    (cookie,) = [c for c in _set_cookies(response) if c.startswith(f"{STATE_COOKIE}=")]
    attributes = cookie.lower()
    assert "httponly" in attributes
    assert "samesite=lax" in attributes
    assert "path=/" in attributes
    assert "max-age=600" in attributes
    # The cookie binds the browser; it is not the state itself.
    assert params["state"] not in cookie
    assert response.headers["cache-control"] == "no-store"


async def test_each_login_gets_a_new_state_and_keeps_the_browser_cookie(browser: Browser) -> None:
    first = query_of(await browser.leave())["state"]
    cookie = browser.app.cookies.get(STATE_COOKIE)
    second = query_of(await browser.leave())["state"]
    assert first != second
    assert browser.app.cookies.get(STATE_COOKIE) == cookie  # two tabs may sign in at once


async def test_first_sign_in_creates_an_account_without_email_or_password(
    browser: Browser,
) -> None:
    response = await browser.round_trip()
    assert location(response) == "/shootouts"
    assert response.headers["cache-control"] == "no-store"
    me = await browser.me()
    assert me.status_code == 200, me.text
    assert me.json()["email"] is None
    assert me.json()["display_name"] == "shootout-tester"
    status = (await browser.app.get(STATUS)).json()
    assert status == {
        "enabled": True,
        "linked": True,
        "username": "shootout-tester",
        "search": False,
    }


async def test_second_sign_in_finds_the_same_account(new_browser: BrowserFactory) -> None:
    first, second = await new_browser(), await new_browser()
    await first.round_trip()
    await second.round_trip()
    assert (await first.me()).json()["id"] == (await second.me()).json()["id"]


async def test_two_tabs_can_sign_in_at_once(browser: Browser) -> None:
    tab_one = await browser.at_tone3000(await browser.leave())
    tab_two = await browser.at_tone3000(await browser.leave(next="/library"))
    assert location(await browser.come_back(tab_two)) == "/library"
    assert location(await browser.come_back(tab_one)) == "/shootouts"


async def test_sign_in_session_works_like_a_password_one(browser: Browser) -> None:
    await browser.round_trip()
    refreshed = await browser.app.post("/api/v1/auth/refresh", headers=browser.csrf())
    assert refreshed.status_code == 200, refreshed.text
    logout = await browser.app.post("/api/v1/auth/logout", headers=browser.csrf())
    assert logout.status_code == 204


async def test_sign_in_goes_on_to_next(browser: Browser) -> None:
    response = await browser.round_trip(next="/shootouts/new?from=home")
    assert location(response) == "/shootouts/new?from=home"


@pytest.mark.parametrize(
    "evil", ["https://evil.example", "//evil.example", "/\\evil.example", "%2F%2Fevil.example"]
)
async def test_next_off_this_site_goes_to_the_default_page(browser: Browser, evil: str) -> None:
    assert location(await browser.round_trip(next=evil)) == "/shootouts"


async def test_spoofed_host_does_not_change_the_authorize_url(browser: Browser) -> None:
    spoofed = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}
    response = await browser.app.get(LOGIN, headers=spoofed)
    params = query_of(location(response))
    assert params["redirect_uri"] == REDIRECT_URI
    assert location(response).startswith(FAKE_BASE)
    forwarded = {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"}
    again = query_of(location(await browser.app.get(LOGIN, headers=forwarded)))
    assert again["redirect_uri"] == REDIRECT_URI


async def test_replay_from_a_browser_without_the_cookie_is_refused(browser: Browser) -> None:
    callback_url = await browser.at_tone3000(await browser.leave())
    assert (await browser.come_back(callback_url)).status_code == 302
    browser.app.cookies.clear()
    replay = await browser.come_back(callback_url)
    assert replay.status_code == 400
    assert replay.json()["error"] == "tone3000_state_other_browser"
    assert_no_session(replay, browser)


async def test_replay_in_the_same_browser_says_used(browser: Browser) -> None:
    callback_url = await browser.at_tone3000(await browser.leave())
    assert (await browser.come_back(callback_url)).status_code == 302
    for name in SESSION_COOKIES:
        browser.app.cookies.delete(name)
    replay = await browser.come_back(callback_url)
    assert replay.status_code == 400
    assert replay.json()["error"] == "tone3000_state_used"
    assert_no_session(replay, browser)


async def test_callback_without_state_is_refused(browser: Browser) -> None:
    callback_url = await browser.at_tone3000(await browser.leave())
    params = query_of(callback_url)
    response = await browser.app.get(CALLBACK, params={"code": params["code"]})
    assert response.status_code == 400
    assert response.json()["error"] == "tone3000_state_missing"
    assert_no_session(response, browser)


async def test_callback_with_unknown_state_is_refused(browser: Browser) -> None:
    callback_url = await browser.at_tone3000(await browser.leave())
    code = query_of(callback_url)["code"]
    for state in ("A" * 43, "not-a-state", "x" * 2000):
        response = await browser.app.get(CALLBACK, params={"code": code, "state": state})
        assert response.status_code == 400, state
        assert response.json()["error"] == "tone3000_state_unknown"
        assert_no_session(response, browser)


async def test_expired_state_is_refused(browser: Browser, clock: FakeClock) -> None:
    callback_url = await browser.at_tone3000(await browser.leave())
    clock.advance(seconds=601)
    response = await browser.come_back(callback_url)
    assert response.status_code == 400
    assert response.json()["error"] == "tone3000_state_expired"
    assert_no_session(response, browser)


async def test_state_is_good_until_the_ttl(browser: Browser, clock: FakeClock) -> None:
    callback_url = await browser.at_tone3000(await browser.leave())
    clock.advance(seconds=599)
    assert location(await browser.come_back(callback_url)) == "/shootouts"


async def test_callback_in_another_browser_is_refused(
    browser: Browser, new_browser: BrowserFactory
) -> None:
    callback_url = await browser.at_tone3000(await browser.leave())
    victim = await new_browser()
    response = await victim.come_back(callback_url)  # no binding cookie at all
    assert response.status_code == 400
    assert response.json()["error"] == "tone3000_state_other_browser"
    assert_no_session(response, victim)
    await victim.leave()  # now the victim has a binding cookie of its own
    again = await victim.come_back(callback_url)
    assert again.status_code == 400
    assert again.json()["error"] == "tone3000_state_other_browser"
    assert_no_session(again, victim)
    # The refusals did not spend the sign-in: its own browser still finishes it.
    assert location(await browser.come_back(callback_url)) == "/shootouts"


async def test_failed_code_exchange_spends_the_state(browser: Browser, fake: FakeState) -> None:
    callback_url = await browser.at_tone3000(await browser.leave())
    params = query_of(callback_url)
    forged = await browser.app.get(CALLBACK, params={"code": "forged", "state": params["state"]})
    assert forged.status_code == 400
    assert forged.json()["error"] == "tone3000_sign_in_failed"
    assert "invalid_grant" in forged.json()["detail"]
    assert_no_session(forged, browser)
    replay = await browser.come_back(callback_url)
    assert replay.status_code == 400
    assert replay.json()["error"] == "tone3000_state_used"


async def test_a_browser_gets_the_refusal_as_a_page(browser: Browser) -> None:
    await browser.leave()
    response = await browser.app.get(
        CALLBACK, params={"code": "x", "state": "A" * 43}, headers={"Accept": "text/html"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert "Signing in with TONE3000 did not work" in response.text
    assert "unknown or long expired" in response.text
    assert 'href="/login"' in response.text


@pytest.mark.parametrize("error", ["access_denied", "server_error"])
async def test_declined_sign_in_goes_back_to_the_login_page(
    browser: Browser, fake: FakeState, error: str
) -> None:
    fake.switches.update({"authorize_error": error})
    response = await browser.round_trip(next="/library")
    outcome = "canceled" if error == "access_denied" else "failed"
    assert location(response) == f"/login?next=%2Flibrary&t3k={outcome}"
    assert_no_session(response, browser)
    page = await browser.app.get(location(response))
    assert page.status_code == 200
    assert 'id="t3k-message"' in page.text


async def test_canceled_without_code_goes_back_calmly(browser: Browser, fake: FakeState) -> None:
    fake.switches.update({"canceled": True, "canceled_with_code": False})
    response = await browser.round_trip()
    assert location(response) == "/login?next=%2Fshootouts&t3k=canceled"
    assert_no_session(response, browser)
    page = await browser.app.get(location(response))
    assert "without signing in" in page.text


async def test_canceled_with_a_code_still_signs_in(browser: Browser, fake: FakeState) -> None:
    fake.switches.update({"canceled": True, "canceled_with_code": True})
    response = await browser.round_trip()
    assert location(response) == "/shootouts"
    assert (await browser.me()).status_code == 200


async def test_callback_with_neither_code_nor_error_is_refused(browser: Browser) -> None:
    state = query_of(await browser.leave())["state"]
    response = await browser.app.get(CALLBACK, params={"state": state})
    assert response.status_code == 400
    assert response.json()["error"] == "tone3000_code_missing"
    assert_no_session(response, browser)


async def test_disabled_account_cannot_sign_in(browser: Browser, app: FastAPI) -> None:
    await browser.round_trip()
    user_id = uuid.UUID((await browser.me()).json()["id"])
    browser.app.cookies.clear()
    services: Services = app.state.services
    async with services.sessionmaker() as session, session.begin():
        await session.execute(update(User).where(User.id == user_id).values(is_active=False))
    response = await browser.round_trip()
    assert response.status_code == 403
    assert response.json()["error"] == "account_disabled"
    assert_no_session(response, browser)


async def test_secure_deployments_use_a_host_prefixed_binding_cookie(
    make_app: AppFactory, new_browser: BrowserFactory
) -> None:
    browser = await new_browser(await make_app(cookie_secure=True))
    response = await browser.app.get(LOGIN)
    (cookie,) = [c for c in _set_cookies(response) if c.startswith("__Host-ts_t3k_state=")]
    attributes = [part.strip().lower() for part in cookie.split(";")]
    assert "secure" in attributes
    assert "path=/" in attributes
    assert not any(part.startswith("domain") for part in attributes)
    value = cookie.split(";")[0].split("=", 1)[1]
    callback_url = await browser.at_tone3000(location(response))
    # Over http the client keeps Secure cookies to itself; send it as the browser would.
    finished = await browser.come_back(callback_url, Cookie=f"__Host-ts_t3k_state={value}")
    assert location(finished) == "/shootouts"
    assert any(c.startswith(f"{ACCESS_COOKIE}=") for c in _set_cookies(finished))
