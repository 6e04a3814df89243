"""The TaskIQ broker from settings: in-process when embedded, Redis streams when scaled out.

Scaled out, the configuration is pinned per REQ-27 (RELIABILITY.md §0.2): the stream broker
(acknowledged, never ListQueue/PubSub), a timeout on the reclaim lock (taskiq-redis#131), an
`idle_timeout` above the render wall-time limit so a long render is never delivered twice while
it runs, JSON serializers (the result backend would otherwise unpickle), result expiry, and a
trimmed stream. `broker.startup()` must run in the API too: it declares the consumer group, and
the group starts at the stream's beginning (`0`), not `$`, so a kick sent before any worker ever
started is still delivered.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncGenerator
from typing import Final

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError
from taskiq import AckableMessage, AsyncBroker, AsyncTaskiqDecoratedTask, InMemoryBroker
from taskiq.serializers import JSONSerializer
from taskiq_redis import RedisAsyncResultBackend, RedisStreamBroker

from toneshootout.settings import Settings
from toneshootout.worker.faults import unsafe_queue_allowed

RENDER_TASK: Final = "render.run"
# Headroom between the render wall-time limit and the stream's redelivery timeout: the worker
# needs time to notice the limit, kill the sandbox and record the failure before acking.
IDLE_TIMEOUT_MARGIN_S: Final = 60
RECONNECT_DELAY_S: Final = 1.0
CANCEL_RETRY_S: Final = 0.05
log = logging.getLogger("toneshootout.worker")


class BrokerConfigError(ValueError):
    """The queue settings would break a delivery guarantee; the message says which and why."""


def check_queue_settings(settings: Settings) -> None:
    """Refuse settings under which a job could run twice or be lost (REQ-27)."""
    render, redis = settings.render, settings.redis
    problems = []
    floor_ms = (render.max_render_seconds + IDLE_TIMEOUT_MARGIN_S) * 1000
    if redis.idle_timeout_ms <= floor_ms:
        problems.append(
            f"TONESHOOTOUT_REDIS__IDLE_TIMEOUT_MS ({redis.idle_timeout_ms}) must exceed the "
            f"render time limit plus {IDLE_TIMEOUT_MARGIN_S} s ({floor_ms} ms), or a long "
            "render is delivered to a second worker while it still runs"
        )
    if render.heartbeat_seconds >= render.lease_seconds:
        problems.append(
            f"TONESHOOTOUT_RENDER__HEARTBEAT_SECONDS ({render.heartbeat_seconds}) must be "
            f"below TONESHOOTOUT_RENDER__LEASE_SECONDS ({render.lease_seconds}), or live "
            "renders lose their lease between heartbeats"
        )
    if problems:
        raise BrokerConfigError("; ".join(problems))


class ResilientStreamBroker(RedisStreamBroker):
    """The stream broker, surviving a Redis that lost its data or went away for a while.

    TaskIQ re-creates a failed listener at once, forever. Without this, a Redis restart without
    persistence or a FLUSHALL (the consumer group is gone: NOGROUP) leaves every worker failing
    on the same error and never receiving again, and an outage spins the CPU. Found by the
    fault harness (tests/fault, scenarios redis-flushall / redis-restart / redis-down-submit).
    """

    async def listen(self) -> AsyncGenerator[AckableMessage, None]:
        """Messages from the stream; re-declare a lost group, wait out a lost connection."""
        while True:
            inner = super().listen()
            try:
                while True:
                    yield await _next_or_cancel(inner)
            except StopAsyncIteration:
                return
            except ResponseError as err:
                if "NOGROUP" not in str(err):
                    raise
                log.warning("the consumer group is gone (Redis lost its data); declaring it")
                await self._declare_consumer_group()
            except (RedisConnectionError, RedisTimeoutError, OSError):
                log.warning("Redis unreachable; retrying in %.0f s", RECONNECT_DELAY_S)
                await asyncio.sleep(RECONNECT_DELAY_S)


async def _next_or_cancel(inner: AsyncGenerator[AckableMessage, None]) -> AckableMessage:
    """The next message of `inner`, read in its own task that is cancelled until it stops.

    redis-py can lose a cancellation that lands as a blocking XREADGROUP returns (the read
    loop then carries on, and the worker's shutdown waited on it forever: seen in CI, and
    reproduced by cancelling the receiver around the 2 s block boundary). So the read runs
    in a child task: our own await is shielded and always sees the cancellation, and the
    child is cancelled again until it is gone. A message read in that instant is not lost:
    it stays pending in the stream and is claimed again after the idle timeout.
    """
    step: asyncio.Task[AckableMessage] = asyncio.ensure_future(anext(inner))
    try:
        return await asyncio.shield(step)
    except asyncio.CancelledError:
        while not step.done():
            step.cancel()
            await asyncio.wait({step}, timeout=CANCEL_RETRY_S)
        raise


def build_broker(settings: Settings) -> AsyncBroker:
    """The broker for the mode in force: InMemoryBroker, or RedisStreamBroker per REQ-27."""
    url = settings.redis_in_force
    if url is None:
        # Tasks run in this event loop; the CPU work runs in a sandboxed subprocess.
        return InMemoryBroker(max_async_tasks=max(2, settings.render.worker_concurrency * 4))
    if not unsafe_queue_allowed():  # only the fault harness turns the check off
        check_queue_settings(settings)
    redis = settings.redis
    broker = ResilientStreamBroker(
        url,
        queue_name=redis.queue_name,
        consumer_group_name=redis.consumer_group,
        consumer_id="0",  # a group created late still sees entries sent before it existed
        idle_timeout=redis.idle_timeout_ms,
        unacknowledged_lock_timeout=float(redis.unacknowledged_lock_timeout_s),
        maxlen=redis.stream_maxlen,
        approximate=True,
    )
    backend: RedisAsyncResultBackend[None] = RedisAsyncResultBackend(
        url, serializer=JSONSerializer(), result_ex_time=redis.result_ex_time_s
    )
    return broker.with_serializer(JSONSerializer()).with_result_backend(backend)


class TaskiqJobQueue:
    """`JobQueue` over TaskIQ: one message per job, carrying only the job ID as a string."""

    def __init__(self, broker: AsyncBroker) -> None:
        self._broker = broker

    @property
    def broker(self) -> AsyncBroker:
        return self._broker

    def _task(self) -> AsyncTaskiqDecoratedTask[[str], None]:
        task = self._broker.find_task(RENDER_TASK)
        if task is None:  # a kicking-only API registers the task without running it
            raise RuntimeError(f"task {RENDER_TASK!r} is not registered on the broker")
        return task

    async def kick(self, render_id: uuid.UUID) -> None:
        """Send `render.run(<id>)`."""
        await self._task().kiq(str(render_id))
