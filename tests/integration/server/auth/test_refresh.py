"""REQ-02: refresh tokens rotate on use; reuse revokes the family; idle and absolute limits."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from tests.integration.server.auth.conftest import AppFactory, FakeClock
from tests.integration.server.auth.helpers import API, another_session, bearer, register_and_login
from toneshootout.server.auth.deps import get_now
from toneshootout.server.db.models.refresh_token import RefreshToken
from toneshootout.server.state import Services


async def _refresh(client: httpx.AsyncClient, token: str) -> httpx.Response:
    response = await client.post(f"{API}/auth/refresh", json={"refresh_token": token})
    client.cookies.clear()
    return response


async def test_refresh_rotates_and_refuses_old_token(client: httpx.AsyncClient) -> None:
    user = await register_and_login(client)
    first = await _refresh(client, user.refresh_token)
    assert first.status_code == 200, first.text
    pair = first.json()
    assert pair["refresh_token"] != user.refresh_token
    assert pair["access_token"] != user.access_token
    assert (await client.get(f"{API}/me", headers=bearer(pair["access_token"]))).status_code == 200
    again = await _refresh(client, user.refresh_token)
    assert again.status_code == 401
    assert again.json()["error"] == "refresh_token_reused"


async def test_refresh_reuse_revokes_whole_family(client: httpx.AsyncClient) -> None:
    user = await register_and_login(client)
    other_session = await another_session(client, user)
    newest = (await _refresh(client, user.refresh_token)).json()
    assert (await _refresh(client, user.refresh_token)).status_code == 401  # reuse
    assert (await _refresh(client, newest["refresh_token"])).status_code == 401
    assert (
        await client.get(f"{API}/me", headers=bearer(newest["access_token"]))
    ).status_code == 401
    # Another session of the same account is a different family and keeps working.
    assert (await client.get(f"{API}/me", headers=other_session.headers)).status_code == 200
    assert (await _refresh(client, other_session.refresh_token)).status_code == 200


async def test_refresh_stores_only_hashes(client: httpx.AsyncClient, app: FastAPI) -> None:
    user = await register_and_login(client)
    services: Services = app.state.services
    async with services.sessionmaker() as session:
        rows = (await session.scalars(select(RefreshToken))).all()
    assert rows
    assert all(row.token_hash != user.refresh_token for row in rows)
    assert all(user.refresh_token not in row.token_hash for row in rows)


async def test_refresh_refuses_unknown_token(client: httpx.AsyncClient) -> None:
    response = await _refresh(client, "x" * 43)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"


async def test_refresh_without_token_is_refused(client: httpx.AsyncClient) -> None:
    assert (await client.post(f"{API}/auth/refresh")).status_code == 401
    assert (await client.post(f"{API}/auth/refresh", json={})).status_code == 401


async def test_refresh_slides_idle_window_up_to_absolute_cap(make_app: AppFactory) -> None:
    hour = 3600
    app, client = await make_app(refresh_idle_seconds=hour, refresh_absolute_seconds=3 * hour)
    clock = FakeClock()
    app.dependency_overrides[get_now] = clock
    token = (await register_and_login(client)).refresh_token
    for _ in range(3):  # each use within the idle window keeps the session alive
        clock.advance(minutes=55)
        response = await _refresh(client, token)
        assert response.status_code == 200, response.text
        token = response.json()["refresh_token"]
    clock.advance(minutes=20)  # 3 h 5 min after login: past the absolute cap, within idle
    response = await _refresh(client, token)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"


async def test_refresh_after_idle_window_is_refused(
    client: httpx.AsyncClient, clock: FakeClock, app: FastAPI
) -> None:
    user = await register_and_login(client)
    services: Services = app.state.services
    clock.advance(seconds=services.settings.auth.refresh_idle_seconds + 1)
    assert (await _refresh(client, user.refresh_token)).status_code == 401
