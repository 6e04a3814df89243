"""A throwaway Redis server for the test run (Debian's redis-server), password-protected.

Started on a free loopback port with no persistence, so a restart loses everything (which the
fault tests want). Under CI=true a server that cannot be started fails the run; elsewhere tests
that need it skip.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

PASSWORD = "test-redis-password-0123456789"


def free_port() -> int:
    """A loopback port nothing listens on now (for a server the test run starts)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class RedisServer:
    """One redis-server process; `restart()` keeps the port and drops every key."""

    port: int
    root: Path
    process: subprocess.Popen[bytes] | None = field(default=None)

    @property
    def url(self) -> str:
        return f"redis://:{PASSWORD}@127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server not found (apt-get install redis-server)")
        args = [
            binary,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--requirepass",
            PASSWORD,
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.root),
            "--logfile",
            str(self.root / "redis.log"),
        ]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def restart(self) -> None:
        """Stop and start again on the same port, without persistence (all keys gone)."""
        self.stop()
        self.start()


@contextmanager
def redis_server() -> Iterator[RedisServer]:
    """Start a server on a free loopback port; yield it; kill it and delete its folder after."""
    root = Path(tempfile.mkdtemp(prefix="ts-redis-"))
    server = RedisServer(port=free_port(), root=root)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def redis_or_skip() -> Iterator[RedisServer]:
    """`redis_server()`, but outside CI a machine without Redis skips instead of failing."""
    try:
        context = redis_server()
        server = context.__enter__()
    except RuntimeError as err:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"Redis unavailable: {err}")
    try:
        yield server
    finally:
        context.__exit__(None, None, None)
