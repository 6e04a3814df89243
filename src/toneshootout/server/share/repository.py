"""Share queries: load, list, insert, the listening counts, the view counter, the gallery."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, distinct, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from toneshootout.server.db.models.render import Render
from toneshootout.server.db.models.share import ListeningAnswer, ListeningSession, Share
from toneshootout.server.render.states import RenderState


@dataclass(frozen=True)
class ShareCounts:
    """What listeners did with one share (blind votes and ABX runs)."""

    listeners: int = 0
    votes: int = 0
    abx_runs: int = 0
    abx_completed: int = 0


async def get(session: AsyncSession, share_id: uuid.UUID) -> Share | None:
    return await session.get(Share, share_id)


async def insert(session: AsyncSession, share: Share) -> None:
    session.add(share)
    await session.flush()


async def of_render(session: AsyncSession, render_id: uuid.UUID) -> Sequence[Share]:
    """Every share of one render, newest first."""
    query = (
        select(Share)
        .where(Share.render_id == render_id)
        .order_by(Share.created_at.desc(), Share.id.desc())
    )
    return (await session.scalars(query)).all()


async def counts(
    session: AsyncSession, share_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, ShareCounts]:
    """The listening counts of each share in `share_ids` (absent ones have none)."""
    if not share_ids:
        return {}
    ids = list(share_ids)
    sessions = ListeningSession
    blind = sessions.kind == "blind"
    abx = sessions.kind == "abx"
    per_session = select(
        sessions.share_id,
        func.count(distinct(sessions.listener_id)).filter(blind),
        func.count().filter(abx),
        func.count().filter(and_(abx, sessions.completed_at.is_not(None))),
    ).where(sessions.share_id.in_(ids))
    votes = (
        select(sessions.share_id, func.count())
        .select_from(ListeningAnswer)
        .join(sessions, sessions.id == ListeningAnswer.session_id)
        .where(sessions.share_id.in_(ids), blind)
        .group_by(sessions.share_id)
    )
    found = {
        share_id: (listeners, runs, completed)
        for share_id, listeners, runs, completed in (
            await session.execute(per_session.group_by(sessions.share_id))
        )
    }
    voted: dict[uuid.UUID, int] = {row[0]: row[1] for row in await session.execute(votes)}
    result = {}
    for share_id in ids:
        listeners, runs, completed = found.get(share_id, (0, 0, 0))
        result[share_id] = ShareCounts(
            listeners=listeners,
            votes=voted.get(share_id, 0),
            abx_runs=runs,
            abx_completed=completed,
        )
    return result


async def count_view(session: AsyncSession, share_id: uuid.UUID) -> None:
    """One more view, added in the database so concurrent views are never lost."""
    await session.execute(update(Share).where(Share.id == share_id).values(views=Share.views + 1))


async def gallery(
    session: AsyncSession, *, now: datetime, limit: int, offset: int
) -> Sequence[tuple[Share, Render]]:
    """Live public shares of succeeded renders with their renders, newest first."""
    query = (
        select(Share, Render)
        .join(Render, Render.id == Share.render_id)
        .where(
            Share.visibility == "public",
            Share.revoked_at.is_(None),
            or_(Share.expires_at.is_(None), Share.expires_at > now),
            Render.state == RenderState.SUCCEEDED,
        )
        .order_by(Share.created_at.desc(), Share.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [(share, render) for share, render in await session.execute(query)]
