"""`LiveShare`: the share the `{token}` in the path opens, with misses rate-limited per IP;
`OwnedShare`: the share in the path, its owner's only.

Over 20 misses in 60 s from one address, every token route answers 429 to it — hits included,
so a lucky guess during the lock-out looks exactly like every other refused request (REQ-12).
The pages (`/s/{token}`) go through the same door (`access.open_live_limited`).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends

from toneshootout.server.auth.deps import CurrentUser
from toneshootout.server.db.models.share import Share
from toneshootout.server.deps import SessionDep
from toneshootout.server.http.ratelimit import ClientIpDep, RateLimiterDep
from toneshootout.server.share import access, service
from toneshootout.server.share.access import MISS_LIMIT, MISS_WINDOW_SECONDS, miss_key

__all__ = ["MISS_LIMIT", "MISS_WINDOW_SECONDS", "LiveShare", "OwnedShare", "miss_key"]


async def get_live_share(
    token: str, session: SessionDep, limiter: RateLimiterDep, ip: ClientIpDep
) -> Share:
    return await access.open_live_limited(
        session, token, limiter=limiter, client_ip=ip, now=datetime.now(UTC)
    )


async def get_owned_share(share_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> Share:
    return await service.get_owned(session, owner_id=user.id, share_id=share_id)


LiveShare = Annotated[Share, Depends(get_live_share)]
OwnedShare = Annotated[Share, Depends(get_owned_share)]
