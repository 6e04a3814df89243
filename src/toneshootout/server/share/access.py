"""Opening a share by its token: the one door every public share and listening route goes through.

A token that is unknown, malformed, revoked or expired is a `ShareNotFound` — one error, one
body — so a prober cannot tell a dead link from one that never was (REQ-12).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from toneshootout.server.db.models.share import Share
from toneshootout.server.share.errors import ShareNotFound
from toneshootout.server.share.tokens import hash_token, well_formed


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
