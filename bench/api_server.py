"""A real service for the API benchmarks: migrate, start uvicorn as a subprocess, seed data."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.orm import Session

from toneshootout.server.db.models.library_item import LibraryItem

ROOT = Path(__file__).resolve().parents[1]
TOOL = Path(sys.executable).with_name("toneshootout")
PASSWORD = "correct horse battery staple"
STARTUP_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Server:
    base: str
    env: dict[str, str]
    pid: int = 0  # the uvicorn process (with one worker, the process serving requests)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def service_env(data_dir: Path, database_url: str, extra: Mapping[str, str]) -> dict[str, str]:
    """The subprocess environment: this one plus the service's settings."""
    env = dict(os.environ)
    env |= {"TONESHOOTOUT_DATA_DIR": str(data_dir), "TONESHOOTOUT_DATABASE_URL": database_url}
    return env | dict(extra)


def _wait_ready(base: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"uvicorn exited with {proc.returncode} before answering")
        try:
            if httpx.get(f"{base}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"uvicorn did not answer {base}/healthz within {STARTUP_TIMEOUT_S} s")


@contextmanager
def running_service(env: dict[str, str], workers: int) -> Iterator[Server]:
    """`toneshootout db upgrade`, then uvicorn with `workers` on a free loopback port."""
    subprocess.run([str(TOOL), "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "bench.api_app:create", "--factory"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    command += ["--log-level", "warning", "--no-access-log"]
    # Its own session so the whole worker tree can be stopped by this one group id.
    log = Path(env["TONESHOOTOUT_DATA_DIR"]) / "server.log"
    with log.open("wb") as sink:  # the access log, kept off the terminal
        proc = subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=sink, stderr=sink, start_new_session=True
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, proc)
        yield Server(base, env, proc.pid)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


async def register(base: str) -> tuple[uuid.UUID, str]:
    """A new account through the auth API; its id and a bearer token."""
    credentials = {"email": f"bench-{secrets.token_hex(4)}@example.com", "password": PASSWORD}
    async with httpx.AsyncClient(base_url=base, timeout=30.0) as client:
        (await client.post("/api/v1/auth/register", json=credentials)).raise_for_status()
        login = await client.post("/api/v1/auth/login", json=credentials)
        login.raise_for_status()
        token = str(login.json()["access_token"])
        me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        me.raise_for_status()
    return uuid.UUID(me.json()["id"]), token


def _row(owner: uuid.UUID, kind: str, metadata: dict[str, Any]) -> LibraryItem:
    item_id = uuid.uuid4()
    return LibraryItem(
        id=item_id,
        owner_id=owner,
        kind=kind,
        name=f"{kind}-{item_id.hex[:8]}",
        storage_key=f"bench/{item_id}",
        sha256=secrets.token_hex(32),
        size_bytes=1_000_000,
        media_type="application/octet-stream",
        item_metadata=metadata,
        tags=["bench"],
    )


DI_METADATA: dict[str, Any] = {
    "duration_s": 20.0,
    "sample_rate": 48000,
    "channels": 1,
    "peak_dbfs": -3.0,
    "integrated_lufs": -18.0,
}
CAPTURE_METADATA: dict[str, Any] = {
    "architecture": "WaveNet",
    "version": "0.5.2",
    "size_label": "standard",
    "sample_rate": 48000,
    "weight_count": 13802,
    "receptive_field": 8192,
    "slim_values": [],
    "file_metadata": {
        "name": "Bench amp",
        "modeled_by": None,
        "gear_make": None,
        "gear_model": None,
        "gear_type": "amp",
        "tone_type": None,
        "loudness": None,
        "gain": None,
        "input_level_dbu": None,
        "output_level_dbu": None,
        "validation_esr": None,
    },
}
IR_METADATA: dict[str, Any] = {"length_ms": 100.0, "sample_rate": 48000, "channels": 1}


async def seed_library(database_url: str, owner: uuid.UUID, di_tracks: int) -> dict[str, str]:
    """Insert `di_tracks` DI rows, a capture and an IR straight into the database."""
    rows = [_row(owner, "di_track", DI_METADATA) for _ in range(di_tracks)]
    rows += [_row(owner, "capture", CAPTURE_METADATA), _row(owner, "ir", IR_METADATA)]
    engine = create_async_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(lambda sync: _add_all(sync, rows))
    finally:
        await engine.dispose()
    return {"di": str(rows[0].id), "capture": str(rows[-2].id), "ir": str(rows[-1].id)}


def _add_all(connection: Connection, rows: list[LibraryItem]) -> None:
    with Session(bind=connection) as session:
        session.add_all(rows)
        session.flush()


async def create_shootout(base: str, token: str, ids: Mapping[str, str]) -> str:
    """One shootout through the API: a DI, a capture → IR → EQ chain and a capture-only chain."""
    body = {
        "title": "Bench shootout",
        "di_tracks": [ids["di"]],
        "chains": [
            {
                "name": "Amp + IR",
                "blocks": [
                    {"type": "capture", "capture_id": ids["capture"]},
                    {"type": "ir", "ir_id": ids["ir"]},
                    {"type": "peak", "cutoff_hz": 800.0, "gain_db": -3.0},
                ],
            },
            {"name": "Amp", "blocks": [{"type": "capture", "capture_id": ids["capture"]}]},
        ],
    }
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30.0) as client:
        response = await client.post("/api/v1/shootouts", json=body)
        if response.status_code != 201:
            raise RuntimeError(f"creating the shootout failed: {response.text}")
        return str(response.json()["id"])
