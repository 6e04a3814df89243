"""The temp-file janitor: uploads killed mid-stream leave `.part` files that nobody else removes.

A request deletes its own temp file on every path it survives; only a killed process (SIGKILL,
OOM, power loss) leaves one behind. The janitor sweeps once when the app starts and then every
`temp_sweep_interval_seconds`, removing only files untouched for `temp_grace_seconds`, so a
restart of one worker never takes the temp file of an upload another worker is still receiving.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread

from toneshootout.server.periodic import periodically
from toneshootout.server.storage.base import Storage, StorageUnavailable
from toneshootout.settings import StorageSettings

log = logging.getLogger("toneshootout.storage")


async def sweep_once(storage: Storage, *, grace_seconds: float) -> int:
    """Remove stale temp files off the event loop; returns how many went (errors are logged)."""
    try:
        removed = await anyio.to_thread.run_sync(
            lambda: storage.sweep_temp(older_than_seconds=grace_seconds)
        )
    except (OSError, StorageUnavailable):
        # A sweep that fails (e.g. storage briefly unmounted) must not stop the service.
        log.exception("temp file sweep failed")
        return 0
    if removed:
        log.info("removed %d stale upload temp file(s)", removed, extra={"event": "temp_sweep"})
    return removed


@asynccontextmanager
async def temp_janitor(storage: Storage, limits: StorageSettings) -> AsyncIterator[None]:
    """Sweep now, keep sweeping periodically while the block runs, stop cleanly after it."""

    async def sweep() -> int:
        return await sweep_once(storage, grace_seconds=limits.temp_grace_seconds)

    interval = limits.temp_sweep_interval_seconds
    async with periodically("temp-janitor", interval, sweep, log=log, first_inline=True):
        yield
