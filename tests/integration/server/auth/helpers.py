"""Test helpers for anything that needs a signed-in user (other features import these too)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import httpx

PASSWORD = "correct horse battery staple"
API = "/api/v1"


@dataclass(frozen=True)
class SignedIn:
    """A registered user and the token pair from their login."""

    user_id: uuid.UUID
    email: str
    password: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        """The bearer Authorization header for this user."""
        return bearer(self.access_token)


def bearer(access_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token}"}


def new_email() -> str:
    return f"player-{uuid.uuid4().hex[:12]}@example.com"


async def register(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> uuid.UUID:
    """Create an account; returns its id."""
    response = await client.post(
        f"{API}/auth/register", json={"email": email, "password": password}
    )
    assert response.status_code == 201, response.text
    return uuid.UUID(response.json()["id"])


async def login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    """POST /auth/login and return the raw response (cookies land in the client's jar)."""
    return await client.post(f"{API}/auth/login", json={"email": email, "password": password})


async def register_and_login(
    client: httpx.AsyncClient, email: str | None = None, password: str = PASSWORD
) -> SignedIn:
    """A fresh user signed in by bearer token; the client's cookie jar is left empty.

    Clearing the jar keeps later "anonymous" requests anonymous: login also sets browser
    cookies, which the client would otherwise send on every following request.
    """
    email = email or new_email()
    user_id = await register(client, email, password)
    response = await login(client, email, password)
    assert response.status_code == 200, response.text
    client.cookies.clear()
    body = response.json()
    return SignedIn(user_id, email, password, body["access_token"], body["refresh_token"])


async def another_session(client: httpx.AsyncClient, user: SignedIn) -> SignedIn:
    """Sign the same user in again (a second device): a separate session and token pair."""
    response = await login(client, user.email, user.password)
    assert response.status_code == 200, response.text
    client.cookies.clear()
    body = response.json()
    return SignedIn(
        user.user_id, user.email, user.password, body["access_token"], body["refresh_token"]
    )
