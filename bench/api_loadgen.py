"""Open-loop HTTP load at fixed, stepped rates; one JSON line of results per step on stdout.

Run by bench.api_load in its own process so the client does not share the benchmark's loop.
Latency is measured from each request's *scheduled* start, so a stalled server is not hidden
by the client waiting for it (no coordinated omission).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

import httpx
import numpy as np

TIMEOUT_S = 5.0


async def _one(client: httpx.AsyncClient, path: str, due: float, out: list[float]) -> bool:
    try:
        response = await client.get(path)
        ok = response.status_code == 200
    except httpx.HTTPError:
        ok = False
    out.append(time.perf_counter() - due)
    return ok


async def run_step(
    client: httpx.AsyncClient, path: str, rate: float, seconds: float
) -> dict[str, float]:
    """Fire `rate` requests a second for `seconds`, whatever the server's pace; summarise."""
    count = int(rate * seconds)
    latencies: list[float] = []
    tasks: list[asyncio.Task[bool]] = []
    start = time.perf_counter()
    for i in range(count):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(_one(client, path, due, latencies)))
    results = await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    ms = np.asarray(latencies) * 1000.0
    return {
        "target": rate,
        "achieved": sum(results) / elapsed,
        "p50_ms": float(np.percentile(ms, 50)),
        "p99_ms": float(np.percentile(ms, 99)),
        "errors": float(count - sum(results)),
    }


async def main_async(args: argparse.Namespace) -> None:
    limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
    headers = {"Authorization": f"Bearer {args.token}"}
    async with httpx.AsyncClient(
        base_url=args.base, headers=headers, limits=limits, timeout=TIMEOUT_S
    ) as client:
        for _ in range(20):  # warm connections and the server's caches
            await client.get(args.path)
        for rate in args.rates:
            step = await run_step(client, args.path, rate, args.seconds)
            print(json.dumps(step), flush=True)
            if step["errors"] or step["p99_ms"] > args.p99_limit_ms:
                break  # a failed step ends the ramp: higher rates only queue deeper
            await asyncio.sleep(1.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base", required=True)
    parser.add_argument("--path", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--rates", type=float, nargs="+", required=True)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--p99-limit-ms", type=float, default=100.0)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
