"""Linking TONE3000 to a local account, unlinking it, and the refusals (REQ-06, REQ-07)."""

from __future__ import annotations

import uuid

from fastapi import FastAPI
from sqlalchemy import select

from tests.integration.server.tone3000.conftest import BrowserFactory
from tests.integration.server.tone3000.helpers import (
    FAKE_BASE,
    LINK,
    STATUS,
    Browser,
    location,
    query_of,
)
from toneshootout.server.db.models.tone3000_account import Tone3000Account
from toneshootout.server.state import Services
from toneshootout.tone3000_fake import FakeState


async def _accounts(app: FastAPI) -> list[Tone3000Account]:
    services: Services = app.state.services
    async with services.sessionmaker() as session:
        return list((await session.scalars(select(Tone3000Account))).all())


async def _status(browser: Browser) -> dict[str, object]:
    response = await browser.app.get(STATUS)
    assert response.status_code == 200, response.text
    body = response.json()
    assert isinstance(body, dict)
    return body


async def test_link_attaches_tone3000_to_a_password_account(browser: Browser, app: FastAPI) -> None:
    me = await browser.sign_up_with_password()
    assert await _status(browser) == {
        "enabled": True,
        "linked": False,
        "username": None,
        "search": False,
    }
    authorize_url = await browser.start_link()
    assert authorize_url.startswith(f"{FAKE_BASE}/api/v1/oauth/authorize?")
    assert query_of(authorize_url)["code_challenge_method"] == "S256"
    response = await browser.come_back(await browser.at_tone3000(authorize_url))
    assert location(response) == "/account?t3k=linked"
    assert await _status(browser) == {
        "enabled": True,
        "linked": True,
        "username": "shootout-tester",
        "search": False,
    }
    (account,) = await _accounts(app)
    assert account.user_id == uuid.UUID(me["id"])
    assert account.access_token_enc
    assert account.refresh_token_enc


async def test_after_linking_tone3000_signs_in_to_the_same_account(
    browser: Browser, new_browser: BrowserFactory
) -> None:
    me = await browser.sign_up_with_password()
    await browser.link()
    elsewhere = await new_browser()
    assert location(await elsewhere.round_trip()) == "/shootouts"
    assert (await elsewhere.me()).json()["id"] == me["id"]


async def test_link_needs_the_csrf_header(browser: Browser) -> None:
    await browser.sign_up_with_password()
    response = await browser.app.post(LINK)
    assert response.status_code == 403
    assert response.json()["error"] == "csrf_failed"


async def test_link_needs_a_signed_in_user(browser: Browser) -> None:
    assert (await browser.app.post(LINK)).status_code == 401
    assert (await browser.app.delete(LINK)).status_code == 401
    assert (await browser.app.get(STATUS)).status_code == 401


async def test_identity_of_another_account_is_never_moved(
    browser: Browser, new_browser: BrowserFactory, app: FastAPI
) -> None:
    await browser.round_trip()  # shootout-tester now owns a TONE3000-only account
    owner_id = (await browser.me()).json()["id"]
    other = await new_browser()
    await other.sign_up_with_password()
    response = await other.link()
    assert response.status_code == 409
    assert response.json()["error"] == "tone3000_linked_to_other_account"
    assert "shootout-tester" in response.json()["detail"]
    (account,) = await _accounts(app)
    assert str(account.user_id) == owner_id
    assert (await _status(other))["linked"] is False


async def test_a_second_identity_is_refused_until_unlinked(
    browser: Browser, fake: FakeState, app: FastAPI
) -> None:
    await browser.sign_up_with_password()
    await browser.link()
    fake.switches.update({"user": "ampwright"})
    refused = await browser.link()
    assert refused.status_code == 409
    assert refused.json()["error"] == "tone3000_already_linked"
    assert "unlink" in refused.json()["detail"].lower()
    assert (await _status(browser))["username"] == "shootout-tester"
    assert (await browser.app.delete(LINK, headers=browser.csrf())).status_code == 204
    assert location(await browser.link()) == "/account?t3k=linked"
    assert (await _status(browser))["username"] == "ampwright"
    assert len(await _accounts(app)) == 1


async def test_linking_the_same_identity_again_renews_its_tokens(
    browser: Browser, app: FastAPI
) -> None:
    await browser.sign_up_with_password()
    await browser.link()
    (before,) = await _accounts(app)
    assert location(await browser.link()) == "/account?t3k=linked"
    (after,) = await _accounts(app)
    assert after.id == before.id
    assert after.access_token_enc != before.access_token_enc


async def test_unlink_deletes_the_link_and_its_tokens(browser: Browser, app: FastAPI) -> None:
    await browser.sign_up_with_password()
    await browser.link()
    assert len(await _accounts(app)) == 1
    response = await browser.app.delete(LINK, headers=browser.csrf())
    assert response.status_code == 204
    assert await _accounts(app) == []
    assert await _status(browser) == {
        "enabled": True,
        "linked": False,
        "username": None,
        "search": False,
    }
    again = await browser.app.delete(LINK, headers=browser.csrf())
    assert again.status_code == 404
    assert again.json()["error"] == "tone3000_not_linked"


async def test_unlink_needs_the_csrf_header(browser: Browser) -> None:
    await browser.sign_up_with_password()
    await browser.link()
    assert (await browser.app.delete(LINK)).status_code == 403


async def test_unlink_is_refused_when_it_is_the_only_way_in(browser: Browser, app: FastAPI) -> None:
    await browser.round_trip()
    response = await browser.app.delete(LINK, headers=browser.csrf())
    assert response.status_code == 409
    assert response.json()["error"] == "tone3000_unlink_needs_password"
    assert "sign in" in response.json()["detail"]
    assert len(await _accounts(app)) == 1


async def test_declined_link_goes_back_to_the_account_page(
    browser: Browser, fake: FakeState, app: FastAPI
) -> None:
    await browser.sign_up_with_password()
    fake.switches.update({"authorize_error": "access_denied"})
    assert location(await browser.link()) == "/account?t3k=canceled"
    fake.switches.update({"authorize_error": "server_error"})
    assert location(await browser.link()) == "/account?t3k=failed"
    assert await _accounts(app) == []


async def test_link_started_by_a_since_deleted_account_is_refused(browser: Browser) -> None:
    me = await browser.sign_up_with_password()
    callback_url = await browser.at_tone3000(await browser.start_link())
    deleted = await browser.app.request(
        "DELETE", "/api/v1/me", json={"password": me["password"]}, headers=browser.csrf()
    )
    assert deleted.status_code == 204
    response = await browser.come_back(callback_url)
    assert response.status_code == 400
    assert response.json()["error"] == "tone3000_state_unknown"  # it went with the account


async def test_deleting_a_linked_account_deletes_the_link(browser: Browser, app: FastAPI) -> None:
    me = await browser.sign_up_with_password()
    await browser.link()
    response = await browser.app.request(
        "DELETE", "/api/v1/me", json={"password": me["password"]}, headers=browser.csrf()
    )
    assert response.status_code == 204
    assert await _accounts(app) == []


async def test_a_tone3000_only_account_is_deleted_without_a_password(
    browser: Browser, new_browser: BrowserFactory, app: FastAPI
) -> None:
    await browser.round_trip()
    first_id = (await browser.me()).json()["id"]
    no_csrf = await browser.app.request("DELETE", "/api/v1/me", json={})
    assert no_csrf.status_code == 403
    response = await browser.app.request("DELETE", "/api/v1/me", json={}, headers=browser.csrf())
    assert response.status_code == 204
    assert await _accounts(app) == []
    # Signing in again makes a fresh account: the old one and its link are gone.
    again = await new_browser()
    await again.round_trip()
    assert (await again.me()).json()["id"] != first_id


async def test_a_password_account_still_needs_its_password_to_be_deleted(
    browser: Browser, app: FastAPI
) -> None:
    await browser.sign_up_with_password()
    await browser.link()
    response = await browser.app.request("DELETE", "/api/v1/me", json={}, headers=browser.csrf())
    assert response.status_code == 403
    assert response.json()["error"] == "wrong_password"
    assert len(await _accounts(app)) == 1
