"""REQ-03: logout, logout everywhere, password change and disable end tokens at once."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.integration.server.auth.helpers import (
    API,
    another_session,
    bearer,
    login,
    register_and_login,
)
from toneshootout.server.db.models.user import User
from toneshootout.server.state import Services


async def _me(client: httpx.AsyncClient, access_token: str) -> int:
    return (await client.get(f"{API}/me", headers=bearer(access_token))).status_code


async def _refresh(client: httpx.AsyncClient, token: str) -> int:
    response = await client.post(f"{API}/auth/refresh", json={"refresh_token": token})
    client.cookies.clear()
    return response.status_code


async def test_logout_ends_this_session_only(client: httpx.AsyncClient) -> None:
    user = await register_and_login(client)
    other = await another_session(client, user)
    response = await client.post(f"{API}/auth/logout", headers=user.headers)
    assert response.status_code == 204
    assert await _me(client, user.access_token) == 401
    assert await _refresh(client, user.refresh_token) == 401
    assert await _me(client, other.access_token) == 200


async def test_logout_all_ends_every_session(client: httpx.AsyncClient) -> None:
    user = await register_and_login(client)
    other = await another_session(client, user)
    response = await client.post(f"{API}/auth/logout-all", headers=other.headers)
    assert response.status_code == 204
    for session in (user, other):
        assert await _me(client, session.access_token) == 401
        assert await _refresh(client, session.refresh_token) == 401
    fresh = await another_session(client, user)
    assert await _me(client, fresh.access_token) == 200


async def test_password_change_ends_other_sessions_and_renews_this_one(
    client: httpx.AsyncClient,
) -> None:
    user = await register_and_login(client)
    other = await another_session(client, user)
    new_password = "a brand new passphrase"
    response = await client.post(
        f"{API}/me/password",
        json={"current_password": user.password, "new_password": new_password},
        headers=user.headers,
    )
    assert response.status_code == 200, response.text
    client.cookies.clear()
    renewed = response.json()
    assert await _me(client, renewed["access_token"]) == 200
    assert await _refresh(client, renewed["refresh_token"]) == 200
    for session in (user, other):
        assert await _me(client, session.access_token) == 401
        assert await _refresh(client, session.refresh_token) == 401
    assert (await login(client, user.email, user.password)).status_code == 401
    assert (await login(client, user.email, new_password)).status_code == 200


async def test_password_change_refuses_wrong_current_password(client: httpx.AsyncClient) -> None:
    user = await register_and_login(client)
    response = await client.post(
        f"{API}/me/password",
        json={"current_password": "not my password", "new_password": "a brand new passphrase"},
        headers=user.headers,
    )
    assert response.status_code == 403
    assert response.json()["error"] == "wrong_password"
    assert await _me(client, user.access_token) == 200


async def test_password_change_refuses_short_new_password(client: httpx.AsyncClient) -> None:
    user = await register_and_login(client)
    response = await client.post(
        f"{API}/me/password",
        json={"current_password": user.password, "new_password": "short"},
        headers=user.headers,
    )
    assert response.status_code == 422


async def test_disabled_account_tokens_stop_working(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    user = await register_and_login(client)
    services: Services = app.state.services
    async with services.sessionmaker() as session:
        row = await session.get(User, user.user_id)
        assert row is not None
        row.is_active = False
        await session.commit()
    assert await _me(client, user.access_token) == 401
    response = await client.post(f"{API}/auth/refresh", json={"refresh_token": user.refresh_token})
    assert response.status_code == 403
    assert response.json()["error"] == "account_disabled"
