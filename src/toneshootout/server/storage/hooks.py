"""Keep stored files and database rows in step with the transaction that records them.

A file committed to storage for a new row must go if that row's transaction does not commit;
a file whose row is deleted may only go once the deletion has committed (else the row would
point at nothing). Both are transaction hooks (`db.hooks`), run by the transaction's owner.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import anyio.to_thread
from sqlalchemy.ext.asyncio import AsyncSession

from toneshootout.server.db.hooks import Hook, after_commit, on_rollback
from toneshootout.server.storage.base import Storage, StorageUnavailable

log = logging.getLogger("toneshootout.storage")


def delete_unless_committed(session: AsyncSession, storage: Storage, key: str) -> None:
    """`key` was written for a row of this transaction: delete it if the transaction rolls back."""
    on_rollback(session, _deleting(storage.delete, key))


def delete_after_commit(session: AsyncSession, storage: Storage, key: str) -> None:
    """`key` belongs to a row this transaction deletes: remove it once that is durable."""
    after_commit(session, _deleting(storage.delete, key))


def delete_prefix_after_commit(session: AsyncSession, storage: Storage, prefix: str) -> None:
    """Every file under `prefix` belongs to rows this transaction deletes: remove them after."""
    after_commit(session, _deleting(storage.delete_prefix, prefix))


def _deleting(delete: Callable[[str], object], key: str) -> Hook:
    async def hook() -> None:
        try:
            await anyio.to_thread.run_sync(delete, key)
        except (OSError, StorageUnavailable):
            # The row state is already final; an orphan object is only wasted space, and the
            # janitor finds it by listing (a bucket that is down raises StorageUnavailable).
            log.exception("could not delete stored files", extra={"key": key})

    return hook
