"""A real server process for fault tests: `toneshootout serve` on a free loopback port.

It runs on its own data dir and SQLite file, optionally under libfiu's `fiu-run -x` so that
single POSIX calls can be made to fail from outside (`fiu-ctrl`). Callers stop it in `finally`
(the context manager does), or SIGKILL it on purpose to simulate a crash.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

IN_CI = os.environ.get("CI") == "true"
STARTUP_TIMEOUT_S = 30.0
WRITE_FAULT = "posix/io/rw/write"  # libfiu's failure point for write(2)


@dataclass
class LiveServer:
    """One server process and where its state lives."""

    base: str
    data_dir: Path
    proc: subprocess.Popen[bytes]
    fiu_prefix: Path | None = None
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log = self.data_dir / "server.log"

    @property
    def storage_root(self) -> Path:
        return self.data_dir / "files"

    @property
    def temp_dir(self) -> Path:
        return self.storage_root / ".tmp"

    def kill(self) -> None:
        """SIGKILL the whole process group: no cleanup code of the server runs."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def fiu(self, command: str) -> None:
        """Send one libfiu remote-control command (e.g. `enable name=…`) to the server."""
        assert self.fiu_prefix is not None, "the server was not started under fiu-run"
        result = subprocess.run(
            ["fiu-ctrl", "-f", str(self.fiu_prefix), "-c", command, str(self.proc.pid)],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
        # fiu-ctrl reports a refused command on stdout and still exits 0.
        assert "error" not in result.stdout.lower(), result.stdout
        assert "error" not in result.stderr.lower(), result.stderr


FIU_RUN_PRELOAD_DIRS = (Path("/usr/lib/fiu"), Path("/usr/local/lib/fiu"))
WRITE_PRELOAD_SOURCE = Path(__file__).with_name("fiu_write_preload.c")


def _fiu_run_preload() -> Path | None:
    found = [d / "fiu_run_preload.so" for d in FIU_RUN_PRELOAD_DIRS]
    return next((path for path in found if path.is_file()), None)


def build_write_fault_preload(out_dir: Path) -> list[Path]:
    """The LD_PRELOAD list for a write(2) failure point: libfiu's remote control + our wrapper.

    Skips when libfiu (fiu-utils, libfiu-dev) or a C compiler is missing, except in CI, where
    that is a failure.
    """
    run_preload = _fiu_run_preload()
    compiler = shutil.which("cc") or shutil.which("gcc")
    missing = [] if run_preload else ["fiu_run_preload.so (fiu-utils)"]
    missing += [] if shutil.which("fiu-ctrl") else ["fiu-ctrl (fiu-utils)"]
    missing += [] if Path("/usr/include/fiu.h").is_file() else ["fiu.h (libfiu-dev)"]
    missing += [] if compiler else ["a C compiler (gcc)"]
    if missing or run_preload is None or compiler is None:
        message = f"libfiu fault injection unavailable, missing: {', '.join(missing)}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    library = out_dir / "fiu_write_preload.so"
    command = [compiler, "-shared", "-fPIC", "-O2", "-DFIU_ENABLE", "-o", str(library)]
    command += [str(WRITE_PRELOAD_SOURCE), "-lfiu", "-ldl"]
    subprocess.run(command, check=True, capture_output=True, timeout=60)
    return [run_preload, library]


def new_data_dir(root: Path, sqlite_template: Path) -> Path:
    """A data dir holding a migrated copy of the SQLite template."""
    data_dir = root / "data"
    data_dir.mkdir()
    shutil.copyfile(sqlite_template, data_dir / "toneshootout.db")
    return data_dir


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(base: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server did not answer /healthz within {STARTUP_TIMEOUT_S} s")


@contextmanager
def live_server(
    data_dir: Path, *, preload: list[Path] | None = None, env: Mapping[str, str] | None = None
) -> Iterator[LiveServer]:
    """Serve `data_dir` (its SQLite and files) until the block ends; killed in any case.

    With `preload` (see `build_write_fault_preload`) the server runs as `fiu-run` would start
    it: libfiu's remote control listens on FIFOs named after `<data_dir>/fiu` and the PID.
    """
    port = _free_port()
    command = [sys.executable, "-m", "toneshootout", "serve", "--port", str(port)]
    fiu_prefix = None
    full_env = dict(os.environ)
    if preload:
        fiu_prefix = data_dir / "fiu"
        full_env |= {
            "LD_PRELOAD": " ".join(str(p) for p in preload),
            "FIU_CTRL_FIFO": str(fiu_prefix),
            "FIU_ENABLE": "",
        }
    full_env |= {
        "TONESHOOTOUT_ENVIRONMENT": "test",
        "TONESHOOTOUT_DATA_DIR": str(data_dir),
        "TONESHOOTOUT_DATABASE_URL": f"sqlite+aiosqlite:///{data_dir / 'toneshootout.db'}",
        "TONESHOOTOUT_HOST": "127.0.0.1",
    }
    full_env |= dict(env or {})
    log = data_dir / "server.log"
    with log.open("ab") as sink:
        # The PID names libfiu's control FIFOs, so the server must not be behind a wrapper.
        proc = subprocess.Popen(
            command, env=full_env, stdout=sink, stderr=sink, start_new_session=True
        )
    server = LiveServer(f"http://127.0.0.1:{port}", data_dir, proc, fiu_prefix)
    try:
        _wait_healthy(server.base, proc, log)
        yield server
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()


def library_rows(data_dir: Path) -> int:
    """How many library items the server's SQLite file records."""
    with closing(sqlite3.connect(data_dir / "toneshootout.db")) as connection:
        (count,) = connection.execute("SELECT count(*) FROM library_items").fetchone()
    return int(count)


def files_under(root: Path) -> list[str]:
    """Every file under `root` (temp folder included), as sorted relative paths."""
    if not root.exists():
        return []
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
