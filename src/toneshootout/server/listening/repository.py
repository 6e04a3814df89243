"""Listening queries: sessions by id or listener, answers, and a session's answers in order."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from toneshootout.server.db.models.share import ListeningAnswer, ListeningSession, Share


async def get(session: AsyncSession, session_id: uuid.UUID) -> ListeningSession | None:
    return await session.get(ListeningSession, session_id)


async def share_of(session: AsyncSession, listening: ListeningSession) -> Share | None:
    return await session.get(Share, listening.share_id)


async def blind_of(
    session: AsyncSession, share_id: uuid.UUID, listener_id: uuid.UUID
) -> ListeningSession | None:
    query = select(ListeningSession).where(
        ListeningSession.share_id == share_id,
        ListeningSession.listener_id == listener_id,
        ListeningSession.kind == "blind",
    )
    return await session.scalar(query)


async def insert_new(session: AsyncSession, row: ListeningSession | ListeningAnswer) -> bool:
    """Insert; False when a unique key says it exists already (a listener's one blind session
    on a share, or a round's one answer), leaving the transaction usable (a savepoint)."""
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError:
        return False
    return True


async def answers(session: AsyncSession, session_id: uuid.UUID) -> list[ListeningAnswer]:
    query = (
        select(ListeningAnswer)
        .where(ListeningAnswer.session_id == session_id)
        .order_by(ListeningAnswer.round)
    )
    return list(await session.scalars(query))


async def sessions_of_share(session: AsyncSession, share_id: uuid.UUID) -> list[ListeningSession]:
    query = (
        select(ListeningSession)
        .where(ListeningSession.share_id == share_id)
        .order_by(ListeningSession.created_at, ListeningSession.id)
    )
    return list(await session.scalars(query))


async def answers_of_sessions(
    session: AsyncSession, session_ids: Sequence[uuid.UUID]
) -> list[ListeningAnswer]:
    if not session_ids:
        return []
    query = (
        select(ListeningAnswer)
        .where(ListeningAnswer.session_id.in_(session_ids))
        .order_by(ListeningAnswer.session_id, ListeningAnswer.round)
    )
    return list(await session.scalars(query))
