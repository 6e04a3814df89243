"""The files of a render's TONE3000 models, fetched by the worker before the sandbox starts.

Each model is downloaded with the render owner's own TONE3000 sign-in (never anyone else's:
TONE3000's terms want delivery per user, §1.9), through `tone3000.download`, so the token goes
to the TONE3000 origin only (REQ-06). The file is validated exactly as an upload of its kind
(`library.validate`), and kept in a short-lived cache of that user's own, reused for
`tone3000.cache_seconds` and never shared between users. The sandbox only gets file paths.

Under `data_dir/tone3000-cache/<user id>/`:
- `<model id>.nam|.wav`: a validated file, fresh while younger than `cache_seconds`;
- `.dl-<random>-<model id>.<ext>`: a download in progress (validated, then renamed over it);
- `renders/<render id>.a<attempt>/`: hard links handed to one attempt, removed after it, so a
  cache file expiring (or replaced) mid-render never pulls a file from under the engine.
The janitor removes expired files, abandoned downloads and orphaned attempt folders.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from toneshootout.server.library.errors import InvalidUpload
from toneshootout.server.library.kinds import ItemKind
from toneshootout.server.library.validate import inspect_file
from toneshootout.server.render.snapshot import FrozenModel, model_file_name
from toneshootout.server.tone3000.access import Tone3000Access
from toneshootout.settings import Settings
from toneshootout.tone3000.download import download
from toneshootout.tone3000.errors import (
    BadResponse,
    RateLimited,
    SignInRequired,
    Tone3000Error,
    ToneDeleted,
    TonePrivate,
    Unreachable,
)

CACHE_DIR: Final = "tone3000-cache"
ATTEMPTS_DIR: Final = "renders"
PARTIAL_PREFIX: Final = ".dl-"
# A download left behind this long ago was abandoned (a killed worker): each read times out
# within seconds, so a live one is never this old.
ABANDONED_DOWNLOAD_S: Final = 600.0


class ModelUnavailable(Exception):
    """A model could not be had; `reason` is the render's failure code, `detail` its words.

    `retryable`: nothing the user must change (the network, TONE3000 busy); a later attempt may
    succeed. Private, deleted, signed out and invalid files are final.
    """

    def __init__(self, reason: str, detail: str, *, retryable: bool = False) -> None:
        super().__init__(detail)
        self.reason, self.detail, self.retryable = reason, detail, retryable


def _unavailable(err: Tone3000Error, label: str) -> ModelUnavailable:
    if isinstance(err, SignInRequired):
        words = "your TONE3000 sign-in has expired: sign in with TONE3000, then render again"
        return ModelUnavailable("tone3000_sign_in_required", f"{label}: {words}")
    if isinstance(err, TonePrivate):
        return ModelUnavailable("tone3000_private", f"{label}: this tone is private on TONE3000")
    if isinstance(err, ToneDeleted):
        return ModelUnavailable("tone3000_deleted", f"{label}: this tone was deleted from TONE3000")
    if isinstance(err, RateLimited):
        return ModelUnavailable("tone3000_rate_limited", f"{label}: {err}", retryable=True)
    if isinstance(err, Unreachable):
        return ModelUnavailable("tone3000_unreachable", f"{label}: {err}", retryable=True)
    assert isinstance(err, BadResponse | Tone3000Error)
    return ModelUnavailable("tone3000_bad_response", f"{label}: {err}")


def _remove_attempt(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    with suppress(OSError):
        folder.parent.rmdir()  # only once no other attempt of this user is running


def _link(source: Path, target: Path) -> None:
    target.unlink(missing_ok=True)
    try:
        os.link(source, target)
    except OSError:  # a file system without hard links: a copy does as well
        shutil.copyfile(source, target)


@dataclass
class Tone3000Files:
    """One per worker process: the per-user caches and the downloads in flight."""

    settings: Settings
    access: Tone3000Access | None
    clock: Callable[[], float] = time.time
    # Seconds between tries of a download the network failed (within one attempt).
    retry_delays: Sequence[float] = (2.0, 6.0)
    _locks: dict[tuple[uuid.UUID, int], asyncio.Lock] = field(default_factory=dict)
    _waiting: Counter[tuple[uuid.UUID, int]] = field(default_factory=Counter)

    @property
    def root(self) -> Path:
        return cache_root(self.settings)

    def _user_dir(self, owner_id: uuid.UUID) -> Path:
        return self.root / str(owner_id)

    def attempt_dir(self, owner_id: uuid.UUID, render_id: uuid.UUID, attempt: int) -> Path:
        return self._user_dir(owner_id) / ATTEMPTS_DIR / f"{render_id}.a{attempt}"

    def cached_path(self, owner_id: uuid.UUID, model: FrozenModel) -> Path:
        return self._user_dir(owner_id) / model_file_name(model.credit)

    def _fresh(self, path: Path) -> bool:
        try:
            age = self.clock() - path.stat().st_mtime
        except FileNotFoundError:
            return False
        return age < self.settings.tone3000.cache_seconds

    async def files_for(
        self,
        owner_id: uuid.UUID,
        render_id: uuid.UUID,
        attempt: int,
        models: dict[int, FrozenModel],
    ) -> dict[int, Path]:
        """A local file per model id, for this attempt only (`release` removes them)."""
        folder = self.attempt_dir(owner_id, render_id, attempt)
        await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
        files = {}
        for model_id, model in models.items():
            cached = await self._cached(owner_id, model)
            files[model_id] = folder / cached.name
            await asyncio.to_thread(_link, cached, files[model_id])
        return files

    async def release(self, owner_id: uuid.UUID, render_id: uuid.UUID, attempt: int) -> None:
        """Remove the attempt's links (the cache keeps its files until they expire)."""
        folder = self.attempt_dir(owner_id, render_id, attempt)
        await asyncio.to_thread(_remove_attempt, folder)

    async def _cached(self, owner_id: uuid.UUID, model: FrozenModel) -> Path:
        path = self.cached_path(owner_id, model)
        # One download per user and model at a time in this process; the others wait and
        # find it fresh. Across processes the rename settles it: each writes its own file.
        key = (owner_id, model.credit.model_id)
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] += 1
        try:
            async with lock:
                if not self._fresh(path):
                    await self._download(owner_id, model, path)
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:  # the last one out: no lock kept per user forever
                del self._waiting[key], self._locks[key]
        return path

    async def _download(self, owner_id: uuid.UUID, model: FrozenModel, path: Path) -> None:
        credit = model.credit
        if self.access is None or not self.access.settings.enabled:
            raise ModelUnavailable(
                "tone3000_disabled", f"{credit.label}: this worker is not connected to TONE3000"
            )
        kind = ItemKind(credit.kind)
        partial = path.with_name(f"{PARTIAL_PREFIX}{uuid.uuid4().hex}-{path.name}")
        await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
        try:
            await self._fetch(owner_id, model, partial, kind.max_bytes(self.settings.storage))
            await self._validate(kind, partial, credit.label)
            await asyncio.to_thread(os.replace, partial, path)
        finally:
            await asyncio.to_thread(partial.unlink, True)

    async def _fetch(self, owner_id: uuid.UUID, model: FrozenModel, dest: Path, cap: int) -> None:
        assert self.access is not None
        api = self.access.api_for(owner_id)
        origins = tuple(self.access.settings.storage_origins)
        delays = list(self.retry_delays)
        while True:
            try:
                await download(api, model.model_url, dest, max_bytes=cap, storage_origins=origins)
                return
            except Unreachable as err:
                if not delays:
                    raise _unavailable(err, model.credit.label) from None
                await asyncio.sleep(delays.pop(0))
            except Tone3000Error as err:
                raise _unavailable(err, model.credit.label) from None

    async def _validate(self, kind: ItemKind, path: Path, label: str) -> None:
        try:
            await asyncio.to_thread(inspect_file, kind, path)
        except InvalidUpload as err:
            raise ModelUnavailable(
                "tone3000_invalid_file", f"{label}: the file from TONE3000 is {err.detail}"
            ) from None


def cache_root(settings: Settings) -> Path:
    return (settings.data_dir / CACHE_DIR).resolve()


def _older_than(path: Path, cutoff: float) -> bool:
    try:
        return path.lstat().st_mtime < cutoff
    except FileNotFoundError:
        return False


def _sweep_user(folder: Path, now: float, settings: Settings) -> int:
    removed = 0
    expired = now - settings.tone3000.cache_seconds
    abandoned = now - ABANDONED_DOWNLOAD_S
    # An attempt's links live as long as its render may (plus a lease for the last write).
    orphaned = now - settings.render.max_render_seconds - settings.render.lease_seconds
    for entry in list(folder.iterdir()):
        if entry.name == ATTEMPTS_DIR and entry.is_dir() and not entry.is_symlink():
            for attempt in list(entry.iterdir()):
                if _older_than(attempt, orphaned):
                    shutil.rmtree(attempt, ignore_errors=True)
                    removed += 1
            continue
        cutoff = abandoned if entry.name.startswith(PARTIAL_PREFIX) else expired
        if entry.is_file() and _older_than(entry, cutoff):
            entry.unlink(missing_ok=True)
            removed += 1
    for empty in (folder / ATTEMPTS_DIR, folder):
        with suppress(OSError):
            empty.rmdir()  # only once empty
    return removed


def sweep_cache(settings: Settings, *, now: float | None = None) -> int:
    """Remove expired cache files, abandoned downloads and orphaned attempt links; how many."""
    root = cache_root(settings)
    if not root.is_dir():
        return 0
    moment = time.time() if now is None else now
    return sum(
        _sweep_user(folder, moment, settings)
        for folder in root.iterdir()
        if folder.is_dir() and not folder.is_symlink()
    )
