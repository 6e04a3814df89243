"""Shootouts that use TONE3000 models: saved without asking TONE3000 anything."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.integration.server.shootout.helpers import (
    SHOOTOUTS,
    ref_ids,
    register_and_login,
    shootout_body,
    small_library,
)
from toneshootout.server.app import create_app
from toneshootout.settings import Settings

AMP = {"tone_id": 4201, "model_id": 90002}
CAB = {"tone_id": 4203, "model_id": 90010}


class NoNetwork(httpx.AsyncBaseTransport):
    """Counts what would have gone to TONE3000, and answers nothing."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        raise httpx.ConnectError("no network in this test", request=request)


@pytest.fixture
def network() -> NoNetwork:
    return NoNetwork()


@pytest.fixture
def settings(settings: Settings) -> Settings:
    tone3000 = settings.tone3000.model_copy(update={"client_id": "t3k_pub_test"})
    return settings.model_copy(update={"tone3000": tone3000})


@pytest.fixture
async def app(settings: Settings, network: NoNetwork) -> AsyncIterator[FastAPI]:
    application = create_app(settings, tone3000_transport=network)
    async with application.router.lifespan_context(application):
        yield application


def _mixed(body: dict[str, Any]) -> dict[str, Any]:
    body["chains"].append(
        {
            "name": "TONE3000",
            "blocks": [{"type": "capture", "tone3000": AMP}, {"type": "ir", "tone3000": CAB}],
        }
    )
    return body


async def test_save_and_read_a_shootout_with_tone3000_models_offline(
    client: httpx.AsyncClient, app: FastAPI, network: NoNetwork
) -> None:
    user = await register_and_login(client)
    lib = await small_library(app, user)

    created = await client.post(SHOOTOUTS, json=_mixed(shootout_body(lib)), headers=user.headers)

    assert created.status_code == 201, created.text
    shootout = created.json()
    assert shootout["chains"][2]["blocks"] == [
        {"type": "capture", "tone3000": AMP, "slim": None},
        {"type": "ir", "tone3000": CAB, "channel": "mid", "force": False},
    ]
    assert shootout["warnings"] == []
    assert await ref_ids(app, shootout["id"]) == {lib.di, lib.amp, lib.ir, lib.combo}
    url = f"{SHOOTOUTS}/{shootout['id']}"
    assert (await client.get(url, headers=user.headers)).json() == shootout
    patched = await client.patch(url, json={"title": "Renamed"}, headers=user.headers)
    assert patched.status_code == 200, patched.text
    cloned = await client.post(f"{url}/clone", headers=user.headers)
    assert cloned.status_code == 201, cloned.text
    assert cloned.json()["chains"][2] == shootout["chains"][2]
    listed = await client.get(SHOOTOUTS, headers=user.headers)
    assert listed.status_code == 200
    assert network.requests == []


async def test_save_refuses_a_block_with_both_or_neither_file(
    client: httpx.AsyncClient, app: FastAPI, network: NoNetwork
) -> None:
    user = await register_and_login(client)
    lib = await small_library(app, user)
    body = shootout_body(lib)
    body["chains"][0]["blocks"][0]["tone3000"] = AMP  # beside its capture_id
    body["chains"][0]["blocks"][1] = {"type": "ir"}  # neither
    body["chains"][1]["blocks"][0] = {"type": "capture", "tone3000": {"tone_id": "4201"}}

    response = await client.post(SHOOTOUTS, json=body, headers=user.headers)

    assert response.status_code == 422, response.text
    assert response.json()["error"] == "invalid"
    problems = {p["path"]: p["message"] for p in response.json()["detail"]}
    assert problems == {
        "chains.0.blocks.0.capture_id": "give capture_id or tone3000, not both: a block uses "
        "one file",
        "chains.0.blocks.1.ir_id": "give ir_id (from your library) or tone3000 (a model on "
        "TONE3000)",
        "chains.1.blocks.0.tone3000.tone_id": "Input should be a valid integer",
        "chains.1.blocks.0.tone3000.model_id": "Field required",
    }
    assert network.requests == []


async def test_save_refuses_more_tone3000_models_than_a_submission_may_look_up(
    client: httpx.AsyncClient, app: FastAPI, network: NoNetwork
) -> None:
    user = await register_and_login(client)
    lib = await small_library(app, user)
    body = shootout_body(lib)
    for c in range(3):
        blocks = [
            {"type": "capture", "tone3000": {"tone_id": 4201, "model_id": 1 + c * 14 + b}}
            for b in range(14)
        ]
        body["chains"].append({"name": f"Many {c}", "blocks": blocks})

    response = await client.post(SHOOTOUTS, json=body, headers=user.headers)

    assert response.status_code == 422, response.text
    assert response.json()["detail"] == [
        {
            "path": "chains.4.blocks.12.tone3000",
            "message": "a shootout may use at most 40 TONE3000 models",
        }
    ]
    assert network.requests == []
