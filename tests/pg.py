"""A throwaway PostgreSQL cluster for the test run, from Debian's postgresql-15 binaries.

`initdb` refuses to run as root, so as root the cluster runs as the `postgres` system user.
Under CI=true a cluster that cannot be started fails the run; elsewhere tests that need it skip.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


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


@contextmanager
def postgres_cluster() -> Iterator[str]:
    """Start a cluster on a free loopback port; yield its admin URL (asyncpg); stop it after."""
    bindir = _bindir()
    if not (bindir / "initdb").exists():
        raise RuntimeError(f"PostgreSQL server binaries not found in {bindir}")
    root = Path(tempfile.mkdtemp(prefix="ts-pg-"))
    data = root / "data"
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    port = _free_port()

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
                f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off",
            ]
        )
        yield f"postgresql+asyncpg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(
            _as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            capture_output=True,
            check=False,
        )
        shutil.rmtree(root, ignore_errors=True)
