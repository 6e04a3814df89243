"""The render janitor (REQ-29): remove stored attempt files nobody will ever record, and this
machine's stale scratch.

A render uploads each attempt to `<owner>/renders/<render>/a<attempt>/` and records that prefix
in the same transaction that marks it succeeded. A worker killed between upload and commit, a
fenced-out zombie, or an upload whose clean-up failed (the store down) leaves objects behind.
The janitor lists each account's `<owner>/renders/` prefix, then reads the rows: under a
render's prefix, anything that is not its recorded output and not the attempt running now, and
untouched for longer than a lease, goes; so does everything of a render that no longer exists.
Listing first makes this safe against a live attempt: an object listed was uploaded after its
attempt's claim committed, so the rows read afterwards already name that attempt as running.
Library objects (`<owner>/<uuid>.<ext>`) that no library item names, older than the upload
grace, go too: an upload killed between storing its object and committing its row left them.

On this machine (`scratch`): attempt folders of attempts no longer running (a killed worker
leaves them), downloads abandoned in the input cache, cached inputs no library names any more,
and the engine caches of deleted accounts. Each pass also empties the per-user TONE3000 caches
of what has expired (`tone3000_files`). `dangling_outputs` is the consistency scan: recorded
outputs whose object is missing (must be 0).
"""

from __future__ import annotations

import asyncio
import re
import shutil
import time
import uuid
from collections.abc import AsyncIterator, Callable, Collection
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from toneshootout.server.periodic import periodically
from toneshootout.server.render.repository import (
    library_keys,
    library_sha256s,
    recorded_outputs,
    render_prefixes,
    user_ids,
)
from toneshootout.server.render.states import RenderState
from toneshootout.server.storage.base import Storage, StorageUnavailable
from toneshootout.worker.context import WorkerContext, log
from toneshootout.worker.inputs import InputCache
from toneshootout.worker.scratch import (
    engine_cache_root,
    inputs_root,
    parse_attempt_folder,
    renders_root,
)
from toneshootout.worker.tone3000_files import sweep_cache

_ATTEMPT = re.compile(r"^a(\d+)$")
# A library object's name under its owner's prefix (`storage.keys.object_key`).
_LIBRARY_OBJECT = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.[a-z0-9]{1,8}$"
)
JANITOR_MIN_INTERVAL_S: Final = 60.0
# A download into the input cache untouched this long was abandoned (a killed worker).
ABANDONED_DOWNLOAD_S: Final = 600.0

RenderRows = dict[uuid.UUID, tuple[str, int, str | None]]


@dataclass
class _Unit:
    """What is deleted as one: an attempt folder (`prefix` ends with `/`) or a stray object."""

    prefix: str
    render_id: uuid.UUID
    name: str  # the folder or object name under the render's prefix
    folder: bool
    newest: float = 0.0


def _units(storage: Storage, owner_id: uuid.UUID) -> list[_Unit]:
    """The stored attempt folders and stray objects under `<owner>/renders/`."""
    base = f"{owner_id}/renders/"
    units: dict[str, _Unit] = {}
    for stored in storage.list_prefix(base):
        parts = stored.key[len(base) :].split("/")
        try:
            render_id = uuid.UUID(parts[0])
        except ValueError:
            continue  # not a render's folder: not ours to judge
        if len(parts) < 2 or str(render_id) != parts[0]:
            continue
        folder = len(parts) > 2
        prefix = f"{base}{parts[0]}/{parts[1]}" + ("/" if folder else "")
        unit = units.setdefault(prefix, _Unit(prefix, render_id, parts[1], folder))
        unit.newest = max(unit.newest, stored.modified)
    return list(units.values())


def _keep(unit: _Unit, row: tuple[str, int, str | None] | None) -> bool:
    if row is None:
        return False  # the render is gone: all of its files go
    state, attempt, recorded = row
    match = _ATTEMPT.match(unit.name) if unit.folder else None
    if match is None:
        return False
    if state == RenderState.RUNNING and int(match.group(1)) == attempt:
        return True  # the live attempt uploading now
    return recorded is not None and unit.prefix == f"{recorded}/"


def _delete(storage: Storage, unit: _Unit) -> None:
    if unit.folder:
        storage.delete_prefix(unit.prefix)
    else:
        storage.delete(unit.prefix)


async def clean_render_prefixes(ctx: WorkerContext, *, grace_seconds: float | None = None) -> int:
    """Delete orphaned attempt folders older than `grace_seconds` (default: a lease); how many."""
    grace = ctx.settings.render.lease_seconds if grace_seconds is None else grace_seconds
    async with ctx.sessionmaker() as session:
        owners = await user_ids(session)
    removed = 0
    for owner_id in owners:
        # Listed before the rows are read (see the module docstring).
        units = await asyncio.to_thread(_units, ctx.storage, owner_id)
        if not units:
            continue
        async with ctx.sessionmaker() as session:
            rows = await render_prefixes(session, sorted({u.render_id for u in units}))
        cutoff = time.time() - grace
        doomed = [u for u in units if u.newest <= cutoff and not _keep(u, rows.get(u.render_id))]
        for unit in doomed:
            await asyncio.to_thread(_delete, ctx.storage, unit)
        removed += len(doomed)
    if removed:
        log.info(
            "removed %d orphaned attempt folder(s)", removed, extra={"event": "render_janitor"}
        )
    return removed


def _library_objects(storage: Storage, owner_id: uuid.UUID) -> list[tuple[str, float]]:
    """(key, modified) of every object shaped like a library file under `<owner>/`."""
    return [
        (stored.key, stored.modified)
        for stored in storage.list_prefix(f"{owner_id}/")
        if _LIBRARY_OBJECT.fullmatch(stored.key[len(str(owner_id)) + 1 :])
    ]


async def clean_library_objects(ctx: WorkerContext, *, grace_seconds: float | None = None) -> int:
    """Delete library-shaped objects no library item names, older than the upload grace.

    An upload stores its object before the transaction that records its row commits; a process
    killed in between (or a rollback whose clean-up found the store down) leaves the object
    alone in the bucket. Listed before the rows are read, as for renders, and only objects
    older than `storage.temp_grace_seconds` go, so an upload still committing keeps its own.
    """
    limits = ctx.settings.storage
    grace = limits.temp_grace_seconds if grace_seconds is None else grace_seconds
    async with ctx.sessionmaker() as session:
        owners = await user_ids(session)
    removed = 0
    for owner_id in owners:
        found = await asyncio.to_thread(_library_objects, ctx.storage, owner_id)
        if not found:
            continue
        async with ctx.sessionmaker() as session:
            known = await library_keys(session, owner_id)
        cutoff = time.time() - grace
        for key, modified in found:
            if key not in known and modified <= cutoff:
                await asyncio.to_thread(ctx.storage.delete, key)
                removed += 1
    if removed:
        log.info("removed %d orphaned library object(s)", removed, extra={"event": "janitor"})
    return removed


def _attempt_folders(root: Path) -> list[tuple[Path, tuple[uuid.UUID, int] | None]]:
    if not root.is_dir():
        return []
    return [(entry, parse_attempt_folder(entry.name)) for entry in root.iterdir()]


def _remove_stale(folders: list[Path], grace: float) -> int:
    cutoff = time.time() - grace
    removed = 0
    for folder in folders:
        try:
            if folder.lstat().st_mtime > cutoff:
                continue
        except FileNotFoundError:
            continue
        if folder.is_dir() and not folder.is_symlink():
            shutil.rmtree(folder, ignore_errors=True)
        else:
            folder.unlink(missing_ok=True)
        removed += 1
    return removed


async def clean_scratch(
    ctx: WorkerContext,
    *,
    active: Collection[tuple[uuid.UUID, int]] = (),
    grace_seconds: float | None = None,
) -> int:
    """Remove this machine's stale scratch: attempt folders of attempts not running (neither
    here, `active`, nor in another process by the rows), abandoned downloads, cached inputs no
    library item has, engine caches of deleted accounts; how many went."""
    settings = ctx.settings
    grace = settings.render.lease_seconds if grace_seconds is None else grace_seconds
    folders = await asyncio.to_thread(_attempt_folders, renders_root(settings))
    ids = sorted({parsed[0] for _, parsed in folders if parsed is not None})
    cache = InputCache(inputs_root(settings), renders_root(settings), 0)
    cached = await asyncio.to_thread(cache.entries)
    engine_caches = await asyncio.to_thread(_owner_folders, engine_cache_root(settings))
    async with ctx.sessionmaker() as session:
        rows = await render_prefixes(session, ids)
        accounts = set(await user_ids(session))
        named = await library_sha256s(session, {entry.sha256 for entry in cached})
    stale = [
        folder
        for folder, parsed in folders
        if parsed is None or not (parsed in active or _running(rows.get(parsed[0]), parsed[1]))
    ]
    removed = await asyncio.to_thread(_remove_stale, stale, grace)
    removed += await asyncio.to_thread(
        cache.sweep_temp, older_than_seconds=max(grace, ABANDONED_DOWNLOAD_S)
    )
    removed += await asyncio.to_thread(cache.drop, {e.sha256 for e in cached} - named)
    gone = [folder for owner, folder in engine_caches if owner not in accounts]
    removed += await asyncio.to_thread(_remove_stale, gone, 0.0)
    if removed:
        log.info("removed %d stale scratch file(s)", removed, extra={"event": "scratch_janitor"})
    return removed


def _running(row: tuple[str, int, str | None] | None, attempt: int) -> bool:
    return row is not None and row[0] == RenderState.RUNNING and row[1] == attempt


def _owner_folders(root: Path) -> list[tuple[uuid.UUID | None, Path]]:
    if not root.is_dir():
        return []
    found: list[tuple[uuid.UUID | None, Path]] = []
    for entry in root.iterdir():
        try:
            found.append((uuid.UUID(entry.name), entry))
        except ValueError:
            found.append((None, entry))  # not an owner's: nothing should put it there
    return found


async def clean_tone3000_cache(ctx: WorkerContext) -> int:
    """Remove expired TONE3000 model files and orphaned attempt links (see `tone3000_files`)."""
    removed = await asyncio.to_thread(sweep_cache, ctx.settings)
    if removed:
        log.info("removed %d expired TONE3000 cache file(s)", removed, extra={"event": "t3k_cache"})
    return removed


async def dangling_outputs(ctx: WorkerContext) -> list[tuple[uuid.UUID, str]]:
    """Recorded outputs whose object does not exist (the consistency scan; must be empty)."""
    async with ctx.sessionmaker() as session:
        outputs = await recorded_outputs(session)
    missing = []
    for render_id, prefix, path in outputs:
        if not prefix or await asyncio.to_thread(ctx.storage.stat, f"{prefix}/{path}") is None:
            missing.append((render_id, path))
    return missing


def _nothing_active() -> Collection[tuple[uuid.UUID, int]]:
    return ()


@asynccontextmanager
async def janitor(
    ctx: WorkerContext,
    active: Callable[[], Collection[tuple[uuid.UUID, int]]] = _nothing_active,
) -> AsyncIterator[None]:
    """Clean now and periodically while the block runs; stop cleanly after it.

    `active()`: the (render, attempt) pairs this process runs now (`RenderRunner.running`).
    """

    async def clean() -> int:
        try:
            removed = await clean_render_prefixes(ctx)
            removed += await clean_library_objects(ctx)
        except StorageUnavailable as err:  # the store is down: the next pass tries again
            log.warning("render janitor skipped: %s", err)
            removed = 0
        removed += await clean_scratch(ctx, active=active())
        return removed + await clean_tone3000_cache(ctx)

    interval = max(JANITOR_MIN_INTERVAL_S, float(ctx.settings.render.lease_seconds))
    async with periodically("render-janitor", interval, clean, log=log):
        yield
