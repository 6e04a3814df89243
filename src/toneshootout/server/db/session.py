"""One session per request or task, committed by its single owner.

HTTP: the `SessionDep` dependency commits when the handler succeeded and rolls back when it
raised, *before* the response is sent (FastAPI's function scope), so a response never claims
a write that did not commit. Tasks: `session_scope()`. Services only `flush()`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker


@asynccontextmanager
async def session_scope(maker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session that commits on success and rolls back on any error."""
    async with maker() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
