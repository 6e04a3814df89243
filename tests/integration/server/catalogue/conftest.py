"""The app with TONE3000 pointed at an in-process fake, and a user linked to it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from tests.integration.server.shootout.helpers import Account, register_and_login
from tests.integration.server.tone3000_link import fake_transport, link_user, tone3000_settings
from toneshootout.server.app import create_app
from toneshootout.settings import Settings
from toneshootout.tone3000.oauth import TokenSet
from toneshootout.tone3000_fake import FakeConfig, create_fake_app


@pytest.fixture
def fake() -> FastAPI:
    return create_fake_app(FakeConfig())


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        environment="test",
        data_dir=tmp_path / "data",
        database_url=database_url,
        tone3000=tone3000_settings(),
    )


@pytest.fixture
async def app(settings: Settings, fake: FastAPI) -> AsyncIterator[FastAPI]:
    application = create_app(settings, tone3000_transport=fake_transport(fake))
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
async def player(client: httpx.AsyncClient) -> Account:
    return await register_and_login(client)


@pytest.fixture
async def linked(app: FastAPI, fake: FastAPI, player: Account) -> TokenSet:
    return await link_user(app, fake, player.user_id)
