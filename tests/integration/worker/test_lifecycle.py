"""A claimed render runs in the sandbox, publishes its outputs and is recorded (REQ-25, 29)."""

from __future__ import annotations

import asyncio

from tests.integration.conftest import Kit
from tests.integration.worker.helpers import (
    Recorder,
    add_render,
    add_user,
    load,
    outputs_of,
    stored_names,
    tiny_snapshot,
)
from toneshootout.worker.context import WorkerContext
from toneshootout.worker.janitor import dangling_outputs
from toneshootout.worker.runner import RenderRunner


async def test_run_renders_and_records_outputs(ctx: WorkerContext, kit: Kit) -> None:
    owner = await add_user(ctx)
    render_id = await add_render(ctx, owner, tiny_snapshot(ctx, owner, kit))
    await RenderRunner(ctx).run(render_id)
    render = await load(ctx, render_id)
    assert (render.state, render.reason, render.attempt) == ("succeeded", None, 1)
    assert render.output_prefix == f"{owner}/renders/{render_id}/a1"
    outputs = await outputs_of(ctx, render_id)
    roles = {o.role for o in outputs}
    assert "manifest" in roles
    assert any(o.media_type == "audio/wav" for o in outputs)
    assert await dangling_outputs(ctx) == []
    recorder = ctx.events
    assert isinstance(recorder, Recorder)
    assert recorder.states(render_id) == ["running", "succeeded"]


async def test_same_message_to_two_workers_runs_once(ctx: WorkerContext, kit: Kit) -> None:
    owner = await add_user(ctx)
    render_id = await add_render(ctx, owner, tiny_snapshot(ctx, owner, kit))
    first, second = RenderRunner(ctx), RenderRunner(ctx)
    await asyncio.gather(first.run(render_id), second.run(render_id))
    render = await load(ctx, render_id)
    assert (render.state, render.starts, render.attempt) == ("succeeded", 1, 1)
    stored = stored_names(ctx, f"{owner}/renders/{render_id}")
    assert {name.split("/", 1)[0] for name in stored} == {"a1"}


async def test_rerender_reuses_every_pair_from_the_owners_cache(
    ctx: WorkerContext, kit: Kit
) -> None:
    owner = await add_user(ctx)
    snapshot = tiny_snapshot(ctx, owner, kit)
    first = await add_render(ctx, owner, snapshot)
    await RenderRunner(ctx).run(first)
    second = await add_render(ctx, owner, snapshot)
    await RenderRunner(ctx).run(second)
    before, after = await load(ctx, first), await load(ctx, second)
    assert before.summary is not None
    assert after.summary is not None
    assert before.summary["pairs_from_cache"] == 0
    assert after.summary["pairs_from_cache"] == after.summary["pairs"] > 0
