"""Composition of the job machinery for the API process and for `toneshootout worker`.

Embedded (no Redis): the API runs the TaskIQ tasks in its own event loop (InMemoryBroker), each
render in a sandboxed subprocess, plus the sweeper and the render janitor. Scale-out API: the
Redis stream broker only sends (after `startup()`, which declares the consumer group), and the
sweeper still runs. A worker process receives, renders, sweeps and cleans.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager, suppress
from typing import Final

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from taskiq import AsyncBroker, InMemoryBroker
from taskiq.api import run_receiver_task

from toneshootout.server.db.engine import create_engine, create_sessionmaker
from toneshootout.server.db.migrate import check_schema_current
from toneshootout.server.realtime.hub import EventHub, build_hub
from toneshootout.server.render.outbox import JobQueue
from toneshootout.server.storage.base import Storage
from toneshootout.server.storage.factory import open_storage
from toneshootout.server.tone3000.access import Tone3000Access, tone3000_access
from toneshootout.settings import Settings
from toneshootout.worker.broker import BrokerConfigError, TaskiqJobQueue, build_broker
from toneshootout.worker.context import WorkerContext, log
from toneshootout.worker.janitor import janitor
from toneshootout.worker.runner import RenderRunner
from toneshootout.worker.sweeper import sweeper
from toneshootout.worker.tasks import register_render_task
from toneshootout.worker.watchdog import ShutdownWatchdog
from toneshootout.worker.zygote_client import FORK_SERVER

SHUTDOWN_TIMEOUT_S: Final = 10.0
# Past the render grace period, a shutdown still running is hung somewhere: say where.
SLOW_SHUTDOWN_MARGIN_S: Final = 5.0


@asynccontextmanager
async def api_jobs(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    storage: Storage,
    hub: EventHub,
    *,
    tone3000: Tone3000Access | None = None,
) -> AsyncIterator[JobQueue]:
    """The API's job queue while the block runs (plus the embedded worker when no Redis).

    `tone3000`: the API process's own access, shared with the embedded worker, so one process
    has one set of refresh locks per user (TONE3000's refresh tokens rotate).
    """
    broker = build_broker(settings)
    queue = TaskiqJobQueue(broker)
    ctx = WorkerContext(settings, sessionmaker, storage, events=hub, queue=queue, tone3000=tone3000)
    runner = RenderRunner(ctx) if isinstance(broker, InMemoryBroker) else None
    register_render_task(broker, runner)
    # Started lazily by the first render: API processes that never render pay nothing.
    FORK_SERVER.configure(enabled=settings.render.sandbox_fork_server)
    await broker.startup()
    try:
        async with AsyncExitStack() as stack:
            await stack.enter_async_context(sweeper(ctx))
            if runner is not None:
                await stack.enter_async_context(janitor(ctx, runner.running))
            yield queue
    finally:
        if runner is not None:
            await runner.shutdown(SHUTDOWN_TIMEOUT_S)
            FORK_SERVER.close()
        await broker.shutdown()


def with_concurrency(settings: Settings, concurrency: int | None) -> Settings:
    """`settings` with `render.worker_concurrency` replaced (the CLI's --concurrency)."""
    if concurrency is None:
        return settings
    if concurrency < 1:
        raise BrokerConfigError("--concurrency must be at least 1")
    render = settings.render.model_copy(update={"worker_concurrency": concurrency})
    return settings.model_copy(update={"render": render})


async def run_worker(
    settings: Settings,
    *,
    stop: asyncio.Event | None = None,
    tone3000_transport: httpx.AsyncBaseTransport | None = None,
) -> None:
    """Receive and render until SIGTERM/SIGINT (or `stop`), then shut down gracefully.

    `tone3000_transport` routes TONE3000 downloads in-process (tests mount the fake there).
    """
    if settings.redis_in_force is None:
        raise BrokerConfigError(
            "a separate worker needs TONESHOOTOUT_REDIS_URL (embedded mode renders in the API)"
        )
    broker = build_broker(settings)  # validates the queue settings first
    engine = create_engine(settings)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    hub = build_hub(settings)
    watchdog = ShutdownWatchdog(SHUTDOWN_TIMEOUT_S + SLOW_SHUTDOWN_MARGIN_S)
    try:
        await check_schema_current(engine)
        storage = open_storage(settings)
        sessionmaker = create_sessionmaker(engine)
        async with tone3000_access(
            settings.tone3000, sessionmaker, transport=tone3000_transport
        ) as tone3000:
            ctx = WorkerContext(
                settings,
                sessionmaker,
                storage,
                events=hub,
                queue=TaskiqJobQueue(broker),
                tone3000=tone3000,
            )
            runner = RenderRunner(ctx)
            register_render_task(broker, runner)
            FORK_SERVER.configure(enabled=settings.render.sandbox_fork_server)
            await broker.startup()
            await _serve(ctx, runner, broker, stop, watchdog)
    finally:
        FORK_SERVER.close()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
        await hub.close()
        await engine.dispose()
        watchdog.cancel()


async def _serve(
    ctx: WorkerContext,
    runner: RenderRunner,
    broker: AsyncBroker,
    stop: asyncio.Event,
    watchdog: ShutdownWatchdog,
) -> None:
    concurrency = ctx.settings.render.worker_concurrency
    receiver = asyncio.create_task(
        run_receiver_task(broker, max_async_tasks=concurrency, max_prefetch=0),
        name="taskiq-receiver",
    )
    # The zygote imports the engine while the worker waits for its first job.
    warming = asyncio.create_task(FORK_SERVER.warm(), name="zygote-warm")
    log.info("worker %s ready (concurrency %d)", ctx.worker_id, concurrency)
    try:
        async with sweeper(ctx), janitor(ctx, runner.running):
            await stop.wait()
            log.info("worker %s stopping", ctx.worker_id)
            watchdog.start()
            await runner.shutdown(SHUTDOWN_TIMEOUT_S)
    finally:
        for task in (receiver, warming):
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
        await broker.shutdown()
