"""`POST /api/v1/demo` on SQLite and PostgreSQL: demo items in the caller's library (reused on a
second call), a fresh ready-made shootout each time, and refusals."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.integration.server.auth.helpers import SignedIn, register_and_login
from toneshootout.server.app import create_app
from toneshootout.settings import Settings

API = "/api/v1"
COLLECTIONS = {"di-tracks": 2, "captures": 3, "irs": 2}


async def _library(client: httpx.AsyncClient, user: SignedIn) -> dict[str, list[dict[str, Any]]]:
    found = {}
    for collection in COLLECTIONS:
        response = await client.get(f"{API}/{collection}", headers=user.headers)
        assert response.status_code == 200, response.text
        found[collection] = response.json()["items"]
    return found


async def _try_demo(client: httpx.AsyncClient, user: SignedIn) -> str:
    response = await client.post(f"{API}/demo", headers=user.headers)
    assert response.status_code == 201, response.text
    assert set(response.json()) == {"shootout_id"}
    shootout_id: str = response.json()["shootout_id"]
    return shootout_id


async def test_demo_adds_attributed_items_and_a_shootout(client: httpx.AsyncClient) -> None:
    user = await register_and_login(client)
    shootout_id = await _try_demo(client, user)
    library = await _library(client, user)
    assert {c: len(items) for c, items in library.items()} == COLLECTIONS
    items = [item for found in library.values() for item in found]
    assert {item["source"] for item in items} == {"demo"}
    assert all("synthesized" in item["attribution"] for item in items)
    shootout = (await client.get(f"{API}/shootouts/{shootout_id}", headers=user.headers)).json()
    assert shootout["title"] == "Tone Shootout demo"
    assert len(shootout["di_tracks"]) == 2
    assert [chain["name"] for chain in shootout["chains"]] == [
        "Clean → 4x12",
        "Crunch → 4x12",
        "High Gain → 4x12",
        "High Gain → 1x12",
    ]
    library_ids = {item["id"] for item in items}
    referenced = {
        block.get("capture_id") or block.get("ir_id")
        for chain in shootout["chains"]
        for block in chain["blocks"]
    }
    assert referenced <= library_ids


async def test_demo_twice_reuses_items_and_makes_a_new_shootout(
    client: httpx.AsyncClient,
) -> None:
    user = await register_and_login(client)
    first = await _try_demo(client, user)
    before = await _library(client, user)
    second = await _try_demo(client, user)
    assert second != first
    after = await _library(client, user)
    assert {c: {i["id"] for i in items} for c, items in after.items()} == {
        c: {i["id"] for i in items} for c, items in before.items()
    }
    listed = (await client.get(f"{API}/shootouts", headers=user.headers)).json()
    assert listed["total"] == 2


async def test_demo_items_are_per_user(client: httpx.AsyncClient) -> None:
    first, second = await register_and_login(client), await register_and_login(client)
    await _try_demo(client, first)
    await _try_demo(client, second)
    mine, theirs = await _library(client, first), await _library(client, second)
    assert not {i["id"] for i in mine["irs"]} & {i["id"] for i in theirs["irs"]}


async def test_demo_requires_sign_in(client: httpx.AsyncClient) -> None:
    response = await client.post(f"{API}/demo")
    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"


@pytest.fixture
async def small_quota_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    storage = settings.storage.model_copy(update={"quota_files": 3})
    app: FastAPI = create_app(settings.model_copy(update={"storage": storage}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c


async def test_demo_beyond_quota_is_refused_and_adds_nothing(
    small_quota_client: httpx.AsyncClient,
) -> None:
    client = small_quota_client
    user = await register_and_login(client)
    response = await client.post(f"{API}/demo", headers=user.headers)
    assert response.status_code == 413, response.text
    assert response.json()["error"] == "quota_exceeded"
    library = await _library(client, user)
    assert all(not items for items in library.values())
    assert (await client.get(f"{API}/shootouts", headers=user.headers)).json()["total"] == 0
