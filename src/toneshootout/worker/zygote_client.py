"""The worker's side of the zygote: start it lazily, ask it for sandboxes, learn their exits.

One `ForkServer` per worker process (`FORK_SERVER`); `SandboxProcess.start` asks it for a child
and falls back to a fresh interpreter when it is turned off or keeps failing: a zygote that
cannot be started or dies is restarted once, and after a second failure in a row the worker
renders without it (logged). The zygote lives on across event loops (tests run one per test);
its socket is watched by whichever loop is running.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Any, Final

from toneshootout.worker.context import log
from toneshootout.worker.sandbox import SINGLE_THREAD_ENV
from toneshootout.worker.zygote import MAX_MESSAGE

READY_TIMEOUT_S: Final = 120.0  # importing the engine on a busy 2-core machine
FORK_TIMEOUT_S: Final = 30.0
MAX_FAILURES: Final = 2  # a failure, one restart, a second failure: fall back for good
ZYGOTE_COMMAND: Final = (sys.executable, "-m", "toneshootout.worker.zygote")


class ZygoteUnavailable(Exception):
    """The zygote could not be started, died, or refused a fork."""


@dataclass
class _ChildState:
    """What the zygote told us about one child, shared with its `ForkedChild`."""

    exit: asyncio.Future[int]
    lost: bool = False  # the zygote died first: the child was killed, its status is unknown


class ForkedChild:
    """A sandbox forked by the zygote, with the shape of `asyncio.subprocess.Process` we use."""

    def __init__(self, pid: int, stdout: asyncio.StreamReader, job_fd: int, state: _ChildState):
        self.pid = pid
        self.stdout = stdout
        self._job_fd = job_fd
        self._state = state

    @property
    def returncode(self) -> int | None:
        return self._state.exit.result() if self._state.exit.done() else None

    @property
    def lost(self) -> bool:
        return self._state.lost

    async def send_job(self, data: bytes) -> None:
        """Write the job to the child's stdin and close it (the child reads to EOF)."""
        await asyncio.to_thread(_write_and_close, self._job_fd, data)

    async def wait(self) -> int:
        return await asyncio.shield(self._state.exit)


def _write_and_close(fd: int, data: bytes) -> None:
    try:
        with contextlib.suppress(BrokenPipeError):  # the child died first; its exit says why
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


@dataclass
class _Zygote:
    """One running zygote process and its control socket."""

    process: subprocess.Popen[bytes]
    control: socket.socket
    loop: asyncio.AbstractEventLoop | None = None
    reply: asyncio.Future[tuple[dict[str, Any], _ChildState | None]] | None = None
    children: dict[int, _ChildState] = field(default_factory=dict)
    alive: bool = True

    @classmethod
    async def launch(cls, command: tuple[str, ...], timeout: float) -> _Zygote:
        """Start the zygote (argument list only) and wait until it has imported the engine."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            process = subprocess.Popen(
                [*command, "--control-fd", str(theirs.fileno()), "--parent-pid", str(os.getpid())],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                env={**os.environ, **SINGLE_THREAD_ENV},
            )
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        ours.setblocking(False)
        zygote = cls(process, ours)
        try:
            raw = await asyncio.wait_for(
                asyncio.get_running_loop().sock_recv(ours, MAX_MESSAGE), timeout
            )
            if not raw or json.loads(raw).get("type") != "ready":
                raise ZygoteUnavailable(f"the zygote did not start (status {process.poll()})")
        except BaseException:
            zygote.close()
            raise
        return zygote

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """Watch the socket from `loop`; what an earlier (finished) loop awaited is forgotten."""
        if self.loop is loop:
            return
        if self.loop is not None and not self.loop.is_closed():
            self.loop.remove_reader(self.control)
        self.loop, self.reply = loop, None
        self.children.clear()
        loop.add_reader(self.control, self._on_readable)

    def _on_readable(self) -> None:
        while self.alive:
            try:
                raw = self.control.recv(MAX_MESSAGE)
            except BlockingIOError:
                return
            except OSError:
                raw = b""
            if not raw:
                self._lost()
                return
            with contextlib.suppress(ValueError, TypeError, KeyError):
                self._dispatch(json.loads(raw))

    def _dispatch(self, message: dict[str, Any]) -> None:
        state: _ChildState | None = None
        if message.get("type") == "exit":
            exited = self.children.pop(int(message["pid"]), None)
            if exited is not None and not exited.exit.done():
                exited.exit.set_result(os.waitstatus_to_exitcode(int(message["status"])))
            return
        if message.get("type") == "forked" and self.loop is not None:
            # Registered now: its exit may be in the very next datagram.
            state = _ChildState(self.loop.create_future())
            self.children[int(message["pid"])] = state
        if self.reply is not None and not self.reply.done():
            self.reply.set_result((message, state))

    def _lost(self) -> None:
        """The zygote is gone, and with it (PR_SET_PDEATHSIG) every child it forked."""
        self.alive = False
        if self.loop is not None and not self.loop.is_closed():
            self.loop.remove_reader(self.control)
        if self.reply is not None and not self.reply.done():
            self.reply.set_exception(ZygoteUnavailable("the zygote died"))
        for pid, state in self.children.items():
            _kill_group(pid)
            state.lost = True
            if not state.exit.done():
                state.exit.set_result(-signal.SIGKILL)
        self.children.clear()

    async def fork(self, memory_mb: int, cpu_seconds: int, line_limit: int) -> ForkedChild:
        """A new sandbox child; its stdin/stdout are pipes this process owns."""
        loop = asyncio.get_running_loop()
        if not self.alive:
            raise ZygoteUnavailable("the zygote died")
        job_r, job_w = os.pipe()
        out_r, out_w = os.pipe()
        request = {"type": "fork", "memory_mb": memory_mb, "cpu_seconds": cpu_seconds}
        self.reply = loop.create_future()
        try:
            try:
                socket.send_fds(self.control, [json.dumps(request).encode()], [job_r, out_w])
            finally:
                os.close(job_r)
                os.close(out_w)
            message, state = await asyncio.wait_for(self.reply, FORK_TIMEOUT_S)
            if state is None:
                raise ZygoteUnavailable(f"the zygote refused: {message.get('detail')}")
            stdout = asyncio.StreamReader(limit=line_limit)
            pipe = os.fdopen(out_r, "rb", buffering=0)
            await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdout), pipe)
        except BaseException:
            for fd in (job_w, out_r):
                with contextlib.suppress(OSError):
                    os.close(fd)
            raise
        finally:
            self.reply = None
        return ForkedChild(int(message["pid"]), stdout, job_w, state)

    def close(self) -> None:
        """Stop the zygote; its children die with it."""
        self._lost()
        self.control.close()
        self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)


class ForkServer:
    """The worker's zygote: started on first use (or `warm()`), restarted once."""

    def __init__(
        self, command: tuple[str, ...] = ZYGOTE_COMMAND, ready_timeout: float = READY_TIMEOUT_S
    ) -> None:
        self.enabled = True
        self._command, self._ready_timeout = command, ready_timeout
        self._zygote: _Zygote | None = None
        self._failures = 0
        self._lock = asyncio.Lock()
        self._lock_loop: asyncio.AbstractEventLoop | None = None

    @property
    def pid(self) -> int | None:
        """The running zygote's pid, if there is one."""
        zygote = self._zygote
        return zygote.process.pid if zygote is not None and zygote.alive else None

    def configure(self, *, enabled: bool) -> None:
        """Turn the fork server on or off (`render.sandbox_fork_server`)."""
        self.enabled = enabled
        self._failures = 0

    def _loop_lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        if self._lock_loop is not loop:  # an asyncio.Lock belongs to one loop
            self._lock, self._lock_loop = asyncio.Lock(), loop
        return self._lock

    async def spawn(self, memory_mb: int, cpu_seconds: int, line_limit: int) -> ForkedChild | None:
        """A forked sandbox, or None when the caller must start a fresh interpreter instead."""
        async with self._loop_lock():
            while self.enabled and self._failures < MAX_FAILURES:
                try:
                    child = await (await self._running()).fork(memory_mb, cpu_seconds, line_limit)
                except (OSError, ValueError, TimeoutError, ZygoteUnavailable) as err:
                    self._failed(err)
                    continue
                self._failures = 0
                return child
        return None

    async def warm(self) -> None:
        """Start the zygote now, so the first render does not wait for the engine import."""
        async with self._loop_lock():
            if self.enabled and self._failures < MAX_FAILURES:
                try:
                    await self._running()
                except (OSError, ValueError, TimeoutError, ZygoteUnavailable) as err:
                    self._failed(err)

    async def _running(self) -> _Zygote:
        zygote = self._zygote
        if zygote is not None and not zygote.alive:
            raise ZygoteUnavailable("the zygote died")
        if zygote is None:
            zygote = self._zygote = await _Zygote.launch(self._command, self._ready_timeout)
            log.info("sandbox zygote %d ready", zygote.process.pid)
        zygote.attach(asyncio.get_running_loop())
        return zygote

    def _failed(self, err: Exception) -> None:
        self._discard()
        self._failures += 1
        if self._failures < MAX_FAILURES:
            log.warning("sandbox zygote failed (%s); restarting it", err)
        else:
            log.warning("sandbox zygote failed again (%s); starting each render afresh", err)

    def _discard(self) -> None:
        zygote, self._zygote = self._zygote, None
        if zygote is not None:
            zygote.close()

    def close(self) -> None:
        """Stop the zygote (with the worker); a later render would start a new one."""
        self._discard()
        self._failures = 0


FORK_SERVER: Final = ForkServer()
