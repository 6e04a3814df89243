"""Live-progress test helpers: a real uvicorn on loopback, tickets, render rows, events."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import json
import socket
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import uvicorn
import websockets
from fastapi import FastAPI
from websockets.asyncio.client import ClientConnection

from tests.integration.server.auth.helpers import SignedIn, bearer
from toneshootout.server.db.models.render import Render
from toneshootout.server.db.models.shootout import Shootout
from toneshootout.server.realtime.hub import EventHub
from toneshootout.server.render.events import RenderEvent
from toneshootout.server.state import Services

API = "/api/v1"
WS_MAX_SIZE = 64 * 1024  # as `toneshootout serve` runs uvicorn (see docs/SERVICE.md)
RECEIVE_TIMEOUT = 5.0


def services_of(app: FastAPI) -> Services:
    services = app.state.services
    assert isinstance(services, Services)
    return services


def use_hub(app: FastAPI, hub: EventHub) -> None:
    """Swap the app's hub (the lifespan builds the embedded one)."""
    app.state.services = dataclasses.replace(services_of(app), hub=hub)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclasses.dataclass(frozen=True)
class Live:
    """A uvicorn serving an app (whose lifespan the test already entered) in this event loop."""

    port: int

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}{API}/ws"


@contextlib.asynccontextmanager
async def live_uvicorn(app: FastAPI) -> AsyncIterator[Live]:
    """Serve `app` on a free loopback port until the block ends (same loop as the test)."""
    port = _free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        lifespan="off",
        ws_max_size=WS_MAX_SIZE,
        log_config=None,
        access_log=False,
        log_level="info",
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        yield Live(port)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)


async def new_ticket(client: httpx.AsyncClient, user: SignedIn) -> str:
    response = await client.post(f"{API}/ws/tickets", headers=bearer(user.access_token))
    assert response.status_code == 201, response.text
    ticket = response.json()["ticket"]
    assert isinstance(ticket, str)
    return ticket


def ticket_hash(ticket: str) -> str:
    return hashlib.sha256(ticket.encode()).hexdigest()


@contextlib.asynccontextmanager
async def open_socket(
    live: Live, ticket: str, *, origin: str | None = None, max_size: int | None = 2**20
) -> AsyncIterator[ClientConnection]:
    headers = {"Origin": origin} if origin else None
    async with websockets.connect(
        f"{live.ws_url}?ticket={ticket}",
        additional_headers=headers,
        max_size=max_size,
        open_timeout=RECEIVE_TIMEOUT,
        ping_interval=None,
    ) as ws:
        yield ws


async def receive(ws: ClientConnection, *, skip_heartbeats: bool = True) -> dict[str, Any]:
    """The next server message as JSON (heartbeats skipped unless asked for)."""
    while True:
        raw = await asyncio.wait_for(ws.recv(), RECEIVE_TIMEOUT)
        message: dict[str, Any] = json.loads(raw)
        if not (skip_heartbeats and message["type"] == "heartbeat"):
            return message


async def close_code(ws: ClientConnection) -> int | None:
    """Read until the server closes the socket; its close code."""
    with contextlib.suppress(websockets.ConnectionClosed):
        while True:
            await asyncio.wait_for(ws.recv(), RECEIVE_TIMEOUT)
    return ws.close_code


async def subscribe(ws: ClientConnection, **target: str) -> dict[str, Any]:
    await ws.send(json.dumps({"type": "subscribe", **target}))
    return await receive(ws)


async def add_shootout(app: FastAPI, owner_id: uuid.UUID) -> uuid.UUID:
    async with services_of(app).sessionmaker() as session:
        shootout = Shootout(owner_id=owner_id, title="live", body={})
        session.add(shootout)
        await session.commit()
        return shootout.id


async def add_render(
    app: FastAPI,
    owner_id: uuid.UUID,
    *,
    shootout_id: uuid.UUID | None = None,
    number: int = 1,
    state: str = "queued",
) -> uuid.UUID:
    """Insert a render row as the submit route would (state as given)."""
    async with services_of(app).sessionmaker() as session:
        render = Render(
            owner_id=owner_id,
            shootout_id=shootout_id,
            number=number,
            title=f"render {number}",
            snapshot={},
            snapshot_sha256="0" * 64,
            max_attempts=3,
            state=state,
        )
        session.add(render)
        await session.commit()
        return render.id


async def set_render(app: FastAPI, render_id: uuid.UUID, **values: Any) -> None:
    """Change the row as a worker would (without publishing anything)."""
    async with services_of(app).sessionmaker() as session:
        render = await session.get(Render, render_id)
        assert render is not None
        for key, value in values.items():
            setattr(render, key, value)
        await session.commit()


def event(
    owner_id: uuid.UUID,
    render_id: uuid.UUID,
    *,
    state: str = "running",
    progress: float = 0.5,
    attempt: int = 1,
    shootout_id: uuid.UUID | None = None,
    kind: str = "progress",
) -> RenderEvent:
    return RenderEvent.model_validate(
        {
            "type": kind,
            "render_id": render_id,
            "owner_id": owner_id,
            "shootout_id": shootout_id,
            "state": state,
            "attempt": attempt,
            "progress": progress,
            "step": "render",
            "di": "di-1",
            "chain": "chain-1",
            "eta_seconds": 3.0,
            "at": datetime.now(UTC),
        }
    )
