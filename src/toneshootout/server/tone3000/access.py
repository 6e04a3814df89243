"""One object per process (API or worker) that hands out TONE3000 clients per user.

It owns what must be shared for the rules to hold: one HTTP client (no credentials of its
own), one outgoing limiter (per-user budgets), one set of refresh locks (single-flight per
user within the process; across processes the store settles races, see `tone3000.tokens`).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from toneshootout.server.catalogue.cache import ToneCache
from toneshootout.server.tone3000.cipher import TokenCipher
from toneshootout.server.tone3000.store import DbTokenStore
from toneshootout.settings import Tone3000Settings
from toneshootout.tone3000.api import Tone3000Api
from toneshootout.tone3000.limiter import OutgoingLimiter
from toneshootout.tone3000.oauth import OAuthClient
from toneshootout.tone3000.tokens import RefreshingTokens, RefreshLocks

TIMEOUT = httpx.Timeout(20.0, connect=10.0)


@dataclass(frozen=True)
class Tone3000Access:
    settings: Tone3000Settings
    sessionmaker: async_sessionmaker[AsyncSession]
    http: httpx.AsyncClient
    cipher: TokenCipher
    limiter: OutgoingLimiter
    locks: RefreshLocks
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    # Tone details and variants per user, for a few minutes (the pickers reopen tones).
    tones: ToneCache = field(default_factory=ToneCache)

    @property
    def client_id(self) -> str:
        if not self.settings.client_id:
            raise RuntimeError("TONE3000 is not configured (TONESHOOTOUT_TONE3000__CLIENT_ID)")
        return self.settings.client_id

    def oauth(self) -> OAuthClient:
        return OAuthClient(
            self.http, base_url=self.settings.base_url, client_id=self.client_id, now=self.now
        )

    def store(self, user_id: uuid.UUID) -> DbTokenStore:
        return DbTokenStore(self.sessionmaker, self.cipher, user_id)

    def api_for(self, user_id: uuid.UUID) -> Tone3000Api:
        """A client that calls TONE3000 as `user_id` (their tokens, their budget)."""
        tokens = RefreshingTokens(
            self.store(user_id), self.oauth(), self.locks.for_key(str(user_id)), now=self.now
        )
        return Tone3000Api(
            self.http,
            base_url=self.settings.base_url,
            tokens=tokens,
            limiter=self.limiter,
            key=str(user_id),
        )


@asynccontextmanager
async def tone3000_access(
    settings: Tone3000Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> AsyncIterator[Tone3000Access]:
    """The process's access object; `transport` lets tests put the fake TONE3000 in-process."""
    async with httpx.AsyncClient(
        transport=transport, timeout=TIMEOUT, follow_redirects=False, trust_env=False
    ) as http:
        yield Tone3000Access(
            settings=settings,
            sessionmaker=sessionmaker,
            http=http,
            cipher=TokenCipher(settings.token_key.get_secret_value()),
            limiter=OutgoingLimiter(per_minute=settings.calls_per_minute),
            locks=RefreshLocks(),
        )
