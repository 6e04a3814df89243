"""Shootout CRUD and clone on both databases, with the library reference rows kept current."""

from __future__ import annotations

import asyncio
from datetime import datetime

import httpx
from fastapi import FastAPI

from tests.integration.server.shootout.helpers import (
    SHOOTOUTS,
    add_item,
    delete_item,
    ref_ids,
    register_and_login,
    shootout_body,
    small_library,
)


async def test_create_returns_the_normalised_shootout_and_records_refs(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    user = await register_and_login(client)
    lib = await small_library(app, user)

    response = await client.post(SHOOTOUTS, json=shootout_body(lib), headers=user.headers)

    assert response.status_code == 201, response.text
    created = response.json()
    assert created["title"] == "Head vs combo"
    assert created["di_tracks"] == [{"di_id": lib.di, "channel": "mid", "region": None}]
    ir_block = created["chains"][0]["blocks"][1]
    assert ir_block == {"type": "ir", "ir_id": lib.ir, "channel": "mid", "force": False}
    assert created["chains"][0]["blocks"][2]["q"] == 1.0  # the engine's effect defaults
    assert created["settings"]["loudness_target_lufs"] == -18.0  # the engine's render defaults
    assert created["warnings"] == []
    assert await ref_ids(app, created["id"]) == {lib.di, lib.amp, lib.ir, lib.combo}
    fetched = await client.get(f"{SHOOTOUTS}/{created['id']}", headers=user.headers)
    assert fetched.status_code == 200
    assert fetched.json() == created


async def test_list_pages_through_own_shootouts_newest_first(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    user = await register_and_login(client)
    other = await register_and_login(client)
    lib = await small_library(app, user)
    await client.post(
        SHOOTOUTS, json=shootout_body(await small_library(app, other)), headers=other.headers
    )
    for title in ("first", "second", "third"):
        body = shootout_body(lib, title=title)
        assert (await client.post(SHOOTOUTS, json=body, headers=user.headers)).status_code == 201

    page = await client.get(SHOOTOUTS, params={"limit": 2}, headers=user.headers)
    rest = await client.get(SHOOTOUTS, params={"limit": 2, "offset": 2}, headers=user.headers)

    assert page.status_code == 200
    assert [s["title"] for s in page.json()["items"]] == ["third", "second"]
    assert [s["title"] for s in rest.json()["items"]] == ["first"]
    assert page.json()["total"] == 3
    assert page.json()["items"][0]["chain_count"] == 2
    assert page.json()["items"][0]["di_track_count"] == 1
    too_big = await client.get(SHOOTOUTS, params={"limit": 101}, headers=user.headers)
    assert too_big.status_code == 422


async def test_put_replaces_the_body_and_rewrites_refs(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    user = await register_and_login(client)
    lib = await small_library(app, user)
    created = (await client.post(SHOOTOUTS, json=shootout_body(lib), headers=user.headers)).json()
    second_di = await add_item(app, user, "di_track", sample_rate=48000, duration_s=5.0)
    chains = [{"name": "Only", "blocks": [{"type": "capture", "capture_id": lib.amp}]}]
    body = {"title": "Renamed", "di_tracks": [second_di], "chains": chains}

    response = await client.put(f"{SHOOTOUTS}/{created['id']}", json=body, headers=user.headers)

    assert response.status_code == 200, response.text
    assert response.json()["title"] == "Renamed"
    assert response.json()["chains"][0]["name"] == "Only"
    assert response.json()["created_at"] == created["created_at"]
    updated = datetime.fromisoformat(response.json()["updated_at"])
    assert updated > datetime.fromisoformat(created["updated_at"])
    assert await ref_ids(app, created["id"]) == {second_di, lib.amp}


async def test_patch_merges_fields_and_settings(client: httpx.AsyncClient, app: FastAPI) -> None:
    user = await register_and_login(client)
    lib = await small_library(app, user)
    body = shootout_body(lib, settings={"segment_seconds": 8.0, "crossfade_ms": 5.0})
    created = (await client.post(SHOOTOUTS, json=body, headers=user.headers)).json()
    patch = {"title": "Patched", "settings": {"crossfade_ms": 20.0, "segment_seconds": None}}

    response = await client.patch(f"{SHOOTOUTS}/{created['id']}", json=patch, headers=user.headers)

    assert response.status_code == 200, response.text
    patched = response.json()
    assert patched["title"] == "Patched"
    assert patched["settings"]["crossfade_ms"] == 20.0
    assert patched["settings"]["segment_seconds"] == 4.0  # removed: back to the default
    assert patched["chains"] == created["chains"]
    assert patched["di_tracks"] == created["di_tracks"]


async def test_clone_copies_the_body_under_a_copy_title(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    user = await register_and_login(client)
    lib = await small_library(app, user)
    created = (await client.post(SHOOTOUTS, json=shootout_body(lib), headers=user.headers)).json()

    response = await client.post(f"{SHOOTOUTS}/{created['id']}/clone", headers=user.headers)

    assert response.status_code == 201, response.text
    clone = response.json()
    assert clone["id"] != created["id"]
    assert clone["title"] == "Head vs combo (copy)"
    assert clone["chains"] == created["chains"]
    assert clone["settings"] == created["settings"]
    assert await ref_ids(app, clone["id"]) == await ref_ids(app, created["id"])
    listed = await client.get(SHOOTOUTS, headers=user.headers)
    assert listed.json()["total"] == 2


async def test_delete_removes_the_shootout_and_its_refs(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    user = await register_and_login(client)
    lib = await small_library(app, user)
    created = (await client.post(SHOOTOUTS, json=shootout_body(lib), headers=user.headers)).json()

    response = await client.delete(f"{SHOOTOUTS}/{created['id']}", headers=user.headers)

    assert response.status_code == 204
    assert response.content == b""
    gone = await client.get(f"{SHOOTOUTS}/{created['id']}", headers=user.headers)
    assert gone.status_code == 404
    assert gone.json()["error"] == "not_found"
    assert await ref_ids(app, created["id"]) == set()


async def test_get_and_clone_warn_about_items_deleted_since(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    user = await register_and_login(client)
    lib = await small_library(app, user)
    created = (await client.post(SHOOTOUTS, json=shootout_body(lib), headers=user.headers)).json()
    await delete_item(app, lib.ir)

    fetched = (await client.get(f"{SHOOTOUTS}/{created['id']}", headers=user.headers)).json()
    clone = await client.post(f"{SHOOTOUTS}/{created['id']}/clone", headers=user.headers)

    missing = [(w["code"], w["path"]) for w in fetched["warnings"]]
    assert missing == [("missing_item", "chains.0.blocks.1.ir_id")]
    assert clone.status_code == 201
    assert await ref_ids(app, clone.json()["id"]) == {lib.di, lib.amp, lib.combo}


async def test_concurrent_identical_saves_all_succeed(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    user = await register_and_login(client)
    lib = await small_library(app, user)
    body = shootout_body(lib)
    created = (await client.post(SHOOTOUTS, json=body, headers=user.headers)).json()
    url = f"{SHOOTOUTS}/{created['id']}"

    answers = await asyncio.gather(
        *(client.put(url, json=body, headers=user.headers) for _ in range(4))
    )

    assert [a.status_code for a in answers] == [200] * 4
    assert await ref_ids(app, created["id"]) == {lib.di, lib.amp, lib.ir, lib.combo}
