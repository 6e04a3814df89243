"""Leases, fencing and the sweeper with a fake clock (REQ-25, REQ-28)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from tests.integration.conftest import Kit
from tests.integration.worker.helpers import add_render, add_user, load, tiny_snapshot
from toneshootout.server.db.base import utcnow
from toneshootout.server.db.session import session_scope
from toneshootout.server.render import job_repository
from toneshootout.server.render.states import RenderState
from toneshootout.worker.context import WorkerContext
from toneshootout.worker.runner import RenderRunner
from toneshootout.worker.sweeper import sweep_once


async def _claim(
    ctx: WorkerContext, render_id: uuid.UUID, now: object, worker: str
) -> job_repository.Claim:
    async with session_scope(ctx.sessionmaker) as session:
        return await job_repository.claim(
            session,
            render_id,
            worker_id=worker,
            now=now,  # type: ignore[arg-type]
            lease_seconds=ctx.settings.render.lease_seconds,
            per_user_running=10,
            global_running=10,
        )


async def test_zombie_attempt_late_write_is_rejected(ctx: WorkerContext) -> None:
    owner = await add_user(ctx)
    render_id = await add_render(ctx, owner, {"v": 1})
    t0 = utcnow()
    zombie = await _claim(ctx, render_id, t0, "zombie")
    assert zombie.outcome is job_repository.ClaimOutcome.CLAIMED
    later = t0 + timedelta(seconds=ctx.settings.render.lease_seconds + 1)
    assert (await sweep_once(ctx, now=later)).requeued == [render_id]
    fresh = await _claim(ctx, render_id, later, "fresh")
    assert (fresh.outcome, fresh.attempt) == (job_repository.ClaimOutcome.CLAIMED, 2)
    async with session_scope(ctx.sessionmaker) as session:
        late = await job_repository.finish(
            session,
            render_id,
            zombie.attempt,
            now=later,
            state=RenderState.SUCCEEDED,
            output_prefix="x",
        )
        beat = await job_repository.heartbeat(
            session, render_id, zombie.attempt, now=later, lease_seconds=5
        )
    assert late is False
    assert beat.alive is False
    render = await load(ctx, render_id)
    assert (render.state, render.attempt, render.worker_id) == ("running", 2, "fresh")


async def test_stalled_job_requeued_exactly_once_per_lease_expiry(ctx: WorkerContext) -> None:
    owner = await add_user(ctx)
    render_id = await add_render(ctx, owner, {"v": 1})
    t0 = utcnow()
    lease = ctx.settings.render.lease_seconds
    await _claim(ctx, render_id, t0, "stalled")
    assert (await sweep_once(ctx, now=t0 + timedelta(seconds=lease - 1))).requeued == []
    expired = t0 + timedelta(seconds=lease + 1)
    assert (await sweep_once(ctx, now=expired)).requeued == [render_id]
    assert (await sweep_once(ctx, now=expired + timedelta(seconds=0.5))).requeued == []
    render = await load(ctx, render_id)
    assert (render.state, render.kicks) == ("queued", 1)


async def test_poison_job_fails_after_max_attempts_while_others_proceed(
    ctx: WorkerContext, kit: Kit
) -> None:
    owner = await add_user(ctx)
    poison = await add_render(ctx, owner, {"v": 1}, max_attempts=2)
    now = utcnow()
    step = timedelta(seconds=ctx.settings.render.lease_seconds + 1)
    for attempt in (1, 2):  # the worker "dies" on every attempt: the lease runs out each time
        assert (await _claim(ctx, poison, now, "dies")).attempt == attempt
        now += step
        await sweep_once(ctx, now=now)
    render = await load(ctx, poison)
    assert (render.state, render.reason, render.starts) == ("failed", "worker_lost", 2)
    healthy = await add_render(ctx, owner, tiny_snapshot(ctx, owner, kit))
    await RenderRunner(ctx).run(healthy)
    assert (await load(ctx, healthy)).state == "succeeded"


async def test_permanent_input_error_fails_at_once(ctx: WorkerContext, kit: Kit) -> None:
    owner = await add_user(ctx)
    broken = kit.root / "not-audio.wav"
    broken.write_bytes(b"RIFF" + b"\0" * 200)
    render_id = await add_render(ctx, owner, tiny_snapshot(ctx, owner, kit, di=broken))
    await RenderRunner(ctx).run(render_id)
    render = await load(ctx, render_id)
    assert (render.state, render.reason, render.attempt) == ("failed", "invalid_input", 1)
    assert render.detail
    assert str(ctx.settings.storage_dir.resolve()) not in render.detail
    assert str(ctx.settings.data_dir.resolve()) not in render.detail  # nor the scratch folder


async def test_missing_library_file_fails_at_once(ctx: WorkerContext, kit: Kit) -> None:
    owner = await add_user(ctx)
    snapshot = tiny_snapshot(ctx, owner, kit)
    first = next(iter(snapshot["items"].values()))
    ctx.storage.delete(first["storage_key"])
    render_id = await add_render(ctx, owner, snapshot)
    await RenderRunner(ctx).run(render_id)
    render = await load(ctx, render_id)
    assert (render.state, render.reason) == ("failed", "missing_input")
