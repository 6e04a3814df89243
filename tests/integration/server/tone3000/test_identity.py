"""REQ-07: TONE3000 users are keyed by (provider, provider user id); an email never links."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import func, select

from tests.integration.server.tone3000.conftest import BrowserFactory
from tests.integration.server.tone3000.helpers import STATUS, location
from toneshootout.server.db.models.tone3000_account import PROVIDER, Tone3000Account
from toneshootout.server.db.models.user import User
from toneshootout.server.state import Services
from toneshootout.tone3000_fake import FakeState

EMAIL = "shootout-tester@example.com"


async def test_same_email_gets_a_new_account_not_the_existing_one(
    new_browser: BrowserFactory, fake: FakeState, app: FastAPI
) -> None:
    local = await new_browser()
    existing = await local.sign_up_with_password(EMAIL)
    fake.switches.update({"user_email": EMAIL})  # TONE3000 claims the very same address
    visitor = await new_browser()
    assert location(await visitor.round_trip()) == "/shootouts"
    me = (await visitor.me()).json()
    assert me["id"] != existing["id"]
    assert me["email"] is None
    # The existing account was not linked or touched.
    assert (await local.app.get(STATUS)).json()["linked"] is False
    services: Services = app.state.services
    async with services.sessionmaker() as session:
        (account,) = (await session.scalars(select(Tone3000Account))).all()
        users = await session.scalar(select(func.count()).select_from(User))
    assert str(account.user_id) == me["id"]
    assert account.provider == PROVIDER
    assert account.provider_user_id == fake.catalogue.creator("shootout-tester").id  # type: ignore[union-attr]
    assert users == 2


async def test_each_tone3000_user_gets_their_own_account(
    new_browser: BrowserFactory, fake: FakeState
) -> None:
    first = await new_browser()
    await first.round_trip()
    fake.switches.update({"user": "ampwright"})
    second = await new_browser()
    await second.round_trip()
    one, two = (await first.me()).json(), (await second.me()).json()
    assert one["id"] != two["id"]
    assert (one["display_name"], two["display_name"]) == ("shootout-tester", "ampwright")


async def test_a_renamed_tone3000_user_keeps_their_account(
    new_browser: BrowserFactory, fake: FakeState, app: FastAPI
) -> None:
    first = await new_browser()
    await first.round_trip()
    services: Services = app.state.services
    async with services.sessionmaker() as session, session.begin():
        account = (await session.scalars(select(Tone3000Account))).one()
        account.username = "old-name"
    again = await new_browser()
    await again.round_trip()
    assert (await again.me()).json()["id"] == (await first.me()).json()["id"]
    assert (await again.app.get(STATUS)).json()["username"] == "shootout-tester"
