"""Server time per page at p50/p99 under the API benchmarks' open-loop load generator.

The same service and generator as `bench.api_load` (uvicorn with 2 workers, SQLite, the load
generator in its own process on the same two cores), one signed-in account whose session cookie
every request carries, as a browser's would. The pages: home, library (200 DI tracks),
shootouts list, the builder, and the render page of a render that has finished (a render of
the seeded shootout, which fails at once because the seeded rows have no files).

    .venv/bin/python -m bench.pages_load            # writes docs/BENCHMARKS.md
    .venv/bin/python -m bench.pages_load --quick --no-write
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.api_server import (
    ROOT,
    create_shootout,
    register,
    running_service,
    seed_library,
    service_env,
)
from bench.sections import update_section

LIBRARY_SIZE = 200
RATES = [25.0, 50.0, 75.0, 100.0, 150.0, 200.0, 300.0]
QUICK_RATES = [25.0, 50.0]
P99_LIMIT_MS = 100.0


def ramp(
    base: str, token: str, path: str, rates: list[float], seconds: float
) -> list[dict[str, float]]:
    command = [sys.executable, "-m", "bench.api_loadgen", "--base", base, "--path", path]
    command += ["--token", token, "--cookie", f"ts_access={token}", "--seconds", str(seconds)]
    command += ["--p99-limit-ms", str(P99_LIMIT_MS), "--rates", *map(str, rates)]
    out = subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True)
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]


def finished_render(base: str, token: str, shootout: str) -> str:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=30.0) as client:
        render = client.post(f"/api/v1/shootouts/{shootout}/renders", json={})
        render.raise_for_status()
        render_id = str(render.json()["id"])
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            state = client.get(f"/api/v1/renders/{render_id}").json()["state"]
            if state in ("succeeded", "failed", "cancelled"):
                return render_id
            time.sleep(0.5)
    raise RuntimeError("the bench render did not finish")


def measure(folder: Path, rates: list[float], seconds: float) -> dict[str, list[dict[str, float]]]:
    url = f"sqlite+aiosqlite:///{folder / 'toneshootout.db'}"
    env = service_env(folder, url, {})
    with running_service(env, workers=2) as server:
        owner, token = asyncio.run(register(server.base))
        ids = asyncio.run(seed_library(url, owner, LIBRARY_SIZE))
        shootout = asyncio.run(create_shootout(server.base, token, ids))
        render = finished_render(server.base, token, shootout)
        pages = {
            "/": "/",
            "/library": "/library",
            "/shootouts": "/shootouts",
            "/shootouts/{id}": f"/shootouts/{shootout}",
            "/renders/{id}": f"/renders/{render}",
        }
        return {
            name: ramp(server.base, token, path, rates, seconds) for name, path in pages.items()
        }


def report(results: dict[str, list[dict[str, float]]], seconds: float) -> str:
    lines = [
        "## Pages: server time per page under load",
        "",
        "Command: `python -m bench.pages_load`. The API benchmarks' service (uvicorn, 2 workers,",
        "SQLite) and open-loop load generator on the same two cores, signed in by the session",
        f"cookie; {seconds:.0f} s per rate, a ramp stopping at its first step over p99 100 ms.",
        "Times are the client's, from each request's scheduled start to its last byte.",
        "",
        "| page | at 25 req/s: p50 ms | p99 ms | sustained req/s at p99 ≤ 100 ms |",
        "|---|---:|---:|---:|",
    ]
    for name, steps in results.items():
        first = steps[0]
        good = [s["target"] for s in steps if not s["errors"] and s["p99_ms"] <= P99_LIMIT_MS]
        sustained = f"{max(good):.0f}" if good else f"< {first['target']:.0f}"
        lines.append(f"| `{name}` | {first['p50_ms']:.1f} | {first['p99_ms']:.1f} | {sustained} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results = measure(Path(tmp), QUICK_RATES if args.quick else RATES, args.seconds)
    body = report(results, args.seconds)
    print(body)
    if not args.no_write:
        update_section("pages-load", body)


if __name__ == "__main__":
    main()
