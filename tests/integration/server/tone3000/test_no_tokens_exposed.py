"""REQ-06: TONE3000 tokens are encrypted at rest and never reach a response, cookie or log."""

from __future__ import annotations

import logging
import re

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from tests.integration.server.tone3000.conftest import BrowserFactory
from tests.integration.server.tone3000.helpers import (
    CALLBACK,
    CLIENT_ID,
    LINK,
    SELECT,
    STATE_COOKIE,
    STATUS,
    Browser,
)
from toneshootout.server.db.models.tone3000_account import Tone3000Account
from toneshootout.server.db.models.tone3000_login import Tone3000Login
from toneshootout.server.state import Services
from toneshootout.server.tone3000.store import unseal
from toneshootout.tone3000_fake import FakeState

# TONE3000's secrets: access and refresh tokens (the fake's `t3k_at_`/`t3k_rt_`) and secret
# keys (`t3k_cs_`). The publishable client id (`t3k_pub_`) is no secret and is removed first.
SECRET = re.compile(r"t3k_(?!pub_)[a-z]{2}_[A-Za-z0-9_-]{16,}")


async def _rows(app: FastAPI) -> list[Tone3000Account]:
    services: Services = app.state.services
    async with services.sessionmaker() as session:
        return list((await session.scalars(select(Tone3000Account))).all())


async def test_tokens_at_rest_are_encrypted_and_usable(
    browser: Browser, app: FastAPI, fake: FakeState
) -> None:
    await browser.round_trip()
    (row,) = await _rows(app)
    services: Services = app.state.services
    assert services.tone3000 is not None
    tokens = unseal(row, services.tone3000.cipher)
    assert tokens is not None
    assert tokens.access_token.startswith("t3k_at_")
    assert fake.oauth.user_for(tokens.access_token) is not None  # the live pair, stored
    for stored in (row.access_token_enc, row.refresh_token_enc):
        assert stored is not None
        assert stored.startswith("v1.")
        assert tokens.access_token not in stored
        assert tokens.refresh_token not in stored
        assert not SECRET.search(stored)
    # The stored pair works for calls made on the user's behalf later.
    identity = await services.tone3000.api_for(row.user_id).user()
    assert identity.username == "shootout-tester"


async def test_sign_in_state_at_rest_is_hashed_and_encrypted(
    browser: Browser, app: FastAPI
) -> None:
    authorize_url = await browser.leave()
    state = httpx.URL(authorize_url).params["state"]
    services: Services = app.state.services
    async with services.sessionmaker() as session:
        (login,) = (await session.scalars(select(Tone3000Login))).all()
    assert state not in login.state_hash
    assert len(login.state_hash) == 64
    assert login.verifier_enc.startswith("v1.")
    binding = browser.app.cookies.get(STATE_COOKIE)
    assert binding is not None
    assert binding not in login.browser_hash
    assert login.purpose == "login"
    assert login.next_path == "/shootouts"
    assert (login.expires_at - login.created_at).total_seconds() == 600


async def _flows(browser: Browser, other: Browser, fake: FakeState) -> None:
    """Every flow of the feature, the happy and the refused ones."""
    await browser.round_trip()
    await browser.app.get(STATUS)
    await browser.app.get("/account")
    await browser.app.get("/login")
    callback_url = await browser.at_tone3000(await browser.leave())
    await browser.come_back(callback_url)
    await browser.come_back(callback_url)  # replay
    await other.come_back(callback_url)  # other browser
    await browser.app.get(CALLBACK, params={"code": "forged", "state": "A" * 43})
    await other.sign_up_with_password()
    await other.link()  # refused: the identity belongs to the first account
    fake.switches.update({"user": "ampwright"})
    await other.link()
    await other.round_trip(SELECT, format="nam", next="/shootouts")
    await other.app.get(STATUS, headers={"Accept": "text/html"})
    await other.app.delete(LINK, headers=other.csrf())
    fake.switches.update({"authorize_error": "access_denied"})
    await browser.round_trip()
    await browser.app.get(CALLBACK, headers={"Accept": "text/html"})


async def test_no_token_reaches_a_response_cookie_or_log(
    new_browser: BrowserFactory,
    fake: FakeState,
    app: FastAPI,
    caplog: pytest.LogCaptureFixture,
) -> None:
    seen: list[httpx.Response] = []

    async def keep(response: httpx.Response) -> None:
        await response.aread()
        seen.append(response)

    browser, other = await new_browser(), await new_browser(ip="10.0.0.9")
    for one in (browser, other):
        one.app.event_hooks["response"].append(keep)
    with caplog.at_level(logging.DEBUG):
        await _flows(browser, other, fake)
    issued = [
        t
        for pair in fake.oauth.pairs_by_access.values()
        for t in (pair.access_token, pair.refresh_token)
    ]
    assert len(issued) >= 6  # the flows did mint tokens to look for
    assert len(seen) > 20
    texts = [
        f"{r.status_code} {r.headers!r} {r.text}".replace(CLIENT_ID, "<client id>") for r in seen
    ]
    texts += [f"{c.name}={c.value}" for one in (browser, other) for c in one.app.cookies.jar]
    texts += [
        (record.getMessage() + repr(vars(record))).replace(CLIENT_ID, "<client id>")
        for record in caplog.records
    ]
    for text in texts:
        assert not any(token in text for token in issued), text[:300]
        assert not SECRET.search(text), text[:300]
    assert any(CLIENT_ID in str(r.headers) for r in seen)  # the scan did see authorize URLs
    events = {record.__dict__.get("event") for record in caplog.records}
    assert {"register", "login_success", "tone3000_link", "tone3000_unlink"} <= events
    assert len(await _rows(app)) == 1
