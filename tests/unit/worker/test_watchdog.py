"""A slow shutdown says what it still waits on; a prompt one says nothing."""

from __future__ import annotations

import asyncio
import logging

import pytest

from toneshootout.worker.watchdog import ShutdownWatchdog


async def test_overrun_logs_the_pending_tasks_and_thread_stacks(
    caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.WARNING, logger="toneshootout.worker")
    stuck = asyncio.create_task(asyncio.Event().wait(), name="stuck-listener")
    watchdog = ShutdownWatchdog(0.01)
    watchdog.start()
    for _ in range(500):  # the report arrives from a timer thread, then the loop
        if "pending tasks" in caplog.text:
            break
        await asyncio.sleep(0.01)
    watchdog.cancel()
    stuck.cancel()
    assert "shutdown still running after" in caplog.text
    assert "stuck-listener" in caplog.text
    assert "Thread" in capfd.readouterr().err  # faulthandler's dump of every thread


async def test_cancelled_in_time_says_nothing(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="toneshootout.worker")
    watchdog = ShutdownWatchdog(0.2)
    watchdog.start()
    watchdog.cancel()
    await asyncio.sleep(0.3)
    assert caplog.text == ""
