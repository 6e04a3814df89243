"""GET /oauth/authorize: checks, auto-approval, prompts and the switches that steer them."""

from __future__ import annotations

import httpx
import pytest

from tests.unit.tone3000_fake.helpers import (
    API,
    REDIRECT,
    authorize,
    authorize_params,
    pkce,
    query_of,
)
from toneshootout.tone3000_fake import FakeConfig, FakeState
from toneshootout.tone3000_fake.catalogue import DELETED_TONE_ID


async def test_authorize_redirects_with_code_and_state(client: httpx.AsyncClient) -> None:
    _, challenge = pkce()
    callback = await authorize(client, challenge)
    assert set(callback) == {"code", "state"}
    assert callback["state"] == "csrf-123"


async def test_authorize_keeps_the_redirect_uris_own_query(client: httpx.AsyncClient) -> None:
    _, challenge = pkce()
    params = authorize_params(challenge, redirect_uri=REDIRECT + "?next=%2Fhome")
    response = await client.get(f"{API}/oauth/authorize", params=params)
    assert response.status_code == 302
    assert response.headers["location"].startswith(REDIRECT + "?next=%2Fhome&code=")


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"client_id": "t3k_pub_unknown"}, "invalid_client"),
        ({"client_id": ""}, "invalid_request"),
        ({"redirect_uri": "https://evil.example/callback"}, "invalid_request"),
        ({"redirect_uri": ""}, "invalid_request"),
        ({"redirect_uri": "/relative"}, "invalid_request"),
    ],
)
async def test_authorize_without_a_trusted_redirect_answers_400(
    client: httpx.AsyncClient, change: dict[str, str], error: str
) -> None:
    _, challenge = pkce()
    response = await client.get(
        f"{API}/oauth/authorize", params=authorize_params(challenge, **change)
    )
    assert response.status_code == 400
    assert response.json()["error"] == error
    assert response.json()["error_description"]


@pytest.mark.parametrize(
    "change",
    [
        {"response_type": "token"},
        {"state": ""},
        {"code_challenge": ""},
        {"code_challenge": "too-short"},
        {"code_challenge_method": "plain"},
        {"prompt": "none"},
        {"prompt": "load_tone"},
        {"prompt": "load_model", "model_id": "abc"},
        {"format": "mp3"},
        {"prompt": "select_tone", "gears": "amp_banjo"},
        {"prompt": "select_tone", "architecture": "3"},
    ],
)
async def test_authorize_bad_params_redirect_with_invalid_request(
    client: httpx.AsyncClient, change: dict[str, str]
) -> None:
    _, challenge = pkce()
    params = authorize_params(challenge, **change)
    callback = query_of(await client.get(f"{API}/oauth/authorize", params=params))
    assert callback["error"] == "invalid_request"
    assert "code" not in callback
    assert callback.get("state") == (params["state"] or None)


@pytest.mark.parametrize(
    "uri", ["http://localhost:5173/cb", "http://127.0.0.1/cb", "http://[::1]:8000/cb"]
)
async def test_authorize_allows_any_loopback_redirect(client: httpx.AsyncClient, uri: str) -> None:
    _, challenge = pkce()
    response = await client.get(
        f"{API}/oauth/authorize", params=authorize_params(challenge, redirect_uri=uri)
    )
    assert response.status_code == 302
    assert response.headers["location"].startswith(uri + "?code=")


@pytest.mark.parametrize("config", [FakeConfig(redirect_uris=("https://app.example/cb",))])
async def test_authorize_allows_a_registered_redirect(client: httpx.AsyncClient) -> None:
    _, challenge = pkce()
    params = authorize_params(challenge, redirect_uri="https://app.example/cb")
    response = await client.get(f"{API}/oauth/authorize", params=params)
    assert response.headers["location"].startswith("https://app.example/cb?code=")


async def test_select_tone_picks_a_tone_in_scope(client: httpx.AsyncClient) -> None:
    _, challenge = pkce()
    ir = await authorize(client, challenge, prompt="select_tone", format="ir")
    amp = await authorize(client, challenge, prompt="select_tone", format="nam", architecture="2")
    pedal = await authorize(client, challenge, prompt="select_tone", gears="pedal_experimental")
    custom = await authorize(client, challenge, prompt="select_tone", architecture="custom")
    assert ir["tone_id"] == "4204"  # the trending IR tone
    assert amp["tone_id"] == "4202"
    assert pedal["tone_id"] in {"4205", "4211"}
    assert custom["tone_id"] in {"4208", "4211"}
    assert all("code" in c for c in (ir, amp, pedal, custom))


async def test_select_tone_follows_the_switch(client: httpx.AsyncClient, state: FakeState) -> None:
    state.switches.select_tone_id = 4207
    _, challenge = pkce()
    assert (await authorize(client, challenge, prompt="select_tone"))["tone_id"] == "4207"


async def test_select_tone_with_nothing_to_pick_comes_back_canceled_with_code(
    client: httpx.AsyncClient,
) -> None:
    _, challenge = pkce()
    callback = await authorize(client, challenge, prompt="select_tone", format="aa-snapshot")
    assert callback["canceled"] == "true"
    assert "code" in callback
    assert "tone_id" not in callback


async def test_load_tone_returns_an_accessible_tone_as_asked(client: httpx.AsyncClient) -> None:
    _, challenge = pkce()
    callback = await authorize(client, challenge, prompt="load_tone", tone_id="4201")
    assert callback["tone_id"] == "4201"


@pytest.mark.parametrize("tone_id", [DELETED_TONE_ID, 4290])
async def test_load_tone_on_a_deleted_or_private_tone_comes_back_with_a_replacement(
    client: httpx.AsyncClient, tone_id: int
) -> None:
    _, challenge = pkce()
    callback = await authorize(client, challenge, prompt="load_tone", tone_id=str(tone_id))
    assert callback["tone_id"] != str(tone_id)
    assert "code" in callback


async def test_load_tone_replacement_switch_wins(
    client: httpx.AsyncClient, state: FakeState
) -> None:
    state.switches.replacement_tone_id = 4206
    _, challenge = pkce()
    callback = await authorize(client, challenge, prompt="load_tone", tone_id="4201")
    assert callback["tone_id"] == "4206"


async def test_load_tone_sees_the_users_own_private_tone(client: httpx.AsyncClient) -> None:
    _, challenge = pkce()
    callback = await authorize(client, challenge, prompt="load_tone", tone_id="4291")
    assert callback["tone_id"] == "4291"


async def test_load_model_returns_the_model_or_access_denied(client: httpx.AsyncClient) -> None:
    _, challenge = pkce()
    ok = await authorize(client, challenge, prompt="load_model", model_id="90001")
    private = await authorize(client, challenge, prompt="load_model", model_id="90028")
    missing = await authorize(client, challenge, prompt="load_model", model_id="1")
    assert ok["model_id"] == "90001"
    assert "code" in ok
    for refused in (private, missing):
        assert refused["error"] == "access_denied"
        assert refused["state"] == "csrf-123"
        assert "code" not in refused


@pytest.mark.parametrize("error", ["access_denied", "server_error"])
async def test_forced_error_switch(client: httpx.AsyncClient, state: FakeState, error: str) -> None:
    state.switches.authorize_error = error
    _, challenge = pkce()
    callback = await authorize(client, challenge, prompt="select_tone")
    assert callback["error"] == error
    assert callback["state"] == "csrf-123"
    assert "code" not in callback


async def test_canceled_switch_attaches_a_code_unless_told_not_to(
    client: httpx.AsyncClient, state: FakeState
) -> None:
    state.switches.canceled = True
    _, challenge = pkce()
    with_code = await authorize(client, challenge, prompt="select_tone")
    state.switches.canceled_with_code = False
    without = await authorize(client, challenge, prompt="select_tone")
    assert with_code["canceled"] == "true"
    assert "code" in with_code
    assert "tone_id" not in with_code
    assert without == {"canceled": "true", "state": "csrf-123"}
