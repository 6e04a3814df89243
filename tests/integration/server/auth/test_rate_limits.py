"""REQ-08: login, register and refresh are rate-limited per client IP and per account."""

from __future__ import annotations

import logging

import httpx
import pytest
from fastapi import FastAPI

from tests.integration.server.auth.conftest import AppFactory
from tests.integration.server.auth.helpers import API, PASSWORD, new_email


def _client_from(app: FastAPI, ip: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(ip, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def _login(client: httpx.AsyncClient, email: str, **headers: str) -> httpx.Response:
    body = {"email": email, "password": PASSWORD}
    return await client.post(f"{API}/auth/login", json=body, headers=headers)


async def test_login_burst_is_limited_per_ip(make_app: AppFactory) -> None:
    app, _ = await make_app(login_rate_per_minute=3)
    async with _client_from(app, "10.0.0.1") as attacker, _client_from(app, "10.0.0.2") as other:
        statuses = [(await _login(attacker, new_email())).status_code for _ in range(3)]
        assert statuses == [401, 401, 401]
        limited = await _login(attacker, new_email())
        assert limited.status_code == 429
        assert limited.json()["error"] == "rate_limited"
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        # A forged X-Forwarded-For from an untrusted peer does not give a fresh bucket.
        spoofed = await _login(attacker, new_email(), **{"X-Forwarded-For": "203.0.113.9"})
        assert spoofed.status_code == 429
        # Another client is unaffected.
        assert (await _login(other, new_email())).status_code == 401


async def test_login_burst_is_limited_per_account(
    make_app: AppFactory, caplog: pytest.LogCaptureFixture
) -> None:
    app, _ = await make_app(login_rate_per_minute=2)
    target = new_email()
    statuses = []
    with caplog.at_level(logging.WARNING, logger="toneshootout.security"):
        for n in range(3):
            async with _client_from(app, f"10.0.1.{n}") as client:
                statuses.append((await _login(client, target)).status_code)
    assert statuses == [401, 401, 429]
    hits = [r for r in caplog.records if r.__dict__.get("event") == "rate_limited"]
    assert [r.__dict__["limit"] for r in hits] == ["login:account"]
    assert all(target not in r.getMessage() + repr(vars(r)) for r in caplog.records)


async def test_register_burst_is_limited(make_app: AppFactory) -> None:
    _, client = await make_app(register_rate_per_minute=2)
    short = {"password": "x"}  # refused by validation: never reaches the limiter
    assert (await client.post(f"{API}/auth/register", json=short)).status_code == 422
    statuses = []
    for _ in range(3):
        body = {"email": new_email(), "password": PASSWORD}
        statuses.append((await client.post(f"{API}/auth/register", json=body)).status_code)
    assert statuses == [201, 201, 429]


async def test_refresh_burst_is_limited(make_app: AppFactory) -> None:
    _, client = await make_app(refresh_rate_per_minute=2)
    statuses = []
    for _ in range(3):
        body = {"refresh_token": "not-a-real-refresh-token"}
        statuses.append((await client.post(f"{API}/auth/refresh", json=body)).status_code)
    assert statuses == [401, 401, 429]
