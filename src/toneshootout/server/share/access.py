"""Opening a share by its token: the one door every public share and listening route goes through.

A token that is unknown, malformed, revoked or expired is a `ShareNotFound` — one error, one
body — so a prober cannot tell a dead link from one that never was (REQ-12). Misses are counted
per client IP: over `MISS_LIMIT` in `MISS_WINDOW_SECONDS`, every token request from that address
is refused, hits included, so a lucky guess during the lock-out looks like any other refusal.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from toneshootout.server.db.models.share import Share
from toneshootout.server.http.ratelimit import RateLimiter
from toneshootout.server.share.errors import ShareNotFound
from toneshootout.server.share.tokens import hash_token, well_formed

MISS_LIMIT: Final = 20
MISS_WINDOW_SECONDS: Final = 60.0


def miss_key(ip: str) -> str:
    return f"share-miss:ip:{ip}"


def is_live(share: Share, now: datetime) -> bool:
    if share.revoked_at is not None:
        return False
    return share.expires_at is None or share.expires_at > now


async def open_live(session: AsyncSession, token: str, now: datetime) -> Share:
    """The live share `token` opens, or `ShareNotFound`."""
    if not well_formed(token):
        raise ShareNotFound()
    share = await session.scalar(select(Share).where(Share.token_hash == hash_token(token)))
    if share is None or not is_live(share, now):
        raise ShareNotFound()
    return share


async def open_live_limited(
    session: AsyncSession, token: str, *, limiter: RateLimiter, client_ip: str, now: datetime
) -> Share:
    """`open_live`, refused (`RateLimited`) while `client_ip` is over its misses; a miss counts."""
    key = miss_key(client_ip)
    limiter.check(key, limit=MISS_LIMIT, window_seconds=MISS_WINDOW_SECONDS)
    try:
        return await open_live(session, token, now)
    except ShareNotFound:
        limiter.hit(key, limit=MISS_LIMIT, window_seconds=MISS_WINDOW_SECONDS)
        raise
