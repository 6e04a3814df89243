"""`OwnedRender` (the render in the path, the caller's only) and folders removed after commit."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from typing import Annotated

import anyio
from fastapi import Depends

from toneshootout.server.auth.deps import CurrentUser
from toneshootout.server.db.models.render import Render
from toneshootout.server.deps import SessionDep, StorageDep
from toneshootout.server.render import service

log = logging.getLogger("toneshootout.storage")


async def get_owned_render(render_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> Render:
    return await service.get_owned(session, owner_id=user.id, render_id=render_id)


OwnedRender = Annotated[Render, Depends(get_owned_render)]


async def folders_removed_after_commit(
    session: SessionDep, storage: StorageDep
) -> AsyncIterator[list[str]]:
    """Storage folders to delete once the request's transaction has committed.

    Commits the session itself (before the response is sent), so files go only when the rows
    that named them are durably gone; a failed commit raises here and keeps them.
    """
    doomed: list[str] = []
    yield doomed
    await session.commit()
    for prefix in doomed:
        try:
            await anyio.to_thread.run_sync(storage.delete_prefix, prefix)
        except OSError:  # the rows are gone; a leftover folder is only wasted space
            log.exception("could not delete render files", extra={"prefix": prefix})


DoomedFolders = Annotated[list[str], Depends(folders_removed_after_commit, scope="function")]
