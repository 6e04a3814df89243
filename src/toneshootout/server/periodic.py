"""Housekeeping loops (sweepers, janitors) that live exactly as long as a `with` block.

The first pass runs at once: before the block starts when `first_inline` (start-up repairs
that must precede traffic and cannot hang), else as the loop's first step; then one pass every
`interval` seconds, in a task the context manager cancels and awaits on exit: never a
fire-and-forget task (REQ-32). A failing pass is logged and the loop carries on, because the
things they repair (a restarting database, briefly missing storage) come back by themselves.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress


async def _run_pass(step: Callable[[], Awaitable[object]], name: str, log: logging.Logger) -> None:
    try:
        await step()
    except Exception:  # next round; see the module docstring
        log.exception("%s failed", name)


async def _forever(
    step: Callable[[], Awaitable[object]],
    name: str,
    interval: float,
    log: logging.Logger,
    *,
    first_now: bool,
) -> None:
    if first_now:
        await _run_pass(step, name, log)
    while True:
        await asyncio.sleep(interval)
        await _run_pass(step, name, log)


@asynccontextmanager
async def periodically(
    name: str,
    interval: float,
    step: Callable[[], Awaitable[object]],
    *,
    log: logging.Logger,
    first_inline: bool = False,
) -> AsyncIterator[None]:
    """Run `step` now and every `interval` seconds while the block runs; stop it after."""
    if first_inline:
        await _run_pass(step, name, log)
    loop = _forever(step, name, interval, log, first_now=not first_inline)
    task = asyncio.create_task(loop, name=name)
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
