"""What the lifespan builds and every request can reach: typed, not loose attributes."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from toneshootout.server.realtime.hub import EventHub, InProcessHub
from toneshootout.server.render.outbox import JobQueue
from toneshootout.server.storage.base import Storage
from toneshootout.server.tone3000.access import Tone3000Access
from toneshootout.settings import Settings


@dataclass(frozen=True)
class Services:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    storage: Storage
    # Where committed render jobs are kicked (None: nothing runs renders in this process's
    # configuration; the sweeper of a worker picks the rows up) and where their events go.
    queue: JobQueue | None = None
    hub: EventHub = field(default_factory=InProcessHub)
    # Hands out per-user TONE3000 clients (its HTTP client lives as long as the app).
    tone3000: Tone3000Access | None = None
