"""Moving an attempt's files between object storage and its local scratch folder.

Both directions block (storage calls), so they run in a thread. The attempt may be stopped
meanwhile (cancel, fencing, shutdown, wall time: `attempt.keep_alive` cancels the awaitable);
`stoppable` then tells the thread to stop at the next file and waits for it, so nothing is
still writing when the caller removes the local folder or deletes the storage prefix.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from toneshootout.server.storage.base import Storage, put_tree
from toneshootout.worker.inputs import InputCache, InputMismatch

T = TypeVar("T")


class Stopped(Exception):
    """The attempt was stopped before every file was moved."""


class InputProblem(Exception):
    """An input that can never be had as submitted: `reason` is the render's failure code."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason, self.detail = reason, detail


async def stoppable(work: Callable[[threading.Event], T]) -> T:
    """Run `work(stop)` in a thread; if this is cancelled, set `stop` and wait for `work`."""
    stop = threading.Event()
    future = asyncio.ensure_future(asyncio.to_thread(work, stop))
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        stop.set()
        await asyncio.wait({future})
        if not future.cancelled():
            future.exception()  # retrieved: the attempt ended anyway, its failure is moot
        raise


def fetch_inputs(
    cache: InputCache,
    storage: Storage,
    items: Mapping[str, Mapping[str, Any]],
    hold_in: Path,
    stop: threading.Event,
) -> dict[str, Path]:
    """Each snapshot item's local file by storage key (blocking; see `InputCache.fetch`).

    InputProblem: an item is gone, damaged or malformed (permanent); StorageUnavailable and
    anything else: the attempt may be tried again.
    """
    files: dict[str, Path] = {}
    for entry in items.values():
        if stop.is_set():
            raise Stopped()
        try:
            key, sha256, name = str(entry["storage_key"]), str(entry["sha256"]), entry["name"]
        except (KeyError, TypeError) as err:
            raise InputProblem("invalid_input", f"a library item is malformed ({err})") from None
        if key in files:
            continue
        try:
            files[key] = cache.fetch(storage, key, sha256, hold_in)
        except FileNotFoundError:
            raise InputProblem("missing_input", f"{name}: the library file is gone") from None
        except InputMismatch:
            detail = f"{name}: the library file is damaged (it no longer matches the upload)"
            raise InputProblem("missing_input", detail) from None
        except ValueError as err:
            raise InputProblem("invalid_input", f"{name}: {err}") from None
    return files


def upload_outputs(storage: Storage, folder: Path, prefix: str, stop: threading.Event) -> int:
    """Store every file of the local `folder` under `prefix`/ (blocking); how many.

    `stop` is read once before the upload starts: `put_tree` itself runs to its end (a few
    files, written while the lease is held), after which the caller decides their fate.
    """
    if stop.is_set():
        raise Stopped()
    return len(put_tree(storage, folder, prefix))
