"""Keep stored files and database rows in step with the transaction that records them.

A file committed to storage for a new row must go if that row's transaction does not commit;
a file whose row is deleted may only go once the deletion has committed (else the row would
point at nothing). The request's owner of the transaction calls `settle()` with the outcome.
"""

from __future__ import annotations

import logging

from toneshootout.server.storage.base import Storage

log = logging.getLogger("toneshootout.storage")


class PendingFiles:
    """Storage keys whose fate depends on whether the current transaction commits."""

    def __init__(self, storage: Storage) -> None:
        self._storage = storage
        self._new: list[str] = []
        self._doomed: list[str] = []

    def created(self, key: str) -> None:
        """`key` was written for a row of this transaction: delete it unless it commits."""
        self._new.append(key)

    def delete_after_commit(self, key: str) -> None:
        """`key` belongs to a row this transaction deletes: remove it once that is durable."""
        self._doomed.append(key)

    def forget_created(self, key: str) -> None:
        """`key` was already removed by the caller: nothing left to undo for it."""
        self._new.remove(key)

    def settle(self, *, committed: bool) -> None:
        """Delete what the outcome makes orphaned; a failure to delete is logged, not raised."""
        for key in self._doomed if committed else self._new:
            try:
                self._storage.delete(key)
            except OSError:
                # The row state is already final; an orphan file is only wasted space.
                log.exception("could not delete stored file", extra={"key": key})
        self._new.clear()
        self._doomed.clear()
