"""The callback when TONE3000 misbehaves or two requests race: clear errors, one winner."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest

from tests.integration.server.tone3000.conftest import AppFactory, BrowserFactory
from tests.integration.server.tone3000.helpers import CALLBACK, Browser, location, query_of
from toneshootout.server.auth.cookies import ACCESS_COOKIE
from toneshootout.tone3000_fake import FakeState


def _unreachable(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


async def test_tone3000_unreachable_answers_503_with_retry_after(
    make_app: AppFactory, new_browser: BrowserFactory
) -> None:
    app = await make_app(transport=httpx.MockTransport(_unreachable))
    browser = await new_browser(app)
    response = await browser.round_trip()  # the browser reaches TONE3000; the server cannot
    assert response.status_code == 503
    assert response.json()["error"] == "tone3000_unavailable"
    assert int(response.headers["retry-after"]) > 0
    assert browser.app.cookies.get(ACCESS_COOKIE) is None


async def test_tone3000_answering_garbage_answers_503(
    make_app: AppFactory, new_browser: BrowserFactory
) -> None:
    garbage = httpx.MockTransport(lambda request: httpx.Response(200, text="<html>"))
    browser = await new_browser(await make_app(transport=garbage))
    response = await browser.round_trip()
    assert response.status_code == 503
    assert response.json()["error"] == "tone3000_unavailable"


async def test_gotrue_style_token_errors_are_read_too(browser: Browser, fake: FakeState) -> None:
    fake.switches.update({"token_error_style": "gotrue"})
    state = query_of(await browser.at_tone3000(await browser.leave()))["state"]
    response = await browser.app.get(CALLBACK, params={"code": "forged", "state": state})
    assert response.status_code == 400
    assert response.json()["error"] == "tone3000_sign_in_failed"
    assert "invalid_grant" in response.json()["detail"]


async def test_concurrent_replays_of_one_callback_have_one_winner(
    browser: Browser, fake: FakeState
) -> None:
    callback_url = await browser.at_tone3000(await browser.leave())
    first, second = await asyncio.gather(
        browser.come_back(callback_url), browser.come_back(callback_url)
    )
    statuses = sorted([first.status_code, second.status_code])
    assert statuses == [302, 400]
    loser = first if first.status_code == 400 else second
    assert loser.json()["error"] == "tone3000_state_used"
    assert fake.oauth.counters.token_requests["authorization_code"] == 1


async def test_refused_states_are_security_events(
    browser: Browser, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="toneshootout.security"):
        await browser.app.get(CALLBACK, params={"code": "c", "state": "A" * 43})
        await browser.app.get(CALLBACK, params={"code": "c"})
    reasons = [
        r.__dict__["reason"]
        for r in caplog.records
        if r.__dict__.get("event") == "tone3000_callback_refused"
    ]
    assert reasons == ["tone3000_state_unknown", "tone3000_state_missing"]


async def test_declined_sign_ins_are_security_events(
    browser: Browser, fake: FakeState, caplog: pytest.LogCaptureFixture
) -> None:
    fake.switches.update({"authorize_error": "access_denied"})
    with caplog.at_level(logging.INFO, logger="toneshootout.security"):
        assert location(await browser.round_trip()).startswith("/login?")
    events = [r.__dict__.get("event") for r in caplog.records]
    assert "tone3000_declined" in events
