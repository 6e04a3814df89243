"""Render jobs per minute with 1 and 2 `toneshootout worker` processes on the demo shootout.

The real deployment in miniature (tests/fault/cluster.py): the API app with its Redis broker,
SQLite, a throwaway Redis and worker subprocesses (concurrency 1 each). Workers are started and
left to finish starting up before the clock starts; then `--jobs` renders of the demo shootout
(the engine's demo material: 2 DIs × 4 chains, all outputs) are submitted through the API and
timed until the last one ends. 1 and 2 workers alternate within each repeat; medians are
reported side by side. It also times what every render pays before it renders: a fresh
interpreter importing the sandbox module (the engine).
Run: .venv/bin/python -m bench.jobs_throughput [--jobs 6] [--repeats 2] [--write]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select
from tests.fault.cluster import Client, ClusterConfig, cluster
from tests.fault.measure import harness_context, wait_terminal

from bench.sections import update_section
from toneshootout.engine.demo.material import DemoMaterial, write_demo_material
from toneshootout.server.db.models.render import Render


async def demo_shootout(client: Client, root: Path) -> str:
    """Upload the demo material and create the demo shootout (all outputs) through the API."""
    material: DemoMaterial = write_demo_material(root / "demo")
    dis = [await client.upload("di-tracks", p.name, p.read_bytes()) for p in (material.riff,)]
    dis.append(await client.upload("di-tracks", "arpeggio.wav", material.arpeggio.read_bytes()))
    ids = {
        path: await client.upload(kind, path.name, path.read_bytes())
        for kind, path in [
            ("captures", material.clean),
            ("captures", material.crunch),
            ("captures", material.high_gain),
            ("irs", material.cab_4x12),
            ("irs", material.cab_1x12),
        ]
    }
    chains = [
        ("Clean → 4x12", material.clean, material.cab_4x12),
        ("Crunch → 4x12", material.crunch, material.cab_4x12),
        ("High Gain → 4x12", material.high_gain, material.cab_4x12),
        ("High Gain → 1x12", material.high_gain, material.cab_1x12),
    ]
    body = {
        "title": "Tone Shootout demo",
        "di_tracks": dis,
        "chains": [
            {
                "name": name,
                "blocks": [
                    {"type": "capture", "capture_id": ids[capture]},
                    {"type": "ir", "ir_id": ids[cab], "force": True},
                ],
            }
            for name, capture, cab in chains
        ],
        "settings": {"loudness_target_lufs": -18.0, "segment_seconds": 4.0},
    }
    reply = await client.http.post("/api/v1/shootouts", json=body, headers=client.headers)
    reply.raise_for_status()
    client.shootout_id = str(reply.json()["id"])
    return client.shootout_id


async def _wait_ready(running: object, workers: int, timeout: float = 300.0) -> None:
    pool = running.pool  # type: ignore[attr-defined]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sum(1 for w in pool.workers if w.ready()) >= workers:
            return
        await asyncio.sleep(0.2)
    raise RuntimeError("workers did not start")


async def one_run(
    workers: int, jobs: int, *, scale_out: bool = False
) -> tuple[float, float, float]:
    """(jobs per minute, median queue wait s, median run s) for `workers` worker processes.

    `scale_out`: the fault harness's scale-out cluster (each process its own data folder,
    files in an S3 bucket, PostgreSQL), instead of one shared folder on SQLite.
    """
    config = ClusterConfig(
        workers=workers,
        lease_seconds=60,
        requeue_after_seconds=30.0,
        max_render_seconds=1800,
        idle_timeout_ms=2_400_000,
        database="postgresql" if scale_out else "sqlite",
        scale_out=scale_out,
    )
    async with cluster(config, tiny_shootout=False) as running:
        await demo_shootout(running.client, running.root)
        await _wait_ready(running, workers)
        ctx, engine = harness_context(running)
        start = time.monotonic()
        for _ in range(jobs):
            (await running.client.submit()).raise_for_status()
        if not await wait_terminal(ctx, jobs, timeout=600 + 120 * jobs):
            raise RuntimeError("jobs did not finish")
        elapsed = time.monotonic() - start
        async with ctx.sessionmaker() as session:
            rows = (await session.scalars(select(Render))).all()
        await engine.dispose()  # type: ignore[attr-defined]
    if any(r.state != "succeeded" for r in rows):
        raise RuntimeError(f"not every render succeeded: {[r.detail for r in rows]}")
    # created_at, not queued_at: every kick (e.g. the fair next-job kick) restarts queued_at.
    waits = [(r.started_at - r.created_at).total_seconds() for r in rows if r.started_at]
    runs = [
        (r.finished_at - r.started_at).total_seconds()
        for r in rows
        if r.finished_at and r.started_at
    ]
    return jobs / elapsed * 60, statistics.median(waits), statistics.median(runs)


def sandbox_import_seconds(repeats: int = 3) -> float:
    """Median wall time of a fresh interpreter importing the sandbox (and so the engine)."""
    samples = []
    for _ in range(repeats):
        began = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", "import toneshootout.worker.sandbox"],
            check=True,
            env=os.environ | {"OMP_NUM_THREADS": "1"},
        )
        samples.append(time.perf_counter() - began)
    return statistics.median(samples)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=6)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument(
        "--scale-out",
        action="store_true",
        help="separate data folders per process, files in an S3 bucket (moto), PostgreSQL",
    )
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args(argv)
    results: dict[int, list[tuple[float, float, float]]] = {1: [], 2: []}
    for _ in range(args.repeats):
        for workers in (1, 2):
            measured = one_run(workers, args.jobs, scale_out=args.scale_out)
            results[workers].append(asyncio.run(measured))
            print(workers, results[workers][-1], flush=True)
    startup = sandbox_import_seconds()
    lines = [
        "| Workers | Jobs/min (median) | Queue wait s (median) | Run s per job (median) |",
        "|---|---|---|---|",
    ]
    for workers, samples in results.items():
        rate, wait, run = (statistics.median(s[i] for s in samples) for i in range(3))
        lines.append(f"| {workers} | {rate:.2f} | {wait:.1f} | {run:.1f} |")
    scale_out = " --scale-out" if args.scale_out else ""
    command = (
        f".venv/bin/python -m bench.jobs_throughput --jobs {args.jobs} "
        f"--repeats {args.repeats}{scale_out} --write"
    )
    title = "render throughput on the demo shootout" + (
        ", no shared disk" if args.scale_out else ""
    )
    where = (
        "Scale-out: the API and each worker have their own data folder and share only "
        "PostgreSQL, Redis and an S3 bucket (moto over HTTP); workers fetch inputs into their "
        "own cache and upload every output before recording it. "
        if args.scale_out
        else ""
    )
    body = (
        f"## Jobs and faults: {title}\n\n"
        f"`{command}` ({args.jobs} jobs per run, {args.repeats} repeat(s), medians; "
        f"1-minute load average at the end {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)\n\n"
        f"{where}"
        "Each job is the engine's demo shootout (2 DIs × 4 chains, all outputs) submitted "
        "through the API and rendered by `toneshootout worker` processes (concurrency 1). "
        f"A fresh sandbox interpreter importing the engine takes {startup:.1f} s (median of 3), "
        "paid once per worker by its fork server (each render is forked from it; see "
        '"Sandbox start-up").\n\n' + "\n".join(lines) + "\n"
    )
    print(body)
    if args.write:
        update_section("jobs-throughput" + ("-scale-out" if args.scale_out else ""), body)


if __name__ == "__main__":
    main()
