"""DI entries: bare ids or objects with a channel and a region, checked against the library."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from fastapi import FastAPI

from tests.integration.server.shootout.helpers import (
    SHOOTOUTS,
    Account,
    add_item,
    register_and_login,
    shootout_body,
    small_library,
)
from toneshootout.server.db.models.shootout import Shootout
from toneshootout.server.state import Services


def _problems(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "invalid"
    return {p["path"]: p["message"] for p in response.json()["detail"]}


async def _mono_di(app: FastAPI, user: Account) -> str:
    return await add_item(app, user, "di_track", sample_rate=48000, duration_s=3.0, channels=1)


async def test_create_takes_bare_ids_and_objects_and_returns_objects(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    user = await register_and_login(client)
    lib = await small_library(app, user)
    mono = await _mono_di(app, user)
    entries: list[Any] = [
        lib.di,
        {"di_id": mono, "channel": "left", "region": {"start_s": 0.5, "end_s": 3.0}},
    ]

    response = await client.post(
        SHOOTOUTS, json=shootout_body(lib, di_tracks=entries), headers=user.headers
    )

    assert response.status_code == 201, response.text
    assert response.json()["di_tracks"] == [
        {"di_id": lib.di, "channel": "mid", "region": None},
        {"di_id": mono, "channel": "left", "region": {"start_s": 0.5, "end_s": 3.0}},
    ]
    fetched = await client.get(f"{SHOOTOUTS}/{response.json()['id']}", headers=user.headers)
    assert fetched.json()["di_tracks"] == response.json()["di_tracks"]


async def test_create_reports_every_di_entry_problem_at_its_path(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    user = await register_and_login(client)
    lib = await small_library(app, user)  # its DI is 20 s long
    mono = await _mono_di(app, user)
    entries = [
        {"di_id": lib.di, "region": {"start_s": 19.0, "end_s": 20.5}},  # past the end
        {"di_id": mono, "channel": "right", "region": {"start_s": 1.0, "end_s": 1.399}},
        {"di_id": str(uuid.uuid4()), "channel": "both"},
        {"di_id": lib.amp, "region": {"start_s": 2.0, "end_s": 1.0}},
        "not-a-uuid",
        {"id": lib.di},
    ]
    body = shootout_body(lib, di_tracks=entries)
    body["chains"][0]["blocks"][2]["gain_db"] = 99  # problems elsewhere come back with them

    problems = _problems(await client.post(SHOOTOUTS, json=body, headers=user.headers))

    assert list(problems) == [
        "chains.0.blocks.2.gain_db",
        "di_tracks.0.region.end_s",
        "di_tracks.1.channel",
        "di_tracks.1.region.end_s",
        "di_tracks.2.channel",
        "di_tracks.2.di_id",
        "di_tracks.3.di_id",
        "di_tracks.3.region.end_s",
        "di_tracks.4",
        "di_tracks.5.di_id",
        "di_tracks.5.id",
    ]
    assert problems["di_tracks.0.region.end_s"] == (
        "the region ends at 20.5 s, after the end of this DI (20 s)"
    )
    assert problems["di_tracks.1.channel"] == (
        "this DI is mono: it has no right channel (use left or mid)"
    )
    assert "the region is 399.0 ms long" in problems["di_tracks.1.region.end_s"]
    assert "needs at least 400 ms of audio" in problems["di_tracks.1.region.end_s"]
    assert problems["di_tracks.2.di_id"] == "no DI track with this id in your library"
    assert problems["di_tracks.3.di_id"] == "this library item is a capture, not a DI track"
    assert problems["di_tracks.3.region.end_s"] == "end_s must be after start_s"


async def test_replace_patch_and_clone_keep_channel_and_region(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    user = await register_and_login(client)
    lib = await small_library(app, user)
    created = (await client.post(SHOOTOUTS, json=shootout_body(lib), headers=user.headers)).json()
    url = f"{SHOOTOUTS}/{created['id']}"
    entry = {"di_id": lib.di, "channel": "right", "region": {"start_s": 2.0, "end_s": 6.0}}

    replaced = await client.put(
        url, json=shootout_body(lib, di_tracks=[entry]), headers=user.headers
    )
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["di_tracks"] == [entry]
    patched = await client.patch(url, json={"title": "Patched"}, headers=user.headers)
    assert patched.json()["di_tracks"] == [entry]
    moved = {**entry, "region": {"start_s": 10.0, "end_s": 20.0}}
    patched = await client.patch(url, json={"di_tracks": [moved]}, headers=user.headers)
    assert patched.json()["di_tracks"] == [moved]
    refused = await client.patch(
        url, json={"di_tracks": [{**entry, "region": {"end_s": 21.0}}]}, headers=user.headers
    )
    assert list(_problems(refused)) == ["di_tracks.0.region.end_s"]
    clone = await client.post(f"{url}/clone", headers=user.headers)
    assert clone.json()["di_tracks"] == [moved]


async def test_shootout_saved_with_bare_ids_still_loads_as_objects(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    user = await register_and_login(client)
    lib = await small_library(app, user)
    stored = shootout_body(lib)  # the shape rows were saved in before DI objects existed
    del stored["title"]
    shootout_id = uuid.uuid4()
    services = app.state.services
    assert isinstance(services, Services)
    async with services.sessionmaker() as session:
        session.add(Shootout(id=shootout_id, owner_id=user.user_id, title="Old", body=stored))
        await session.commit()
    url = f"{SHOOTOUTS}/{shootout_id}"

    fetched = await client.get(url, headers=user.headers)
    assert fetched.status_code == 200, fetched.text
    assert fetched.json()["di_tracks"] == [{"di_id": lib.di, "channel": "mid", "region": None}]
    patched = await client.patch(url, json={"title": "Still old"}, headers=user.headers)
    assert patched.status_code == 200, patched.text
    assert patched.json()["di_tracks"] == fetched.json()["di_tracks"]


async def test_estimated_render_seconds_follow_the_region_on_item_and_list(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    user = await register_and_login(client)
    lib = await small_library(app, user)  # its DI is 20 s long
    whole = await client.post(SHOOTOUTS, json=shootout_body(lib), headers=user.headers)
    part = {"di_id": lib.di, "region": {"start_s": 0.0, "end_s": 2.0}}
    short = await client.post(
        SHOOTOUTS, json=shootout_body(lib, di_tracks=[part]), headers=user.headers
    )

    assert 0.0 < short.json()["estimated_render_seconds"] < whole.json()["estimated_render_seconds"]
    listed = (await client.get(SHOOTOUTS, headers=user.headers)).json()["items"]
    assert [s["estimated_render_seconds"] for s in listed] == [
        short.json()["estimated_render_seconds"],
        whole.json()["estimated_render_seconds"],
    ]


async def test_render_submission_checks_di_entries_again(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    user = await register_and_login(client)
    lib = await small_library(app, user)  # its DI is 20 s long
    entry = {"di_id": lib.di, "channel": "mid", "region": {"start_s": 1.0, "end_s": 25.0}}
    stored = shootout_body(lib, di_tracks=[entry])  # saved before the checks existed, say
    del stored["title"]
    shootout_id = uuid.uuid4()
    services = app.state.services
    assert isinstance(services, Services)
    async with services.sessionmaker() as session:
        session.add(Shootout(id=shootout_id, owner_id=user.user_id, title="Odd", body=stored))
        await session.commit()

    response = await client.post(f"{SHOOTOUTS}/{shootout_id}/renders", headers=user.headers)

    assert list(_problems(response)) == ["di_tracks.0.region.end_s"]
