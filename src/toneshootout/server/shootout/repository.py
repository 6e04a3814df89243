"""Every shootout query: load, list, count, the owner's library items, and the reference rows."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import Row, bindparam, delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from toneshootout.server.db.models.library_item import LibraryItem
from toneshootout.server.db.models.shootout import Shootout, ShootoutRef


async def get(session: AsyncSession, shootout_id: uuid.UUID) -> Shootout | None:
    return await session.get(Shootout, shootout_id)


async def list_for_owner(
    session: AsyncSession, owner_id: uuid.UUID, *, limit: int, offset: int
) -> Sequence[Shootout]:
    query = (
        select(Shootout)
        .where(Shootout.owner_id == owner_id)
        .order_by(Shootout.created_at.desc(), Shootout.id)
        .limit(limit)
        .offset(offset)
    )
    return (await session.scalars(query)).all()


async def count_for_owner(session: AsyncSession, owner_id: uuid.UUID) -> int:
    query = select(func.count()).select_from(Shootout).where(Shootout.owner_id == owner_id)
    return (await session.scalar(query)) or 0


# Built once: its cache key is memoised on the object, and building it per request cost more
# than running it.
_OWNED_ITEMS = select(
    LibraryItem.id, LibraryItem.kind, LibraryItem.name, LibraryItem.item_metadata
).where(
    LibraryItem.owner_id == bindparam("owner_id"),
    LibraryItem.id.in_(bindparam("item_ids", expanding=True)),
)


async def owned_items(
    session: AsyncSession, owner_id: uuid.UUID, item_ids: Collection[uuid.UUID]
) -> Sequence[Row[tuple[uuid.UUID, str, str, dict[str, Any]]]]:
    """Id, kind, name and metadata of the items among `item_ids` that belong to `owner_id`
    (others' items are not returned); plain rows, since checks only read these four."""
    if not item_ids:
        return []
    params = {"owner_id": owner_id, "item_ids": list(item_ids)}
    return (await session.execute(_OWNED_ITEMS, params)).all()


async def replace_refs(
    session: AsyncSession, shootout_id: uuid.UUID, item_ids: Collection[uuid.UUID]
) -> None:
    """Make the shootout's reference rows exactly `item_ids`."""
    await session.execute(delete(ShootoutRef).where(ShootoutRef.shootout_id == shootout_id))
    if item_ids:
        rows = [{"shootout_id": shootout_id, "item_id": item_id} for item_id in sorted(item_ids)]
        await session.execute(insert(ShootoutRef), rows)


async def remove(session: AsyncSession, shootout: Shootout) -> None:
    """Delete a shootout and its reference rows (explicitly: no reliance on FK cascades)."""
    await session.execute(delete(ShootoutRef).where(ShootoutRef.shootout_id == shootout.id))
    await session.delete(shootout)
