"""The tone picker's entry: leave for TONE3000's select_tone prompt, come back with the tone."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from tests.integration.server.tone3000.helpers import (
    REDIRECT_URI,
    SELECT,
    Browser,
    location,
    query_of,
)
from toneshootout.server.db.models.tone3000_account import Tone3000Account
from toneshootout.server.state import Services
from toneshootout.tone3000_fake import FakeState

BUILDER = "/shootouts/0b6c1d2e-0000-4000-8000-000000000001"


async def test_select_leaves_for_the_picker_with_a2_captures(browser: Browser) -> None:
    await browser.sign_up_with_password()
    params = query_of(await browser.leave(SELECT, format="nam", next=BUILDER))
    assert params["prompt"] == "select_tone"
    assert params["format"] == "nam"
    assert params["architecture"] == "2"
    assert params["code_challenge_method"] == "S256"
    assert params["redirect_uri"] == REDIRECT_URI


async def test_select_for_irs_names_no_architecture(browser: Browser) -> None:
    await browser.sign_up_with_password()
    params = query_of(await browser.leave(SELECT, format="ir", next=BUILDER))
    assert params["format"] == "ir"
    assert "architecture" not in params


async def test_select_returns_the_picked_tone_and_links_the_user(
    browser: Browser, fake: FakeState, app: FastAPI
) -> None:
    await browser.sign_up_with_password()
    fake.switches.update({"select_tone_id": 4202})
    response = await browser.round_trip(SELECT, format="nam", next=f"{BUILDER}?tab=chains")
    assert location(response) == f"{BUILDER}?tab=chains&t3k_tone=4202&t3k_format=nam"
    services: Services = app.state.services
    async with services.sessionmaker() as session:
        (account,) = (await session.scalars(select(Tone3000Account))).all()
    assert account.username == "shootout-tester"
    assert account.access_token_enc


async def test_select_takes_whatever_tone_comes_back(browser: Browser) -> None:
    await browser.sign_up_with_password()
    response = await browser.round_trip(SELECT, format="ir", next=f"{BUILDER}?t3k_tone=1")
    picked = query_of(location(response))
    assert picked["t3k_format"] == "ir"
    assert picked["t3k_tone"].isdigit()
    assert picked["t3k_tone"] != "1"  # the old pick in `next` is replaced, not repeated


async def test_canceled_select_goes_back_without_a_tone(browser: Browser, fake: FakeState) -> None:
    await browser.sign_up_with_password()
    fake.switches.update({"canceled": True, "canceled_with_code": False})
    assert location(await browser.round_trip(SELECT, format="nam", next=BUILDER)) == (
        f"{BUILDER}?t3k_canceled=1"
    )
    fake.switches.update({"canceled": False, "authorize_error": "server_error"})
    assert location(await browser.round_trip(SELECT, format="nam", next=BUILDER)) == (
        f"{BUILDER}?t3k_error=1"
    )


async def test_select_signed_in_but_nothing_picked(browser: Browser, fake: FakeState) -> None:
    await browser.sign_up_with_password()
    fake.switches.update({"canceled": True, "canceled_with_code": True})
    response = await browser.round_trip(SELECT, format="nam", next=BUILDER)
    assert location(response) == f"{BUILDER}?t3k_canceled=1"


async def test_select_refuses_an_identity_linked_to_someone_else(
    browser: Browser, fake: FakeState
) -> None:
    await browser.sign_up_with_password()
    await browser.link()
    fake.switches.update({"user": "ampwright"})
    response = await browser.round_trip(SELECT, format="nam", next=BUILDER)
    assert response.status_code == 409
    assert response.json()["error"] == "tone3000_already_linked"


@pytest.mark.parametrize("fmt", ["aida-x", "", "NAM"])
async def test_select_refuses_other_formats(browser: Browser, fmt: str) -> None:
    await browser.sign_up_with_password()
    response = await browser.app.get(SELECT, params={"format": fmt, "next": BUILDER})
    assert response.status_code == 422
    assert response.json()["detail"][0]["path"] == "query.format"


async def test_select_needs_a_signed_in_user(browser: Browser) -> None:
    response = await browser.app.get(SELECT, params={"format": "nam"})
    assert response.status_code == 401


@pytest.mark.parametrize("evil", ["https://evil.example/x", "//evil.example", "/\\evil"])
async def test_select_next_off_this_site_goes_to_the_default_page(
    browser: Browser, evil: str
) -> None:
    await browser.sign_up_with_password()
    response = await browser.round_trip(SELECT, format="nam", next=evil)
    assert location(response).startswith("/shootouts?t3k_tone=")
