"""A real scale-out deployment in miniature: database, Redis, the API app, worker processes.

The API is the real app (`create_app`, lifespan included: Redis broker, consumer group, sweeper)
driven in this process over ASGI; renders are submitted with `POST /shootouts/{id}/renders`.
Workers are `toneshootout worker` subprocesses. Settings reach them as environment variables,
short leases and sweeps so recovery takes seconds.

Scale-out mode (`ClusterConfig.scale_out`) deploys as separate machines would: the API and each
worker have their own `TONESHOOTOUT_DATA_DIR` (nothing in common), files live in an S3 bucket
(moto in server mode, reached through a `FaultProxy` the bucket-outage scenario switches off),
and the database is PostgreSQL. Where the kernel lets an unprivileged user make namespaces,
each worker also runs in network, user and UTS namespaces of its own (`tests.fault.host`):
its own hostname and loopback, PostgreSQL, Redis and the bucket reachable only through one
socket file each (`tests.fault.bridge`). The one folder every worker still sees is the
harness's own bookkeeping (`faults.DIR_ENV`: crash-point pass counters and the kill log).

Every process the cluster starts carries a run marker in its environment, so render sandboxes
orphaned by a SIGKILLed worker can be found (by pid) and waited for before the janitor and the
consistency scan run.
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
from urllib.parse import urlsplit

import asyncpg
import httpx
import soundfile as sf

from tests.fault.bridge import unix_to_tcp
from tests.pg import postgres_cluster
from tests.redis_server import RedisServer, redis_server
from tests.s3_server import (
    AWS_ENV,
    REPO_ROOT,
    FaultProxy,
    aws_test_credentials,
    create_bucket,
    s3_server,
    s3_settings,
)
from toneshootout.engine.demo.cabinets import DEMO_CABINETS, synthesize_cabinet_ir
from toneshootout.engine.demo.captures import SAMPLE_RATE, demo_captures, write_capture
from toneshootout.engine.demo.di import synthesize_di_riff
from toneshootout.server.app import create_app
from toneshootout.server.db.migrate import upgrade
from toneshootout.settings import RedisSettings, RenderSettings, Settings, StorageSettings
from toneshootout.worker import faults

API = "/api/v1"
RUN_MARKER = "TONESHOOTOUT_FAULT_RUN"
WORKER_COMMAND = (sys.executable, "-m", "toneshootout", "worker")
HOST_COMMAND = ("unshare", "-rnu", sys.executable, "-m", "tests.fault.host")
BUCKET_MODE_FILE = "bucket-mode"


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
    # Separate data folders, an S3 bucket, PostgreSQL, and namespaces where allowed (above).
    scale_out: bool = False

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
    if settings.storage.backend == "s3":
        env |= AWS_ENV | {"TONESHOOTOUT_STORAGE__BACKEND": "s3"}
        for name, value in settings.storage.s3.model_dump(exclude_none=True).items():
            env[f"TONESHOOTOUT_STORAGE__S3__{name.upper()}"] = str(value)
    return env | extra


def namespaces_unavailable() -> str | None:
    """Why workers cannot get namespaces of their own here (None: they can)."""
    try:
        probe = subprocess.run(
            ["unshare", "-rnu", "true"], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        return f"unshare: {err}"
    if probe.returncode != 0:
        return probe.stderr.strip() or f"unshare -rnu exited {probe.returncode}"
    return None


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    started: float
    log: Path
    slot: int = 1
    hosted: bool = False  # the process is `tests.fault.host`; the worker is its child
    _worker_pid: int | None = None

    @property
    def pid(self) -> int:
        """The worker's own pid (the one in its `worker_id`), also when a host wraps it."""
        if not self.hosted:
            return self.process.pid
        if self._worker_pid is None:
            host = self.process.pid
            try:
                children = Path(f"/proc/{host}/task/{host}/children").read_text().split()
            except OSError:
                children = []
            self._worker_pid = int(children[0]) if children else None
        return self._worker_pid or self.process.pid

    def ready(self) -> bool:
        """True once the worker logged that it is receiving."""
        try:
            return b" ready (concurrency" in self.log.read_bytes()
        except OSError:
            return False


@dataclass(frozen=True)
class Hosts:
    """How workers are deployed in scale-out mode: a data folder per slot (`host-N`, kept by
    the worker that replaces a dead one, as a restarted machine keeps its disk), and the
    socket files of the services when each worker gets its own namespaces."""

    root: Path
    bridges: tuple[tuple[int, Path], ...] | None = None  # (port, socket file)

    def data_dir(self, slot: int) -> Path:
        return self.root / f"host-{slot}"

    def command(self, slot: int, worker: list[str]) -> list[str]:
        if self.bridges is None:
            return worker
        links = [f"--bridge={port}={path}" for port, path in self.bridges]
        return [*HOST_COMMAND, f"--name=host-{slot}", *links, "--", *worker]


class WorkerPool:
    """`toneshootout worker` processes: start, SIGKILL, and restart those that died."""

    def __init__(
        self, env: dict[str, str], root: Path, concurrency: int, hosts: Hosts | None = None
    ) -> None:
        self.env, self.root, self.concurrency, self.hosts = env, root, concurrency, hosts
        self.workers: list[Worker] = []
        self.deaths: list[tuple[float, int, int]] = []  # (when, pid, exit status)
        self._count = 0

    def start(self, extra_env: dict[str, str] | None = None, slot: int | None = None) -> Worker:
        self._count += 1
        taken = {w.slot for w in self.workers}
        slot = slot or next(n for n in range(1, len(taken) + 2) if n not in taken)
        log = self.root / f"worker-{self._count}.log"
        command = [*WORKER_COMMAND, "--concurrency", str(self.concurrency)]
        env = self.env | (extra_env or {})
        if self.hosts is not None:
            command = self.hosts.command(slot, command)
            env = env | {"TONESHOOTOUT_DATA_DIR": str(self.hosts.data_dir(slot))}
            # `python -m tests.fault.host` runs from the worker's folder, not the repository.
            env["PYTHONPATH"] = os.pathsep.join(
                filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")])
            )
        with log.open("wb") as out:
            process = subprocess.Popen(
                command, env=env, cwd=self.root, stdout=out, stderr=subprocess.STDOUT
            )
        hosted = self.hosts is not None and self.hosts.bridges is not None
        worker = Worker(process, time.monotonic(), log, slot, hosted)
        self.workers.append(worker)
        return worker

    def reap(self, restart: bool) -> list[int]:
        """Note (and optionally replace) workers that exited; returns their (worker) pids."""
        dead = []
        for worker in list(self.workers):
            code = worker.process.poll()
            if code is None:
                _ = worker.pid  # learn a hosted worker's pid while its host still lists it
                continue
            self.workers.remove(worker)
            self.deaths.append((time.monotonic(), worker.pid, code))
            dead.append(worker.pid)
            if restart:
                self.start(slot=worker.slot)
        return dead

    def kill(self, worker: Worker) -> None:
        """SIGKILL the worker itself (its host, if any, then dies the same death)."""
        try:
            os.kill(worker.pid, signal.SIGKILL)
        except ProcessLookupError:
            return

    def logs(self) -> list[Path]:
        return sorted(self.root.glob("worker-*.log"))

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
    bucket: FaultProxy | None = None  # scale-out: the proxy in front of the bucket
    # How the processes are separated, for the report ("" = one data folder, no bucket).
    deployment: str = ""

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
    if config.scale_out and config.database != "postgresql":
        raise ValueError("scale-out mode shares only PostgreSQL, Redis and a bucket")
    async with AsyncExitStack() as stack:
        stack.callback(shutil.rmtree, root, True)
        url = await asyncio.to_thread(stack.enter_context, database(config.database, root))
        redis = stack.enter_context(redis_server())
        storage, proxy = StorageSettings(), None
        if config.scale_out:
            stack.enter_context(aws_test_credentials())  # the API's boto3, in this process
            server = await asyncio.to_thread(stack.enter_context, s3_server())
            proxy = stack.enter_context(FaultProxy(server.url, root / BUCKET_MODE_FILE))
            # Timeouts short enough that a hung bucket fails a transfer in seconds.
            s3 = s3_settings(
                create_bucket(server.url),
                proxy.url,
                connect_timeout_seconds=2.0,
                read_timeout_seconds=4.0,
            )
            storage = StorageSettings(backend="s3", s3=s3)
        settings = Settings(
            environment="test",
            data_dir=root / ("api" if config.scale_out else "data"),
            database_url=url,
            redis_url=redis.url,
            render=config.render(),
            redis=RedisSettings(idle_timeout_ms=config.idle_timeout_ms),
            storage=storage,
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
        hosts, deployment = None, ""
        if config.scale_out:
            hosts, deployment = _hosts(stack, root, url, redis.url, proxy)
        pool = WorkerPool(env, root, config.concurrency, hosts)
        stack.callback(pool.stop_all)
        if start_workers:
            for _ in range(config.workers):
                pool.start()
        yield Cluster(settings, redis, pool, client, run_id, root, proxy, deployment)


def _port(url: str) -> int:
    port = urlsplit(url.replace("+asyncpg", "")).port
    if port is None:
        raise ValueError(f"no port in {url!r}")
    return port


def _hosts(
    stack: AsyncExitStack, root: Path, database_url: str, redis_url: str, proxy: FaultProxy | None
) -> tuple[Hosts, str]:
    """Worker hosts: a data folder each, and their own namespaces if the kernel allows."""
    why_not = namespaces_unavailable()
    if why_not is not None:
        logging.getLogger(__name__).warning("workers share this host's network: %s", why_not)
        return Hosts(root), "S3, own data dirs (no netns: unshare -rnu refused)"
    folder = root / "bridges"
    folder.mkdir()
    ports = [_port(database_url), _port(redis_url)] + ([proxy.port] if proxy else [])
    bridges = tuple((port, folder / f"{port}.sock") for port in ports)
    for port, path in bridges:
        stack.callback(unix_to_tcp(path, port).close)
    return Hosts(root, bridges), "S3, own data dirs, netns"
