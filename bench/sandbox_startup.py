"""Per-render sandbox start-up: a fresh interpreter vs a child forked by the worker's zygote.

Times `SandboxProcess.start(job)` → the sandbox's first protocol line for a tiny real job
(one demo DI × one capture → IR chain, WAV only; the sandbox is stopped after that first line).
The two ways alternate within each repeat; medians side by side. The zygote's own start (one
engine import per worker, paid once while the worker waits for its first job) is reported apart.
Run: .venv/bin/python -m bench.sandbox_startup [--repeats 7] [--write]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.sections import update_section
from toneshootout.engine.demo.material import write_demo_material
from toneshootout.worker.process import SandboxProcess
from toneshootout.worker.zygote_client import FORK_SERVER


def tiny_job(root: Path) -> dict[str, Any]:
    """The sandbox's job for one short DI through one chain."""
    material = write_demo_material(root / "demo")
    spec = {
        "title": "start-up",
        "di": [{"name": "Arpeggio", "path": str(material.arpeggio)}],
        "chain": [
            {
                "name": "Crunch",
                "blocks": [
                    {"type": "capture", "path": str(material.crunch)},
                    {"type": "ir", "path": str(material.cab_1x12)},
                ],
            }
        ],
        "settings": {"outputs": ["wav"]},
    }
    return {
        "spec": spec,
        "out_dir": str(root / "out"),
        "parent_pid": os.getpid(),
        "workers": 1,
        "memory_mb": 4096,
        "cpu_seconds": 600,
    }


async def first_line_seconds(job: dict[str, Any]) -> float:
    """Seconds from start() to the first protocol line; the sandbox is stopped afterwards."""
    began = time.perf_counter()
    sandbox = await SandboxProcess.start(job)
    try:
        message = await sandbox.next_message()
        elapsed = time.perf_counter() - began
        if message is None or message.get("type") == "error":
            raise RuntimeError(f"the sandbox did not start the job: {message}")
        return elapsed
    finally:
        await sandbox.stop(grace=0.5)


async def measure(repeats: int) -> tuple[float, list[float], list[float]]:
    """(zygote start s, fresh-interpreter samples, forked samples)."""
    with tempfile.TemporaryDirectory() as folder:
        job = tiny_job(Path(folder))
        began = time.perf_counter()
        await FORK_SERVER.warm()
        if FORK_SERVER.pid is None:
            raise RuntimeError("the zygote did not start")
        zygote_start = time.perf_counter() - began
        fresh: list[float] = []
        forked: list[float] = []
        try:
            for _ in range(repeats):
                FORK_SERVER.configure(enabled=False)
                fresh.append(await first_line_seconds(job))
                FORK_SERVER.configure(enabled=True)
                forked.append(await first_line_seconds(job))
        finally:
            FORK_SERVER.close()
    return zygote_start, fresh, forked


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args(argv)
    zygote_start, fresh, forked = asyncio.run(measure(args.repeats))
    fresh_median, forked_median = statistics.median(fresh), statistics.median(forked)
    body = (
        "## Sandbox start-up: fresh interpreter vs zygote fork\n\n"
        f"`.venv/bin/python -m bench.sandbox_startup --repeats {args.repeats} --write` "
        f"(medians of {args.repeats}, alternating; 1-minute load average at the end "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)\n\n"
        "Time from `SandboxProcess.start(job)` to the sandbox's first protocol line, for a "
        "tiny job (one demo DI × one capture → IR chain).\n\n"
        "| Sandbox start | Median s | Min s | Max s |\n|---|---|---|---|\n"
        f"| Fresh interpreter (`sandbox_fork_server = false`) | {fresh_median:.3f} | "
        f"{min(fresh):.3f} | {max(fresh):.3f} |\n"
        f"| Forked by the zygote (default) | {forked_median:.3f} | {min(forked):.3f} | "
        f"{max(forked):.3f} |\n\n"
        f"Saved per render: {fresh_median - forked_median:.2f} s. The zygote itself took "
        f"{zygote_start:.1f} s to start (once per worker, before its first job).\n"
    )
    print(body)
    if args.write:
        update_section("sandbox-startup", body)


if __name__ == "__main__":
    main()
