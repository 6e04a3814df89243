"""Housekeeping loops: first pass at once, failures logged and survived, stopped with the block."""

from __future__ import annotations

import asyncio
import logging

import pytest

from toneshootout.server.periodic import periodically

log = logging.getLogger("test.periodic")


async def test_failing_pass_is_logged_and_the_loop_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls = 0

    async def step() -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("database restarting")

    async with periodically("probe", 0.01, step, log=log, first_inline=True):
        assert calls == 1  # the first pass ran before the block started
        while calls < 3:
            await asyncio.sleep(0.01)
    assert "probe failed" in caplog.text
    stopped_at = calls
    await asyncio.sleep(0.05)
    assert calls == stopped_at  # nothing runs after the block


async def test_first_pass_runs_in_the_background_by_default() -> None:
    started = asyncio.Event()

    async def step() -> None:
        started.set()

    async with periodically("probe", 60, step, log=log):
        await asyncio.wait_for(started.wait(), timeout=5)
