"""Submitting a render of a shootout with TONE3000 models: looked up as the user, frozen into
the snapshot (credit and file URL), each refusal in words, no token anywhere (REQ-06)."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.integration.server.render.helpers import (
    RENDERS,
    install,
    render_rows,
    services,
    submit,
)
from tests.integration.server.shootout.helpers import (
    SHOOTOUTS,
    Account,
    add_item,
    register_and_login,
)
from tests.integration.tone3000_link import (
    DELETED,
    PLEXI,
    PRIVATE,
    V30,
    FakeNetwork,
    Linked,
    assert_no_secret,
    forget_tokens,
    link,
    with_tone3000,
)
from toneshootout.server.app import create_app
from toneshootout.settings import Settings
from toneshootout.tone3000_fake import FakeState, create_fake_app, fake_state


@pytest.fixture
def fake() -> FastAPI:
    return create_fake_app()


@pytest.fixture
def state(fake: FastAPI) -> FakeState:
    return fake_state(fake)


@pytest.fixture
def network(fake: FastAPI) -> FakeNetwork:
    return FakeNetwork(fake)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return with_tone3000(settings)


@pytest.fixture
async def app(settings: Settings, network: FakeNetwork) -> AsyncIterator[FastAPI]:
    application = create_app(settings, tone3000_transport=network)
    async with application.router.lifespan_context(application):
        yield application


def _ref(tone_id: int, model_id: int) -> dict[str, int]:
    return {"tone_id": tone_id, "model_id": model_id}


async def _shootout(
    client: httpx.AsyncClient, app: FastAPI, owner: Account, *blocks: dict[str, Any]
) -> str:
    di = await add_item(app, owner, "di_track", sample_rate=48000, duration_s=3.0)
    chain_blocks = list(blocks) or [
        {"type": "capture", "tone3000": _ref(PLEXI, 90002)},
        {"type": "ir", "tone3000": _ref(V30, 90010)},
    ]
    body = {
        "title": "Plexi through a V30",
        "di_tracks": [di],
        "chains": [
            {"name": "TONE3000", "blocks": chain_blocks},
            {
                "name": "Plexi again",
                "blocks": [{"type": "capture", "tone3000": _ref(PLEXI, 90002)}],
            },
        ],
    }
    response = await client.post(SHOOTOUTS, json=body, headers=owner.headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _linked_owner(
    client: httpx.AsyncClient, app: FastAPI, fake: FastAPI
) -> tuple[Account, Linked]:
    owner = await register_and_login(client)
    return owner, await link(fake, services(app).sessionmaker, owner.user_id)


async def test_submit_freezes_credits_and_file_urls_of_its_models(
    client: httpx.AsyncClient, app: FastAPI, fake: FastAPI, state: FakeState
) -> None:
    owner, linked = await _linked_owner(client, app, fake)
    shootout_id = await _shootout(client, app, owner)

    response = await submit(client, owner, shootout_id)

    assert response.status_code == 202, response.text
    assert_no_secret(response.text, linked)
    assert "model_url" not in response.text
    (render,) = await render_rows(app, owner.user_id)
    frozen = render.snapshot["tone3000"]
    assert set(frozen) == {"90002", "90010"}
    plexi = frozen["90002"]
    assert plexi["model_url"].startswith("http://127.0.0.1:8030/api/v1/models/90002/download/")
    assert plexi["credit"] == {
        "kind": "capture",
        "tone_id": PLEXI,
        "model_id": 90002,
        "tone_title": "Plexi Lead 100W",
        "model_name": "Gain 7 - SM57",
        "creator": "ampwright",
        "creator_url": "http://127.0.0.1:8030//ampwright",
        "licence": "cc-by",
        "tone_url": "http://127.0.0.1:8030//plexi-lead-100w-4201",
        "architecture": "1",
        "size": "standard",
        "gear": "amp",
    }
    assert frozen["90010"]["credit"]["kind"] == "ir"
    assert frozen["90010"]["credit"]["licence"] == "cc-by-sa"
    assert_no_secret(str(render.snapshot), linked)
    # One look-up per tone and per model, however many blocks name them; no download yet.
    assert state.requests["GET /api/v1/tones/{tone_id}"] == 2
    assert state.requests["GET /api/v1/models/{model_id}"] == 2
    assert not any("download" in route for route in state.requests)


async def test_submit_without_a_tone3000_link_asks_to_sign_in(
    client: httpx.AsyncClient, app: FastAPI, state: FakeState
) -> None:
    owner = await register_and_login(client)
    shootout_id = await _shootout(client, app, owner)

    response = await submit(client, owner, shootout_id)

    assert response.status_code == 409, response.text
    body = response.json()
    assert body["error"] == "tone3000_sign_in_required"
    assert "sign in with TONE3000" in body["detail"]
    assert await render_rows(app, owner.user_id) == []
    assert sum(state.requests.values()) == 0


async def test_submit_with_tokens_gone_or_revoked_asks_to_sign_in(
    client: httpx.AsyncClient, app: FastAPI, fake: FastAPI, state: FakeState
) -> None:
    owner, linked = await _linked_owner(client, app, fake)
    shootout_id = await _shootout(client, app, owner)
    state.oauth.revoke()  # TONE3000 revoked every token: 401, and the refresh fails too

    revoked = await submit(client, owner, shootout_id)

    assert revoked.status_code == 409, revoked.text
    assert revoked.json()["error"] == "tone3000_sign_in_required"
    assert_no_secret(revoked.text, linked)
    await link(fake, services(app).sessionmaker, owner.user_id)
    await forget_tokens(services(app).sessionmaker, owner.user_id)
    gone = await submit(client, owner, shootout_id)
    assert gone.status_code == 409, gone.text
    assert gone.json()["error"] == "tone3000_sign_in_required"
    assert await render_rows(app, owner.user_id) == []


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        (
            {"type": "capture", "tone3000": _ref(PRIVATE, 90028)},
            (409, "tone3000_private", "private"),
        ),
        (
            {"type": "capture", "tone3000": _ref(DELETED, 90001)},
            (409, "tone3000_deleted", "deleted"),
        ),
        (
            {"type": "capture", "tone3000": _ref(PLEXI, 90010)},
            (422, "tone3000_wrong_model", "model 90010 is not one of tone 4201's models"),
        ),
        (
            {"type": "capture", "tone3000": _ref(V30, 90010)},
            (422, "tone3000_wrong_model", "tone 4203 has IRs; a capture block needs NAM captures"),
        ),
        (
            {"type": "ir", "tone3000": _ref(PLEXI, 90001)},
            (422, "tone3000_wrong_model", "tone 4201 has NAM captures; an IR block needs IRs"),
        ),
        (
            {"type": "ir", "tone3000": _ref(V30, 999999)},
            (409, "tone3000_deleted", "this model was deleted from TONE3000"),
        ),
    ],
)
async def test_submit_refuses_a_model_it_cannot_use_at_its_block(
    client: httpx.AsyncClient,
    app: FastAPI,
    fake: FastAPI,
    block: dict[str, Any],
    expected: tuple[int, str, str],
) -> None:
    status, code, words = expected
    owner, _ = await _linked_owner(client, app, fake)
    shootout_id = await _shootout(client, app, owner, block)

    response = await submit(client, owner, shootout_id)

    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == code
    assert words in body["detail"]
    assert body["path"] == "chains.0.blocks.0.tone3000"
    assert body["detail"].startswith("chains.0.blocks.0.tone3000")
    assert await render_rows(app, owner.user_id) == []


async def test_submit_when_tone3000_is_unreachable_is_a_503_to_retry(
    client: httpx.AsyncClient, app: FastAPI, fake: FastAPI, network: FakeNetwork
) -> None:
    owner, _ = await _linked_owner(client, app, fake)
    shootout_id = await _shootout(client, app, owner)
    network.down = True

    response = await submit(client, owner, shootout_id)

    assert response.status_code == 503, response.text
    assert response.json()["error"] == "tone3000_unreachable"
    assert "could not be reached" in response.json()["detail"]
    assert response.headers["retry-after"] == "30"
    assert await render_rows(app, owner.user_id) == []
    network.down = False
    assert (await submit(client, owner, shootout_id)).status_code == 202


async def test_submit_on_a_server_without_tone3000_says_so(
    client: httpx.AsyncClient, app: FastAPI, fake: FastAPI, state: FakeState, settings: Settings
) -> None:
    owner, _ = await _linked_owner(client, app, fake)
    shootout_id = await _shootout(client, app, owner)
    access = services(app).tone3000
    assert access is not None
    off = settings.tone3000.model_copy(update={"client_id": None})
    calls = sum(state.requests.values())

    for changed in (dataclasses.replace(access, settings=off), None):
        install(app, tone3000=changed)
        response = await submit(client, owner, shootout_id)

        assert response.status_code == 409, response.text
        assert response.json()["error"] == "tone3000_disabled"
        assert "not connected to TONE3000" in response.json()["detail"]
    assert sum(state.requests.values()) == calls


async def test_a_replayed_submission_looks_nothing_up_again(
    client: httpx.AsyncClient, app: FastAPI, fake: FastAPI, state: FakeState
) -> None:
    owner, _ = await _linked_owner(client, app, fake)
    shootout_id = await _shootout(client, app, owner)
    first = await submit(client, owner, shootout_id, key="render-1")
    assert first.status_code == 202, first.text
    calls = sum(state.requests.values())
    state.delete_tone(PLEXI)  # a look-up now would fail

    again = await submit(client, owner, shootout_id, key="render-1")

    assert again.status_code == 202, again.text
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert sum(state.requests.values()) == calls


async def test_a_library_only_render_asks_tone3000_nothing(
    client: httpx.AsyncClient, app: FastAPI, state: FakeState
) -> None:
    owner = await register_and_login(client)
    di = await add_item(app, owner, "di_track", sample_rate=48000, duration_s=3.0)
    capture = await add_item(app, owner, "capture", sample_rate=48000)
    body = {
        "title": "Library only",
        "di_tracks": [di],
        "chains": [{"name": "A", "blocks": [{"type": "capture", "capture_id": capture}]}],
    }
    created = await client.post(SHOOTOUTS, json=body, headers=owner.headers)
    response = await submit(client, owner, created.json()["id"])
    assert response.status_code == 202, response.text
    (render,) = await render_rows(app, owner.user_id)
    assert "tone3000" not in render.snapshot
    assert sum(state.requests.values()) == 0
    fetched = await client.get(f"{RENDERS}/{response.json()['id']}", headers=owner.headers)
    assert fetched.status_code == 200
    assert uuid.UUID(fetched.json()["id"])
