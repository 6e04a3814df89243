"""Every render query: load, list, count, caps, idempotency keys, outputs, library facts."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from toneshootout.server.db.models.library_item import LibraryItem
from toneshootout.server.db.models.render import Render, RenderOutput
from toneshootout.server.db.models.user import User

ACTIVE_STATES = ("queued", "running")


async def get(session: AsyncSession, render_id: uuid.UUID) -> Render | None:
    return await session.get(Render, render_id)


async def lock_owner(session: AsyncSession, owner_id: uuid.UUID) -> None:
    """Serialise one owner's submissions (caps, numbering, keys); SQLite's write lock does."""
    await session.execute(select(User.id).where(User.id == owner_id).with_for_update())


async def by_idempotency_key(session: AsyncSession, owner_id: uuid.UUID, key: str) -> Render | None:
    query = select(Render).where(Render.owner_id == owner_id, Render.idempotency_key == key)
    return await session.scalar(query)


async def active_count(session: AsyncSession, owner_id: uuid.UUID) -> int:
    query = (
        select(func.count())
        .select_from(Render)
        .where(Render.owner_id == owner_id, Render.state.in_(ACTIVE_STATES))
    )
    return (await session.scalar(query)) or 0


async def next_number(session: AsyncSession, shootout_id: uuid.UUID) -> int:
    query = select(func.max(Render.number)).where(Render.shootout_id == shootout_id)
    return ((await session.scalar(query)) or 0) + 1


async def insert(session: AsyncSession, render: Render) -> bool:
    """Insert the row; False when its idempotency key is already taken (a concurrent twin)."""
    try:
        async with session.begin_nested():
            session.add(render)
            await session.flush()
    except IntegrityError:  # the savepoint rolled back and expunged the pending row
        return False
    return True


def _conditions(
    owner_id: uuid.UUID, shootout_id: uuid.UUID | None, state: str | None
) -> list[ColumnElement[bool]]:
    conditions = [Render.owner_id == owner_id]
    if shootout_id is not None:
        conditions.append(Render.shootout_id == shootout_id)
    if state is not None:
        conditions.append(Render.state == state)
    return conditions


async def page(
    session: AsyncSession,
    owner_id: uuid.UUID,
    *,
    shootout_id: uuid.UUID | None,
    state: str | None,
    limit: int,
    offset: int,
) -> Sequence[Render]:
    query = (
        select(Render)
        .where(*_conditions(owner_id, shootout_id, state))
        .order_by(Render.created_at.desc(), Render.id)
        .limit(limit)
        .offset(offset)
    )
    return (await session.scalars(query)).all()


async def count(
    session: AsyncSession,
    owner_id: uuid.UUID,
    *,
    shootout_id: uuid.UUID | None,
    state: str | None,
) -> int:
    query = select(func.count()).select_from(Render)
    query = query.where(*_conditions(owner_id, shootout_id, state))
    return (await session.scalar(query)) or 0


async def outputs(session: AsyncSession, render_id: uuid.UUID) -> Sequence[RenderOutput]:
    query = (
        select(RenderOutput).where(RenderOutput.render_id == render_id).order_by(RenderOutput.path)
    )
    return (await session.scalars(query)).all()


async def output(session: AsyncSession, render_id: uuid.UUID, path: str) -> RenderOutput | None:
    query = select(RenderOutput).where(
        RenderOutput.render_id == render_id, RenderOutput.path == path
    )
    return await session.scalar(query)


async def library_items(
    session: AsyncSession, owner_id: uuid.UUID, item_ids: Collection[uuid.UUID]
) -> Sequence[LibraryItem]:
    """The owner's items among `item_ids` (anyone else's are never returned)."""
    if not item_ids:
        return []
    query = select(LibraryItem).where(
        LibraryItem.owner_id == owner_id, LibraryItem.id.in_(list(item_ids))
    )
    return (await session.scalars(query)).all()


async def remove(session: AsyncSession, render: Render) -> None:
    """Delete a render and its output rows (explicitly: no reliance on FK cascades)."""
    await session.execute(delete(RenderOutput).where(RenderOutput.render_id == render.id))
    await session.delete(render)
    await session.flush()
