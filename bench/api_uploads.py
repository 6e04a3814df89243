"""Event-loop lag of one uvicorn worker while four 50 MB WAV uploads stream in."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
import soundfile as sf

from bench.api_server import register, running_service, service_env

RATE = 48_000
TARGET_BYTES = 50 * 1000 * 1000
FRAME_BYTES = 2 * 3  # stereo, 24-bit
UPLOADS = 4
POLL_S = 0.020
IDLE_S = 3.0
UPLOAD_TIMEOUT_S = 600.0


@dataclass(frozen=True)
class PollStats:
    count: int
    p50_ms: float
    p99_ms: float
    max_ms: float


@dataclass(frozen=True)
class UploadLag:
    idle: PollStats
    busy: PollStats
    statuses: list[int]
    upload_seconds: float


def write_sine(path: Path, frequency: float) -> None:
    """~50 MB of a stereo sine as 24-bit WAV, written in 10 s blocks to stay small in memory."""
    frames = TARGET_BYTES // FRAME_BYTES
    block = RATE * 10
    with sf.SoundFile(path, "w", RATE, 2, subtype="PCM_24", format="WAV") as out:
        for start in range(0, frames, block):
            t = np.arange(start, min(start + block, frames)) / RATE
            tone = (0.5 * np.sin(2 * np.pi * frequency * t)).astype(np.float32)
            out.write(np.column_stack([tone, tone]))


def latency_stats(latencies: list[float]) -> PollStats:
    ms = np.asarray(latencies) * 1000.0
    return PollStats(
        len(ms), float(np.percentile(ms, 50)), float(np.percentile(ms, 99)), float(ms.max())
    )


async def poll_healthz(client: httpx.AsyncClient, until: asyncio.Event | float) -> list[float]:
    """GET /healthz every 20 ms until the event is set or the deadline passes."""
    latencies: list[float] = []
    next_due = time.perf_counter()
    while True:
        done = until.is_set() if isinstance(until, asyncio.Event) else time.perf_counter() > until
        if done:
            return latencies
        started = time.perf_counter()
        await client.get("/healthz")
        latencies.append(time.perf_counter() - started)
        next_due += POLL_S
        await asyncio.sleep(max(0.0, next_due - time.perf_counter()))


def _upload(base: str, token: str, path: Path) -> int:
    # A blocking client in a thread: streaming 50 MB must not stall the poller's event loop.
    headers = {"Authorization": f"Bearer {token}"}
    with path.open("rb") as handle, httpx.Client(timeout=UPLOAD_TIMEOUT_S) as client:
        files = {"file": (path.name, handle, "audio/wav")}
        return client.post(f"{base}/api/v1/di-tracks", files=files, headers=headers).status_code


async def _measure(base: str, token: str, files: list[Path]) -> UploadLag:
    async with httpx.AsyncClient(base_url=base, timeout=30.0) as client:
        idle = await poll_healthz(client, time.perf_counter() + IDLE_S)
        finished = asyncio.Event()
        poller = asyncio.create_task(poll_healthz(client, finished))
        started = time.perf_counter()
        statuses = await asyncio.gather(
            *(asyncio.to_thread(_upload, base, token, f) for f in files)
        )
        upload_seconds = time.perf_counter() - started
        finished.set()
        busy = await poller
    return UploadLag(latency_stats(idle), latency_stats(busy), list(statuses), upload_seconds)


def measure_upload_lag(folder: Path) -> UploadLag:
    """Four distinct sines (duplicates would be refused) uploaded at once to one worker."""
    folder.mkdir(parents=True)
    files = [folder / f"sine-{i}.wav" for i in range(UPLOADS)]
    for i, path in enumerate(files):
        write_sine(path, 110.0 * (i + 1))
    database_url = f"sqlite+aiosqlite:///{folder / 'toneshootout.db'}"
    extra = {
        "TONESHOOTOUT_STORAGE__MAX_DI_BYTES": str(2 * TARGET_BYTES),
        "TONESHOOTOUT_STORAGE__QUOTA_BYTES": str(10 * TARGET_BYTES),
    }
    env = service_env(folder, database_url, extra)
    with running_service(env, workers=1) as server:
        _, token = asyncio.run(register(server.base))
        return asyncio.run(_measure(server.base, token, files))
