"""A running fake TONE3000 (`toneshootout tone3000-fake`) and a live server connected to it,
for browser journeys through "Sign in with TONE3000" and renders of TONE3000 models."""

from __future__ import annotations

import asyncio
import os
import queue
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.e2e.browser import PageWatch
from tests.e2e.live import LiveServer
from tests.integration.tone3000_link import TOKEN_KEY, Linked, link_with
from tests.paths import REPO_ROOT
from toneshootout.server.db.engine import create_engine, create_sessionmaker
from toneshootout.settings import Settings

START_TIMEOUT_S = 60.0


@dataclass
class FakeTone3000:
    """The fake as its own process on a free loopback port."""

    base_url: str = ""
    storage_base: str = ""
    client_id: str = ""
    process: subprocess.Popen[str] | None = None
    lines: list[str] = field(default_factory=list)

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TONESHOOTOUT_")}
        env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT / "src"), str(REPO_ROOT)])
        env["PYTHONUNBUFFERED"] = "1"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "toneshootout", "tone3000-fake", "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            start_new_session=True,
        )
        printed: queue.Queue[str] = queue.Queue()
        stdout = self.process.stdout
        assert stdout is not None

        def pump() -> None:  # a thread: a silent child cannot hold the test past its timeout
            for line in stdout:
                printed.put(line)

        threading.Thread(target=pump, daemon=True).start()
        while not any(line.startswith("client_id: ") for line in self.lines):
            self.lines.append(printed.get(timeout=START_TIMEOUT_S).rstrip("\n"))
        fields = dict(line.split(": ", 1) for line in self.lines if ": " in line)
        self.base_url = fields["base_url"]
        self.storage_base = fields["storage_base"]
        self.client_id = fields["client_id"]

    def server_env(self) -> dict[str, str]:
        """What a live server needs to use this fake as TONE3000."""
        return {
            "TONESHOOTOUT_TONE3000__BASE_URL": self.base_url,
            "TONESHOOTOUT_TONE3000__CLIENT_ID": self.client_id,
            "TONESHOOTOUT_TONE3000__TOKEN_KEY": TOKEN_KEY,
            "TONESHOOTOUT_TONE3000__STORAGE_ORIGINS": f'["{self.storage_base}"]',
        }

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)


RunningFake = FakeTone3000


@contextmanager
def fake_tone3000() -> Iterator[FakeTone3000]:
    """The fake, started on a free loopback port for the block, stopped after it."""
    fake = FakeTone3000()
    try:
        fake.start()
        yield fake
    finally:
        fake.stop()


def server_signing_in_with(fake: FakeTone3000, data_dir: Path) -> LiveServer:
    """A live server (not started yet) whose TONE3000 is `fake`."""
    server = LiveServer(data_dir=data_dir)
    server.extra_env = fake.server_env() | {
        # A loopback redirect URI: the fake (like TONE3000) allows those without registering.
        "TONESHOOTOUT_TONE3000__REDIRECT_URI": f"{server.url}/api/v1/auth/tone3000/callback",
    }
    return server


def link_account(fake: FakeTone3000, data_dir: Path, user_id: uuid.UUID) -> Linked:
    """Sign the live server's user in with the fake and write the link into its database, as
    the sign-in flow does. It links the fake's `cab_lab`, not its default user: the server is
    shared, and journeys that sign in with TONE3000 as the default user need an account of
    their own (a TONE3000 identity belongs to one local account)."""

    async def run() -> Linked:
        engine = create_engine(Settings(environment="test", data_dir=data_dir))
        try:
            async with httpx.AsyncClient(base_url=fake.base_url) as client:
                return await link_with(
                    client, create_sessionmaker(engine), user_id, username="cab_lab"
                )
        finally:
            await engine.dispose()

    # Playwright's sync API keeps an event loop running in this thread: use another one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, run()).result()


def page_problems(watch: PageWatch, tone3000_base_url: str) -> list[str]:
    """What a page did wrong: console errors, and any other-origin request that is not a
    navigation to TONE3000's sign-in."""
    sign_in = f"{tone3000_base_url}/api/v1/oauth/authorize?"
    return [f"console: {e}" for e in watch.console_errors] + [
        f"other origin: {url}" for url in watch.foreign_requests if not url.startswith(sign_in)
    ]
