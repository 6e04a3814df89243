"""A real scale-out deployment in miniature: database, Redis, the API app, worker processes.

The API is the real app (`create_app`, lifespan included: Redis broker, consumer group, sweeper)
driven in this process over ASGI; renders are submitted with `POST /shootouts/{id}/renders`.
Workers are `toneshootout worker` subprocesses. Settings reach them as environment variables,
short leases and sweeps so recovery takes seconds. Every process the cluster starts carries a
run marker in its environment, so render sandboxes orphaned by a SIGKILLed worker can be found
(by pid) and waited for before the janitor and the consistency scan run.
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import soundfile as sf

from tests.pg import postgres_cluster
from tests.redis_server import RedisServer, redis_server
from toneshootout.engine.demo.cabinets import DEMO_CABINETS, synthesize_cabinet_ir
from toneshootout.engine.demo.captures import SAMPLE_RATE, demo_captures, write_capture
from toneshootout.engine.demo.di import synthesize_di_riff
from toneshootout.server.app import create_app
from toneshootout.server.db.migrate import upgrade
from toneshootout.settings import RedisSettings, RenderSettings, Settings
from toneshootout.worker import faults

API = "/api/v1"
RUN_MARKER = "TONESHOOTOUT_FAULT_RUN"
WORKER_COMMAND = (sys.executable, "-m", "toneshootout", "worker")


@dataclass(frozen=True)
class ClusterConfig:
    """What a scenario changes: worker count, timings, crash points, the render's size."""

    workers: int = 2
    concurrency: int = 1
    database: str = "sqlite"  # or "postgresql"
    lease_seconds: int = 3
    requeue_after_seconds: float = 3.0
    max_attempts: int = 5
    idle_timeout_ms: int = 180_000
    di_seconds: float = 1.0
    chains: int = 1
    render_cache: bool = True  # off: every render really renders its pairs
    max_render_seconds: int = 60
    worker_env: dict[str, str] = field(default_factory=dict)

    def render(self) -> RenderSettings:
        return RenderSettings(
            lease_seconds=self.lease_seconds,
            heartbeat_seconds=1.0,
            max_attempts=self.max_attempts,
            sweep_seconds=1.0,
            requeue_after_seconds=self.requeue_after_seconds,
            max_render_seconds=self.max_render_seconds,
            per_user_active=100_000,
            per_user_running=64,
            global_running=64,
            worker_concurrency=self.concurrency,
            sandbox_memory_mb=2048,
            sandbox_cpu_seconds=120,
            cache_max_mb=RenderSettings().cache_max_mb if self.render_cache else 0,
        )


def worker_environment(settings: Settings, run_id: str, extra: dict[str, str]) -> dict[str, str]:
    """The worker's settings as TONESHOOTOUT_* variables (plus the run marker and faults)."""
    render, redis = settings.render, settings.redis
    env = {k: v for k, v in os.environ.items() if not k.startswith("TONESHOOTOUT_")}
    env |= {
        "TONESHOOTOUT_ENVIRONMENT": "test",
        "TONESHOOTOUT_DATA_DIR": str(settings.data_dir),
        "TONESHOOTOUT_DATABASE_URL": settings.database,
        "TONESHOOTOUT_REDIS_URL": str(settings.redis_url),
        "TONESHOOTOUT_REDIS__IDLE_TIMEOUT_MS": str(redis.idle_timeout_ms),
        "TONESHOOTOUT_REDIS__UNACKNOWLEDGED_LOCK_TIMEOUT_S": str(
            redis.unacknowledged_lock_timeout_s
        ),
        RUN_MARKER: run_id,
    }
    for name, value in render.model_dump().items():
        env[f"TONESHOOTOUT_RENDER__{name.upper()}"] = str(value)
    return env | extra


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    started: float
    log: Path

    def ready(self) -> bool:
        """True once the worker logged that it is receiving."""
        try:
            return b" ready (concurrency" in self.log.read_bytes()
        except OSError:
            return False


class WorkerPool:
    """`toneshootout worker` processes: start, SIGKILL, and restart those that died."""

    def __init__(self, env: dict[str, str], root: Path, concurrency: int) -> None:
        self.env, self.root, self.concurrency = env, root, concurrency
        self.workers: list[Worker] = []
        self.deaths: list[tuple[float, int, int]] = []  # (when, pid, exit status)
        self._count = 0

    def start(self, extra_env: dict[str, str] | None = None) -> Worker:
        self._count += 1
        log = self.root / f"worker-{self._count}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [*WORKER_COMMAND, "--concurrency", str(self.concurrency)],
                env=self.env | (extra_env or {}),
                cwd=self.root,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        worker = Worker(process, time.monotonic(), log)
        self.workers.append(worker)
        return worker

    def reap(self, restart: bool) -> list[int]:
        """Note (and optionally replace) workers that exited; returns their pids."""
        dead = []
        for worker in list(self.workers):
            code = worker.process.poll()
            if code is None:
                continue
            self.workers.remove(worker)
            self.deaths.append((time.monotonic(), worker.process.pid, code))
            dead.append(worker.process.pid)
            if restart:
                self.start()
        return dead

    def kill(self, worker: Worker) -> None:
        worker.process.send_signal(signal.SIGKILL)

    def stop_all(self, timeout: float = 30.0) -> None:
        for worker in self.workers:
            if worker.process.poll() is None:
                worker.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for worker in self.workers:
            try:
                worker.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                worker.process.kill()
                worker.process.wait()
        self.workers.clear()


def marked_processes(run_id: str) -> list[int]:
    """Pids of live processes carrying this run's marker (orphaned sandboxes, mostly)."""
    needle = f"{RUN_MARKER}={run_id}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


async def wait_for_orphans(run_id: str, timeout: float = 60.0) -> int:
    """Let orphaned sandboxes finish (they are short); SIGKILL any left at the deadline."""
    deadline = time.monotonic() + timeout
    pids = marked_processes(run_id)
    seen = len(pids)
    while pids and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
        pids = marked_processes(run_id)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            continue
    return seen


def _wav(audio: Any) -> bytes:
    buffer = io.BytesIO()
    sf.write(buffer, audio, SAMPLE_RATE, subtype="PCM_24", format="WAV")
    return buffer.getvalue()


@dataclass
class Client:
    """A logged-in API user with one tiny shootout to render."""

    http: httpx.AsyncClient
    headers: dict[str, str]
    user_id: uuid.UUID
    shootout_id: str = ""

    async def upload(self, collection: str, name: str, data: bytes) -> str:
        files = {"file": (name, data, "application/octet-stream")}
        reply = await self.http.post(f"{API}/{collection}", files=files, headers=self.headers)
        if reply.status_code == 409 and reply.json().get("error") == "duplicate_item":
            return str(reply.json()["existing_id"])  # the same capture/IR reused by a shootout
        reply.raise_for_status()
        return str(reply.json()["id"])

    async def make_shootout(self, di_seconds: float, tmp: Path, chains: int = 1) -> str:
        """One DI of `di_seconds` through `chains` capture → IR chains (the demo captures and
        cabinets in turn), WAV only: one chain is the shortest render that works."""
        riff = synthesize_di_riff(SAMPLE_RATE)[: int(di_seconds * SAMPLE_RATE)]
        di = await self.upload("di-tracks", "riff.wav", _wav(riff))
        captures, irs = [], []
        for stem, model in sorted(demo_captures().items()):
            path = tmp / f"{stem}.nam"
            write_capture(model, path)
            captures.append((stem, await self.upload("captures", path.name, path.read_bytes())))
        for stem, design in sorted(DEMO_CABINETS.items()):
            cab = _wav(synthesize_cabinet_ir(design, SAMPLE_RATE))
            irs.append((stem, await self.upload("irs", f"{stem}.wav", cab)))
        body_chains = []
        for n in range(chains):
            (capture_stem, capture), (ir_stem, ir) = captures[n % 3], irs[n // 3 % 2]
            blocks = [
                {"type": "capture", "capture_id": capture},
                {"type": "ir", "ir_id": ir, "force": True},
            ]
            name = f"{n + 1} {capture_stem} {ir_stem}"
            body_chains.append({"name": name, "blocks": blocks})
        body = {
            "title": "Fault harness",
            "di_tracks": [di],
            "chains": body_chains,
            "settings": {"outputs": ["wav"]},
        }
        reply = await self.http.post(f"{API}/shootouts", json=body, headers=self.headers)
        reply.raise_for_status()
        self.shootout_id = str(reply.json()["id"])
        return self.shootout_id

    async def submit(self) -> httpx.Response:
        url = f"{API}/shootouts/{self.shootout_id}/renders"
        return await self.http.post(url, headers=self.headers)


async def login(http: httpx.AsyncClient) -> Client:
    email = f"fault-{uuid.uuid4().hex[:8]}@example.com"
    credentials = {"email": email, "password": "a long enough password 123"}
    (await http.post(f"{API}/auth/register", json=credentials)).raise_for_status()
    reply = await http.post(f"{API}/auth/login", json=credentials)
    reply.raise_for_status()
    http.cookies.clear()
    headers = {"Authorization": f"Bearer {reply.json()['access_token']}"}
    me = await http.get(f"{API}/me", headers=headers)
    me.raise_for_status()
    return Client(http, headers, uuid.UUID(me.json()["id"]))


@contextmanager
def database(kind: str, root: Path) -> Iterator[str]:
    """A migrated database: a SQLite file under `root`, or a throwaway PostgreSQL cluster."""
    if kind == "sqlite":
        url = f"sqlite+aiosqlite:///{root / 'fault.db'}"
        upgrade(url)
        yield url
        return
    with postgres_cluster() as admin:

        async def create() -> None:
            conn = await asyncpg.connect(admin.replace("+asyncpg", "") + "/postgres")
            try:
                await conn.execute('CREATE DATABASE "fault"')
            finally:
                await conn.close()

        asyncio.run(create())
        upgrade(f"{admin}/fault")
        yield f"{admin}/fault"


@dataclass
class Cluster:
    settings: Settings
    redis: RedisServer
    pool: WorkerPool
    client: Client
    run_id: str
    root: Path

    @property
    def fault_dir(self) -> Path:
        """Where the workers count crash-point passes and log their kills."""
        return self.root / "faults"


@asynccontextmanager
async def cluster(
    config: ClusterConfig, *, start_workers: bool = True, tiny_shootout: bool = True
) -> AsyncIterator[Cluster]:
    """Database + Redis + API (in process) + `config.workers` worker processes; torn down after."""
    root = Path(tempfile.mkdtemp(prefix="ts-fault-"))
    run_id = uuid.uuid4().hex
    async with AsyncExitStack() as stack:
        stack.callback(shutil.rmtree, root, True)
        url = await asyncio.to_thread(stack.enter_context, database(config.database, root))
        redis = stack.enter_context(redis_server())
        settings = Settings(
            environment="test",
            data_dir=root / "data",
            database_url=url,
            redis_url=redis.url,
            render=config.render(),
            redis=RedisSettings(idle_timeout_ms=config.idle_timeout_ms),
        )
        app = create_app(settings)
        await stack.enter_async_context(app.router.lifespan_context(app))
        # No access log per POST while the cluster runs; the level is put back afterwards, or
        # every later test in this process would lose the service's INFO records.
        quiet = logging.getLogger("toneshootout")
        stack.callback(quiet.setLevel, quiet.level)
        quiet.setLevel(logging.WARNING)
        transport = httpx.ASGITransport(app=app)
        http = await stack.enter_async_context(
            httpx.AsyncClient(transport=transport, base_url="http://testserver")
        )
        client = await login(http)
        if tiny_shootout:
            await client.make_shootout(config.di_seconds, root, config.chains)
        (root / "faults").mkdir()
        extra = {faults.DIR_ENV: str(root / "faults")} | config.worker_env
        env = worker_environment(settings, run_id, extra)
        pool = WorkerPool(env, root, config.concurrency)
        stack.callback(pool.stop_all)
        if start_workers:
            for _ in range(config.workers):
                pool.start()
        yield Cluster(settings, redis, pool, client, run_id, root)
