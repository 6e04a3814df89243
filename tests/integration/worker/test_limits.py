"""Sandbox limits, cancel and fairness (REQ-15, REQ-30; cancel within 2 s)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests.integration.conftest import Kit
from tests.integration.worker.helpers import (
    add_render,
    add_user,
    build_context,
    load,
    tiny_snapshot,
    wait_for_state,
)
from toneshootout.server.db.base import utcnow
from toneshootout.server.db.session import session_scope
from toneshootout.server.render import job_repository
from toneshootout.server.render.repository import fair_next_queued
from toneshootout.server.render.states import RenderState
from toneshootout.settings import Settings
from toneshootout.worker.context import WorkerContext
from toneshootout.worker.faults import HOLD_RENDER_ENV, HOLD_UNTIL_STOPPED
from toneshootout.worker.runner import RenderRunner


def _with_render(ctx: WorkerContext, **values: object) -> WorkerContext:
    render = ctx.settings.render.model_copy(update=values)
    settings: Settings = ctx.settings.model_copy(update={"render": render})
    engine = ctx.sessionmaker.kw["bind"]
    return build_context(settings, engine, ctx.events, worker_id=ctx.worker_id)  # type: ignore[arg-type]


def _long_di(root: Path, seconds: float) -> Path:
    path = root / f"long-{seconds:g}.flac"
    if not path.exists():
        rng = np.random.default_rng(1)
        audio = (0.1 * rng.standard_normal(int(48000 * seconds))).astype(np.float32)
        sf.write(path, audio, 48000, format="FLAC", subtype="PCM_16")
    return path


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sandboxes wait mid-render until stopped: no machine is fast enough to finish first."""
    monkeypatch.setenv(HOLD_RENDER_ENV, HOLD_UNTIL_STOPPED)


@pytest.mark.usefixtures("held")
async def test_render_over_wall_time_limit_fails_with_timeout(ctx: WorkerContext, kit: Kit) -> None:
    limited = _with_render(ctx, max_render_seconds=1)
    owner = await add_user(limited)
    snapshot = tiny_snapshot(limited, owner, kit)
    render_id = await add_render(limited, owner, snapshot)
    await RenderRunner(limited).run(render_id)
    render = await load(limited, render_id)
    assert (render.state, render.reason) == ("failed", "timeout")


async def test_decoding_bomb_fails_with_resource_limit(ctx: WorkerContext, kit: Kit) -> None:
    # Ten minutes of FLAC is a few MB on disk and far more than the cap once decoded.
    limited = _with_render(ctx, sandbox_memory_mb=480)
    owner = await add_user(limited)
    snapshot = tiny_snapshot(limited, owner, kit, di=_long_di(kit.root, 590.0))
    render_id = await add_render(limited, owner, snapshot)
    await RenderRunner(limited).run(render_id)
    render = await load(limited, render_id)
    assert (render.state, render.reason) in {("failed", "resource_limit"), ("failed", "timeout")}
    healthy = await add_render(limited, owner, tiny_snapshot(limited, owner, kit))
    await RenderRunner(limited).run(healthy)
    assert (await load(limited, healthy)).state == "succeeded"


# By design a cancel lands within the runner's 0.5 s poll plus the sandbox's 1 s stop grace
# (timed in bench, not here). The sandbox is held mid-render, so the render cannot finish first on
# any machine; what this proves is that a cancel stops it, leaves no folder and frees the worker.
CANCEL_BOUND_S = 30.0


@pytest.mark.usefixtures("held")
async def test_cancel_stops_running_render_and_frees_the_worker(
    ctx: WorkerContext, kit: Kit
) -> None:
    owner = await add_user(ctx)
    render_id = await add_render(ctx, owner, tiny_snapshot(ctx, owner, kit))
    runner = RenderRunner(ctx)
    task = asyncio.create_task(runner.run(render_id))
    await wait_for_state(ctx, render_id, {"running"})
    async with session_scope(ctx.sessionmaker) as session:
        assert await job_repository.request_cancel(session, render_id, now=utcnow()) == "running"
    await wait_for_state(ctx, render_id, {"cancelled"}, timeout=CANCEL_BOUND_S)
    await asyncio.wait_for(task, CANCEL_BOUND_S)
    assert not runner.active
    assert not [o.key for o in ctx.storage.list_prefix(f"{owner}/renders/")]


async def test_fair_next_prefers_owner_waiting_longest(ctx: WorkerContext) -> None:
    user_a, user_b = await add_user(ctx), await add_user(ctx)
    t0 = utcnow()
    a_jobs = [
        await add_render(ctx, user_a, {"v": 1}, queued_at=t0 + timedelta(seconds=i))
        for i in range(5)
    ]
    b_job = await add_render(ctx, user_b, {"v": 1}, queued_at=t0 + timedelta(seconds=10))
    async with session_scope(ctx.sessionmaker) as session:
        claim = await job_repository.claim(
            session,
            a_jobs[0],
            worker_id="w",
            now=t0,
            lease_seconds=5,
            per_user_running=1,
            global_running=1,
        )
        assert claim.outcome is job_repository.ClaimOutcome.CLAIMED
        deferred = await job_repository.claim(
            session,
            b_job,
            worker_id="w",
            now=t0,
            lease_seconds=5,
            per_user_running=1,
            global_running=1,
        )
        assert deferred.outcome is job_repository.ClaimOutcome.DEFERRED
        await job_repository.finish(session, a_jobs[0], 1, now=t0, state=RenderState.SUCCEEDED)
        assert await fair_next_queued(session, per_user_running=1) == b_job
