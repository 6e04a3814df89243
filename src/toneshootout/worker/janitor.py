"""The render janitor (REQ-29): remove attempt folders nobody will ever record.

A render publishes each attempt to `<owner>/renders/<render>/a<attempt>` and records that
prefix in the same transaction that marks it succeeded. A worker killed between the engine's
rename and that commit, a fenced-out zombie, or a SIGKILLed sandbox (engine staging folders
`.a<n>.partial-<pid>`) leaves folders behind. Anything under a render's folder that is not its
recorded output and not the attempt running now, untouched for longer than a lease, goes.
`dangling_outputs` is the consistency scan: recorded outputs whose file is missing (must be 0).
Each pass also empties the per-user TONE3000 caches of what has expired (`tone3000_files`).
"""

from __future__ import annotations

import asyncio
import re
import shutil
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Final

from toneshootout.server.periodic import periodically
from toneshootout.server.render.repository import recorded_outputs, render_prefixes
from toneshootout.server.render.states import RenderState
from toneshootout.worker.context import WorkerContext, log
from toneshootout.worker.tone3000_files import sweep_cache

_ATTEMPT = re.compile(r"^\.?a(\d+)(?:\.(?:partial|old)-\d+)?$")
JANITOR_MIN_INTERVAL_S: Final = 60.0


def _render_folders(root: Path) -> dict[uuid.UUID, Path]:
    """`<owner>/renders/<render id>/` folders under the storage root, by render ID."""
    found: dict[uuid.UUID, Path] = {}
    for folder in root.glob("*/renders/*"):
        try:
            found[uuid.UUID(folder.name)] = folder
        except ValueError:
            continue
        if not folder.is_dir() or folder.is_symlink():
            found.pop(uuid.UUID(folder.name))
    return found


def _keep(entry: Path, row: tuple[str, int, str | None] | None) -> bool:
    if row is None:
        return False
    state, attempt, prefix = row
    match = _ATTEMPT.match(entry.name)
    if match is None:
        return False
    number = int(match.group(1))
    if state == RenderState.RUNNING and number == attempt:
        return True  # the live attempt's staging or published folder
    return prefix is not None and prefix.rsplit("/", 1)[-1] == entry.name


def _remove_stale(
    folders: dict[uuid.UUID, Path], rows: dict[uuid.UUID, tuple[str, int, str | None]], grace: float
) -> int:
    cutoff = time.time() - grace
    removed = 0
    for render_id, folder in folders.items():
        for entry in list(folder.iterdir()):
            try:
                if _keep(entry, rows.get(render_id)) or entry.lstat().st_mtime > cutoff:
                    continue
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry)
                else:
                    entry.unlink()
            except FileNotFoundError:
                continue
            removed += 1
        if render_id not in rows:
            with suppress(OSError):
                folder.rmdir()  # only once empty
    return removed


async def clean_render_folders(
    ctx: WorkerContext, root: Path, *, grace_seconds: float | None = None
) -> int:
    """Remove orphaned attempt and staging folders older than `grace_seconds` (default: a lease)."""
    grace = ctx.settings.render.lease_seconds if grace_seconds is None else grace_seconds
    folders = await asyncio.to_thread(_render_folders, root)
    async with ctx.sessionmaker() as session:
        rows = await render_prefixes(session, list(folders))
    removed = await asyncio.to_thread(_remove_stale, folders, rows, grace)
    if removed:
        log.info("removed %d orphaned render folder(s)", removed, extra={"event": "render_janitor"})
    return removed


async def clean_tone3000_cache(ctx: WorkerContext) -> int:
    """Remove expired TONE3000 model files and orphaned attempt links (see `tone3000_files`)."""
    removed = await asyncio.to_thread(sweep_cache, ctx.settings)
    if removed:
        log.info("removed %d expired TONE3000 cache file(s)", removed, extra={"event": "t3k_cache"})
    return removed


async def dangling_outputs(ctx: WorkerContext) -> list[tuple[uuid.UUID, str]]:
    """Recorded outputs whose file does not exist (the consistency scan; must be empty)."""
    async with ctx.sessionmaker() as session:
        outputs = await recorded_outputs(session)
    return [
        (render_id, path)
        for render_id, prefix, path in outputs
        if not prefix or not ctx.storage.exists(f"{prefix}/{path}")
    ]


@asynccontextmanager
async def janitor(ctx: WorkerContext, root: Path) -> AsyncIterator[None]:
    """Clean now and periodically while the block runs; stop cleanly after it."""

    async def clean() -> int:
        removed = await clean_render_folders(ctx, root)
        return removed + await clean_tone3000_cache(ctx)

    interval = max(JANITOR_MIN_INTERVAL_S, float(ctx.settings.render.lease_seconds))
    async with periodically("render-janitor", interval, clean, log=log):
        yield
