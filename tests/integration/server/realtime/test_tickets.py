"""POST /ws/tickets: authenticated, CSRF-checked for cookies, random, stored hashed (REQ-31)."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from tests.integration.server.auth.helpers import SignedIn, login
from tests.integration.server.realtime.helpers import API, new_ticket, services_of, ticket_hash
from toneshootout.server.db.models.render import WsTicket


async def test_issue_ticket_without_credentials_is_401(client: httpx.AsyncClient) -> None:
    response = await client.post(f"{API}/ws/tickets")
    assert response.status_code == 401
    assert response.json()["error"]


async def test_issue_ticket_stores_only_its_hash(
    app: FastAPI, client: httpx.AsyncClient, user: SignedIn
) -> None:
    response = await client.post(f"{API}/ws/tickets", headers=user.headers)
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"ticket", "expires_in"}
    assert body["expires_in"] == 30
    assert len(body["ticket"]) >= 22  # ≥ 128 bits in URL-safe base64
    async with services_of(app).sessionmaker() as session:
        rows = (await session.scalars(select(WsTicket))).all()
    assert [row.token_sha256 for row in rows] == [ticket_hash(body["ticket"])]
    assert rows[0].user_id == user.user_id
    assert rows[0].used_at is None


async def test_issue_ticket_gives_distinct_tickets(
    client: httpx.AsyncClient, user: SignedIn
) -> None:
    tickets = {await new_ticket(client, user) for _ in range(5)}
    assert len(tickets) == 5


async def test_issue_ticket_by_cookie_needs_csrf_header(
    client: httpx.AsyncClient, user: SignedIn
) -> None:
    assert (await login(client, user.email, user.password)).status_code == 200
    refused = await client.post(f"{API}/ws/tickets")
    assert refused.status_code == 403
    csrf = client.cookies["ts_csrf"]
    accepted = await client.post(f"{API}/ws/tickets", headers={"X-CSRF-Token": csrf})
    assert accepted.status_code == 201, accepted.text
    client.cookies.clear()


async def test_issue_ticket_over_rate_is_429(
    app: FastAPI, client: httpx.AsyncClient, user: SignedIn
) -> None:
    limit = services_of(app).settings.realtime.ticket_rate_per_minute
    for _ in range(limit):
        await new_ticket(client, user)
    response = await client.post(f"{API}/ws/tickets", headers=user.headers)
    assert response.status_code == 429
    assert "retry-after" in response.headers
