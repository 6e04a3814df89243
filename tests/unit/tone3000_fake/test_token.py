"""POST /oauth/token: form-only, single-use codes, PKCE, expiry on the clock, rotation."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.unit.tone3000_fake.helpers import (
    API,
    authorize,
    bearer,
    exchange,
    pkce,
    refresh,
    sign_in,
)
from toneshootout.tone3000_fake import DEFAULT_CLIENT_ID, FakeState


async def _code(client: httpx.AsyncClient) -> tuple[str, str]:
    verifier, challenge = pkce()
    return (await authorize(client, challenge))["code"], verifier


def _error(response: httpx.Response, status: int, error: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "error_description"}
    assert body["error"] == error


async def test_code_exchange_returns_a_bearer_pair(client: httpx.AsyncClient) -> None:
    code, verifier = await _code(client)
    response = await exchange(client, code, verifier)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "refresh_token", "expires_in", "token_type"}
    assert body["expires_in"] == 3600
    assert body["token_type"] == "bearer"
    assert response.headers["cache-control"] == "no-store"
    user = await client.get(f"{API}/user", headers=bearer(body["access_token"]))
    assert user.json()["username"] == "shootout-tester"


async def test_code_is_single_use(client: httpx.AsyncClient) -> None:
    code, verifier = await _code(client)
    assert (await exchange(client, code, verifier)).status_code == 200
    _error(await exchange(client, code, verifier), 400, "invalid_grant")


async def test_code_expires_after_30_minutes_on_the_clock(
    client: httpx.AsyncClient, state: FakeState
) -> None:
    fresh, fresh_verifier = await _code(client)
    stale, stale_verifier = await _code(client)
    state.clock.advance(30 * 60 - 1)
    assert (await exchange(client, fresh, fresh_verifier)).status_code == 200
    state.clock.advance(1)
    _error(await exchange(client, stale, stale_verifier), 400, "invalid_grant")


@pytest.mark.parametrize(
    ("override", "status", "error"),
    [
        ({"code_verifier": "x" * 43}, 400, "invalid_grant"),
        ({"code_verifier": "short"}, 400, "invalid_request"),
        ({"redirect_uri": "http://127.0.0.1:9999/other"}, 400, "invalid_grant"),
        ({"client_id": "t3k_pub_someone_else"}, 401, "invalid_client"),
        ({"client_id": ""}, 400, "invalid_request"),
        ({"code": "not-a-code"}, 400, "invalid_grant"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        ({"grant_type": ""}, 400, "invalid_request"),
    ],
)
async def test_code_exchange_refusals(
    client: httpx.AsyncClient, override: dict[str, str], status: int, error: str
) -> None:
    code, verifier = await _code(client)
    override = dict(override)  # the parameter set is shared between runs
    code = override.pop("code", code)
    _error(await exchange(client, code, verifier, **override), status, error)


async def test_a_failed_exchange_spends_the_code(client: httpx.AsyncClient) -> None:
    code, verifier = await _code(client)
    await exchange(client, code, "y" * 43)
    _error(await exchange(client, code, verifier), 400, "invalid_grant")


async def test_token_endpoint_refuses_json(client: httpx.AsyncClient) -> None:
    code, verifier = await _code(client)
    body = {"grant_type": "authorization_code", "code": code, "code_verifier": verifier}
    _error(await client.post(f"{API}/oauth/token", json=body), 400, "invalid_request")
    # The refusal did not touch the code: the proper form still works.
    assert (await exchange(client, code, verifier)).status_code == 200


async def test_token_endpoint_refuses_repeated_fields(client: httpx.AsyncClient) -> None:
    content = (
        f"grant_type=refresh_token&refresh_token=a&refresh_token=b&client_id={DEFAULT_CLIENT_ID}"
    )
    response = await client.post(
        f"{API}/oauth/token",
        content=content,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    _error(response, 400, "invalid_request")


async def test_refresh_rotates_and_the_old_token_dies(
    client: httpx.AsyncClient, state: FakeState
) -> None:
    first = await sign_in(client)
    second = await refresh(client, first["refresh_token"])
    assert second.status_code == 200
    pair = second.json()
    assert pair["refresh_token"] != first["refresh_token"]
    assert pair["access_token"] != first["access_token"]
    _error(await refresh(client, first["refresh_token"]), 400, "invalid_grant")
    assert (await refresh(client, pair["refresh_token"])).status_code == 200
    assert state.oauth.counters.refresh_requests == 3
    assert state.oauth.counters.refresh_successes == 2


async def test_parallel_refreshes_with_one_token_leave_one_winner(
    client: httpx.AsyncClient,
) -> None:
    tokens = await sign_in(client)
    answers = await asyncio.gather(*(refresh(client, tokens["refresh_token"]) for _ in range(2)))
    assert sorted(a.status_code for a in answers) == [200, 400]


async def test_access_token_expires_on_the_clock(
    client: httpx.AsyncClient, state: FakeState
) -> None:
    tokens = await sign_in(client)
    headers = bearer(tokens["access_token"])
    state.clock.advance(3599)
    assert (await client.get(f"{API}/user", headers=headers)).status_code == 200
    state.clock.advance(1)
    expired = await client.get(f"{API}/user", headers=headers)
    assert expired.status_code == 401
    assert expired.json() == {"error": "Missing or invalid Authorization header"}
    renewed = await refresh(client, tokens["refresh_token"])
    assert renewed.json()["expires_in"] == 3600
    fresh = bearer(renewed.json()["access_token"])
    assert (await client.get(f"{API}/user", headers=fresh)).status_code == 200


async def test_revoked_tokens_fail_both_ways(client: httpx.AsyncClient, state: FakeState) -> None:
    tokens = await sign_in(client)
    assert state.oauth.revoke() == 1
    assert (
        await client.get(f"{API}/user", headers=bearer(tokens["access_token"]))
    ).status_code == 401
    _error(await refresh(client, tokens["refresh_token"]), 400, "invalid_grant")


async def test_login_hint_and_user_switch_choose_who_signs_in(
    client: httpx.AsyncClient, state: FakeState
) -> None:
    hinted = await sign_in(client, login_hint="ampwright@example.com")
    state.switches.user = "cab_lab"
    switched = await sign_in(client)
    names = []
    for tokens in (hinted, switched):
        user = await client.get(f"{API}/user", headers=bearer(tokens["access_token"]))
        names.append(user.json()["username"])
    assert names == ["ampwright", "cab_lab"]


async def test_error_bodies_can_come_in_gotrue_style(
    client: httpx.AsyncClient, state: FakeState
) -> None:
    state.switches.token_error_style = "gotrue"
    response = await refresh(client, "t3k_rt_unknown")
    assert response.status_code == 400
    assert response.json() == {"error_code": "invalid_grant", "msg": "Invalid refresh token"}
