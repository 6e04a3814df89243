"""Jobs and events leave after commit (STYLE.md §7), through the session's transaction hooks.

A service that inserts a job row calls `enqueue_after_commit(session, queue, render_id)`; the
transaction's owner (`db.session.owned`: the request's session dependency and the task
`session_scope` alike) kicks it once the commit succeeded, and a rollback drops it. A kick that
fails after commit loses nothing: the row stays `queued` and the sweeper kicks it again. An
event lost the same way is harmless: every subscriber starts from the database row.
"""

from __future__ import annotations

import logging
import uuid
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from toneshootout.server.db.hooks import after_commit
from toneshootout.server.render.events import RenderEvent

log = logging.getLogger("toneshootout.jobs")


class EventSink(Protocol):
    """Where state changes made by a request go once committed (the realtime hub)."""

    async def publish(self, event: RenderEvent) -> None: ...


class JobQueue(Protocol):
    """Sends one message per job ID to whatever runs renders (TaskIQ, in-process or Redis)."""

    async def kick(self, render_id: uuid.UUID) -> None: ...


def enqueue_after_commit(
    session: AsyncSession, queue: JobQueue | None, render_id: uuid.UUID
) -> None:
    """Kick `render_id` once this session's transaction has committed.

    `queue` None: nothing in this process runs renders; a worker's sweeper picks the row up.
    """
    if queue is None:
        return

    async def kick() -> None:
        try:
            await queue.kick(render_id)
        except Exception:  # the row is committed and queued; the sweeper re-kicks it
            log.warning("kick failed; the sweeper will retry", extra={"render_id": str(render_id)})

    after_commit(session, kick)


def publish_after_commit(session: AsyncSession, events: EventSink, event: RenderEvent) -> None:
    """Publish `event` once this session's transaction has committed (never before)."""

    async def publish() -> None:
        try:
            await events.publish(event)
        except Exception:  # best-effort by design (see the module docstring)
            log.warning("event publish failed", extra={"render_id": str(event.render_id)})

    after_commit(session, publish)
