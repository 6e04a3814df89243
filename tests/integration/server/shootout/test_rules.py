"""Shootout validation (every problem, with its path), warnings, other users' objects (REQ-09)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
from fastapi import FastAPI

from tests.integration.server.shootout.helpers import (
    SHOOTOUTS,
    add_item,
    ref_ids,
    register_and_login,
    shootout_body,
    small_library,
)


def _problems(response: httpx.Response) -> list[tuple[str, str]]:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "invalid"
    assert body["request_id"] == response.headers["x-request-id"]
    return [(p["path"], p["message"]) for p in body["detail"]]


async def test_create_reports_every_problem_with_its_path(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    user = await register_and_login(client)
    other = await register_and_login(client)
    lib = await small_library(app, user)
    theirs = await add_item(app, other, "capture", sample_rate=48000)
    body = shootout_body(lib)
    body["di_tracks"] = [lib.di, lib.amp]  # a capture where a DI belongs
    body["chains"][1]["name"] = "head + 4X12"  # a duplicate, ignoring case
    body["chains"].append(
        {
            "name": "Third",
            "blocks": [
                {"type": "capture", "capture_id": theirs},  # another user's: "not found"
                {"type": "ir", "ir_id": str(uuid.uuid4())},  # no such item
                {"type": "gain", "gain_db": 99},  # out of range
                {"type": "eq"},  # no such block type
            ],
        }
    )

    problems = _problems(await client.post(SHOOTOUTS, json=body, headers=user.headers))

    assert [path for path, _ in problems] == [
        "chains.1.name",
        "chains.2.blocks.0.capture_id",
        "chains.2.blocks.1.ir_id",
        "chains.2.blocks.2.gain_db",
        "chains.2.blocks.3.type",
        "di_tracks.1",
    ]
    messages = dict(problems)
    assert "already used by chains.0" in messages["chains.1.name"]
    assert messages["chains.2.blocks.0.capture_id"] == "no capture with this id in your library"
    assert messages["chains.2.blocks.1.ir_id"] == "no IR with this id in your library"
    assert messages["di_tracks.1"] == "this library item is a capture, not a DI track"
    listed = await client.get(SHOOTOUTS, headers=user.headers)
    assert listed.json()["total"] == 0


async def test_create_refuses_unknown_fields_and_nan(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    user = await register_and_login(client)
    lib = await small_library(app, user)
    body: dict[str, Any] = shootout_body(lib, owner_id=str(uuid.uuid4()))
    body["chains"][0]["blocks"][0]["is_admin"] = True
    raw = json.dumps(body)[:-1] + ', "settings": {"crossfade_ms": NaN}}'
    headers = user.headers | {"Content-Type": "application/json"}

    problems = _problems(await client.post(SHOOTOUTS, content=raw, headers=headers))

    assert [path for path, _ in problems] == [
        "chains.0.blocks.0.is_admin",
        "owner_id",
        "settings.crossfade_ms",
    ]


async def test_create_requires_a_di_and_a_chain(client: httpx.AsyncClient, app: FastAPI) -> None:
    user = await register_and_login(client)
    body = {"title": "Empty", "di_tracks": [], "chains": []}

    problems = _problems(await client.post(SHOOTOUTS, json=body, headers=user.headers))

    assert [path for path, _ in problems] == ["chains", "di_tracks"]


async def test_create_refuses_a_body_that_is_not_an_object(client: httpx.AsyncClient) -> None:
    user = await register_and_login(client)
    response = await client.post(SHOOTOUTS, json=["not", "an", "object"], headers=user.headers)
    assert response.status_code == 422
    assert response.json()["error"] == "invalid"


async def test_patch_to_an_invalid_body_changes_nothing(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    user = await register_and_login(client)
    lib = await small_library(app, user)
    created = (await client.post(SHOOTOUTS, json=shootout_body(lib), headers=user.headers)).json()
    url = f"{SHOOTOUTS}/{created['id']}"

    response = await client.patch(url, json={"title": "", "di_tracks": None}, headers=user.headers)

    assert [path for path, _ in _problems(response)] == ["di_tracks", "title"]
    assert (await client.get(url, headers=user.headers)).json() == created
    assert await ref_ids(app, created["id"]) == {lib.di, lib.amp, lib.ir, lib.combo}


async def test_warnings_come_back_with_a_valid_shootout(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    user = await register_and_login(client)
    lib = await small_library(app, user)
    old_amp = await add_item(app, user, "capture", sample_rate=44100)
    long_di = await add_item(app, user, "di_track", sample_rate=96000, duration_s=1000.0)
    body = shootout_body(lib, di_tracks=[lib.di, long_di])
    body["chains"][1]["blocks"].append({"type": "ir", "ir_id": lib.ir})  # after the amp+cab
    body["chains"].append({"name": "Old", "blocks": [{"type": "capture", "capture_id": old_amp}]})

    response = await client.post(SHOOTOUTS, json=body, headers=user.headers)

    assert response.status_code == 201, response.text
    warnings = [(w["code"], w["path"]) for w in response.json()["warnings"]]
    assert warnings == [
        ("double_cab", "chains.1.blocks.1"),
        ("capture_rates_differ", "chains"),
        ("di_rate_differs", "di_tracks.1"),
        ("long_render", "di_tracks"),
    ]
    forced = body["chains"][1]["blocks"][1] | {"force": True}
    body["chains"][1]["blocks"][1] = forced
    again = await client.put(
        f"{SHOOTOUTS}/{response.json()['id']}", json=body, headers=user.headers
    )
    assert "double_cab" not in [w["code"] for w in again.json()["warnings"]]


async def test_other_users_shootout_is_not_found_on_every_route(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    owner = await register_and_login(client)
    stranger = await register_and_login(client)
    lib = await small_library(app, owner)
    body = shootout_body(lib)
    created = (await client.post(SHOOTOUTS, json=body, headers=owner.headers)).json()
    url = f"{SHOOTOUTS}/{created['id']}"
    headers = stranger.headers

    answers = [
        await client.get(url, headers=headers),
        await client.put(url, json=body, headers=headers),
        await client.patch(url, json={"title": "mine now"}, headers=headers),
        await client.post(f"{url}/clone", headers=headers),
        await client.delete(url, headers=headers),
        await client.get(f"{SHOOTOUTS}/{uuid.uuid4()}", headers=owner.headers),
    ]

    assert [a.status_code for a in answers] == [404] * 6
    assert all(a.json()["error"] == "not_found" for a in answers)
    assert answers[0].json() == answers[5].json() | {"request_id": answers[0].json()["request_id"]}
    assert (await client.get(url, headers=owner.headers)).json() == created
    assert (await client.get(SHOOTOUTS, headers=headers)).json()["total"] == 0


async def test_shootout_routes_need_a_user(client: httpx.AsyncClient) -> None:
    responses = [
        await client.get(SHOOTOUTS),
        await client.post(SHOOTOUTS, json={}),
        await client.get(f"{SHOOTOUTS}/{uuid.uuid4()}"),
    ]
    assert [r.status_code for r in responses] == [401, 401, 401]
