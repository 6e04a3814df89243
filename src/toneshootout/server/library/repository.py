"""Every query the library makes. Ownership is part of each lookup, never checked afterwards."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import ColumnElement, column, delete, exists, func, literal, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from toneshootout.server.db.models.library_item import LibraryItem
from toneshootout.server.db.models.shootout import ShootoutRef
from toneshootout.server.library.kinds import ItemKind


@dataclass(frozen=True)
class Usage:
    """What one user's library occupies, all kinds together."""

    bytes: int
    files: int


@dataclass(frozen=True)
class ItemFilter:
    q: str | None
    tag: str | None
    limit: int
    offset: int


async def get_owned(
    session: AsyncSession, *, owner_id: uuid.UUID, kind: ItemKind, item_id: uuid.UUID
) -> LibraryItem | None:
    """The item if it exists, is of `kind` and belongs to `owner_id`."""
    query = select(LibraryItem).where(
        LibraryItem.id == item_id, LibraryItem.owner_id == owner_id, LibraryItem.kind == kind
    )
    return (await session.execute(query)).scalar_one_or_none()


async def find_duplicate(
    session: AsyncSession, *, owner_id: uuid.UUID, kind: ItemKind, sha256: str
) -> uuid.UUID | None:
    """The id of the owner's item of `kind` with these exact bytes, if any."""
    query = select(LibraryItem.id).where(
        LibraryItem.owner_id == owner_id, LibraryItem.kind == kind, LibraryItem.sha256 == sha256
    )
    return (await session.execute(query)).scalar_one_or_none()


async def usage(session: AsyncSession, *, owner_id: uuid.UUID) -> Usage:
    """Total bytes and file count of the owner's library."""
    query = select(
        func.coalesce(func.sum(LibraryItem.size_bytes), 0), func.count(LibraryItem.id)
    ).where(LibraryItem.owner_id == owner_id)
    total, count = (await session.execute(query)).one()
    return Usage(bytes=int(total), files=int(count))


def _has_tag(session: AsyncSession, tag: str) -> ColumnElement[bool]:
    # Tags are a JSON array; membership needs each backend's own JSON operators.
    if session.get_bind().dialect.name == "postgresql":
        return func.cast(LibraryItem.tags, JSONB).contains([tag])
    elements = func.json_each(LibraryItem.tags).table_valued("value")
    return exists(select(literal(1)).select_from(elements).where(column("value") == tag))


async def list_owned(
    session: AsyncSession, *, owner_id: uuid.UUID, kind: ItemKind, where: ItemFilter
) -> tuple[list[LibraryItem], int]:
    """One page of the owner's items of `kind`, newest first, and the total matching."""
    conditions: list[ColumnElement[bool]] = [
        LibraryItem.owner_id == owner_id,
        LibraryItem.kind == kind,
    ]
    if where.q:
        conditions.append(LibraryItem.name.icontains(where.q, autoescape=True))
    if where.tag:
        conditions.append(_has_tag(session, where.tag))
    total = await session.scalar(select(func.count(LibraryItem.id)).where(*conditions))
    page = (
        select(LibraryItem)
        .where(*conditions)
        .order_by(LibraryItem.created_at.desc(), LibraryItem.id)
        .limit(where.limit)
        .offset(where.offset)
    )
    items = list((await session.execute(page)).scalars())
    return items, int(total or 0)


async def count_references(session: AsyncSession, *, item_id: uuid.UUID) -> int:
    """How many shootouts use the item."""
    query = select(func.count()).select_from(ShootoutRef).where(ShootoutRef.item_id == item_id)
    return int(await session.scalar(query) or 0)


async def delete_item(session: AsyncSession, item: LibraryItem) -> None:
    """Delete the item and the shootout references to it (explicitly: not every backend
    enforces ON DELETE CASCADE the same way)."""
    await session.execute(delete(ShootoutRef).where(ShootoutRef.item_id == item.id))
    await session.delete(item)
    await session.flush()


async def add_item(session: AsyncSession, item: LibraryItem) -> None:
    """Insert the item now, so constraint violations surface here."""
    session.add(item)
    await session.flush()
