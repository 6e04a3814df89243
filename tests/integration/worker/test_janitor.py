"""Kill between upload and commit: one final output, the orphan removed, 0 dangling (REQ-29);
the janitor finds orphans by listing storage prefixes, and clears stale local scratch."""

from __future__ import annotations

import os
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

from tests.integration.conftest import Kit
from tests.integration.worker.helpers import (
    add_render,
    add_user,
    load,
    stored_names,
    tiny_snapshot,
)
from toneshootout.server.db.base import utcnow
from toneshootout.server.db.models.library_item import LibraryItem
from toneshootout.server.db.models.render import Render
from toneshootout.server.db.session import session_scope
from toneshootout.server.render import job_repository
from toneshootout.server.render.files import attempt_folder_key, render_folder_key
from toneshootout.server.storage.base import put_tree
from toneshootout.server.storage.keys import object_key
from toneshootout.worker.context import WorkerContext
from toneshootout.worker.janitor import (
    clean_library_objects,
    clean_render_prefixes,
    clean_scratch,
    dangling_outputs,
)
from toneshootout.worker.runner import RenderRunner
from toneshootout.worker.scratch import attempt_folder, engine_cache_folder
from toneshootout.worker.sweeper import sweep_once


def _upload(ctx: WorkerContext, prefix: str, tmp: Path, names: list[str]) -> None:
    """Store small files under `prefix`/ as an attempt's upload would."""
    folder = tmp / uuid.uuid4().hex
    for name in names:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}")
    put_tree(ctx.storage, folder, prefix)


async def _claim(ctx: WorkerContext, render_id: uuid.UUID, now: datetime) -> int:
    async with session_scope(ctx.sessionmaker) as session:
        claim = await job_repository.claim(
            session,
            render_id,
            worker_id="w",
            now=now,
            lease_seconds=5,
            per_user_running=5,
            global_running=5,
        )
    return claim.attempt


async def test_rerun_after_kill_before_commit_leaves_one_output(
    ctx: WorkerContext, kit: Kit, tmp_path: Path
) -> None:
    owner = await add_user(ctx)
    render_id = await add_render(ctx, owner, tiny_snapshot(ctx, owner, kit))
    t0 = utcnow()
    attempt = await _claim(ctx, render_id, t0)
    # The killed attempt got as far as its upload: stored objects, no record.
    killed = attempt_folder_key(owner, render_id, attempt)
    _upload(ctx, killed, tmp_path, ["manifest.json", "audio/x.wav"])
    result = await sweep_once(ctx, now=t0 + timedelta(seconds=6))
    assert result.requeued
    await RenderRunner(ctx).run(render_id)
    render = await load(ctx, render_id)
    assert (render.state, render.attempt) == ("succeeded", 2)
    assert await clean_render_prefixes(ctx, grace_seconds=0) == 1
    names = stored_names(ctx, render_folder_key(owner, render_id).rstrip("/"))
    assert {name.split("/", 1)[0] for name in names} == {"a2"}
    assert await dangling_outputs(ctx) == []


async def test_janitor_keeps_live_and_recorded_attempts_and_removes_the_rest(
    ctx: WorkerContext, tmp_path: Path
) -> None:
    owner = await add_user(ctx)
    running = await add_render(ctx, owner, {"v": 1})
    attempt = await _claim(ctx, running, utcnow())
    live = attempt_folder_key(owner, running, attempt)
    _upload(ctx, live, tmp_path, ["manifest.json"])
    # A render deleted while its delete-prefix failed; an a10 beside a recorded a1 (a prefix
    # of it by name); a stray object under a render's folder.
    gone = attempt_folder_key(owner, uuid.UUID("00000000-0000-4000-8000-000000000000"), 1)
    _upload(ctx, gone, tmp_path, ["manifest.json"])
    done = await add_render(ctx, owner, {"v": 1}, state="succeeded", attempt=10)
    recorded = attempt_folder_key(owner, done, 1)
    async with session_scope(ctx.sessionmaker) as session:
        row = await session.get(Render, done)
        assert row is not None
        row.output_prefix = recorded
    _upload(ctx, recorded, tmp_path, ["manifest.json"])
    _upload(ctx, attempt_folder_key(owner, done, 10), tmp_path, ["manifest.json"])
    ctx.storage.put_stream(f"{render_folder_key(owner, done)}stray.txt", [b"x"])

    assert await clean_render_prefixes(ctx) == 0  # all younger than the grace (a lease)
    assert await clean_render_prefixes(ctx, grace_seconds=0) == 3

    left = sorted(o.key for o in ctx.storage.list_prefix(f"{owner}/renders/"))
    assert left == sorted([f"{live}/manifest.json", f"{recorded}/manifest.json"])


async def test_janitor_lists_every_account(ctx: WorkerContext, tmp_path: Path) -> None:
    first, second = await add_user(ctx), await add_user(ctx)
    for owner in (first, second):
        prefix = attempt_folder_key(owner, uuid.uuid4(), 1)
        _upload(ctx, prefix, tmp_path, ["manifest.json"])
    assert await clean_render_prefixes(ctx, grace_seconds=0) == 2
    for owner in (first, second):
        assert not list(ctx.storage.list_prefix(f"{owner}/renders/"))


async def test_scratch_janitor_spares_running_attempts_and_clears_the_rest(
    ctx: WorkerContext,
) -> None:
    owner = await add_user(ctx)
    running = await add_render(ctx, owner, {"v": 1})
    attempt = await _claim(ctx, running, utcnow())
    live = attempt_folder(ctx.settings, running, attempt)  # another process's attempt
    mine = attempt_folder(ctx.settings, uuid.uuid4(), 1)  # this process's (not in the DB yet)
    old = attempt_folder(ctx.settings, running, attempt + 5)  # not the attempt running
    gone = attempt_folder(ctx.settings, uuid.uuid4(), 3)
    for folder in (live, mine, old, gone):
        (folder / "out").mkdir(parents=True)
    kept_cache = engine_cache_folder(ctx.settings, owner)
    deleted_cache = engine_cache_folder(ctx.settings, uuid.uuid4())  # an account since deleted
    for folder in (kept_cache, deleted_cache):
        folder.mkdir(parents=True)
    stale = time.time() - 3600
    for folder in (live, mine, old, gone):
        os.utime(folder, (stale, stale))

    removed = await clean_scratch(ctx, active={(uuid.UUID(mine.name[:36]), 1)}, grace_seconds=60)

    assert removed == 3
    assert [f.is_dir() for f in (live, mine, kept_cache)] == [True, True, True]
    assert [f.exists() for f in (old, gone, deleted_cache)] == [False, False, False]


async def test_janitor_removes_library_objects_no_item_names_after_the_grace(
    ctx: WorkerContext,
) -> None:
    """An upload killed between storing its object and committing its row leaves the object."""
    owner = await add_user(ctx)
    kept, orphan = (object_key(owner, uuid.uuid4(), "wav") for _ in range(2))
    for key in (kept, orphan):
        ctx.storage.put_stream(key, [b"RIFF"])
    ctx.storage.put_stream(f"{owner}/renders/{uuid.uuid4()}/a1/x.wav", [b"RIFF"])  # not library
    async with session_scope(ctx.sessionmaker) as session:
        session.add(
            LibraryItem(
                owner_id=owner,
                kind="ir",
                name="ir.wav",
                storage_key=kept,
                sha256="0" * 64,
                size_bytes=4,
                media_type="audio/wav",
            )
        )

    assert await clean_library_objects(ctx) == 0  # within the grace: may be committing now
    assert await clean_library_objects(ctx, grace_seconds=0) == 1
    assert ctx.storage.stat(orphan) is None
    assert ctx.storage.stat(kept) is not None
    assert len(list(ctx.storage.list_prefix(f"{owner}/renders/"))) == 1
