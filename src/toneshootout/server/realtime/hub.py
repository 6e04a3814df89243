"""The event hub: render events from workers to the sockets of the render's owner.

Embedded, worker and sockets share one process and the `InProcessHub`; scaled out, events travel
over Redis pub/sub (`RedisHub`) between worker and API processes. Delivery is best-effort by
design: a subscriber always starts from the database row (RELIABILITY.md §2.5 item 10).

`RedisHub` uses ONE channel (`settings.redis.events_channel`) for every owner: each API process
holds one subscription and routes events to its local sockets by `owner_id`. A channel per owner
would save each process the events of users it has no socket for, at the price of a SUBSCRIBE /
UNSUBSCRIBE round trip per socket and a subscription set to rebuild after every reconnect; at
our event rates (≤ ~10 progress events/s per running render, a handful of renders at once) the
single channel is cheaper and has no subscribe race to get wrong.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from typing import Any, Final, Protocol

import redis.asyncio as aioredis
from pydantic import ValidationError
from redis.exceptions import RedisError

from toneshootout.server.render.events import RenderEvent
from toneshootout.settings import Settings

log = logging.getLogger("toneshootout.realtime")
SUBSCRIBER_BUFFER = 256  # events held for a slow socket before the oldest are dropped
# How long a new subscriber waits for the Redis subscription to be live before going on with
# the database snapshot alone (Redis down: events are lost by design, the DB is the truth).
READY_WAIT_SECONDS: Final = 2.0
RECONNECT_DELAYS: Final = (0.1, 0.25, 0.5, 1.0, 2.0)  # then 2 s between attempts


class EventHub(Protocol):
    async def publish(self, event: RenderEvent) -> None: ...

    def subscribe(
        self, owner_id: uuid.UUID
    ) -> contextlib.AbstractAsyncContextManager[asyncio.Queue[RenderEvent]]: ...

    async def close(self) -> None: ...


class InProcessHub:
    """Fan-out to per-subscriber bounded queues in this process."""

    def __init__(self) -> None:
        self._subscribers: dict[uuid.UUID, set[asyncio.Queue[RenderEvent]]] = {}

    async def publish(self, event: RenderEvent) -> None:
        self.deliver(event)

    def deliver(self, event: RenderEvent) -> None:
        """Hand `event` to every local subscriber of its owner, dropping the oldest if full."""
        for queue in self._subscribers.get(event.owner_id, ()):
            if queue.full():
                with contextlib.suppress(asyncio.QueueEmpty):
                    queue.get_nowait()
            queue.put_nowait(event)

    @contextlib.asynccontextmanager
    async def subscribe(self, owner_id: uuid.UUID) -> AsyncIterator[asyncio.Queue[RenderEvent]]:
        queue: asyncio.Queue[RenderEvent] = asyncio.Queue(maxsize=SUBSCRIBER_BUFFER)
        self._subscribers.setdefault(owner_id, set()).add(queue)
        try:
            yield queue
        finally:
            subscribers = self._subscribers.get(owner_id)
            if subscribers is not None:
                subscribers.discard(queue)
                if not subscribers:
                    del self._subscribers[owner_id]

    @property
    def subscriber_count(self) -> int:
        return sum(len(queues) for queues in self._subscribers.values())

    async def close(self) -> None:
        self._subscribers.clear()


class RedisHub:
    """Publish to one Redis channel; one listener per process feeds the local subscribers.

    The listener starts with the first local subscriber (a worker only publishes and never
    listens) and reconnects after a Redis restart without disturbing the subscribers' queues:
    events published while it was away are lost, which clients survive by resyncing from the
    database (a new snapshot on subscribe or reconnect).
    """

    def __init__(self, url: str, channel: str) -> None:
        self._channel = channel
        self._redis: aioredis.Redis = aioredis.Redis.from_url(
            url, health_check_interval=10, socket_connect_timeout=2.0
        )
        self._local = InProcessHub()
        self._listener: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self._closed = False

    @property
    def listening(self) -> bool:
        """True while the channel subscription is live."""
        return self._ready.is_set()

    async def publish(self, event: RenderEvent) -> None:
        """Send `event` to every API process; a Redis outage loses it (logged, not raised)."""
        try:
            await self._redis.publish(self._channel, event.to_json())
        except (RedisError, OSError) as err:
            log.warning("event_publish_failed", extra={"error": type(err).__name__})

    @contextlib.asynccontextmanager
    async def subscribe(self, owner_id: uuid.UUID) -> AsyncIterator[asyncio.Queue[RenderEvent]]:
        self._ensure_listener()
        async with self._local.subscribe(owner_id) as queue:
            # Live before the caller reads its snapshot, so no event falls between the two.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._ready.wait(), READY_WAIT_SECONDS)
            yield queue

    async def close(self) -> None:
        self._closed = True
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        await self._local.close()
        await self._redis.aclose()

    def _ensure_listener(self) -> None:
        if self._listener is None and not self._closed:
            # Held in self._listener and cancelled in close(): not fire-and-forget (REQ-32).
            self._listener = asyncio.get_running_loop().create_task(
                self._listen_forever(), name="realtime-redis-listener"
            )

    async def _listen_forever(self) -> None:
        failures = 0
        while not self._closed:
            try:
                await self._listen_once()
                failures = 0
            except (RedisError, OSError) as err:
                self._ready.clear()
                delay = RECONNECT_DELAYS[min(failures, len(RECONNECT_DELAYS) - 1)]
                failures += 1
                log.warning(
                    "event_listener_reconnecting",
                    extra={"error": type(err).__name__, "delay_s": delay},
                )
                await asyncio.sleep(delay)

    async def _listen_once(self) -> None:
        pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.subscribe(self._channel)
            self._ready.set()
            while True:
                message = await pubsub.get_message(timeout=1.0)
                if message is not None:
                    self._route(message)
        finally:
            self._ready.clear()
            with contextlib.suppress(RedisError, OSError):
                await pubsub.aclose()  # type: ignore[no-untyped-call, unused-ignore]  # typed from redis 8.2

    def _route(self, message: dict[str, Any]) -> None:
        if message.get("type") != "message":
            return
        try:
            event = RenderEvent.from_json(message["data"])
        except ValidationError:
            # A newer publisher's schema, or garbage on the channel: skip it, keep listening.
            log.warning("event_rejected", extra={"channel": self._channel})
            return
        self._local.deliver(event)

    @property
    def subscriber_count(self) -> int:
        return self._local.subscriber_count


def build_hub(settings: Settings) -> EventHub:
    """`RedisHub` when Redis is configured (scale-out), else the embedded `InProcessHub`."""
    url = settings.redis_in_force
    if url is None:
        return InProcessHub()
    return RedisHub(url, settings.redis.events_channel)
