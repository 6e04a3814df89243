"""A throwaway PostgreSQL cluster for the test run, from Debian's postgresql-15 binaries.

`initdb` refuses to run as root, so as root the cluster runs as the `postgres` system user.
Under CI=true a cluster that cannot be started fails the run; elsewhere tests that need it skip
(`fail_or_skip`). `restartable_cluster()` also hands out the cluster itself, so a fault test can
restart it on the same port without touching the cluster the other tests share.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest

IN_CI = os.environ.get("CI") == "true"


def _bindir() -> Path:
    configured = shutil.which("pg_config")
    if configured:
        out = subprocess.run([configured, "--bindir"], capture_output=True, text=True, check=False)
        candidate = Path(out.stdout.strip())
        if (candidate / "initdb").exists():
            return candidate
    return Path("/usr/lib/postgresql/15/bin")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def fail_or_skip(err: BaseException) -> NoReturn:
    """A cluster that could not be started: a failure under CI=true, a skip elsewhere."""
    if IN_CI:
        pytest.fail(f"PostgreSQL could not be started: {err}")
    pytest.skip(f"PostgreSQL not available: {err}")


@dataclass(frozen=True)
class PgCluster:
    """A running throwaway cluster: its admin URL (asyncpg) and the means to bounce it."""

    url: str
    bindir: Path
    data: Path
    log: Path
    options: str  # the server options (port, socket dir, ...) it must keep across restarts

    def _pg_ctl(self, *args: str) -> None:
        command = [str(self.bindir / "pg_ctl"), "-D", str(self.data), *args]
        subprocess.run(_as_postgres(command), check=True, capture_output=True)

    def restart(self, mode: str = "fast") -> None:
        """`pg_ctl restart`: same port and options; open connections are cut (`-m mode`)."""
        self._pg_ctl("-l", str(self.log), "-w", "-m", mode, "restart", "-o", self.options)

    def stop(self, mode: str = "fast") -> None:
        """Stop the server, waiting until it is down."""
        self._pg_ctl("-w", "-m", mode, "stop")

    def start(self) -> None:
        """Start a stopped server again, on the same port with the same options."""
        self._pg_ctl("-l", str(self.log), "-w", "start", "-o", self.options)


@contextmanager
def restartable_cluster() -> Iterator[PgCluster]:
    """Start a cluster on a free loopback port; yield it; stop and delete it after."""
    bindir = _bindir()
    if not (bindir / "initdb").exists():
        raise RuntimeError(f"PostgreSQL server binaries not found in {bindir}")
    root = Path(tempfile.mkdtemp(prefix="ts-pg-"))
    data = root / "data"
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    port = _free_port()
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"

    def run(cmd: list[str]) -> None:
        subprocess.run(_as_postgres(cmd), check=True, capture_output=True)

    try:
        run(
            [
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
            ]
        )
        run(
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(root / "log"),
                "-w",
                "start",
                "-o",
                options,
            ]
        )
        url = f"postgresql+asyncpg://postgres@127.0.0.1:{port}"
        yield PgCluster(url=url, bindir=bindir, data=data, log=root / "log", options=options)
    finally:
        subprocess.run(
            _as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            capture_output=True,
            check=False,
        )
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def postgres_cluster() -> Iterator[str]:
    """Start a cluster on a free loopback port; yield its admin URL (asyncpg); stop it after."""
    with restartable_cluster() as cluster:
        yield cluster.url
