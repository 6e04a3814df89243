"""Users signed in with TONE3000 for render tests: the fake in-process, a linked account row.

A user is linked the way the sign-in flow will do it, minus its routes (built elsewhere): sign
in against the fake (authorize + code exchange), then seal the tokens into the user's
`tone3000_accounts` row.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.unit.tone3000_fake.helpers import API, BASE, bearer, sign_in
from toneshootout.server.db.models.tone3000_account import Tone3000Account
from toneshootout.server.db.session import session_scope
from toneshootout.server.tone3000.cipher import TokenCipher
from toneshootout.server.tone3000.store import account_of, seal
from toneshootout.settings import Settings
from toneshootout.tone3000.oauth import TokenSet
from toneshootout.tone3000_fake import DEFAULT_CLIENT_ID

STORAGE = "http://localhost:8030"  # the fake's storage host: its other loopback name
TOKEN_KEY = "tone3000-render-tests-key-0123456789abcdef"

# Models of the fake's catalogue (docs/TONE3000-FAKE.md): tone → model ids in table order.
PLEXI = 4201  # amp, cc-by, ampwright: 90001 (A1, direct), 90002 (A1, via storage), ... 90005 (A2)
V30 = 4203  # cab IRs, cc-by-sa, cab_lab: 90010 (direct), 90011 (via storage), 90012
PRIVATE = 4290  # someone else's private pedal: 90028
DELETED = 4299  # deleted: no models


def with_tone3000(settings: Settings, *, trust_storage: bool = True, **changes: Any) -> Settings:
    """`settings` connected to the fake (the storage host trusted, unless told otherwise)."""
    values: dict[str, Any] = {
        "base_url": BASE,
        "client_id": DEFAULT_CLIENT_ID,
        "token_key": TOKEN_KEY,
        "storage_origins": [STORAGE] if trust_storage else [],
        **changes,
    }
    tone3000 = settings.tone3000.model_validate(settings.tone3000.model_dump() | values)
    return settings.model_copy(update={"tone3000": tone3000})


def fake_transport(fake: FastAPI) -> httpx.ASGITransport:
    return httpx.ASGITransport(app=fake)


@dataclass(frozen=True)
class Linked:
    """What a test may check for: the tokens must never show up anywhere."""

    access_token: str
    refresh_token: str
    username: str

    @property
    def secrets(self) -> tuple[str, str]:
        return self.access_token, self.refresh_token


async def link(
    fake: FastAPI,
    sessionmaker: async_sessionmaker[AsyncSession],
    user_id: uuid.UUID,
    *,
    username: str = "shootout-tester",
) -> Linked:
    """Sign `user_id` in with TONE3000 (the fake, in-process) as `username`; store the tokens."""
    async with httpx.AsyncClient(transport=fake_transport(fake), base_url=BASE) as client:
        return await link_with(client, sessionmaker, user_id, username=username)


async def link_with(
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    user_id: uuid.UUID,
    *,
    username: str = "shootout-tester",
) -> Linked:
    """The same, against whatever fake `client` reaches (in-process or a running server)."""
    tokens = await sign_in(client, login_hint=username)
    me = (await client.get(f"{API}/user", headers=bearer(tokens["access_token"]))).json()
    expires = datetime.now(UTC) + timedelta(seconds=int(tokens["expires_in"]))
    pair = TokenSet(tokens["access_token"], tokens["refresh_token"], expires)
    async with session_scope(sessionmaker) as session:
        account = await account_of(session, user_id)
        if account is None:
            account = Tone3000Account(
                user_id=user_id, provider_user_id=me["id"], username=me["username"]
            )
            session.add(account)
        seal(account, pair, TokenCipher(TOKEN_KEY))
    return Linked(tokens["access_token"], tokens["refresh_token"], me["username"])


async def forget_tokens(sessionmaker: async_sessionmaker[AsyncSession], user_id: uuid.UUID) -> None:
    """The link stays, its tokens go (as after TONE3000 revoked them)."""
    async with session_scope(sessionmaker) as session:
        account = await account_of(session, user_id)
        assert account is not None
        seal(account, None, TokenCipher(TOKEN_KEY))


def assert_no_secret(text: str, linked: Linked) -> None:
    """REQ-06: neither token in `text`, nor any later one (the fake's tokens say what they are)."""
    for secret in linked.secrets:
        assert secret not in text
    for prefix in ("t3k_at_", "t3k_rt_", "t3k_cs_"):
        assert prefix not in text


class FakeNetwork(httpx.AsyncBaseTransport):
    """The fake behind a switch: `down` makes every call fail as a broken network does."""

    def __init__(self, fake: FastAPI) -> None:
        self.inner = fake_transport(fake)
        self.down = False
        self.hold: asyncio.Event | None = None  # set: downloads wait for it (a slow network)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("network unreachable (test)", request=request)
        if self.hold is not None and "/download" in request.url.path:
            await self.hold.wait()
        return await self.inner.handle_async_request(request)
