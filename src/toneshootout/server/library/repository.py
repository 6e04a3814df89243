"""Every query the library makes. Ownership is part of each lookup, never checked afterwards."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, bindparam, column, delete, exists, func, literal, select
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


class ItemRecord(NamedTuple):
    """The columns a listed item's API view needs, without an ORM object per row."""

    id: uuid.UUID
    kind: str
    name: str
    size_bytes: int
    media_type: str
    tags: list[str]
    item_metadata: dict[str, Any]
    source: str
    attribution: str | None
    created_at: datetime
    updated_at: datetime


_RECORD_COLUMNS = tuple(getattr(LibraryItem, name) for name in ItemRecord._fields)


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
) -> LibraryItem | None:
    """The owner's item of `kind` with these exact bytes, if any."""
    query = select(LibraryItem).where(
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


# Built once: a statement's cache key is memoised on the object, while building one per
# request (and keying it) cost more than the query itself. Plain columns, not ORM objects:
# loading 100 entities (identity map, instance state) cost over twice as much. The total
# rides along as a window
# count (taken before LIMIT/OFFSET): one round-trip instead of two, and on SQLite every
# statement costs several hops to aiosqlite's thread.
_OWNER_AND_KIND = (
    LibraryItem.owner_id == bindparam("owner_id"),
    LibraryItem.kind == bindparam("kind"),
)
_PAGE = (
    select(*_RECORD_COLUMNS, func.count().over().label("total"))
    .where(*_OWNER_AND_KIND)
    .order_by(LibraryItem.created_at.desc(), LibraryItem.id)
    .limit(bindparam("limit"))
    .offset(bindparam("offset"))
)
_COUNT = select(func.count(LibraryItem.id)).where(*_OWNER_AND_KIND)


async def list_owned(
    session: AsyncSession, *, owner_id: uuid.UUID, kind: ItemKind, where: ItemFilter
) -> tuple[list[ItemRecord], int]:
    """One page of the owner's items of `kind`, newest first, and the total matching."""
    filters: list[ColumnElement[bool]] = []
    if where.q:
        filters.append(LibraryItem.name.icontains(where.q, autoescape=True))
    if where.tag:
        filters.append(_has_tag(session, where.tag))
    params = {"owner_id": owner_id, "kind": kind, "limit": where.limit, "offset": where.offset}
    page = _PAGE.where(*filters) if filters else _PAGE
    rows = (await session.execute(page, params)).all()
    if rows:
        return [ItemRecord._make(row[:-1]) for row in rows], int(rows[0][-1])
    if where.offset == 0:
        return [], 0  # nothing matches at all
    # Past the end: the page is empty, so the total needs its own count.
    count = _COUNT.where(*filters) if filters else _COUNT
    return [], int(await session.scalar(count, params) or 0)


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
