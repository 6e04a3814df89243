"""Side effects tied to a transaction's outcome: registered by services, run by its owner.

A service that changes rows whose consequences live outside the database (a job to kick, an
event to publish, a file to delete) registers them here and only flushes. The transaction's
single owner (`db.session.owned`, used by the HTTP `SessionDep` and by `session_scope`) runs
the `after_commit` callbacks once its commit succeeded and the `on_rollback` ones when it rolled
back (including a failed commit); either way the other list is dropped. Callbacks are
best-effort: the rows are already final, so a failure is logged and the next one still runs.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

log = logging.getLogger("toneshootout.db")

Hook = Callable[[], Awaitable[None]]
_COMMIT = "toneshootout_after_commit"
_ROLLBACK = "toneshootout_on_rollback"


def after_commit(session: AsyncSession, fn: Hook) -> None:
    """Run `fn` once this session's transaction has committed; never if it rolls back."""
    session.info.setdefault(_COMMIT, []).append(fn)


def on_rollback(session: AsyncSession, fn: Hook) -> None:
    """Run `fn` if this session's transaction rolls back (e.g. delete a file written for it)."""
    session.info.setdefault(_ROLLBACK, []).append(fn)


def pending(session: AsyncSession) -> tuple[int, int]:
    """How many after-commit and on-rollback callbacks are waiting (for tests and checks)."""
    return len(session.info.get(_COMMIT, [])), len(session.info.get(_ROLLBACK, []))


async def run_after_commit(session: AsyncSession) -> None:
    """The transaction committed: run its after-commit callbacks in order, drop the others."""
    await _run(session.info.pop(_COMMIT, []))
    session.info.pop(_ROLLBACK, None)


async def run_on_rollback(session: AsyncSession) -> None:
    """The transaction rolled back: run its on-rollback callbacks in order, drop the others."""
    session.info.pop(_COMMIT, None)
    await _run(session.info.pop(_ROLLBACK, []))


async def _run(hooks: list[Hook]) -> None:
    for hook in hooks:
        try:
            await hook()
        except Exception:  # best-effort by design: the database outcome is already final
            log.exception("transaction hook failed", extra={"hook": getattr(hook, "__name__", "")})
