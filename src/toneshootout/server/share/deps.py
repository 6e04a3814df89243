"""`LiveShare`: the share the `{token}` in the path opens, with misses rate-limited per IP.

Over 20 misses in 60 s from one address, every token route answers 429 to it — hits included,
so a lucky guess during the lock-out looks exactly like every other refused request (REQ-12).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Final

from fastapi import Depends

from toneshootout.server.db.models.share import Share
from toneshootout.server.deps import SessionDep
from toneshootout.server.http.ratelimit import ClientIpDep, RateLimiterDep
from toneshootout.server.share import access
from toneshootout.server.share.errors import ShareNotFound

MISS_LIMIT: Final = 20
MISS_WINDOW_SECONDS: Final = 60.0


def miss_key(ip: str) -> str:
    return f"share-miss:ip:{ip}"


async def get_live_share(
    token: str, session: SessionDep, limiter: RateLimiterDep, ip: ClientIpDep
) -> Share:
    key = miss_key(ip)
    limiter.check(key, limit=MISS_LIMIT, window_seconds=MISS_WINDOW_SECONDS)
    try:
        return await access.open_live(session, token, datetime.now(UTC))
    except ShareNotFound:
        limiter.hit(key, limit=MISS_LIMIT, window_seconds=MISS_WINDOW_SECONDS)
        raise


LiveShare = Annotated[Share, Depends(get_live_share)]
