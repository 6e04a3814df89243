"""Progress-event latency from publish (as the worker does) to the browser socket (REQ-31).

Two set-ups, each with `--sockets` connected sockets (default 200), spread over `--users`
accounts that each watch one running render:
- embedded: one API process with its `InProcessHub`; the events are published inside that
  process (`bench/ws_app.py`'s hook), as the embedded worker does;
- redis: two API processes sharing one Redis and one database; the events are published by
  this script through `RedisHub` (a `toneshootout worker` process does exactly that), and the
  sockets alternate between the two API processes.
Latency is (socket receive time) − (event `at`, stamped just before publishing), both from this
host's wall clock. The sockets are read by this one Python process, so its own event-loop lag
is included: figures are an upper bound of the server path.

    .venv/bin/python -m bench.ws_latency            # both set-ups, writes docs/BENCHMARKS.md
    .venv/bin/python -m bench.ws_latency --mode embedded --seconds 5 --no-write
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import httpx
import websockets
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import create_async_engine
from tests.redis_server import redis_server

from bench.api_server import ROOT, TOOL, free_port, register, service_env
from bench.sections import update_section
from bench.ws_app import progress_event
from toneshootout.server.db.models.render import Render
from toneshootout.server.realtime.hub import RedisHub

STARTUP_TIMEOUT_S = 60.0
WS_MAX_SIZE = 64 * 1024  # as `toneshootout serve` runs uvicorn


@dataclass
class Result:
    mode: str
    sockets: int
    api_processes: int
    published: int
    expected: int
    latencies_ms: list[float] = field(default_factory=list)

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


@contextlib.contextmanager
def api_process(env: dict[str, str]) -> Iterator[str]:
    """One uvicorn process serving `bench.ws_app:create` on a free port; its base URL."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "bench.ws_app:create", "--factory"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--ws-max-size", str(WS_MAX_SIZE)]
    command += ["--log-level", "warning", "--no-access-log"]
    log = Path(env["TONESHOOTOUT_DATA_DIR"]) / f"server-{port}.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=sink, stderr=sink, start_new_session=True
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, proc)
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _wait_ready(base: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"uvicorn exited with {proc.returncode} before answering")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base}/healthz", timeout=1.0).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"uvicorn did not answer {base}/healthz within {STARTUP_TIMEOUT_S} s")


def bench_env(data_dir: Path, redis_url: str | None) -> dict[str, str]:
    """Service settings for the run: caps raised so the benchmark itself is not refused."""
    extra = {
        "TONESHOOTOUT_ENVIRONMENT": "test",
        "TONESHOOTOUT_AUTH__REGISTER_RATE_PER_MINUTE": "10000",
        "TONESHOOTOUT_AUTH__LOGIN_RATE_PER_MINUTE": "10000",
        "TONESHOOTOUT_REALTIME__TICKET_RATE_PER_MINUTE": "100000",
        "TONESHOOTOUT_REALTIME__MAX_CONNECTIONS_PER_USER": "1000",
    }
    if redis_url:
        extra["TONESHOOTOUT_REDIS_URL"] = redis_url
    return service_env(data_dir, f"sqlite+aiosqlite:///{data_dir / 'bench.db'}", extra)


async def add_renders(database_url: str, owners: list[uuid.UUID]) -> list[uuid.UUID]:
    """One running render per owner, inserted as the submit route and a claim would leave it."""
    engine = create_async_engine(database_url)
    try:
        async with engine.begin() as connection:
            rows = [
                {
                    "id": uuid.uuid4(),
                    "owner_id": owner,
                    "number": 1,
                    "title": "bench",
                    "snapshot": {},
                    "snapshot_sha256": "0" * 64,
                    "max_attempts": 3,
                    "state": "running",
                    "attempt": 1,
                }
                for owner in owners
            ]
            await connection.execute(insert(Render), rows)
    finally:
        await engine.dispose()
    return [uuid.UUID(str(row["id"])) for row in rows]


async def ticket(base: str, token: str) -> str:
    async with httpx.AsyncClient(base_url=base, timeout=30.0) as client:
        response = await client.post(
            "/api/v1/ws/tickets", headers={"Authorization": f"Bearer {token}"}
        )
        response.raise_for_status()
        return str(response.json()["ticket"])


@contextlib.asynccontextmanager
async def watching_sockets(
    bases: list[str], watchers: list[tuple[str, uuid.UUID]], latencies: list[float]
) -> AsyncIterator[None]:
    """Open one socket per (token, render), alternating over `bases`; record event latencies."""
    sockets = []
    for index, (token, render_id) in enumerate(watchers):
        base = bases[index % len(bases)]
        url = base.replace("http://", "ws://") + f"/api/v1/ws?ticket={await ticket(base, token)}"
        ws = await websockets.connect(url, ping_interval=None, max_size=2**20)
        await ws.send(json.dumps({"type": "subscribe", "render_id": str(render_id)}))
        assert json.loads(await ws.recv())["type"] == "snapshot"
        sockets.append(ws)
    readers = [asyncio.create_task(_read(ws, latencies)) for ws in sockets]
    try:
        yield
    finally:
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)


async def _read(ws: websockets.ClientConnection, latencies: list[float]) -> None:
    async for raw in ws:
        received = time.time()
        message = json.loads(raw)
        if message["type"] == "event":
            sent = datetime.fromisoformat(message["event"]["at"]).timestamp()
            latencies.append((received - sent) * 1000)


async def measure(mode: str, sockets: int, users: int, rate: float, seconds: float) -> Result:
    """Run one set-up end to end and return its latencies."""
    with contextlib.ExitStack() as stack:
        data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ws-bench-")))
        redis_url = stack.enter_context(redis_server()).url if mode == "redis" else None
        env = bench_env(data_dir, redis_url)
        subprocess.run(
            [str(TOOL), "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True
        )
        bases = [stack.enter_context(api_process(env)) for _ in range(2 if redis_url else 1)]
        accounts = [await register(bases[0]) for _ in range(users)]
        renders = await add_renders(env["TONESHOOTOUT_DATABASE_URL"], [a[0] for a in accounts])
        watchers = [(accounts[i % users][1], renders[i % users]) for i in range(sockets)]
        plan = [(accounts[i][0], renders[i]) for i in range(users)]
        rounds = max(1, int(rate * seconds))
        result = Result(mode, sockets, len(bases), users * rounds, sockets * rounds)
        async with watching_sockets(bases, watchers, result.latencies_ms):
            await _publish(bases[0], redis_url, plan, 1 / rate, rounds)
            await asyncio.sleep(1.0)  # let the last deliveries land
    return result


async def _publish(
    base: str,
    redis_url: str | None,
    plan: list[tuple[uuid.UUID, uuid.UUID]],
    interval_s: float,
    rounds: int,
) -> None:
    if redis_url is None:
        body = {"renders": [[str(o), str(r)] for o, r in plan], "interval_s": interval_s}
        async with httpx.AsyncClient(base_url=base, timeout=None) as client:
            response = await client.post("/bench/publish", json=body | {"rounds": rounds})
            response.raise_for_status()
        return
    hub = RedisHub(redis_url, "toneshootout:events")  # the default events channel
    loop = asyncio.get_running_loop()
    start = loop.time()
    try:
        for index in range(rounds):
            for owner_id, render_id in plan:
                await hub.publish(progress_event(owner_id, render_id, (index + 1) / rounds))
            await asyncio.sleep(max(0.0, start + (index + 1) * interval_s - loop.time()))
    finally:
        await hub.close()


def report(results: list[Result], command: str, users: int, rate: float, seconds: float) -> str:
    lines = [
        "## WebSocket progress latency (REQ-31)",
        "",
        f"Command: `{command}`. {users} users each watch one running render; every render gets",
        f"{rate:g} progress events/s for {seconds:g} s; sockets spread evenly over the users.",
        "Latency = socket receive − event `at` (stamped at publish), one host clock; all",
        "sockets are read by the one Python process that also measures, so its loop lag counts.",
        "",
        "| set-up | API processes | sockets | events published | deliveries (got / expected) "
        "| p50 ms | p99 ms | max ms |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.mode} | {r.api_processes} | {r.sockets} | {r.published} "
            f"| {len(r.latencies_ms)} / {r.expected} | {r.percentile(0.5):.1f} "
            f"| {r.percentile(0.99):.1f} | {max(r.latencies_ms, default=float('nan')):.1f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["both", "embedded", "redis"], default="both")
    parser.add_argument("--sockets", type=int, default=200)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--rate", type=float, default=2.0, help="events/s per render")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--no-write", action="store_true", help="print, do not edit the docs")
    args = parser.parse_args()
    modes = ["embedded", "redis"] if args.mode == "both" else [args.mode]
    results = [
        asyncio.run(measure(mode, args.sockets, args.users, args.rate, args.seconds))
        for mode in modes
    ]
    body = report(
        results,
        "python -m bench.ws_latency " + " ".join(sys.argv[1:]),
        args.users,
        args.rate,
        args.seconds,
    )
    print(body)
    if not args.no_write:
        update_section("ws-latency", body)


if __name__ == "__main__":
    main()
