"""The worker's side of the sandbox: start it, read its JSON lines, stop it.

The sandbox runs in its own session (process group), so stopping it also stops the engine's
pool processes it forked: SIGTERM first (the engine cancels and cleans its staging folder),
then SIGKILL to the whole group after a short grace. It is forked by the worker's zygote
(`zygote_client.FORK_SERVER`, which has the engine imported already) when that is available,
else a fresh interpreter; either way the same sandbox code runs under the same limits.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
from dataclasses import dataclass
from typing import Any, Final, Protocol

from toneshootout.worker.sandbox import SINGLE_THREAD_ENV
from toneshootout.worker.zygote_client import FORK_SERVER, ForkedChild

log = logging.getLogger("toneshootout.worker")
STOP_GRACE_S: Final = 1.0
MAX_LINE_BYTES: Final = 1024 * 1024
# Exit by these signals means a limit of the sandbox stopped it (RLIMIT_CPU, or the kernel).
LIMIT_SIGNALS: Final = frozenset({signal.SIGXCPU, signal.SIGKILL, signal.SIGSEGV, signal.SIGBUS})


class _Child(Protocol):
    """What a sandbox is to us: `asyncio.subprocess.Process` or a zygote's `ForkedChild`."""

    @property
    def pid(self) -> int: ...
    @property
    def stdout(self) -> asyncio.StreamReader | None: ...
    @property
    def returncode(self) -> int | None: ...
    async def wait(self) -> int: ...


@dataclass(frozen=True)
class SandboxOutcome:
    """How a sandbox run ended: `result` (summary) on success, else a reason code and detail."""

    ok: bool
    reason: str | None = None
    detail: str | None = None
    summary: dict[str, Any] | None = None


class SandboxProcess:
    """One running sandbox; `lines()` yields its messages, `stop()` ends it for good."""

    def __init__(self, process: _Child) -> None:
        self._process = process
        self.final: dict[str, Any] | None = None
        self.stopped_by_us = False

    @classmethod
    async def start(cls, job: dict[str, Any]) -> SandboxProcess:
        """Fork (zygote) or spawn (argument list only, no shell) the sandbox; hand it `job`."""
        data = json.dumps(job).encode()
        limits = int(job["memory_mb"]), int(job["cpu_seconds"])
        child = await FORK_SERVER.spawn(*limits, line_limit=MAX_LINE_BYTES)
        if child is not None:
            await child.send_job(data)
            return cls(child)
        env = {**os.environ, **SINGLE_THREAD_ENV}
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "toneshootout.worker.sandbox",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
            env=env,
            start_new_session=True,
            limit=MAX_LINE_BYTES,
        )
        assert process.stdin is not None
        process.stdin.write(data)
        with contextlib.suppress(ConnectionError):
            await process.stdin.drain()
        process.stdin.close()
        return cls(process)

    @property
    def pid(self) -> int:
        return self._process.pid

    @property
    def forked(self) -> bool:
        """True when the zygote forked this sandbox (False: a fresh interpreter)."""
        return isinstance(self._process, ForkedChild)

    @property
    def running(self) -> bool:
        """True until the sandbox process has exited."""
        return self._process.returncode is None

    async def next_message(self) -> dict[str, Any] | None:
        """The next protocol line, or None at end of output; remembers the final line."""
        assert self._process.stdout is not None
        while True:
            try:
                raw = await self._process.stdout.readline()
            except (ValueError, asyncio.LimitOverrunError):
                continue  # an oversized line is not ours to trust; skip it
            if not raw:
                return None
            try:
                message = json.loads(raw)
            except ValueError:
                continue
            if not isinstance(message, dict):
                continue
            if message.get("type") in ("result", "error"):
                self.final = message
            return message

    async def wait(self) -> int:
        return await self._process.wait()

    def _signal_group(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._process.pid, signum)

    async def stop(self, grace: float = STOP_GRACE_S) -> None:
        """SIGTERM, then SIGKILL the whole process group if it has not exited within `grace`."""
        self.stopped_by_us = True
        if self._process.returncode is None:
            self._signal_group(signal.SIGTERM)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._process.wait(), grace)
        # The engine's pool processes share the group; none may outlive the render.
        self._signal_group(signal.SIGKILL)
        if self._process.returncode is None:
            await self._process.wait()

    def outcome(self) -> SandboxOutcome:
        """Interpret the final line and the exit status of a sandbox that has exited."""
        final, code = self.final, self._process.returncode
        if final is not None and final.get("type") == "result":
            summary = final.get("summary")
            return SandboxOutcome(ok=True, summary=summary if isinstance(summary, dict) else {})
        if final is not None and final.get("type") == "error":
            return SandboxOutcome(
                ok=False, reason=str(final.get("reason")), detail=str(final.get("detail") or "")
            )
        if isinstance(self._process, ForkedChild) and self._process.lost:  # not its own fault
            return SandboxOutcome(
                ok=False, reason="internal", detail="the render's fork server died"
            )
        if code is not None and code < 0 and -code in LIMIT_SIGNALS:
            return SandboxOutcome(
                ok=False,
                reason="resource_limit",
                detail="the render exceeded its memory or CPU limit "
                f"({signal.Signals(-code).name})",
            )
        return SandboxOutcome(
            ok=False, reason="internal", detail=f"the render process exited with status {code}"
        )
