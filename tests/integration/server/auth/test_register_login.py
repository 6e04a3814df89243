"""Registering and signing in: normalised emails, password rules, one generic failure."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from tests.integration.server.auth.helpers import (
    API,
    PASSWORD,
    bearer,
    login,
    new_email,
    register,
    register_and_login,
)
from toneshootout.server.db.models.user import User
from toneshootout.server.state import Services


async def test_register_stores_normalised_email(client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"{API}/auth/register", json={"email": "  Player@EXAMPLE.com ", "password": PASSWORD}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["email"] == "player@example.com"
    assert set(body) == {"id", "email", "display_name", "created_at"}
    assert (await login(client, "PLAYER@example.com")).status_code == 200


async def test_register_refuses_taken_email_in_any_case(client: httpx.AsyncClient) -> None:
    email = new_email()
    await register(client, email)
    response = await client.post(
        f"{API}/auth/register", json={"email": email.upper(), "password": PASSWORD}
    )
    assert response.status_code == 409
    assert response.json()["error"] == "email_taken"


@pytest.mark.parametrize(
    "body",
    [
        {"email": "player@example.com", "password": "short7!"},
        {"email": "player@example.com", "password": "x" * 257},
        {"email": "not-an-email", "password": PASSWORD},
        {"email": "player@example.com"},
        {"email": "player@example.com", "password": PASSWORD, "is_admin": True},
    ],
    ids=["short password", "long password", "bad email", "no password", "is_admin (REQ-10)"],
)
async def test_register_refuses_invalid_body(
    client: httpx.AsyncClient, body: dict[str, object]
) -> None:
    response = await client.post(f"{API}/auth/register", json=body)
    assert response.status_code == 422
    payload = response.json()
    assert payload["error"] == "invalid"
    assert payload["request_id"]
    assert all({"path", "message"} == set(problem) for problem in payload["detail"])


async def test_login_returns_bearer_pair(client: httpx.AsyncClient, app: FastAPI) -> None:
    email = new_email()
    await register(client, email)
    response = await login(client, email)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert body["token_type"] == "bearer"
    services: Services = app.state.services
    assert body["expires_in"] == services.settings.auth.access_ttl_seconds
    client.cookies.clear()
    me = await client.get(f"{API}/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200
    assert me.json()["email"] == email


async def test_login_gives_one_error_for_wrong_password_or_unknown_email(
    client: httpx.AsyncClient,
) -> None:
    user = await register_and_login(client)
    wrong_password = await login(client, user.email, "wrong password here")
    unknown_email = await login(client, new_email(), PASSWORD)
    assert wrong_password.status_code == unknown_email.status_code == 401
    first, second = wrong_password.json(), unknown_email.json()
    assert (first["error"], first["detail"]) == (second["error"], second["detail"])
    assert first["error"] == "invalid_credentials"


async def test_login_refuses_disabled_account(client: httpx.AsyncClient, app: FastAPI) -> None:
    user = await register_and_login(client)
    services: Services = app.state.services
    async with services.sessionmaker() as session:
        row = await session.get(User, user.user_id)
        assert row is not None
        row.is_active = False
        await session.commit()
    response = await login(client, user.email)
    assert response.status_code == 403
    assert response.json()["error"] == "account_disabled"


async def test_me_without_credentials_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{API}/me")
    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"


async def test_me_with_non_bearer_authorization_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{API}/me", headers={"Authorization": "Basic dXNlcjpwdw=="})
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"
