"""The device grant (RFC 8628): pending, slow_down, approval, denial and expiry on the clock."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.unit.tone3000_fake.helpers import API, bearer
from toneshootout.tone3000_fake import DEFAULT_CLIENT_ID, FakeConfig, FakeState
from toneshootout.tone3000_fake.routes_oauth import DEVICE_GRANT


async def _start(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.post(
        f"{API}/oauth/device_authorization", data={"client_id": DEFAULT_CLIENT_ID}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _poll(client: httpx.AsyncClient, device_code: str) -> httpx.Response:
    form = {"grant_type": DEVICE_GRANT, "device_code": device_code, "client_id": DEFAULT_CLIENT_ID}
    return await client.post(f"{API}/oauth/token", data=form)


def _error_of(response: httpx.Response) -> str:
    assert response.status_code == 400, response.text
    error: str = response.json()["error"]
    return error


async def test_device_authorization_shape(client: httpx.AsyncClient) -> None:
    grant = await _start(client)
    assert set(grant) == {
        "device_code",
        "user_code",
        "verification_uri",
        "verification_uri_complete",
        "expires_in",
        "interval",
    }
    assert grant["verification_uri"] == "http://127.0.0.1:8030/device"
    assert grant["verification_uri_complete"].endswith(f"?user_code={grant['user_code']}")
    assert grant["expires_in"] == 900
    assert grant["interval"] == 5


async def test_device_authorization_refuses_unknown_clients_and_json(
    client: httpx.AsyncClient,
) -> None:
    unknown = await client.post(
        f"{API}/oauth/device_authorization", data={"client_id": "t3k_pub_nobody"}
    )
    as_json = await client.post(
        f"{API}/oauth/device_authorization", json={"client_id": DEFAULT_CLIENT_ID}
    )
    assert unknown.status_code == 401
    assert unknown.json()["error"] == "invalid_client"
    assert as_json.status_code == 400


async def test_polling_is_pending_then_slow_down_then_tokens_after_approval(
    client: httpx.AsyncClient, state: FakeState
) -> None:
    grant = await _start(client)
    assert _error_of(await _poll(client, grant["device_code"])) == "authorization_pending"
    state.clock.advance(1)  # faster than the 5 s interval
    assert _error_of(await _poll(client, grant["device_code"])) == "slow_down"
    state.clock.advance(9)  # the interval is now 10 s: 9 s is still too fast
    assert _error_of(await _poll(client, grant["device_code"])) == "slow_down"
    state.clock.advance(15)
    assert _error_of(await _poll(client, grant["device_code"])) == "authorization_pending"
    state.approve_device(grant["user_code"])
    state.clock.advance(15)
    tokens = await _poll(client, grant["device_code"])
    assert tokens.status_code == 200
    assert tokens.json()["token_type"] == "bearer"
    user = await client.get(f"{API}/user", headers=bearer(tokens.json()["access_token"]))
    assert user.json()["username"] == "shootout-tester"
    state.clock.advance(15)
    assert _error_of(await _poll(client, grant["device_code"])) == "invalid_grant"


async def test_denied_device_gets_access_denied(
    client: httpx.AsyncClient, state: FakeState
) -> None:
    grant = await _start(client)
    state.deny_device(grant["user_code"])
    assert _error_of(await _poll(client, grant["device_code"])) == "access_denied"


async def test_device_code_expires(client: httpx.AsyncClient, state: FakeState) -> None:
    grant = await _start(client)
    state.clock.advance(900)
    state.approve_device(grant["user_code"])  # too late: expiry wins
    assert _error_of(await _poll(client, grant["device_code"])) == "expired_token"


async def test_unknown_device_code_is_invalid_grant(client: httpx.AsyncClient) -> None:
    assert _error_of(await _poll(client, "no-such-code")) == "invalid_grant"


@pytest.mark.parametrize("config", [FakeConfig(device_auto_approve_after=2)])
async def test_auto_approval_after_n_pending_answers(
    client: httpx.AsyncClient, state: FakeState
) -> None:
    grant = await _start(client)
    answers = []
    for _ in range(3):
        answers.append((await _poll(client, grant["device_code"])).status_code)
        state.clock.advance(5)
    assert answers == [400, 400, 200]


async def test_opening_the_verification_page_approves(
    client: httpx.AsyncClient, state: FakeState
) -> None:
    grant = await _start(client)
    page = await client.get(grant["verification_uri_complete"])
    assert page.status_code == 200
    assert (await client.get("/device", params={"user_code": "ZZZZ-ZZZZ"})).status_code == 404
    assert (await _poll(client, grant["device_code"])).status_code == 200


async def test_control_routes_approve_by_user_code(client: httpx.AsyncClient) -> None:
    grant = await _start(client)
    code = grant["user_code"].lower().replace("-", "")  # typed sloppily, as users do
    approved = await client.post(
        "/_fake/device/approve", json={"user_code": code, "user": "roomtone"}
    )
    assert approved.json() == {"user_code": grant["user_code"], "status": "approved"}
    tokens = (await _poll(client, grant["device_code"])).json()
    user = await client.get(f"{API}/user", headers=bearer(tokens["access_token"]))
    assert user.json()["username"] == "roomtone"
    missing = await client.post("/_fake/device/deny", json={"user_code": "BBBB-BBBB"})
    assert missing.status_code == 404
