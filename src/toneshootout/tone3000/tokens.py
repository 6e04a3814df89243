"""A `TokenSource` that refreshes proactively and single-flight.

Refresh tokens rotate (§1.3): two refreshes with the same token and the second one fails, so
a user with ten requests in flight would be logged out at random. Here every caller for one
user shares one lock; the first refreshes, the rest find the new token when they get the lock.
Where the tokens live (a file, an encrypted database row) is the `TokenStore`'s business.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

from toneshootout.tone3000.errors import OAuthError, SignInRequired
from toneshootout.tone3000.oauth import OAuthClient, TokenSet

REFRESH_EARLY_SECONDS = 60  # refresh this long before expiry, as the official example does


class TokenStore(Protocol):
    async def load(self) -> TokenSet | None: ...

    async def save(self, tokens: TokenSet) -> None: ...

    async def forget(self) -> None: ...


class RefreshLocks:
    """One lock per user key, shared by every token source of this process."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}

    def for_key(self, key: str) -> asyncio.Lock:
        return self._locks.setdefault(key, asyncio.Lock())


def _usable(current: TokenSet, rejected: str | None, now: datetime) -> bool:
    if rejected is not None:
        return current.access_token != rejected  # someone refreshed after it was rejected
    return not current.expires_within(REFRESH_EARLY_SECONDS, now)


class RefreshingTokens:
    """The user's access token, refreshed when it is near expiry or was rejected."""

    def __init__(
        self,
        store: TokenStore,
        oauth: OAuthClient,
        lock: asyncio.Lock,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = store
        self._oauth = oauth
        self._lock = lock
        self._now = now

    async def _current(self) -> TokenSet:
        current = await self._store.load()
        if current is None:
            raise SignInRequired("sign in with TONE3000 first")
        return current

    async def access_token(self, *, rejected: str | None = None) -> str:
        current = await self._current()
        if _usable(current, rejected, self._now()):
            return current.access_token
        seen = current.access_token
        async with self._lock:
            current = await self._current()  # another caller may have refreshed meanwhile
            now = self._now()
            # A token issued while we waited is taken as it is, even if it is short-lived
            # enough to count as "expiring": refreshing again would only rotate it once more
            # for every caller in the queue.
            replaced = current.access_token != seen and not current.expires_within(0, now)
            if replaced or _usable(current, rejected, now):
                return current.access_token
            try:
                fresh = await self._oauth.refresh(current.refresh_token)
            except OAuthError as err:
                # Another process may have rotated the pair first: its tokens are in the store.
                again = await self._store.load()
                if again is not None and again.refresh_token != current.refresh_token:
                    return again.access_token
                if err.error == "invalid_grant":
                    await self._store.forget()
                raise SignInRequired(
                    "your TONE3000 sign-in has expired: sign in with TONE3000 again"
                ) from err
            await self._store.save(fresh)
            return fresh.access_token


class MemoryStore:
    """Tokens held in memory (tests, one-off scripts)."""

    def __init__(self, tokens: TokenSet | None = None) -> None:
        self.tokens = tokens

    async def load(self) -> TokenSet | None:
        return self.tokens

    async def save(self, tokens: TokenSet) -> None:
        self.tokens = tokens

    async def forget(self) -> None:
        self.tokens = None
