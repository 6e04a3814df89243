"""Realtime settings for the tests: a fast heartbeat, small caps, one allowed browser origin."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from tests.integration.server.auth.helpers import SignedIn, register_and_login
from tests.integration.server.realtime.helpers import Live, live_uvicorn
from toneshootout.settings import HttpSettings, RealtimeSettings, Settings

APP_ORIGIN = "https://app.example"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        environment="test",
        data_dir=tmp_path / "data",
        database_url=database_url,
        http=HttpSettings(cors_origins=[APP_ORIGIN]),
        realtime=RealtimeSettings(
            heartbeat_seconds=0.2,
            max_connections_per_user=3,
            max_subscriptions_per_connection=3,
            max_message_bytes=1024,
        ),
    )


@pytest.fixture
async def live(app: FastAPI) -> AsyncIterator[Live]:
    async with live_uvicorn(app) as server:
        yield server


@pytest.fixture
async def user(client: httpx.AsyncClient) -> SignedIn:
    return await register_and_login(client)


@pytest.fixture
async def other(client: httpx.AsyncClient) -> SignedIn:
    return await register_and_login(client)
