"""One session per request or task, committed by its single owner; services only `flush()`.

`owned()` is that owner: it commits when the block succeeded and rolls back when it raised,
then runs the session's transaction hooks (`db.hooks`: job kicks, event publishes, file
deletions) for the outcome. HTTP: the `SessionDep` dependency uses it with FastAPI's function
scope, so the commit happens *before* the response is sent and a response never claims a write
that did not commit. Tasks: `session_scope()`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from toneshootout.server.db.engine import READ_ONLY
from toneshootout.server.db.hooks import run_after_commit, run_on_rollback


@asynccontextmanager
async def owned(
    maker: async_sessionmaker[AsyncSession],
    *,
    read_only: bool = False,
    commit_despite: tuple[type[BaseException], ...] = (),
) -> AsyncIterator[AsyncSession]:
    """A session whose transaction this block owns: commit on success, roll back on error.

    `read_only` marks the transaction so SQLite opens it deferred (no write lock).
    `commit_despite` names errors that still commit what was done before re-raising (a refresh
    token's reuse must answer 401 *and* keep the family's revocation).
    """
    async with maker() as session:
        if read_only:
            await session.connection(execution_options={READ_ONLY: True})
        try:
            yield session
        except commit_despite:
            await commit(session)
            raise
        except BaseException:
            await _roll_back(session)
            raise
        await commit(session)


async def commit(session: AsyncSession) -> None:
    """The owner's commit: commit, then run the after-commit hooks; a failed commit rolls back
    (running the on-rollback hooks) and raises.

    Only transaction owners call this: `owned()` at the end of its block, and a request that
    must end its transaction before slow I/O (an upload's admission, see `library.deps`). The
    session then goes on with a fresh transaction and fresh hook lists.
    """
    try:
        await session.commit()
    except BaseException:
        await _roll_back(session)
        raise
    with anyio.CancelScope(shield=True):  # a cancelled request still kicks what it committed
        await run_after_commit(session)


async def _roll_back(session: AsyncSession) -> None:
    # Shielded: a cancelled request must still undo its files (a new upload's stored copy).
    with anyio.CancelScope(shield=True):
        try:
            await session.rollback()
        finally:
            await run_on_rollback(session)


@asynccontextmanager
async def session_scope(maker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A task's session: commits on success (then runs its hooks), rolls back on any error."""
    async with owned(maker) as session:
        yield session
