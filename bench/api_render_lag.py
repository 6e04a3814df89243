"""The embedded service stays responsive while it renders: `/healthz` latency during two renders.

Run: .venv/bin/python -m bench.api_render_lag [--no-write]

The real service (`toneshootout db upgrade`, uvicorn with one worker, SQLite, no Redis: the
embedded default, whose TaskIQ tasks run in the API process and whose renders run in sandboxed
subprocesses). One user uploads the demo material and submits the demo shootout (2 DIs × 4
chains, all outputs) twice; `/healthz` is polled every 20 ms while both render, and for a few
seconds idle before. Everything is on 127.0.0.1; the poller shares the machine's two cores with
the two renders, so its figures include CPU contention, not only event-loop blocking.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from pathlib import Path

import httpx
from tests.fault.cluster import Client

from bench.api_server import register, running_service, service_env
from bench.api_uploads import PollStats, latency_stats, poll_healthz
from bench.jobs_throughput import demo_shootout
from bench.sections import update_section

RENDERS = 2
IDLE_S = 3.0
RENDER_TIMEOUT_S = 900.0


async def _wait_done(client: httpx.AsyncClient, headers: dict[str, str], ids: list[str]) -> None:
    deadline = time.monotonic() + RENDER_TIMEOUT_S
    while time.monotonic() < deadline:
        states = [
            (await client.get(f"/api/v1/renders/{i}", headers=headers)).json()["state"] for i in ids
        ]
        if all(s in ("succeeded", "failed", "cancelled") for s in states):
            if any(s != "succeeded" for s in states):
                raise RuntimeError(f"a render did not succeed: {states}")
            return
        await asyncio.sleep(0.5)
    raise RuntimeError("the renders did not finish in time")


async def _measure(base: str, root: Path) -> tuple[PollStats, PollStats, float]:
    user_id, token = await register(base)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, timeout=60.0) as http:
        client = Client(http=http, headers=headers, user_id=user_id)
        shootout = await demo_shootout(client, root)
        idle = await poll_healthz(http, time.perf_counter() + IDLE_S)
        started = time.perf_counter()
        ids = []
        for _ in range(RENDERS):
            reply = await http.post(f"/api/v1/shootouts/{shootout}/renders", headers=headers)
            reply.raise_for_status()
            ids.append(str(reply.json()["id"]))
        finished = asyncio.Event()
        poller = asyncio.create_task(poll_healthz(http, finished))
        try:
            await _wait_done(http, headers, ids)
        finally:
            finished.set()
            busy = await poller
    return latency_stats(idle), latency_stats(busy), time.perf_counter() - started


def _row(label: str, stats: PollStats) -> str:
    figures = (stats.p50_ms, stats.p99_ms, stats.max_ms)
    return f"| {label} | {stats.count} | " + " | ".join(f"{x:.1f}" for x in figures) + " |"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-write", action="store_true", help="print, do not edit the docs")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ts-render-lag-") as tmp:
        root = Path(tmp)
        data = root / "data"
        data.mkdir()
        url = f"sqlite+aiosqlite:///{data / 'toneshootout.db'}"
        env = service_env(data, url, {"TONESHOOTOUT_ENVIRONMENT": "development"})
        with running_service(env, workers=1) as server:
            idle, busy, seconds = asyncio.run(_measure(server.base, root))
    load = os.getloadavg()[0]
    body = "\n".join(
        [
            "## API responsiveness while rendering (embedded mode)",
            "",
            "`.venv/bin/python -m bench.api_render_lag`: one uvicorn worker, SQLite, no Redis "
            f"(renders run in sandboxed subprocesses started by the API process); the demo "
            f"shootout (2 DIs × 4 chains, all outputs) submitted {RENDERS}× at once, both done "
            f"in {seconds:.1f} s; 1-minute load average at the end {load:.1f} on 2 cores.",
            "",
            "| `/healthz` polled every 20 ms | polls | p50 ms | p99 ms | max ms |",
            "|---|---:|---:|---:|---:|",
            _row("idle", idle),
            _row(f"during {RENDERS} renders", busy),
        ]
    )
    print(body)
    if not args.no_write:
        update_section("api-render-lag", body)


if __name__ == "__main__":
    main()
