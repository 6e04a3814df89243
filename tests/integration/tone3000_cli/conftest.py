"""The CLI against the fake TONE3000 served on a real loopback port, in a thread of this process.

The CLI runs in-process (`main()` with its argv), so a test can steer the fake through its
Python API and give the CLI a `sleep` that moves the fake's clock instead of waiting: device
polling and back-off take no wall time. Sign-in and downloads live under `tmp_path` (XDG).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn

from toneshootout.cli import main
from toneshootout.cli.tone3000 import session
from toneshootout.tone3000_fake import FakeConfig, FakeState, create_fake_app, fake_state

STARTUP_SECONDS = 30.0


@dataclass(frozen=True)
class LiveFake:
    base_url: str
    storage_base: str
    client_id: str
    state: FakeState


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str

    @property
    def error_line(self) -> str:
        """The one line a refusal prints."""
        lines = self.err.strip().splitlines()
        assert len(lines) == 1, self.err
        return lines[0]


@dataclass(frozen=True)
class Cli:
    fake: LiveFake
    config_dir: Path
    cache_dir: Path
    monkeypatch: pytest.MonkeyPatch
    capsys: pytest.CaptureFixture[str]

    @property
    def login_file(self) -> Path:
        return self.config_dir / "toneshootout" / "tone3000.json"

    def login_json(self) -> dict[str, object]:
        body: dict[str, object] = json.loads(self.login_file.read_text())
        return body

    def run(self, *args: str) -> Result:
        self.capsys.readouterr()  # forget what came before
        self.monkeypatch.setattr(sys, "argv", ["toneshootout", *args])
        code: object = 0
        try:
            main()
        except SystemExit as done:
            code = done.code
        captured = self.capsys.readouterr()
        return Result(
            code if isinstance(code, int) else (0 if code is None else 1),
            captured.out,
            captured.err,
        )

    def login(self) -> Result:
        result = self.run("login", "--tone3000")
        assert result.code == 0, result.err
        return result


@pytest.fixture
def fake_config() -> FakeConfig:
    return FakeConfig(device_auto_approve_after=1)


@pytest.fixture
def live_fake(fake_config: FakeConfig) -> Iterator[LiveFake]:
    app = create_fake_app(fake_config)
    # No log_config and no log_level: uvicorn would otherwise re-configure its loggers (no
    # propagation, level WARNING) for the rest of this test process, and other tests read
    # uvicorn's records through the root logger.
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=0, access_log=False, log_config=None, log_level=None
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_SECONDS
    while not server.started:
        assert thread.is_alive(), "the fake did not start"
        assert time.monotonic() < deadline, "the fake did not start in time"
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield LiveFake(
            base_url=f"http://127.0.0.1:{port}",
            storage_base=f"http://localhost:{port}",
            client_id=fake_config.client_id,
            state=fake_state(app),
        )
    finally:
        server.should_exit = True
        thread.join(STARTUP_SECONDS)


@pytest.fixture
def cli(
    live_fake: LiveFake,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Cli:
    config_dir, cache_dir = tmp_path / "config", tmp_path / "cache"
    for name in list(os.environ):
        if name.startswith("TONESHOOTOUT_TONE3000__"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config_dir))
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache_dir))
    monkeypatch.setenv("TONESHOOTOUT_TONE3000__BASE_URL", live_fake.base_url)
    monkeypatch.setenv("TONESHOOTOUT_TONE3000__CLIENT_ID", live_fake.client_id)
    monkeypatch.setenv(
        "TONESHOOTOUT_TONE3000__STORAGE_ORIGINS", json.dumps([live_fake.storage_base])
    )

    async def no_waiting(seconds: float) -> None:
        live_fake.state.clock.advance(seconds)
        await asyncio.sleep(0)

    monkeypatch.setattr(session, "sleep", no_waiting)
    return Cli(live_fake, config_dir, cache_dir, monkeypatch, capsys)
