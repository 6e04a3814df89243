"""API throughput at p99 ≤ 100 ms (SQLite and PostgreSQL) and event-loop lag under big uploads.

Run: .venv/bin/python -m bench.api_load [--quick] [--client raw|httpx]

Everything stays on 127.0.0.1. The service is the real one (`toneshootout db upgrade`, then
uvicorn with 2 workers); the open-loop load generator is a separate Python process sharing the
same two cores, so the figures are a floor for what the service alone could do.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from tests.pg import postgres_cluster

from bench.api_server import (
    ROOT,
    create_shootout,
    register,
    running_service,
    seed_library,
    service_env,
)
from bench.api_uploads import UploadLag, measure_upload_lag
from bench.sections import update_section

LIBRARY_SIZE = 200
P99_LIMIT_MS = 100.0
# Steps of ~25 % so the knee is located to within a step (a ramp stops at its first failure).
FULL_RATES = [50.0, 75.0, 100.0, 125.0, 150.0, 200.0, 250.0, 300.0, 400.0, 500.0, 800.0]
COMMAND = ".venv/bin/python -m bench.api_load"
CLIENTS = {
    "raw": "keep-alive HTTP/1.1 over asyncio streams on uvloop",
    "httpx": "an asyncio httpx client, which costs more CPU per request than the server",
}


@dataclass(frozen=True)
class Ramp:
    backend: str
    endpoint: str
    steps: list[dict[str, float]]

    @property
    def sustained(self) -> float | None:
        """The highest target rate met with p99 within the limit and no errors."""
        good = [s["target"] for s in self.steps if not s["errors"] and s["p99_ms"] <= P99_LIMIT_MS]
        return max(good) if good else None


def ramp(
    base: str, token: str, path: str, rates: list[float], seconds: float, *, client: str
) -> list[dict[str, float]]:
    """Run the load generator process against `path`; its per-step results."""
    command = [sys.executable, "-m", "bench.api_loadgen", "--base", base, "--path", path]
    command += ["--token", token, "--seconds", str(seconds), "--client", client]
    command += ["--rates", *map(str, rates)]
    out = subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True)
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]


def measure_backend(
    backend: str,
    database_url: str,
    data_dir: Path,
    rates: list[float],
    seconds: float,
    *,
    client: str,
) -> list[Ramp]:
    """Seed one service (2 workers) and ramp both endpoints against it."""
    env = service_env(data_dir, database_url, {})
    with running_service(env, workers=2) as server:
        owner, token = asyncio.run(register(server.base))
        ids = asyncio.run(seed_library(database_url, owner, LIBRARY_SIZE))
        shootout = asyncio.run(create_shootout(server.base, token, ids))
        paths = {
            "GET /api/v1/di-tracks?limit=100": "/api/v1/di-tracks?limit=100",
            "GET /api/v1/shootouts/{id}": f"/api/v1/shootouts/{shootout}",
        }
        return [
            Ramp(backend, name, ramp(server.base, token, path, rates, seconds, client=client))
            for name, path in paths.items()
        ]


async def _create_database(admin_url: str, name: str) -> str:
    plain = admin_url.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(f"{plain}/postgres")
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return f"{admin_url}/{name}"


def measure_all(folder: Path, rates: list[float], seconds: float, client: str) -> list[Ramp]:
    """Both endpoints on SQLite, then on a throwaway PostgreSQL cluster."""
    sqlite_dir = folder / "sqlite"
    sqlite_url = f"sqlite+aiosqlite:///{sqlite_dir / 'toneshootout.db'}"
    sqlite_dir.mkdir()
    ramps = measure_backend("SQLite", sqlite_url, sqlite_dir, rates, seconds, client=client)
    with postgres_cluster() as admin_url:
        pg_url = asyncio.run(_create_database(admin_url, "bench"))
        pg_dir = folder / "pg"
        pg_dir.mkdir()
        ramps += measure_backend("PostgreSQL", pg_url, pg_dir, rates, seconds, client=client)
    return ramps


def _ramp_table(ramps: list[Ramp]) -> str:
    lines = [
        "| backend | endpoint | target req/s | achieved req/s | p50 ms | p99 ms | errors "
        "| client CPU µs/req |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in ramps:
        for s in r.steps:
            lines.append(
                f"| {r.backend} | `{r.endpoint}` | {s['target']:.0f} | {s['achieved']:.0f} "
                f"| {s['p50_ms']:.1f} | {s['p99_ms']:.1f} | {s['errors']:.0f} "
                f"| {s.get('client_cpu_us', float('nan')):.0f} |"
            )
    return "\n".join(lines)


def _summary_table(ramps: list[Ramp]) -> str:
    lines = ["| backend | endpoint | sustained req/s at p99 ≤ 100 ms |", "|---|---|---:|"]
    for r in ramps:
        best = r.sustained
        shown = f"{best:.0f}" if best is not None else f"< {r.steps[0]['target']:.0f}"
        lines.append(f"| {r.backend} | `{r.endpoint}` | {shown} |")
    return "\n".join(lines)


def _lag_table(lag: UploadLag) -> str:
    rows = [("idle", lag.idle), ("during 4 × 50 MB uploads", lag.busy)]
    lines = [
        "| `/healthz` polled every 20 ms | polls | p50 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|",
    ]
    for label, stats in rows:
        figures = f"{stats.p50_ms:.1f} | {stats.p99_ms:.1f} | {stats.max_ms:.1f}"
        lines.append(f"| {label} | {stats.count} | {figures} |")
    return "\n".join(lines)


def report(ramps: list[Ramp], lag: UploadLag, command: str, seconds: float, client: str) -> str:
    """The BENCHMARKS.md section body."""
    return "\n\n".join(
        [
            "## API load (loopback)",
            f"Command: `{command}`",
            f"Service: `toneshootout db upgrade`, then uvicorn `--workers 2` on 127.0.0.1; a "
            f"library of {LIBRARY_SIZE} DI tracks and one shootout (2 chains). Load: an open-loop "
            f"client ({CLIENTS[client]}) in its own process, {seconds:g} s per step, latency "
            "from each request's scheduled start; a ramp stops at its first failing step. The "
            "client shares the machine's 2 cores with the server (its own CPU per request is "
            "in the last column), so these are floors.",
            _summary_table(ramps),
            _ramp_table(ramps),
            "### Event-loop lag during uploads",
            "One uvicorn worker; 4 concurrent uploads of distinct 50 MB 24-bit 48 kHz stereo WAVs "
            f"to `POST /api/v1/di-tracks` (statuses: {', '.join(map(str, lag.statuses))}; "
            f"{lag.upload_seconds:.1f} s for all four).",
            _lag_table(lag),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="2 s steps instead of 5 s")
    parser.add_argument(
        "--client", choices=sorted(CLIENTS), default="raw", help="load generator's HTTP client"
    )
    args = parser.parse_args()
    seconds = 2.0 if args.quick else 5.0
    with tempfile.TemporaryDirectory(prefix="ts-apiload-") as tmp:
        folder = Path(tmp)
        ramps = measure_all(folder, FULL_RATES, seconds, args.client)
        lag = measure_upload_lag(folder / "uploads")
    command = COMMAND + (" --quick" if args.quick else "")
    command += f" --client {args.client}" if args.client != "raw" else ""
    body = report(ramps, lag, command, seconds, args.client)
    update_section("api-load", body)
    print(body)


if __name__ == "__main__":
    main()
