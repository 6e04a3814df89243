"""Jobs leave after commit (STYLE.md §7): a per-session outbox of job IDs to kick and events.

A service that inserts a job row calls `enqueue_after_commit(session, render_id)`; the owner of
the transaction calls `flush_outbox` once the commit succeeded (the request's session dependency
and the task `session_scope` both do), and a rollback drops the list. A kick that fails after
commit loses nothing: the row stays `queued` and the sweeper kicks it again.
"""

from __future__ import annotations

import logging
import uuid
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from toneshootout.server.render.events import RenderEvent

log = logging.getLogger("toneshootout.jobs")
_KEY = "toneshootout_outbox"
_EVENTS = "toneshootout_outbox_events"


class EventSink(Protocol):
    """Where state changes made by a request go once committed (the realtime hub)."""

    async def publish(self, event: RenderEvent) -> None: ...


class JobQueue(Protocol):
    """Sends one message per job ID to whatever runs renders (TaskIQ, in-process or Redis)."""

    async def kick(self, render_id: uuid.UUID) -> None: ...


def enqueue_after_commit(session: AsyncSession, render_id: uuid.UUID) -> None:
    """Kick `render_id` once this session's transaction has committed."""
    session.info.setdefault(_KEY, []).append(render_id)


def publish_after_commit(session: AsyncSession, event: RenderEvent) -> None:
    """Publish `event` once this session's transaction has committed (never before)."""
    session.info.setdefault(_EVENTS, []).append(event)


def discard_outbox(session: AsyncSession) -> None:
    """Forget pending kicks and events (the transaction rolled back)."""
    session.info.pop(_KEY, None)
    session.info.pop(_EVENTS, None)


async def flush_outbox(
    session: AsyncSession, queue: JobQueue | None, events: EventSink | None = None
) -> None:
    """Kick every job queued on `session`, then publish its events; failures are logged only.

    A lost kick is re-sent by the sweeper; a lost event is harmless because every subscriber
    starts from the database row.
    """
    pending: list[uuid.UUID] = session.info.pop(_KEY, [])
    published: list[RenderEvent] = session.info.pop(_EVENTS, [])
    if events is not None:
        for event in published:
            try:
                await events.publish(event)
            except Exception:  # best-effort by design (see above)
                log.warning("event publish failed", extra={"render_id": str(event.render_id)})
    if queue is None:
        return
    for render_id in pending:
        try:
            await queue.kick(render_id)
        except Exception:  # the row is committed and queued; the sweeper re-kicks it
            log.warning("kick failed; the sweeper will retry", extra={"render_id": str(render_id)})
