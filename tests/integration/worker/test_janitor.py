"""Kill between rename and commit: one final output, the orphan removed, 0 dangling (REQ-29)."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta

from tests.integration.conftest import Kit
from tests.integration.worker.helpers import add_render, add_user, load, tiny_snapshot
from toneshootout.server.db.base import utcnow
from toneshootout.server.db.session import session_scope
from toneshootout.server.render import job_repository
from toneshootout.worker.context import WorkerContext
from toneshootout.worker.janitor import clean_render_folders, dangling_outputs
from toneshootout.worker.runner import RenderRunner, output_prefix
from toneshootout.worker.sweeper import sweep_once


async def test_rerun_after_kill_before_commit_leaves_one_output(
    ctx: WorkerContext, kit: Kit
) -> None:
    owner = await add_user(ctx)
    render_id = await add_render(ctx, owner, tiny_snapshot(ctx, owner, kit))
    t0 = utcnow()
    async with session_scope(ctx.sessionmaker) as session:
        claim = await job_repository.claim(
            session,
            render_id,
            worker_id="killed",
            now=t0,
            lease_seconds=5,
            per_user_running=5,
            global_running=5,
        )
    # The killed attempt got as far as the engine's rename: a published folder, no record.
    orphan = ctx.storage.path(output_prefix(owner, render_id, claim.attempt))
    orphan.mkdir(parents=True)
    (orphan / "manifest.json").write_text("{}")
    staging = orphan.with_name(f".a{claim.attempt}.partial-99999")
    staging.mkdir()
    await ctx_sweep(ctx, t0 + timedelta(seconds=6))
    await RenderRunner(ctx).run(render_id)
    render = await load(ctx, render_id)
    assert (render.state, render.attempt) == ("succeeded", 2)
    removed = await clean_render_folders(ctx, ctx.settings.storage_dir.resolve(), grace_seconds=0)
    assert removed == 2
    folder = ctx.storage.path(f"{owner}/renders/{render_id}")
    assert [p.name for p in folder.iterdir()] == ["a2"]
    assert await dangling_outputs(ctx) == []


async def ctx_sweep(ctx: WorkerContext, now: datetime) -> None:
    result = await sweep_once(ctx, now=now)
    assert result.requeued


async def test_janitor_keeps_live_attempt_and_removes_deleted_renders(ctx: WorkerContext) -> None:
    owner = await add_user(ctx)
    render_id = await add_render(ctx, owner, {"v": 1})
    async with session_scope(ctx.sessionmaker) as session:
        await job_repository.claim(
            session,
            render_id,
            worker_id="w",
            now=utcnow(),
            lease_seconds=5,
            per_user_running=5,
            global_running=5,
        )
    live = ctx.storage.path(f"{owner}/renders/{render_id}/.a1.partial-123")
    live.mkdir(parents=True)
    gone = ctx.storage.path(f"{owner}/renders/00000000-0000-4000-8000-000000000000/a1")
    gone.mkdir(parents=True)
    removed = await clean_render_folders(ctx, ctx.settings.storage_dir.resolve(), grace_seconds=0)
    assert removed == 1
    assert live.is_dir()
    assert not gone.parent.exists()
    shutil.rmtree(live)
