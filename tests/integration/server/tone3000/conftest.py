"""The app wired to an in-process fake TONE3000, a movable clock, and browsers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.integration.server.auth.conftest import FakeClock
from tests.integration.server.tone3000.helpers import (
    APP_BASE,
    CLIENT_ID,
    FAKE_BASE,
    REDIRECT_URI,
    Browser,
)
from toneshootout.server.app import create_app
from toneshootout.server.auth.deps import get_now
from toneshootout.settings import Settings
from toneshootout.tone3000_fake import FakeConfig, FakeState, create_fake_app, fake_state


@pytest.fixture
def fake_app() -> FastAPI:
    # `testserver` is no loopback host, so the fake must have the redirect URI registered.
    return create_fake_app(FakeConfig(redirect_uris=(REDIRECT_URI,)))


@pytest.fixture
def fake(fake_app: FastAPI) -> FakeState:
    return fake_state(fake_app)


def with_tone3000(settings: Settings, **auth: Any) -> Settings:
    """`settings` configured for the fake (and with `auth` settings changed)."""
    tone3000 = settings.tone3000.model_copy(
        update={"base_url": FAKE_BASE, "client_id": CLIENT_ID, "redirect_uri": REDIRECT_URI}
    )
    return settings.model_copy(
        update={"tone3000": tone3000, "auth": settings.auth.model_copy(update=auth)}
    )


AppFactory = Callable[..., Awaitable[FastAPI]]


@pytest.fixture
async def make_app(settings: Settings, fake_app: FastAPI) -> AsyncIterator[AppFactory]:
    """Build an app on the test's database that reaches the fake (or `transport`), with `auth`
    settings changed."""
    async with AsyncExitStack() as stack:

        async def build(
            *,
            configured: bool = True,
            transport: httpx.AsyncBaseTransport | None = None,
            **auth: Any,
        ) -> FastAPI:
            chosen = with_tone3000(settings, **auth) if configured else settings
            to_tone3000 = transport or httpx.ASGITransport(app=fake_app)
            application = create_app(chosen, tone3000_transport=to_tone3000)
            await stack.enter_async_context(application.router.lifespan_context(application))
            return application

        yield build


@pytest.fixture
async def app(make_app: AppFactory) -> FastAPI:
    return await make_app()


@pytest.fixture
def clock(app: FastAPI) -> FakeClock:
    fake_clock = FakeClock()
    app.dependency_overrides[get_now] = fake_clock
    return fake_clock


BrowserFactory = Callable[..., Awaitable[Browser]]


@pytest.fixture
async def new_browser(app: FastAPI, fake_app: FastAPI) -> AsyncIterator[BrowserFactory]:
    """Fresh browsers (separate cookie jars), on `app` or another app given."""
    async with AsyncExitStack() as stack:

        async def open_browser(on: FastAPI | None = None, ip: str = "127.0.0.1") -> Browser:
            transport = httpx.ASGITransport(app=on or app, client=(ip, 50000))
            ours = httpx.AsyncClient(transport=transport, base_url=APP_BASE)
            theirs = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=fake_app), base_url=FAKE_BASE
            )
            await stack.enter_async_context(ours)
            await stack.enter_async_context(theirs)
            return Browser(ours, theirs)

        yield open_browser


@pytest.fixture
async def browser(new_browser: BrowserFactory) -> Browser:
    return await new_browser()
