"""A live `toneshootout serve` for browser tests: fresh data folder, migrated, random port.

The server runs this checkout's code (`python -m toneshootout.cli` with `src` first on the
path), so the browser sees what the tests claim to test, not an installed copy.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from tests.paths import REPO_ROOT

START_TIMEOUT_S = 60.0  # a migration plus app import on a loaded 2-core machine


def free_port() -> int:
    """A loopback port nobody listens on now (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _environment(data_dir: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TONESHOOTOUT_")}
    source = str(REPO_ROOT / "src")
    env["PYTHONPATH"] = os.pathsep.join([source, str(REPO_ROOT)])
    env.update(
        {
            "TONESHOOTOUT_DATA_DIR": str(data_dir),
            # The socket's own-origin allowlist is built from the settings' port.
            "TONESHOOTOUT_PORT": str(port),
            "TONESHOOTOUT_ENVIRONMENT": "development",
            # Every test signs up its own user from one address.
            "TONESHOOTOUT_AUTH__REGISTER_RATE_PER_MINUTE": "1000",
            "TONESHOOTOUT_AUTH__LOGIN_RATE_PER_MINUTE": "1000",
            "TONESHOOTOUT_REALTIME__TICKET_RATE_PER_MINUTE": "1000",
        }
    )
    return env


@dataclass
class LiveServer:
    """One server process; `url` is its origin (no trailing slash)."""

    data_dir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    extra_env: dict[str, str] = field(default_factory=dict)
    _log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _cli(self, *args: str) -> list[str]:
        # The package has no `__main__`; call the console script's entry point directly.
        return [sys.executable, "-c", "from toneshootout.cli import main; main()", *args]

    def start(self) -> None:
        env = _environment(self.data_dir, self.port) | self.extra_env
        self.data_dir.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            self._cli("db", "upgrade"), env=env, check=True, capture_output=True, timeout=120
        )
        self.log_path = self.data_dir / "server.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            self._cli("serve", "--host", "127.0.0.1", "--port", str(self.port)),
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its sandboxes die with it when we signal the group
        )
        self._wait_healthy()

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited at start:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as reply:
                    if reply.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"server not healthy after {START_TIMEOUT_S} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        if self._log is not None:
            self._log.close()
