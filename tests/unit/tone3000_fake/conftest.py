"""An in-process fake per test, reached over httpx's ASGI transport (no sockets, no sleeps)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from tests.unit.tone3000_fake.helpers import BASE, bearer, sign_in
from toneshootout.tone3000_fake import FakeConfig, FakeState, create_fake_app, fake_state


@pytest.fixture
def config() -> FakeConfig:
    return FakeConfig()


@pytest.fixture
def app(config: FakeConfig) -> FastAPI:
    return create_fake_app(config)


@pytest.fixture
def state(app: FastAPI) -> FakeState:
    return fake_state(app)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        yield http


@pytest.fixture
async def headers(client: httpx.AsyncClient) -> dict[str, str]:
    """A signed-in tester's Bearer header."""
    tokens = await sign_in(client)
    return bearer(tokens["access_token"])
