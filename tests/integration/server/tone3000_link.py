"""A local user linked to the fake TONE3000 the app talks to in-process.

Signs in at the fake (the OAuth code flow, as the browser would) and writes the link row
with the tokens sealed, the way the sign-in callback leaves it.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from tests.unit.tone3000_fake.helpers import BASE, bearer, sign_in
from toneshootout.server.db.models.tone3000_account import Tone3000Account
from toneshootout.server.db.session import session_scope
from toneshootout.server.state import Services
from toneshootout.server.tone3000.store import seal
from toneshootout.tone3000.oauth import TokenSet
from toneshootout.tone3000_fake import DEFAULT_CLIENT_ID

FAKE_BASE = BASE  # http://127.0.0.1:8030; its storage host is http://localhost:8030
FAKE_STORAGE = "http://localhost:8030"


def tone3000_settings(**overrides: Any) -> dict[str, Any]:
    """The `tone3000` settings section for an app whose TONE3000 is the in-process fake."""
    return {
        "base_url": FAKE_BASE,
        "client_id": DEFAULT_CLIENT_ID,
        "storage_origins": [FAKE_STORAGE],
        "token_key": "test-token-key-" + "x" * 32,
        **overrides,
    }


def fake_transport(fake: FastAPI) -> httpx.ASGITransport:
    return httpx.ASGITransport(app=fake)


async def link_user(app: FastAPI, fake: FastAPI, user_id: uuid.UUID, **authorize: str) -> TokenSet:
    """Sign in at the fake and link that TONE3000 account to `user_id`; returns its tokens."""
    async with httpx.AsyncClient(transport=fake_transport(fake), base_url=FAKE_BASE) as http:
        body = await sign_in(http, **authorize)
        me = (await http.get("/api/v1/user", headers=bearer(body["access_token"]))).json()
    tokens = TokenSet(
        body["access_token"],
        body["refresh_token"],
        datetime.now(UTC) + timedelta(seconds=int(body["expires_in"])),
    )
    services = app.state.services
    assert isinstance(services, Services)
    assert services.tone3000 is not None
    async with session_scope(services.sessionmaker) as session:
        account = Tone3000Account(
            user_id=user_id, provider_user_id=str(me["id"]), username=me["username"]
        )
        seal(account, tokens, services.tone3000.cipher)
        session.add(account)
    return tokens
