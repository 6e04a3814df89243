"""REQ-10 and REQ-37: responses and security logs never carry hashes, passwords or tokens."""

from __future__ import annotations

import logging

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from tests.integration.server.auth.helpers import API, PASSWORD, login, new_email
from toneshootout.server.db.models.refresh_token import RefreshToken
from toneshootout.server.db.models.user import User
from toneshootout.server.state import Services

SECURITY_LOGGER = "toneshootout.security"


async def _session_flow(client: httpx.AsyncClient) -> tuple[list[httpx.Response], list[str]]:
    """Register, fail and succeed at login, refresh, reuse, log out; return responses, tokens."""
    email = new_email()
    responses = [
        await client.post(f"{API}/auth/register", json={"email": email, "password": PASSWORD})
    ]
    responses.append(await login(client, email, "wrong password!"))
    responses.append(await login(client, email))
    pair = responses[-1].json()
    client.cookies.clear()
    body = {"refresh_token": pair["refresh_token"]}
    responses.append(await client.post(f"{API}/auth/refresh", json=body))
    renewed = responses[-1].json()
    responses.append(await client.post(f"{API}/auth/refresh", json=body))  # reuse
    client.cookies.clear()
    second = await login(client, email)
    client.cookies.clear()
    headers = {"Authorization": f"Bearer {second.json()['access_token']}"}
    responses += [second, await client.get(f"{API}/me", headers=headers)]
    responses.append(await client.post(f"{API}/auth/logout", headers=headers))
    tokens = [pair["access_token"], pair["refresh_token"], renewed["access_token"]]
    tokens += [renewed["refresh_token"], second.json()["refresh_token"]]
    return responses, tokens


async def _stored_secrets(app: FastAPI) -> list[str]:
    services: Services = app.state.services
    async with services.sessionmaker() as session:
        hashes = [u.password_hash for u in (await session.scalars(select(User))).all()]
        tokens = [t.token_hash for t in (await session.scalars(select(RefreshToken))).all()]
    return [h for h in hashes if h] + tokens


async def test_responses_never_contain_hashes(client: httpx.AsyncClient, app: FastAPI) -> None:
    responses, _ = await _session_flow(client)
    assert [r.status_code for r in responses] == [201, 401, 200, 200, 401, 200, 200, 204]
    secrets = await _stored_secrets(app)
    assert secrets
    for response in responses:
        text = response.text + str(response.headers)
        assert not any(secret in text for secret in secrets), response.request.url
        assert "password" not in text.lower().replace("wrong email or password", "")
        assert "$argon2" not in text
        assert "token_hash" not in text


async def test_security_log_records_events_without_secrets(
    client: httpx.AsyncClient, app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger=SECURITY_LOGGER):
        responses, tokens = await _session_flow(client)
    records = [r for r in caplog.records if r.name == SECURITY_LOGGER]
    events = [r.__dict__["event"] for r in records]
    assert events == [
        "register",
        "login_failure",
        "login_success",
        "refresh",
        "refresh_reuse",
        "login_success",
        "logout",
    ]
    user_ids = {r.__dict__["user_id"] for r in records}
    assert len(user_ids) == 1
    assert None not in user_ids
    request_ids = {r.headers["x-request-id"] for r in responses}
    assert all(r.__dict__["request_id"] in request_ids for r in records)
    forbidden = [PASSWORD, "wrong password!", *tokens, *await _stored_secrets(app)]
    for record in records:
        text = record.getMessage() + repr(vars(record))
        assert not any(secret in text for secret in forbidden), record.getMessage()
