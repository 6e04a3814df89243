"""Library ingest: a file in, a validated library item out, whatever brought the file.

HTTP uploads, "Try the demo" and (later) TONE3000 imports all record items here: the engine
validates the file, duplicates are found by sha256 per owner and kind, the quota is checked
against the real size, and the file is moved into storage with a hook that removes it again
if the row's transaction does not commit. Flush only; the caller's owner commits.
"""

from __future__ import annotations

import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import anyio.to_thread
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from toneshootout.server.db.models.library_item import LibraryItem
from toneshootout.server.library import repository
from toneshootout.server.library.errors import DuplicateItem, QuotaExceeded
from toneshootout.server.library.kinds import ItemKind, ItemSource
from toneshootout.server.library.names import display_name
from toneshootout.server.library.validate import Inspection, inspect_file
from toneshootout.server.storage.base import Storage
from toneshootout.server.storage.hooks import delete_unless_committed
from toneshootout.server.storage.keys import object_key
from toneshootout.settings import StorageSettings


@dataclass(frozen=True)
class Incoming:
    """A file waiting to be ingested.

    `move`: the file is in the storage's temp area and is moved into storage on success (an
    upload); else it is left in place and copied (shared material such as the demo's).
    """

    path: Path
    size: int
    sha256: str
    filename: str  # only ever used to derive a display name
    source: ItemSource
    attribution: str | None = None
    move: bool = True


@dataclass(frozen=True)
class Ingested:
    item: LibraryItem
    created: bool  # False: the owner already had these bytes and `reuse_duplicate` was set


async def ingest(
    session: AsyncSession,
    *,
    storage: Storage,
    limits: StorageSettings,
    owner_id: uuid.UUID,
    kind: ItemKind,
    incoming: Incoming,
    reuse_duplicate: bool = False,
) -> Ingested:
    """Validate and record `incoming` as the owner's item of `kind`.

    A file whose bytes the owner already has as `kind` is `DuplicateItem` (naming the existing
    item), or with `reuse_duplicate` that existing item. The caller removes its temp file if it
    is still there afterwards (it is not when the item was created).
    """
    if reuse_duplicate and (found := await _duplicate(session, owner_id, kind, incoming)):
        return Ingested(found, created=False)
    inspection = await anyio.to_thread.run_sync(inspect_file, kind, incoming.path)
    if found := await _duplicate(session, owner_id, kind, incoming):
        if reuse_duplicate:
            return Ingested(found, created=False)
        raise DuplicateItem(f"this {kind.label} is already in your library", existing_id=found.id)
    used = await repository.usage(session, owner_id=owner_id)
    if used.bytes + incoming.size > limits.quota_bytes:
        raise QuotaExceeded(
            f"this file would take your library past its {limits.quota_bytes}-byte quota"
        )
    if used.files >= limits.quota_files:
        raise QuotaExceeded(f"your library already holds its limit of {limits.quota_files} files")
    return await _record(session, storage, owner_id, kind, incoming, inspection, reuse_duplicate)


async def _duplicate(
    session: AsyncSession, owner_id: uuid.UUID, kind: ItemKind, incoming: Incoming
) -> LibraryItem | None:
    return await repository.find_duplicate(
        session, owner_id=owner_id, kind=kind, sha256=incoming.sha256
    )


async def _record(  # noqa: PLR0917 -- one call site; the parts of one ingest
    session: AsyncSession,
    storage: Storage,
    owner_id: uuid.UUID,
    kind: ItemKind,
    incoming: Incoming,
    inspection: Inspection,
    reuse_duplicate: bool,
) -> Ingested:
    item_id = uuid.uuid4()
    key = object_key(owner_id, item_id, inspection.extension)
    item = LibraryItem(
        id=item_id,
        owner_id=owner_id,
        kind=kind,
        name=display_name(incoming.filename, extension=inspection.extension, fallback=kind.value),
        storage_key=key,
        sha256=incoming.sha256,
        size_bytes=incoming.size,
        media_type=inspection.media_type,
        item_metadata=inspection.metadata,
        tags=[],
        source=incoming.source,
        attribution=incoming.attribution,
    )
    await anyio.to_thread.run_sync(_store, storage, incoming, key)
    delete_unless_committed(session, storage, key)
    try:
        async with session.begin_nested():  # a savepoint: a conflict leaves the rest usable
            await repository.add_item(session, item)
    except IntegrityError:
        # A concurrent ingest of the same bytes won the unique (owner, kind, sha256) race.
        await anyio.to_thread.run_sync(storage.delete, key)
        winner = await _duplicate(session, owner_id, kind, incoming)
        if winner is not None and reuse_duplicate:
            return Ingested(winner, created=False)
        raise DuplicateItem(
            f"this {kind.label} is already in your library",
            existing_id=winner.id if winner else item_id,
        ) from None
    return Ingested(item, created=True)


def _store(storage: Storage, incoming: Incoming, key: str) -> None:
    source = incoming.path
    if not incoming.move:
        source = storage.new_temp_path()
        shutil.copyfile(incoming.path, source)
    try:
        storage.put_file(source, key)
    finally:
        if not incoming.move:
            source.unlink(missing_ok=True)  # already gone once committed
