"""Server-side cost per request, in process: the real app, no HTTP server, no network client.

Run: .venv/bin/python -m bench.api_profile [--requests 400] [--rounds 5] [--pg] [--profile …]

The app is driven through raw ASGI calls (one at a time), so the figures are what the app
itself spends on a request: middleware, auth, database round-trips, validation, logging;
`cpu` is this process's CPU time (aiosqlite's thread included), `wall` adds the waits. The
access log goes to a file, as it does under uvicorn. `--profile pyinstrument` prints a call
tree per endpoint, `--profile cprofile` the functions with the most own time.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import importlib
import io
import pstats
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from fastapi import FastAPI
from tests.pg import postgres_cluster

from bench.api_server import PASSWORD, seed_library
from toneshootout.server.app import create_app
from toneshootout.server.db.migrate import upgrade
from toneshootout.settings import Settings

LIBRARY_SIZE = 200
ASGIApp = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


@dataclass(frozen=True)
class Target:
    name: str
    path: str
    query: str = ""


async def _setup(app: FastAPI, database_url: str) -> tuple[str, list[Target]]:
    """Register, seed 200 DI tracks, create a shootout; the token and the endpoints to time."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        credentials = {"email": "profile@example.com", "password": PASSWORD}
        (await client.post("/api/v1/auth/register", json=credentials)).raise_for_status()
        login = await client.post("/api/v1/auth/login", json=credentials)
        token = str(login.json()["access_token"])
        auth = {"Authorization": f"Bearer {token}"}
        me = (await client.get("/api/v1/me", headers=auth)).json()
        ids = await seed_library(database_url, uuid.UUID(me["id"]), LIBRARY_SIZE)
        body = {
            "title": "Profile shootout",
            "di_tracks": [ids["di"]],
            "chains": [
                {
                    "name": "Amp + IR",
                    "blocks": [
                        {"type": "capture", "capture_id": ids["capture"]},
                        {"type": "ir", "ir_id": ids["ir"]},
                    ],
                },
                {"name": "Amp", "blocks": [{"type": "capture", "capture_id": ids["capture"]}]},
            ],
        }
        created = await client.post("/api/v1/shootouts", json=body, headers=auth)
        created.raise_for_status()
        shootout = created.json()["id"]
    return token, [
        Target("GET /healthz", "/healthz"),
        Target("GET /api/v1/di-tracks?limit=100", "/api/v1/di-tracks", "limit=100"),
        Target("GET /api/v1/shootouts/{id}", f"/api/v1/shootouts/{shootout}"),
    ]


async def call(app: ASGIApp, target: Target, token: str) -> int:
    """One GET through the ASGI interface; the status code."""
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": target.path,
        "raw_path": target.path.encode(),
        "query_string": target.query.encode(),
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"authorization", f"Bearer {token}".encode()),
            (b"accept", b"*/*"),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])

    await app(scope, receive, send)
    return status


async def time_target(app: ASGIApp, target: Target, token: str, count: int) -> tuple[float, float]:
    """Mean wall and process-CPU microseconds per request over `count` sequential requests."""
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(count):
        status = await call(app, target, token)
        if status != 200:
            raise RuntimeError(f"{target.name} answered {status}")
    wall, used = time.perf_counter() - start, time.process_time() - cpu
    return wall / count * 1e6, used / count * 1e6


async def profile_target(app: ASGIApp, target: Target, token: str, count: int, tool: str) -> str:
    """A profile of `count` requests: pyinstrument's call tree, or cProfile's own-time top."""
    if tool == "pyinstrument":
        # A measuring tool (pip install pyinstrument), not a dependency of the project.
        pyinstrument: Any = importlib.import_module("pyinstrument")
        sampler = pyinstrument.Profiler(interval=0.001, async_mode="enabled")
        sampler.start()
        for _ in range(count):
            await call(app, target, token)
        sampler.stop()
        return str(sampler.output_text(unicode=True, color=False, show_all=False))
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(count):
        await call(app, target, token)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(40)
    return out.getvalue()


@contextmanager
def stderr_to(path: Path) -> Iterator[None]:
    """Send the JSON log lines to a file, as uvicorn's redirected stderr would."""
    saved = sys.stderr
    with path.open("w", encoding="utf-8") as sink:
        sys.stderr = sink
        try:
            yield
        finally:
            sys.stderr = saved


async def measure(database_url: str, folder: Path, args: argparse.Namespace) -> None:
    """Time (and optionally profile) each endpoint on one database."""
    settings = Settings(environment="development", data_dir=folder, database_url=database_url)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        token, targets = await _setup(app, database_url)
        with stderr_to(folder / "access.log"):
            results: dict[str, list[tuple[float, float]]] = {t.name: [] for t in targets}
            for t in targets:
                await time_target(app, t, token, 50)  # warm caches and the pool
            for _ in range(args.rounds):  # interleaved, so drift hits every endpoint alike
                for t in targets:
                    results[t.name].append(await time_target(app, t, token, args.requests))
            reports = [
                await profile_target(app, t, token, args.requests, args.profile)
                for t in targets
                if args.profile
            ]
    print(f"## {database_url.split(':', 1)[0]}: µs per request, median of {args.rounds} rounds")
    print(f"{'endpoint':36s} {'wall':>8s} {'cpu':>8s}   wall range")
    for name, values in results.items():
        walls = [w for w, _ in values]
        cpu = statistics.median(c for _, c in values)
        spread = f"{min(walls):.0f}–{max(walls):.0f}"
        print(f"{name:36s} {statistics.median(walls):8.0f} {cpu:8.0f}   ({spread})")
    for target, text in zip(targets, reports, strict=False):
        print(f"\n### cProfile: {target.name}\n{text}")


async def _create_database(admin_url: str, name: str) -> str:
    plain = admin_url.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(f"{plain}/postgres")
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return f"{admin_url}/{name}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=400, help="requests per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--pg", action="store_true", help="also on a throwaway PostgreSQL")
    parser.add_argument(
        "--profile",
        choices=["pyinstrument", "cprofile"],
        help="also print a profile per endpoint (pyinstrument must be pip-installed)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ts-apiprofile-") as tmp:
        folder = Path(tmp)
        url = f"sqlite+aiosqlite:///{folder / 'toneshootout.db'}"
        upgrade(url)
        asyncio.run(measure(url, folder, args))
        if args.pg:
            with postgres_cluster() as admin_url:
                pg_url = asyncio.run(_create_database(admin_url, "profile"))
                upgrade(pg_url)
                (folder / "pg").mkdir()
                asyncio.run(measure(pg_url, folder / "pg", args))


if __name__ == "__main__":
    main()
