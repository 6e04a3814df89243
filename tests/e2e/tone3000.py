"""A fake TONE3000 as its own process (`toneshootout tone3000-fake --port 0`) and a live server
configured to sign in with it, for browser journeys through "Sign in with TONE3000"."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.live import LiveServer
from tests.paths import REPO_ROOT

STARTUP_SECONDS = 60.0


@dataclass(frozen=True)
class RunningFake:
    base_url: str
    client_id: str


@contextmanager
def fake_tone3000() -> Iterator[RunningFake]:
    """Start the fake on a free loopback port; its printed `base_url:` and `client_id:`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TONESHOOTOUT_")}
    env |= {"PYTHONPATH": str(REPO_ROOT / "src"), "PYTHONUNBUFFERED": "1"}
    command = "from toneshootout.cli import main; main()"
    process = subprocess.Popen(
        [sys.executable, "-c", command, "tone3000-fake", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        start_new_session=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    stdout = process.stdout

    def pump() -> None:  # a thread, so a silent child cannot block past the timeout
        for line in stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    seen: list[str] = []
    try:
        while not any(line.startswith("client_id: ") for line in seen):
            seen.append(lines.get(timeout=STARTUP_SECONDS).rstrip("\n"))
        fields = dict(line.split(": ", 1) for line in seen if ": " in line)
        yield RunningFake(fields["base_url"], fields["client_id"])
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def server_signing_in_with(fake: RunningFake, data_dir: Path) -> LiveServer:
    """A live server (not started yet) whose TONE3000 is `fake`."""
    server = LiveServer(data_dir=data_dir)
    server.extra_env = {
        "TONESHOOTOUT_TONE3000__BASE_URL": fake.base_url,
        "TONESHOOTOUT_TONE3000__CLIENT_ID": fake.client_id,
        # A loopback redirect URI: the fake (like TONE3000) allows those without registering.
        "TONESHOOTOUT_TONE3000__REDIRECT_URI": f"{server.url}/api/v1/auth/tone3000/callback",
    }
    return server
