"""Our TONE3000 client against the fake, in-process: no sockets, no real sleeping.

The client and the fake share one clock: `now` (token expiry) reads the fake's clock, and the
injected `sleep` (device polling, 429 back-off, our limiter) moves it, so a test that "waits"
an hour takes microseconds and the fake sees the hour pass.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from tests.unit.tone3000.kit import BASE, Kit, Recorder
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
async def kit(app: FastAPI, state: FakeState) -> AsyncIterator[Kit]:
    recorder = Recorder(httpx.ASGITransport(app=app))
    async with httpx.AsyncClient(transport=recorder, base_url=BASE) as http:
        yield Kit(state=state, http=http, recorder=recorder)
