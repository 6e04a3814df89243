"""The realtime feature's own table: socket tickets (render reads are in `render.repository`)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from toneshootout.server.db.models.render import WsTicket


async def add_ticket(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    session_id: uuid.UUID,
    token_sha256: str,
    expires_at: datetime,
) -> None:
    session.add(
        WsTicket(
            user_id=user_id,
            session_id=session_id,
            token_sha256=token_sha256,
            expires_at=expires_at,
        )
    )
    await session.flush()


async def consume_ticket(
    session: AsyncSession, *, token_sha256: str, now: datetime
) -> WsTicket | None:
    """Mark the ticket used if it is unused and unexpired; None when another use got there first.

    One conditional UPDATE is the whole decision, so of two sockets racing with one ticket the
    database lets exactly one change the row.
    """
    claimed = await session.execute(
        update(WsTicket)
        .where(
            WsTicket.token_sha256 == token_sha256,
            WsTicket.used_at.is_(None),
            WsTicket.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(claimed, "rowcount", 0) != 1:
        return None
    return await session.scalar(select(WsTicket).where(WsTicket.token_sha256 == token_sha256))


async def purge_tickets(session: AsyncSession, *, user_id: uuid.UUID, now: datetime) -> None:
    """Drop the user's tickets that can no longer be used (spent or expired)."""
    await session.execute(
        delete(WsTicket).where(
            WsTicket.user_id == user_id,
            (WsTicket.used_at.is_not(None)) | (WsTicket.expires_at <= now),
        )
    )
