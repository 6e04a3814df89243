"""Shootout test helpers: accounts through the auth API, library rows straight into the database."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from toneshootout.server.db.models.library_item import LibraryItem
from toneshootout.server.db.models.shootout import ShootoutRef
from toneshootout.server.state import Services

PASSWORD = "correct horse battery staple"
SHOOTOUTS = "/api/v1/shootouts"


@dataclass(frozen=True)
class Account:
    user_id: uuid.UUID
    headers: dict[str, str]


async def register_and_login(client: httpx.AsyncClient) -> Account:
    """A new user and a bearer header for them (cookies dropped: bearer only)."""
    email = f"player-{secrets.token_hex(4)}@example.com"
    credentials = {"email": email, "password": PASSWORD}
    registered = await client.post("/api/v1/auth/register", json=credentials)
    assert registered.status_code == 201, registered.text
    login = await client.post("/api/v1/auth/login", json=credentials)
    assert login.status_code == 200, login.text
    client.cookies.clear()
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    me = await client.get("/api/v1/me", headers=headers)
    assert me.status_code == 200, me.text
    return Account(uuid.UUID(me.json()["id"]), headers)


def _services(app: FastAPI) -> Services:
    services = app.state.services
    assert isinstance(services, Services)
    return services


async def add_item(app: FastAPI, owner: Account, kind: str, **metadata: Any) -> str:
    """Insert a library row of `kind` owned by `owner`; returns its id as a string."""
    item_id = uuid.uuid4()
    item = LibraryItem(
        id=item_id,
        owner_id=owner.user_id,
        kind=kind,
        name=f"{kind}-{item_id.hex[:6]}",
        storage_key=f"test/{item_id}",
        sha256=secrets.token_hex(32),
        size_bytes=1000,
        media_type="application/octet-stream",
        item_metadata=metadata,
        tags=[],
    )
    async with _services(app).sessionmaker() as session:
        session.add(item)
        await session.commit()
    return str(item_id)


async def delete_item(app: FastAPI, item_id: str) -> None:
    """Remove a library row the way a forced library delete does (references cascade)."""
    async with _services(app).sessionmaker() as session:
        item = await session.get(LibraryItem, uuid.UUID(item_id))
        assert item is not None
        await session.delete(item)
        await session.commit()


async def ref_ids(app: FastAPI, shootout_id: str) -> set[str]:
    """The library item ids recorded as used by a shootout."""
    query = select(ShootoutRef.item_id).where(ShootoutRef.shootout_id == uuid.UUID(shootout_id))
    async with _services(app).sessionmaker() as session:
        return {str(item_id) for item_id in (await session.scalars(query)).all()}


@dataclass(frozen=True)
class Library:
    """One user's DI, amp capture, amp+cab capture and IR."""

    di: str
    amp: str
    combo: str
    ir: str


async def small_library(app: FastAPI, owner: Account) -> Library:
    return Library(
        di=await add_item(app, owner, "di_track", sample_rate=48000, duration_s=20.0),
        amp=await add_item(
            app, owner, "capture", sample_rate=48000, file_metadata={"gear_type": "amp"}
        ),
        combo=await add_item(
            app, owner, "capture", sample_rate=48000, file_metadata={"gear_type": "amp_cab"}
        ),
        ir=await add_item(app, owner, "ir", sample_rate=48000, length_ms=200.0),
    )


def shootout_body(lib: Library, **changes: Any) -> dict[str, Any]:
    """A valid body: one DI, an amp → IR → EQ chain and an amp+cab chain."""
    body: dict[str, Any] = {
        "title": "Head vs combo",
        "di_tracks": [lib.di],
        "chains": [
            {
                "name": "Head + 4x12",
                "blocks": [
                    {"type": "capture", "capture_id": lib.amp},
                    {"type": "ir", "ir_id": lib.ir},
                    {"type": "peak", "cutoff_hz": 800.0, "gain_db": -3.0},
                ],
            },
            {"name": "Combo", "blocks": [{"type": "capture", "capture_id": lib.combo}]},
        ],
    }
    return body | changes
