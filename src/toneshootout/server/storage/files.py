"""A stored object as a download: what the HTTP layer needs to send it, and nothing else."""

from __future__ import annotations

from dataclasses import dataclass

import anyio.to_thread

from toneshootout.server.storage.base import Storage


@dataclass(frozen=True)
class StoredFile:
    """An object to send, under a server-chosen download name."""

    key: str
    size: int
    media_type: str
    filename: str


async def stored_file(
    storage: Storage, key: str, *, media_type: str, filename: str
) -> StoredFile | None:
    """The object under `key` as a download, or None when the store has no such object."""
    found = await anyio.to_thread.run_sync(storage.stat, key)
    if found is None:
        return None
    return StoredFile(key, found.size, media_type, filename)
