"""Share test helpers: a succeeded render to share, shares made through the API, DB rows."""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select, update

from tests.integration.server.render.helpers import API, services, succeeded_render
from tests.integration.server.shootout.helpers import Account, register_and_login
from toneshootout.server.db.models.share import Share

RENDERS = f"{API}/renders"
SHARES = f"{API}/shares"
SHARED = f"{API}/shared"
GALLERY = f"{API}/gallery"


async def owner_with_render(
    client: httpx.AsyncClient, app: FastAPI, tmp: Path, *, video: bool = False
) -> tuple[Account, dict[str, Any]]:
    owner = await register_and_login(client)
    return owner, await succeeded_render(client, app, owner, tmp, video=video)


async def create_share(
    client: httpx.AsyncClient, owner: Account, render_id: str, **body: Any
) -> dict[str, Any]:
    response = await client.post(
        f"{RENDERS}/{render_id}/shares",
        json={"visibility": "unlisted", **body},
        headers=owner.headers,
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def share_row(app: FastAPI, share_id: str) -> Share:
    async with services(app).sessionmaker() as session:
        share = await session.scalar(select(Share).where(Share.id == uuid.UUID(share_id)))
    assert share is not None
    return share


async def set_share(app: FastAPI, share_id: str, **values: Any) -> None:
    """Change a share's row directly (e.g. an expiry already past, which the API refuses)."""
    async with services(app).sessionmaker() as session:
        await session.execute(update(Share).where(Share.id == uuid.UUID(share_id)).values(**values))
        await session.commit()


def past(moment: datetime) -> datetime:
    return moment.replace(year=moment.year - 1)
