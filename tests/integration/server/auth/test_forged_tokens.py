"""REQ-01 over HTTP: every forged or unfit access token gets 401 and the standard body."""

from __future__ import annotations

import httpx
import jwt
from fastapi import FastAPI

from tests.integration.server.auth.helpers import API, bearer, register_and_login
from tests.unit.server.auth.forgery import forged_tokens
from toneshootout.server.state import Services


async def test_me_refuses_every_forged_token(client: httpx.AsyncClient, app: FastAPI) -> None:
    user = await register_and_login(client)
    victim = await register_and_login(client)
    services: Services = app.state.services
    session_id = jwt.decode(user.access_token, options={"verify_signature": False})["sid"]
    forged = forged_tokens(
        services.settings.auth,
        user_id=user.user_id,
        session_id=session_id,
        victim_id=victim.user_id,
    )
    forged["refresh token as access token"] = user.refresh_token
    assert (await client.get(f"{API}/me", headers=user.headers)).status_code == 200
    for name, token in forged.items():
        response = await client.get(f"{API}/me", headers=bearer(token))
        assert response.status_code == 401, name
        assert response.json()["error"] == "invalid_token", name


async def test_me_refuses_non_utf8_authorization_bytes(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{API}/me", headers={b"Authorization": b"Bearer \xff\xfe\x80.a.b"})
    assert response.status_code == 401


async def test_me_refuses_forged_token_in_cookie(client: httpx.AsyncClient) -> None:
    client.cookies.set("ts_access", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.")
    response = await client.get(f"{API}/me")
    assert response.status_code == 401
