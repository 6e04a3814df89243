"""Auth test fixtures: a movable clock, and apps built with changed auth settings."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from toneshootout.server.app import create_app
from toneshootout.server.auth.deps import get_now
from toneshootout.settings import Settings


class FakeClock:
    """A settable 'now' for the service (the `get_now` dependency)."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(app: FastAPI) -> FakeClock:
    fake = FakeClock()
    app.dependency_overrides[get_now] = fake
    return fake


AppFactory = Callable[..., Awaitable[tuple[FastAPI, httpx.AsyncClient]]]


@pytest.fixture
async def make_app(settings: Settings) -> AsyncIterator[AppFactory]:
    """Build another app on the same database, with `auth` settings changed."""
    async with AsyncExitStack() as stack:

        async def build(**auth: Any) -> tuple[FastAPI, httpx.AsyncClient]:
            changed = settings.model_copy(update={"auth": settings.auth.model_copy(update=auth)})
            application = create_app(changed)
            await stack.enter_async_context(application.router.lifespan_context(application))
            transport = httpx.ASGITransport(app=application)
            client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
            await stack.enter_async_context(client)
            return application, client

        yield build
