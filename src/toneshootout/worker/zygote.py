"""The fork server ("zygote"): imports the engine once, then forks one sandbox per render.

A fresh sandbox interpreter spends seconds importing the engine before it renders. The zygote
(`python -m toneshootout.worker.zygote --control-fd N --parent-pid P`, one per worker process)
pays that once. Over a Unix SOCK_SEQPACKET socketpair the worker sends `fork` requests (the
limits) with the read end of the job pipe and the write end of the protocol pipe attached; the
zygote forks a child that becomes exactly the sandbox of `toneshootout.worker.sandbox`: its own
session, SIGKILLed when the zygote dies (which is SIGKILLed when the worker dies), rlimits set
before it reads the job. The zygote replies `forked` (pid) and later `exit` (pid, wait status)
when it reaps the child, so the worker keeps asyncio's exit-code semantics. It stays
single-threaded (checked before every fork) and exits when the worker closes the socket.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import select
import signal
import socket
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any, Final

from toneshootout.worker import sandbox

MAX_MESSAGE: Final = 4096


@dataclass(frozen=True)
class ForkRequest:
    """What a forked child needs: its limits and the worker's pipe ends for stdin/stdout."""

    memory_mb: int
    cpu_seconds: int
    stdin_fd: int
    stdout_fd: int


def send_message(control: socket.socket, message: dict[str, Any]) -> None:
    """One JSON message per datagram (SOCK_SEQPACKET keeps the boundaries)."""
    control.send(json.dumps(message).encode())


def _thread_count() -> int:
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:  # no procfs: trust Python's view
        return threading.active_count()


def _reap(control: socket.socket) -> None:
    """Report every child that has exited; the worker maps the status like asyncio does."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        send_message(control, {"type": "exit", "pid": pid, "status": status})


def _become_sandbox(request: ForkRequest, zygote_pid: int, inherited: list[int]) -> None:
    """In the child: drop the zygote's plumbing, own session, chained parent death, pipes."""
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    for fd in inherited:
        os.close(fd)
    os.setsid()  # stop() signals the whole group, engine pool processes included
    sandbox.die_with_parent(zygote_pid)
    os.dup2(request.stdin_fd, 0)
    os.dup2(request.stdout_fd, 1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)  # as before: the sandbox's stderr is not the worker's business
    for fd in {request.stdin_fd, request.stdout_fd, devnull} - {0, 1, 2}:
        os.close(fd)


def _parse_request(payload: bytes, fds: list[int]) -> ForkRequest:
    message = json.loads(payload)
    if message.get("type") != "fork" or len(fds) != 2:
        raise ValueError("not a fork request with two pipe ends")
    return ForkRequest(int(message["memory_mb"]), int(message["cpu_seconds"]), fds[0], fds[1])


def _handle_request(control: socket.socket, wake: tuple[int, int]) -> ForkRequest | None:
    """Fork for one request. Returns the request in the child, None in the zygote.

    Raises EOFError when the worker has closed the socket."""
    payload, fds, _flags, _addr = socket.recv_fds(control, MAX_MESSAGE, 2)
    if not payload:
        raise EOFError
    try:
        request = _parse_request(payload, fds)
    except (ValueError, KeyError, TypeError) as err:
        for fd in fds:
            os.close(fd)
        send_message(control, {"type": "error", "detail": f"bad request: {err}"})
        return None
    if _thread_count() != 1:  # forking a threaded process can deadlock the child
        send_message(control, {"type": "error", "detail": "the zygote is not single-threaded"})
        os.close(request.stdin_fd)
        os.close(request.stdout_fd)
        return None
    zygote_pid = os.getpid()
    pid = os.fork()
    if pid == 0:
        _become_sandbox(request, zygote_pid, [control.detach(), *wake])
        return request
    os.close(request.stdin_fd)
    os.close(request.stdout_fd)
    _await_own_session(pid)
    send_message(control, {"type": "forked", "pid": pid})
    return None


def _await_own_session(pid: int, timeout: float = 2.0) -> None:
    """Report a child only once it leads its own session: the worker's stop() signals that
    process group, and a group that does not exist yet would make the stop a silent no-op."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if os.getsid(pid) == pid:
                return
        except ProcessLookupError:
            return  # it already died; its exit status is reported as usual
        time.sleep(0.0005)


def serve(control: socket.socket) -> ForkRequest | None:
    """Fork children on request and report their exits until the worker closes the socket.

    Returns in a forked child only (with its request); returns None when the zygote is done."""
    wake = os.pipe()
    for fd in wake:
        os.set_blocking(fd, False)
    # SIGCHLD wakes the poll below through the wakeup fd; reaping happens in the loop.
    signal.signal(signal.SIGCHLD, lambda _signum, _frame: None)
    signal.set_wakeup_fd(wake[1])
    poller = select.poll()
    poller.register(control.fileno(), select.POLLIN)
    poller.register(wake[0], select.POLLIN)
    send_message(control, {"type": "ready", "pid": os.getpid()})
    while True:
        events = dict(poller.poll())
        if wake[0] in events:
            _drain(wake[0])
        try:
            _reap(control)
            request = _handle_request(control, wake) if control.fileno() in events else None
        except (EOFError, ConnectionError):  # the worker is gone: so are we (and our children)
            return None
        if request is not None:
            return request


def _drain(fd: int) -> None:
    with contextlib.suppress(BlockingIOError):
        while os.read(fd, 512):
            pass


def main(argv: list[str] | None = None) -> int:
    """Entry point of the zygote process (and, after a fork, of each sandbox child)."""
    parser = argparse.ArgumentParser(prog="toneshootout.worker.zygote")
    parser.add_argument("--control-fd", type=int, required=True)
    parser.add_argument("--parent-pid", type=int, required=True)
    args = parser.parse_args(argv)
    sandbox.die_with_parent(args.parent_pid)
    control = socket.socket(fileno=args.control_fd)
    control.setblocking(True)
    request = serve(control)
    if request is None:
        return 0
    # From here on this process is a sandbox; it exits like one (normal interpreter shutdown).
    return sandbox.run_forked(request.memory_mb, request.cpu_seconds)


if __name__ == "__main__":
    sys.exit(main())
