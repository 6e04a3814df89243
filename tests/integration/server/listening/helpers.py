"""Listening test helpers: a shared render, a fresh listener client, blind and ABX steps."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from tests.integration.server.render.helpers import succeeded_render
from tests.integration.server.share.helpers import SHARED, create_share
from tests.integration.server.shootout.helpers import Account, register_and_login

LISTENING = "/api/v1/listening"


async def shared(
    client: httpx.AsyncClient, app: FastAPI, tmp: Path, *, wide: bool = False
) -> tuple[Account, dict[str, Any], dict[str, Any]]:
    """An owner, their succeeded render and a live unlisted share of it (with its token).
    `wide`: 3 chains × 2 DIs instead of the demo's 2 × 1."""
    owner = await register_and_login(client)
    render = await succeeded_render(client, app, owner, tmp, wide=wide)
    return owner, render, await create_share(client, owner, render["id"])


@asynccontextmanager
async def listener(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A browser of its own: no account, its own cookie jar."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def start_blind(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post(f"{SHARED}/{token}/blind")


async def vote(
    client: httpx.AsyncClient, session_id: str, round_: int, choice: str
) -> httpx.Response:
    return await client.post(
        f"{LISTENING}/{session_id}/votes", json={"round": round_, "choice": choice}
    )


async def vote_all(
    client: httpx.AsyncClient, blind: dict[str, Any], side: str = "left"
) -> dict[str, Any]:
    body = blind
    for round_ in blind["rounds"]:
        response = await vote(client, blind["id"], round_["index"], round_[side]["letter"])
        assert response.status_code == 200, response.text
        body = response.json()
    return body
