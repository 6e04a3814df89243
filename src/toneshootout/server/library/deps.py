"""The library's request dependencies."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends

from toneshootout.server.deps import SessionDep, StorageDep
from toneshootout.server.storage.pending import PendingFiles


async def pending_files(session: SessionDep, storage: StorageDep) -> AsyncIterator[PendingFiles]:
    """Stored files tied to the request's transaction, settled once its outcome is known.

    Commits the session itself (before the response is sent) so that a failing commit is seen
    here and the file written for the lost row is deleted; `SessionDep`'s own commit then finds
    nothing left to do. Settling is a few unlinks, done inline so it also runs when the
    request is cancelled.
    """
    pending = PendingFiles(storage)
    try:
        yield pending
        await session.commit()
    except BaseException:
        pending.settle(committed=False)
        raise
    pending.settle(committed=True)


PendingFilesDep = Annotated[PendingFiles, Depends(pending_files, scope="function")]
