"""Without a client id, TONE3000 is off: clear 404s, no buttons, and a status that says so."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from tests.integration.server.tone3000.conftest import AppFactory, BrowserFactory
from tests.integration.server.tone3000.helpers import CALLBACK, LINK, LOGIN, SELECT, STATUS


@pytest.fixture
async def plain_app(make_app: AppFactory) -> FastAPI:
    return await make_app(configured=False)


async def test_routes_say_tone3000_is_not_configured(
    plain_app: FastAPI, new_browser: BrowserFactory
) -> None:
    browser = await new_browser(plain_app)
    for path, params in ((LOGIN, {}), (CALLBACK, {"code": "c", "state": "s"})):
        response = await browser.app.get(path, params=params)
        assert response.status_code == 404, path
        assert response.json()["error"] == "tone3000_not_configured"
        assert "TONESHOOTOUT_TONE3000__CLIENT_ID" in response.json()["detail"]
    await browser.sign_up_with_password()
    for method, path in (("POST", LINK), ("DELETE", LINK), ("GET", f"{SELECT}?format=nam")):
        response = await browser.app.request(method, path, headers=browser.csrf())
        assert response.status_code == 404, path
        assert response.json()["error"] == "tone3000_not_configured"
    status = await browser.app.get(STATUS)
    assert status.json() == {"enabled": False, "linked": False, "username": None, "search": False}


async def test_pages_show_no_tone3000_buttons(
    plain_app: FastAPI, new_browser: BrowserFactory
) -> None:
    browser = await new_browser(plain_app)
    for page in ("/login", "/signup"):
        text = (await browser.app.get(page)).text
        assert "Sign in with TONE3000" not in text, page
    await browser.sign_up_with_password()
    account = (await browser.app.get("/account")).text
    assert "t3k-section" not in account
    assert "tone3000-link.js" not in account
