"""Library rules: upload (caps, quota, reserve; then `ingest`), list, edit, delete."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterable
from dataclasses import dataclass
from pathlib import Path

import anyio.to_thread
from sqlalchemy.ext.asyncio import AsyncSession

from toneshootout.server.db.models.library_item import LibraryItem
from toneshootout.server.errors import RateLimited
from toneshootout.server.http.ratelimit import RateLimiter
from toneshootout.server.library import repository
from toneshootout.server.library.errors import (
    InvalidName,
    ItemInUse,
    ItemNotFound,
    QuotaExceeded,
    StorageFull,
    UploadRateLimited,
    UploadTooLarge,
)
from toneshootout.server.library.ingest import Incoming, ingest
from toneshootout.server.library.kinds import ItemKind, ItemSource
from toneshootout.server.library.names import display_name
from toneshootout.server.library.repository import ItemFilter
from toneshootout.server.library.uploads import (
    MULTIPART_OVERHEAD_BYTES,
    receive_single_file,
)
from toneshootout.server.storage.base import Storage
from toneshootout.server.storage.files import StoredFile, stored_file
from toneshootout.server.storage.hooks import delete_after_commit
from toneshootout.settings import StorageSettings


@dataclass(frozen=True)
class UploadRequest:
    """The parts of an HTTP upload the service needs, without the framework."""

    body: AsyncIterable[bytes]
    content_type: str | None


UPLOAD_RATE_WINDOW_SECONDS = 60.0


def _count_upload(limiter: RateLimiter, *, owner_id: uuid.UUID, per_minute: int) -> None:
    """Count one upload attempt against the owner's per-minute budget (REQ-19)."""
    try:
        limiter.hit(
            f"upload:user:{owner_id}", limit=per_minute, window_seconds=UPLOAD_RATE_WINDOW_SECONDS
        )
    except RateLimited as refused:
        raise UploadRateLimited(
            f"too many uploads: at most {per_minute} per minute; "
            f"retry in {refused.retry_after_seconds} s",
            retry_after_seconds=refused.retry_after_seconds,
        ) from None


async def _check_before_reading(
    session: AsyncSession,
    *,
    storage: Storage,
    limits: StorageSettings,
    owner_id: uuid.UUID,
    max_bytes: int,
    declared: int | None,
) -> None:
    if declared is not None and declared > max_bytes + MULTIPART_OVERHEAD_BYTES:
        raise UploadTooLarge(f"the file is larger than the {max_bytes}-byte limit")
    used = await repository.usage(session, owner_id=owner_id)
    if used.files >= limits.quota_files:
        raise QuotaExceeded(f"your library already holds its limit of {limits.quota_files} files")
    if used.bytes >= limits.quota_bytes:
        raise QuotaExceeded(f"your library already uses its {limits.quota_bytes}-byte quota")
    incoming = declared if declared is not None else max_bytes
    if storage.free_bytes() - incoming < limits.free_disk_reserve_bytes:
        raise StorageFull("the server is low on storage space; try again later")


async def admit_upload(
    session: AsyncSession,
    *,
    storage: Storage,
    limits: StorageSettings,
    limiter: RateLimiter,
    owner_id: uuid.UUID,
    kind: ItemKind,
    content_length: int | None,
) -> None:
    """Refuse an upload early, before its body is read: rate, declared size, quota, disk."""
    # Every attempt counts, refused ones too: the budget bounds the work a user can cause.
    _count_upload(limiter, owner_id=owner_id, per_minute=limits.upload_rate_per_minute)
    await _check_before_reading(
        session,
        storage=storage,
        limits=limits,
        owner_id=owner_id,
        max_bytes=kind.max_bytes(limits),
        declared=content_length,
    )


async def upload_item(
    session: AsyncSession,
    *,
    storage: Storage,
    limits: StorageSettings,
    owner_id: uuid.UUID,
    kind: ItemKind,
    upload: UploadRequest,
) -> LibraryItem:
    """Receive, validate and record one admitted file; any failure leaves no file and no row.

    The caller ends the admission's transaction first (`library.deps.upload_admission`): the body
    may be slow, and no transaction (on SQLite: the write lock) may stay open while it arrives.
    """
    max_bytes = kind.max_bytes(limits)
    temp = await anyio.to_thread.run_sync(storage.new_temp_path)
    try:
        received = await receive_single_file(
            upload.body, content_type=upload.content_type, temp=temp, max_bytes=max_bytes
        )
        incoming = Incoming(
            path=received.path,
            size=received.size,
            sha256=received.sha256,
            filename=received.client_filename,
            source=ItemSource.UPLOAD,
        )
        ingested = await ingest(
            session, storage=storage, limits=limits, owner_id=owner_id, kind=kind, incoming=incoming
        )
        return ingested.item
    finally:
        await anyio.to_thread.run_sync(_remove_temp, temp)


def _remove_temp(temp: Path) -> None:
    temp.unlink(missing_ok=True)  # already gone when committed to storage


async def get_item(
    session: AsyncSession, *, owner_id: uuid.UUID, kind: ItemKind, item_id: uuid.UUID
) -> LibraryItem:
    """The owner's item, or ItemNotFound (also for other users' items)."""
    item = await repository.get_owned(session, owner_id=owner_id, kind=kind, item_id=item_id)
    if item is None:
        raise ItemNotFound(f"no such {kind.label}")
    return item


async def list_items(
    session: AsyncSession, *, owner_id: uuid.UUID, kind: ItemKind, where: ItemFilter
) -> tuple[list[repository.ItemRecord], int]:
    """A page of the owner's items of `kind` and the total count matching the filter."""
    return await repository.list_owned(session, owner_id=owner_id, kind=kind, where=where)


async def update_item(
    session: AsyncSession,
    *,
    owner_id: uuid.UUID,
    kind: ItemKind,
    item_id: uuid.UUID,
    name: str | None,
    tags: list[str] | None,
) -> LibraryItem:
    """Rename (keeping the detected extension) and/or replace the tags."""
    item = await get_item(session, owner_id=owner_id, kind=kind, item_id=item_id)
    if name is not None:
        extension = item.storage_key.rpartition(".")[2]
        cleaned = display_name(name, extension=extension, fallback="")
        if cleaned == f".{extension}":
            raise InvalidName("the name has no visible characters left once cleaned")
        item.name = cleaned
    if tags is not None:
        item.tags = tags
    await session.flush()
    return item


async def delete_item(
    session: AsyncSession,
    *,
    storage: Storage,
    owner_id: uuid.UUID,
    kind: ItemKind,
    item_id: uuid.UUID,
    force: bool,
) -> None:
    """Delete the item; refused while shootouts use it, unless `force` (they lose the ref)."""
    item = await get_item(session, owner_id=owner_id, kind=kind, item_id=item_id)
    uses = await repository.count_references(session, item_id=item.id)
    if uses and not force:
        raise ItemInUse(
            f"this {kind.label} is used by {uses} shootout(s); delete with force=true to "
            "remove it from them",
            shootout_count=uses,
        )
    await repository.delete_item(session, item)
    delete_after_commit(session, storage, item.storage_key)


async def item_file(
    session: AsyncSession,
    *,
    storage: Storage,
    owner_id: uuid.UUID,
    kind: ItemKind,
    item_id: uuid.UUID,
) -> StoredFile:
    """The owner's file as a download (authorised before any byte is read)."""
    item = await get_item(session, owner_id=owner_id, kind=kind, item_id=item_id)
    found = await stored_file(
        storage, item.storage_key, media_type=item.media_type, filename=item.name
    )
    if found is None:
        raise ItemNotFound(f"the file of this {kind.label} is missing")
    return found
