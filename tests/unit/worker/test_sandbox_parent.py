"""A sandbox dies with its worker (PR_SET_PDEATHSIG), so a SIGKILLed worker leaves no render."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

CHILD = (
    "import os, time; from toneshootout.worker.sandbox import die_with_parent; "
    "die_with_parent(os.getppid()); print(os.getpid(), flush=True); time.sleep(60)"
)
# The stand-in worker starts the sandbox-like child, reports its pid, then waits to be killed.
PARENT = (
    "import subprocess, sys, time; "
    f"child = subprocess.Popen([sys.executable, '-c', {CHILD!r}], stdout=subprocess.PIPE, "
    "text=True); print(child.stdout.readline().strip(), flush=True); time.sleep(60)"
)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); it has exited for our purpose.
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        return stat.read().split()[2] != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux")
def test_sandbox_exits_when_its_worker_is_killed() -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        child_pid = int(parent.stdout.readline())
        assert _alive(child_pid)
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        deadline = time.monotonic() + 10
        while _alive(child_pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(child_pid)
    finally:
        parent.kill()
        parent.wait(timeout=10)
