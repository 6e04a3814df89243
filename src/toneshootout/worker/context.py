"""What a worker needs to run renders: settings, database, storage, events, queue, clock, and
the process's TONE3000 access (per-user clients for downloading a render's models)."""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from toneshootout.server.db.base import utcnow
from toneshootout.server.render.events import RenderEvent
from toneshootout.server.render.outbox import JobQueue
from toneshootout.server.storage.base import Storage
from toneshootout.server.tone3000.access import Tone3000Access
from toneshootout.settings import Settings

log = logging.getLogger("toneshootout.worker")


class EventPublisher(Protocol):
    """The publishing half of `EventHub` (all a worker needs)."""

    async def publish(self, event: RenderEvent) -> None: ...


def default_worker_id() -> str:
    """host:pid:random, unique per process (the DB records which worker holds a lease)."""
    return f"{socket.gethostname()[:64]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class WorkerContext:
    settings: Settings
    sessionmaker: async_sessionmaker[AsyncSession]
    storage: Storage
    events: EventPublisher
    queue: JobQueue | None = None  # where follow-up kicks go (None: rely on the sweeper)
    worker_id: str = field(default_factory=default_worker_id)
    clock: Callable[[], datetime] = utcnow
    # None: this process cannot download TONE3000 models (renders that use them fail, saying so).
    tone3000: Tone3000Access | None = None

    async def publish(self, event: RenderEvent) -> None:
        """Best-effort: a lost event is repaired by the DB state a subscriber starts from."""
        try:
            await self.events.publish(event)
        except Exception:
            log.warning("event publish failed", extra={"render_id": str(event.render_id)})

    async def kick(self, render_ids: list[uuid.UUID]) -> None:
        """Send a message per job; a failed kick is retried by the sweeper."""
        if self.queue is None:
            return
        for render_id in render_ids:
            try:
                await self.queue.kick(render_id)
            except Exception:
                log.warning("kick failed; the sweeper retries", extra={"render_id": str(render_id)})
