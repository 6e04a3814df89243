"""The sweeper (REQ-28): at startup and every `sweep_seconds`, repair what messages cannot.

Running jobs whose lease ran out go back to `queued` (or fail with `worker_lost` once their
attempts are used up); queued jobs nobody picked up within `requeue_after_seconds` are kicked
again. This covers a lost Redis message, a kick that failed after commit, the consumer-group
`$` trap, the idle-queue reclaim gap, and a worker killed mid-render. Idempotent and cheap, so
every API process and every worker runs it.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from functools import partial

from toneshootout.server.db.hooks import after_commit
from toneshootout.server.db.session import session_scope
from toneshootout.server.periodic import periodically
from toneshootout.server.render import job_repository
from toneshootout.server.render.repository import render_facts
from toneshootout.worker.attempt import Attempt
from toneshootout.worker.context import WorkerContext, log


async def _announce(ctx: WorkerContext, render_ids: list[uuid.UUID]) -> None:
    if not render_ids:
        return
    async with ctx.sessionmaker() as session:
        for render_id in render_ids:
            facts = await render_facts(session, render_id)
            if facts is None:
                continue
            attempt = Attempt(render_id, facts.attempt, facts.owner_id, facts.shootout_id)
            await ctx.publish(attempt.event(ctx, facts.state, reason=facts.reason))


async def sweep_once(
    ctx: WorkerContext, *, now: datetime | None = None
) -> job_repository.SweepResult:
    """One pass: sweep in one transaction, then (after commit) kick and announce."""
    async with session_scope(ctx.sessionmaker) as session:
        result = await job_repository.sweep(
            session,
            now=now or ctx.clock(),
            requeue_after_seconds=ctx.settings.render.requeue_after_seconds,
        )
        after_commit(session, partial(ctx.kick, result.rekick))
    await _announce(ctx, [*result.requeued, *result.failed, *result.cancelled])
    if result.requeued or result.failed or result.cancelled:
        log.info(
            "sweep: %d requeued, %d failed, %d cancelled, %d kicked",
            len(result.requeued),
            len(result.failed),
            len(result.cancelled),
            len(result.rekick),
            extra={"event": "render_sweep"},
        )
    return result


@asynccontextmanager
async def sweeper(ctx: WorkerContext) -> AsyncIterator[None]:
    """Sweep now and every `sweep_seconds` while the block runs; stop cleanly after it."""

    async def sweep() -> job_repository.SweepResult:
        return await sweep_once(ctx)

    async with periodically("render-sweeper", ctx.settings.render.sweep_seconds, sweep, log=log):
        yield
