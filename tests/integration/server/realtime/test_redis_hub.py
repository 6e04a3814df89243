"""Events across API processes over a real Redis: two app instances share one Redis and DB."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import httpx
import pytest
import redis.asyncio as aioredis
from fastapi import FastAPI
from websockets.asyncio.client import ClientConnection

from tests.integration.server.auth.helpers import SignedIn
from tests.integration.server.realtime.helpers import (
    Live,
    add_render,
    event,
    live_uvicorn,
    new_ticket,
    open_socket,
    receive,
    subscribe,
    use_hub,
)
from tests.redis_server import RedisServer, redis_or_skip
from toneshootout.server.app import create_app
from toneshootout.server.realtime.hub import RedisHub, build_hub
from toneshootout.server.render.events import RenderEvent
from toneshootout.settings import Settings


@pytest.fixture
def redis() -> Iterator[RedisServer]:
    with redis_or_skip() as server:
        yield server


@pytest.fixture
def redis_settings(settings: Settings, redis: RedisServer) -> Settings:
    return settings.model_copy(update={"redis_url": redis.url})


@pytest.fixture
async def hub_a(app: FastAPI, redis_settings: Settings) -> AsyncIterator[RedisHub]:
    hub = build_hub(redis_settings)
    assert isinstance(hub, RedisHub)
    use_hub(app, hub)
    yield hub
    await hub.close()


@pytest.fixture
async def live_b(redis_settings: Settings) -> AsyncIterator[tuple[Live, RedisHub]]:
    """A second API instance on the same database and Redis, served by uvicorn."""
    app_b = create_app(redis_settings)
    async with app_b.router.lifespan_context(app_b):
        hub = build_hub(redis_settings)
        assert isinstance(hub, RedisHub)
        use_hub(app_b, hub)
        try:
            async with live_uvicorn(app_b) as live:
                yield live, hub
        finally:
            await hub.close()


async def _delivered_after_reconnect(
    hub: RedisHub, ws: ClientConnection, sample: RenderEvent
) -> bool:
    """Publish fresh events until one arrives (the listener's reconnect time is unknown; the
    bound is generous because a loaded 2-core machine restarts Redis slowly, and a delivery
    returns at once)."""
    async with asyncio.timeout(60):
        while True:
            await hub.publish(sample.model_copy(update={"progress": 0.6, "at": datetime.now(UTC)}))
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(0.5):
                    while True:
                        if (await receive(ws))["event"]["progress"] == 0.6:
                            return True


async def test_event_published_on_one_instance_reaches_a_socket_on_another(
    *,
    app: FastAPI,
    client: httpx.AsyncClient,
    user: SignedIn,
    hub_a: RedisHub,
    live_b: tuple[Live, RedisHub],
) -> None:
    live, hub_b = live_b
    render_id = await add_render(app, user.user_id)
    async with open_socket(live, await new_ticket(client, user)) as ws:
        snapshot = await subscribe(ws, render_id=str(render_id))
        assert snapshot["renders"][0]["state"] == "queued"
        assert hub_b.listening
        await hub_a.publish(event(user.user_id, render_id, progress=0.4))
        message = await receive(ws)
    assert message["type"] == "event"
    assert message["event"]["render_id"] == str(render_id)
    assert message["event"]["progress"] == 0.4


async def test_socket_survives_a_redis_restart_and_gets_later_events(
    *,
    app: FastAPI,
    client: httpx.AsyncClient,
    user: SignedIn,
    redis: RedisServer,
    hub_a: RedisHub,
    live_b: tuple[Live, RedisHub],
) -> None:
    live, _hub_b = live_b
    render_id = await add_render(app, user.user_id)
    async with open_socket(live, await new_ticket(client, user)) as ws:
        await subscribe(ws, render_id=str(render_id))
        await asyncio.to_thread(redis.restart)
        # Published around the restart: lost unless the listener was already back (by design:
        # clients resync from the database); the publisher must not raise either way.
        await hub_a.publish(event(user.user_id, render_id, progress=0.5))
        assert await _delivered_after_reconnect(hub_a, ws, event(user.user_id, render_id))
        await ws.send(json.dumps({"type": "ping"}))
        assert (await receive(ws))["type"] == "pong"  # same socket, still open


async def test_garbage_on_the_channel_is_skipped(
    *,
    app: FastAPI,
    client: httpx.AsyncClient,
    user: SignedIn,
    redis_settings: Settings,
    hub_a: RedisHub,
    live_b: tuple[Live, RedisHub],
) -> None:
    live, _ = live_b
    render_id = await add_render(app, user.user_id)
    async with open_socket(live, await new_ticket(client, user)) as ws:
        await subscribe(ws, render_id=str(render_id))
        raw = aioredis.Redis.from_url(redis_settings.redis_in_force or "")
        try:
            channel = redis_settings.redis.events_channel
            await raw.publish(channel, '{"v": 99, "type": "boom"}')
            await raw.publish(channel, "not json")
        finally:
            await raw.aclose()
        await hub_a.publish(event(user.user_id, render_id, progress=0.8))
        assert (await receive(ws))["event"]["progress"] == 0.8
