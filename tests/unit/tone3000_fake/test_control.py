"""`/_fake/...`: the switches, clock and counters over HTTP, for a fake in another process."""

from __future__ import annotations

import httpx
import pytest

from tests.unit.tone3000_fake.helpers import API, authorize, bearer, pkce, refresh, sign_in
from toneshootout.tone3000_fake import FakeConfig, FakeState, create_fake_app


async def test_switches_are_set_and_read_back(client: httpx.AsyncClient, state: FakeState) -> None:
    response = await client.put(
        "/_fake/switches", json={"authorize_error": "access_denied", "select_tone_id": 4203}
    )
    assert response.status_code == 200
    assert response.json()["authorize_error"] == "access_denied"
    assert state.switches.select_tone_id == 4203
    _, challenge = pkce()
    assert (await authorize(client, challenge))["error"] == "access_denied"
    await client.put("/_fake/switches", json={"authorize_error": None})
    assert (await authorize(client, challenge, prompt="select_tone"))["tone_id"] == "4203"


@pytest.mark.parametrize(
    "body",
    [
        {"nonsense": True},
        {"authorize_error": "teapot"},
        {"download_route": "sideways"},
        {"canceled": "yes"},
        {"select_tone_id": "4201"},
        {"user": "ghost"},
    ],
)
async def test_bad_switches_are_refused_and_change_nothing(
    client: httpx.AsyncClient, state: FakeState, body: dict[str, object]
) -> None:
    before = state.switches.as_dict()
    response = await client.put("/_fake/switches", json={"user": "roomtone", **body})
    assert response.status_code == 400
    assert state.switches.as_dict() == before


async def test_clock_moves_over_http(client: httpx.AsyncClient, state: FakeState) -> None:
    answer = await client.post("/_fake/clock/advance", json={"seconds": 90})
    assert answer.json() == {"now": 90.0}
    assert state.clock.now() == 90.0
    assert (await client.post("/_fake/clock/advance", json={"seconds": -1})).status_code == 400
    assert (await client.post("/_fake/clock/set", json={"now": 3600})).json() == {"now": 3600.0}
    assert state.clock.iso() == "2026-09-01T13:00:00.000Z"
    assert (await client.post("/_fake/clock/set", json={"now": 10})).status_code == 400


async def test_state_reports_counters_and_hits(client: httpx.AsyncClient) -> None:
    tokens = await sign_in(client)
    await refresh(client, tokens["refresh_token"])
    headers = bearer(tokens["access_token"])
    await client.get(f"{API}/models/90002/download/x.nam", headers=headers, follow_redirects=True)
    snapshot = (await client.get("/_fake/state")).json()
    assert snapshot["counters"]["refresh_requests"] == 1
    assert snapshot["counters"]["token_requests"] == {"authorization_code": 1, "refresh_token": 1}
    assert snapshot["storage_hits"][0]["had_authorization"] is False
    assert snapshot["requests"]["GET /api/v1/models/{model_id}/download/{filename}"] == 1
    assert snapshot["client_id"].startswith("t3k_pub_")


async def test_revoke_and_reset(client: httpx.AsyncClient, state: FakeState) -> None:
    tester = await sign_in(client)
    other = await sign_in(client, login_hint="ampwright")
    assert (await client.post("/_fake/tokens/revoke", json={"user": "ampwright"})).json() == {
        "revoked": 1
    }
    assert (
        await client.get(f"{API}/user", headers=bearer(other["access_token"]))
    ).status_code == 401
    assert (await client.get(f"{API}/user", headers=bearer(tester["access_token"]))).is_success
    unknown = await client.post("/_fake/tokens/revoke", json={"user": "nobody"})
    assert unknown.status_code == 404
    state.switches.canceled = True
    state.clock.advance(5)
    reset = (await client.post("/_fake/reset")).json()
    assert reset["switches"]["canceled"] is False
    assert reset["now"] == 5.0  # the clock keeps its time
    assert (
        await client.get(f"{API}/user", headers=bearer(tester["access_token"]))
    ).status_code == 401


@pytest.mark.parametrize("config", [FakeConfig(control_enabled=False)])
async def test_control_routes_can_be_switched_off(client: httpx.AsyncClient) -> None:
    response = await client.get("/_fake/state")
    assert response.status_code == 404
    assert response.json() == {"error": "Not Found"}


def test_config_user_must_exist() -> None:
    with pytest.raises(ValueError, match="not a catalogue user"):
        create_fake_app(FakeConfig(user="ghost"))
