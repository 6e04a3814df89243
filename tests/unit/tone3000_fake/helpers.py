"""Shared steps for the fake TONE3000's tests: PKCE, signing in, Bearer headers."""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from toneshootout.tone3000_fake import DEFAULT_CLIENT_ID

BASE = "http://127.0.0.1:8030"  # the storage host is then http://localhost:8030
REDIRECT = "http://127.0.0.1:9999/callback"
API = "/api/v1"


def pkce() -> tuple[str, str]:
    verifier = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.rstrip(b"=").decode()


def authorize_params(challenge: str, **extra: str) -> dict[str, str]:
    return {
        "client_id": DEFAULT_CLIENT_ID,
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "state": "csrf-123",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **extra,
    }


def query_of(response: httpx.Response) -> dict[str, str]:
    """The callback's query parameters from a 302 (one value each)."""
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(REDIRECT)
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


async def authorize(client: httpx.AsyncClient, challenge: str, **extra: str) -> dict[str, str]:
    response = await client.get(
        f"{API}/oauth/authorize", params=authorize_params(challenge, **extra)
    )
    return query_of(response)


async def exchange(
    client: httpx.AsyncClient, code: str, verifier: str, **overrides: str
) -> httpx.Response:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "code_verifier": verifier,
        "redirect_uri": REDIRECT,
        "client_id": DEFAULT_CLIENT_ID,
        **overrides,
    }
    return await client.post(f"{API}/oauth/token", data=form)


async def refresh(client: httpx.AsyncClient, token: str) -> httpx.Response:
    form = {"grant_type": "refresh_token", "refresh_token": token, "client_id": DEFAULT_CLIENT_ID}
    return await client.post(f"{API}/oauth/token", data=form)


async def sign_in(client: httpx.AsyncClient, **extra: str) -> dict[str, Any]:
    """The whole code flow: authorize, exchange; returns the token response."""
    verifier, challenge = pkce()
    callback = await authorize(client, challenge, **extra)
    response = await exchange(client, callback["code"], verifier)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
