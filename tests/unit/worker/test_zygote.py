"""The sandbox zygote: one forked child per job, own session, limits, exits, parent death."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

from toneshootout.worker.process import MAX_LINE_BYTES, SandboxProcess
from toneshootout.worker.sandbox import MIB
from toneshootout.worker.zygote_client import FORK_SERVER, ForkedChild, ForkServer

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the zygote relies on Linux process control"
)
# A job the sandbox refuses at once: its one protocol line proves the child really runs.
BAD_SPEC_JOB: dict[str, Any] = {"spec": {}, "out_dir": "/nonexistent", "workers": 1}


@pytest.fixture(scope="module")
def shared() -> Iterator[ForkServer]:
    """One zygote for the tests that leave it running (the engine import is paid once)."""
    server = ForkServer()
    yield server
    server.close()


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has exited
    except FileNotFoundError:
        return False


def _parent_of(pid: int) -> int:
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        return int(stat.read().rsplit(")", 1)[1].split()[1])


def _limit(pid: int, name: str) -> str:
    with open(f"/proc/{pid}/limits", encoding="ascii") as limits:
        for line in limits:
            if line.startswith(name):
                return line[len(name) :].split()[0]
    raise AssertionError(f"{name} not in /proc/{pid}/limits")


async def _spawn(server: ForkServer, memory_mb: int = 1024, cpu_seconds: int = 60) -> ForkedChild:
    child = await server.spawn(memory_mb, cpu_seconds, line_limit=MAX_LINE_BYTES)
    assert child is not None
    return child


async def _wait_for(predicate: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def test_each_job_gets_its_own_child_and_session(shared: ForkServer) -> None:
    first, second = await _spawn(shared), await _spawn(shared)
    try:
        assert len({first.pid, second.pid, shared.pid}) == 3
        for child in (first, second):
            assert os.getsid(child.pid) == child.pid  # stop() signals this whole group
            assert _parent_of(child.pid) == shared.pid
    finally:
        for child in (first, second):
            await SandboxProcess(child).stop(grace=0.1)
    assert first.returncode is not None
    assert second.returncode is not None


async def test_limits_are_applied_in_child_before_job(shared: ForkServer) -> None:
    child = await _spawn(shared, memory_mb=1536, cpu_seconds=42)
    try:  # no job sent yet: the child is blocked reading it, under its limits already
        expected = str(1536 * MIB)
        await _wait_for(lambda: _limit(child.pid, "Max address space") == expected)
        assert _limit(child.pid, "Max cpu time") == "42"
        assert _limit(child.pid, "Max core file size") == "0"
    finally:
        await SandboxProcess(child).stop(grace=0.1)


async def test_forked_child_speaks_sandbox_protocol(shared: ForkServer) -> None:
    child = await _spawn(shared)
    await child.send_job(b'{"spec": {}, "out_dir": "/nonexistent"}')
    sandbox = SandboxProcess(child)
    message = await asyncio.wait_for(sandbox.next_message(), 30)
    assert message is not None
    assert message["type"] == "error"
    assert await sandbox.wait() == 2
    assert sandbox.outcome().reason == "invalid_input"


async def test_sigkilled_child_reports_minus_nine_as_resource_limit(shared: ForkServer) -> None:
    child = await _spawn(shared)
    sandbox = SandboxProcess(child)
    os.kill(child.pid, signal.SIGKILL)
    assert await asyncio.wait_for(sandbox.next_message(), 10) is None
    assert await asyncio.wait_for(sandbox.wait(), 10) == -signal.SIGKILL
    assert sandbox.outcome().reason == "resource_limit"


async def test_zygote_survives_crashing_children_and_serves_next_job(shared: ForkServer) -> None:
    garbled = await _spawn(shared)
    zygote_pid = shared.pid  # read after a spawn: the shared zygote starts lazily
    assert zygote_pid is not None
    await garbled.send_job(b"not json")  # the child dies with a traceback
    assert await asyncio.wait_for(garbled.wait(), 30) == 1
    segfault = await _spawn(shared)
    os.kill(segfault.pid, signal.SIGSEGV)
    assert await asyncio.wait_for(segfault.wait(), 10) == -signal.SIGSEGV
    after = await _spawn(shared)
    await after.send_job(b'{"spec": {}, "out_dir": "/nonexistent"}')
    message = await asyncio.wait_for(SandboxProcess(after).next_message(), 30)
    assert message is not None
    assert message["reason"] == "invalid_input"
    assert shared.pid == zygote_pid


async def test_dead_zygote_fails_its_child_and_is_restarted() -> None:
    server = ForkServer()
    try:
        child = await _spawn(server)
        first_zygote = server.pid
        assert first_zygote is not None
        os.kill(first_zygote, signal.SIGKILL)
        sandbox = SandboxProcess(child)
        await asyncio.wait_for(sandbox.wait(), 10)
        assert child.lost
        assert sandbox.outcome().reason == "internal"  # retried: not the render's fault
        await _wait_for(lambda: not _alive(child.pid))
        replacement = await _spawn(server)
        assert server.pid not in (None, first_zygote)
        await SandboxProcess(replacement).stop(grace=0.1)
    finally:
        server.close()


async def test_zygote_that_cannot_start_falls_back(caplog: pytest.LogCaptureFixture) -> None:
    server = ForkServer(command=(sys.executable, "-c", "raise SystemExit(3)"))
    with caplog.at_level(logging.WARNING, logger="toneshootout.worker"):
        assert await server.spawn(1024, 60, line_limit=MAX_LINE_BYTES) is None
        assert await server.spawn(1024, 60, line_limit=MAX_LINE_BYTES) is None
    messages = [record.getMessage() for record in caplog.records]
    assert any("restarting it" in m for m in messages)
    assert any("starting each render afresh" in m for m in messages)
    assert len(messages) == 2  # it gave up after one restart and stays quiet afterwards


@pytest.fixture
def fork_server_disabled() -> Iterator[None]:
    FORK_SERVER.configure(enabled=False)
    try:
        yield
    finally:
        FORK_SERVER.configure(enabled=True)


@pytest.mark.usefixtures("fork_server_disabled")
async def test_disabled_fork_server_starts_a_fresh_interpreter() -> None:
    sandbox = await SandboxProcess.start(BAD_SPEC_JOB | {"memory_mb": 1024, "cpu_seconds": 60})
    try:
        assert not sandbox.forked
        assert _parent_of(sandbox.pid) == os.getpid()
    finally:
        await sandbox.stop(grace=0.1)


# The stand-in worker starts a zygote and one child, reports both pids, then waits to be killed.
OWNER = """
import asyncio, sys
from toneshootout.worker.zygote_client import ForkServer

async def main():
    server = ForkServer()
    child = await server.spawn(1024, 60, line_limit=1 << 20)
    print(server.pid, child.pid, flush=True)
    await asyncio.sleep(120)

asyncio.run(main())
"""


def test_killing_owner_kills_zygote_and_children() -> None:
    owner = subprocess.Popen([sys.executable, "-c", OWNER], stdout=subprocess.PIPE, text=True)
    try:
        assert owner.stdout is not None
        zygote_pid, child_pid = (int(pid) for pid in owner.stdout.readline().split())
        assert _alive(zygote_pid)
        assert _alive(child_pid)
        owner.send_signal(signal.SIGKILL)
        owner.wait(timeout=10)
        deadline = time.monotonic() + 10
        while (_alive(zygote_pid) or _alive(child_pid)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(zygote_pid)
        assert not _alive(child_pid)
    finally:
        owner.kill()
        owner.wait(timeout=10)
