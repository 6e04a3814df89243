"""Renders through the worker's zygote, and without it when `render.sandbox_fork_server` is off."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.conftest import Kit
from tests.integration.worker.helpers import (
    Recorder,
    add_render,
    add_user,
    build_context,
    load,
    outputs_of,
    tiny_snapshot,
    wait_for_state,
)
from toneshootout.server.app import create_app
from toneshootout.server.state import Services
from toneshootout.settings import Settings
from toneshootout.worker.context import WorkerContext
from toneshootout.worker.process import SandboxProcess
from toneshootout.worker.runner import RenderRunner
from toneshootout.worker.zygote_client import FORK_SERVER


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[SandboxProcess]]:
    """Every sandbox the supervisor starts, in order (the global zygote's state restored)."""
    sandboxes: list[SandboxProcess] = []
    original = SandboxProcess.start

    async def recording_start(job: dict[str, Any]) -> SandboxProcess:
        sandbox = await original(job)
        sandboxes.append(sandbox)
        return sandbox

    monkeypatch.setattr(SandboxProcess, "start", staticmethod(recording_start))
    try:
        yield sandboxes
    finally:
        FORK_SERVER.configure(enabled=True)


async def test_render_runs_in_a_child_of_the_zygote(
    ctx: WorkerContext, kit: Kit, started: list[SandboxProcess]
) -> None:
    owner = await add_user(ctx)
    render_id = await add_render(ctx, owner, tiny_snapshot(ctx, owner, kit))
    await RenderRunner(ctx).run(render_id)
    render = await load(ctx, render_id)
    assert render.state == "succeeded", render.detail
    assert [sandbox.forked for sandbox in started] == [True]
    assert started[0].pid not in (os.getpid(), FORK_SERVER.pid)
    assert await outputs_of(ctx, render_id)


async def test_embedded_api_without_fork_server_renders_afresh(
    settings: Settings, kit: Kit, started: list[SandboxProcess]
) -> None:
    render_settings = settings.render.model_copy(update={"sandbox_fork_server": False})
    settings = settings.model_copy(update={"render": render_settings})
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        services = app.state.services
        assert isinstance(services, Services)
        assert services.queue is not None
        ctx = build_context(settings, services.engine, Recorder())
        owner = await add_user(ctx)
        render_id = await add_render(ctx, owner, tiny_snapshot(ctx, owner, kit))
        await services.queue.kick(render_id)
        render = await wait_for_state(ctx, render_id, {"succeeded", "failed"})
        assert render.state == "succeeded", render.detail
    assert [sandbox.forked for sandbox in started] == [False]
    assert FORK_SERVER.pid is None  # stopped with the worker (and never started here)
