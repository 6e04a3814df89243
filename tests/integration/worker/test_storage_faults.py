"""The worker on object storage: inputs fetched into local scratch, outputs uploaded before they
are recorded, the store down retried under the attempt rules with nothing recorded (issue 12)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
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
    stored_names,
    tiny_snapshot,
)
from toneshootout.server.db.engine import create_engine
from toneshootout.server.render.states import RenderState
from toneshootout.server.storage.base import StorageUnavailable
from toneshootout.server.storage.local import LocalStorage
from toneshootout.settings import Settings
from toneshootout.worker.attempt import Attempt
from toneshootout.worker.context import WorkerContext
from toneshootout.worker.janitor import dangling_outputs
from toneshootout.worker.runner import RenderRunner
from toneshootout.worker.scratch import engine_cache_folder, renders_root


class FlakyStorage(LocalStorage):
    """LocalStorage that fails on demand: downloads, or the n-th stored file of a prefix."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.down_for_downloads = False
        self.fail_put_at: int | None = None  # 1-based count of `put_file` calls under renders/
        self.fail_with: Exception = StorageUnavailable("the bucket is down")
        self.puts: list[str] = []

    def download(self, key: str, target: Path) -> None:
        if self.down_for_downloads:
            raise StorageUnavailable("the bucket is down")
        super().download(key, target)

    def put_file(self, temp: Path, key: str) -> None:
        if "/renders/" in key:
            self.puts.append(key)
            if self.fail_put_at is not None and len(self.puts) >= self.fail_put_at:
                raise self.fail_with
        super().put_file(temp, key)


@pytest.fixture
async def flaky(settings: Settings) -> AsyncIterator[tuple[WorkerContext, FlakyStorage]]:
    engine = create_engine(settings)
    storage = FlakyStorage(settings.storage_dir)
    try:
        yield build_context(settings, engine, Recorder(), storage=storage), storage
    finally:
        await engine.dispose()


def _scratch_attempts(ctx: WorkerContext) -> list[str]:
    root = renders_root(ctx.settings)
    return sorted(p.name for p in root.iterdir()) if root.is_dir() else []


async def test_success_renders_locally_uploads_then_records(
    flaky: tuple[WorkerContext, FlakyStorage], kit: Kit
) -> None:
    ctx, storage = flaky
    owner = await add_user(ctx)
    render_id = await add_render(ctx, owner, tiny_snapshot(ctx, owner, kit))

    await RenderRunner(ctx).run(render_id)

    render = await load(ctx, render_id)
    assert (render.state, render.output_prefix) == ("succeeded", f"{owner}/renders/{render_id}/a1")
    recorded = sorted(o.path for o in await outputs_of(ctx, render_id))
    assert sorted(stored_names(ctx, f"{owner}/renders/{render_id}/a1")) == recorded
    assert await dangling_outputs(ctx) == []
    assert _scratch_attempts(ctx) == []  # the local folder goes once uploaded
    assert any(engine_cache_folder(ctx.settings, owner).rglob("*"))  # the engine's cache: local
    assert not list(storage.list_prefix(f"{owner}/cache"))  # and never in storage


@pytest.mark.parametrize("fail_at", [1, 2])
async def test_the_store_down_during_upload_records_nothing_and_retries(
    flaky: tuple[WorkerContext, FlakyStorage], kit: Kit, fail_at: int
) -> None:
    ctx, storage = flaky
    owner = await add_user(ctx)
    render_id = await add_render(ctx, owner, tiny_snapshot(ctx, owner, kit))
    storage.fail_put_at = fail_at

    await RenderRunner(ctx).run(render_id)

    render = await load(ctx, render_id)
    assert (render.state, render.attempt, render.output_prefix) == ("queued", 1, None)
    assert await outputs_of(ctx, render_id) == []
    assert not list(storage.list_prefix(f"{owner}/renders/"))  # what was stored is deleted
    assert _scratch_attempts(ctx) == []

    storage.fail_put_at = None
    await RenderRunner(ctx).run(render_id)
    render = await load(ctx, render_id)
    assert (render.state, render.attempt) == ("succeeded", 2)
    assert {
        name.split("/", 1)[0] for name in stored_names(ctx, f"{owner}/renders/{render_id}")
    } == {"a2"}


async def test_an_upload_failing_on_the_last_attempt_fails_the_render(
    flaky: tuple[WorkerContext, FlakyStorage], kit: Kit
) -> None:
    ctx, storage = flaky
    owner = await add_user(ctx)
    render_id = await add_render(ctx, owner, tiny_snapshot(ctx, owner, kit))
    storage.fail_put_at, storage.fail_with = 2, OSError("disk full")

    for _ in range(ctx.settings.render.max_attempts):
        await RenderRunner(ctx).run(render_id)

    render = await load(ctx, render_id)
    assert (render.state, render.reason, render.output_prefix) == ("failed", "internal", None)
    assert render.attempt == ctx.settings.render.max_attempts
    assert render.detail == "the render's outputs could not be stored"
    assert await outputs_of(ctx, render_id) == []
    assert not list(storage.list_prefix(f"{owner}/renders/"))


async def test_the_store_down_while_fetching_inputs_gives_the_job_back(
    flaky: tuple[WorkerContext, FlakyStorage], kit: Kit
) -> None:
    ctx, storage = flaky
    owner = await add_user(ctx)
    render_id = await add_render(ctx, owner, tiny_snapshot(ctx, owner, kit))
    storage.down_for_downloads = True

    await RenderRunner(ctx).run(render_id)

    render = await load(ctx, render_id)
    assert (render.state, render.attempt, render.output_prefix) == ("queued", 1, None)
    assert storage.puts == []
    assert _scratch_attempts(ctx) == []


async def test_a_damaged_library_file_fails_at_once(ctx: WorkerContext, kit: Kit) -> None:
    owner = await add_user(ctx)
    snapshot = tiny_snapshot(ctx, owner, kit)
    item = next(entry for entry in snapshot["items"].values() if entry["kind"] == "di")
    ctx.storage.put_stream(item["storage_key"], [b"RIFF" + bytes(100)])  # not what was uploaded
    render_id = await add_render(ctx, owner, snapshot)

    await RenderRunner(ctx).run(render_id)

    render = await load(ctx, render_id)
    assert (render.state, render.reason, render.attempt) == ("failed", "missing_input", 1)
    assert (
        render.detail
        == f"{item['name']}: the library file is damaged (it no longer matches the upload)"
    )


async def test_inputs_come_from_the_local_cache_the_second_time(
    flaky: tuple[WorkerContext, FlakyStorage], kit: Kit
) -> None:
    ctx, storage = flaky
    owner = await add_user(ctx)
    snapshot = tiny_snapshot(ctx, owner, kit)
    await RenderRunner(ctx).run(await add_render(ctx, owner, snapshot))
    storage.down_for_downloads = True  # a second render needs no download at all
    render_id = await add_render(ctx, owner, snapshot)

    await RenderRunner(ctx).run(render_id)

    assert (await load(ctx, render_id)).state == "succeeded"


class OrderRunner(RenderRunner):
    """A runner that notes when it records the outcome (and can act fenced out at commit)."""

    def __init__(self, ctx: WorkerContext, storage: FlakyStorage, *, fenced: bool) -> None:
        super().__init__(ctx)
        self.storage, self.fenced = storage, fenced
        self.puts_at_finish: list[int] = []

    async def _finish(self, attempt: Attempt, state: RenderState, **values: Any) -> bool:
        self.puts_at_finish.append(len(self.storage.puts))
        if self.fenced:
            return False  # a newer attempt owns the job
        return await super()._finish(attempt, state, **values)


@pytest.mark.parametrize("fenced", [False, True])
async def test_every_output_is_stored_before_the_record_and_deleted_when_fenced(
    flaky: tuple[WorkerContext, FlakyStorage], kit: Kit, fenced: bool
) -> None:
    ctx, storage = flaky
    owner = await add_user(ctx)
    render_id = await add_render(ctx, owner, tiny_snapshot(ctx, owner, kit))
    runner = OrderRunner(ctx, storage, fenced=fenced)

    await runner.run(render_id)

    uploaded = len(storage.puts)
    assert uploaded >= 2  # a WAV and the manifest at least
    assert runner.puts_at_finish == [uploaded]  # recorded only after the last object
    stored = list(storage.list_prefix(f"{owner}/renders/"))
    assert (len(stored) == uploaded) is not fenced  # fenced out: what it stored is deleted
    assert _scratch_attempts(ctx) == []
