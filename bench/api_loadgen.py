"""Open-loop HTTP load at fixed, stepped rates; one JSON line of results per step on stdout.

Run by bench.api_load in its own process so the client does not share the benchmark's loop.
Latency is measured from each request's *scheduled* start, so a stalled server is not hidden
by the client waiting for it (no coordinated omission).

The client shares the machine's cores with the server, so it is kept lean: plain HTTP/1.1
over asyncio streams on uvloop, one pre-encoded request, keep-alive connections
from a pool, responses read by Content-Length. A general HTTP client (httpx) spent more CPU
per request than the server's cheapest routes, so the figures measured the client.
`--client httpx` keeps the old client for comparison; every step reports the client's own CPU
time per request (`client_cpu_us`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

import httpx
import numpy as np
import uvloop

TIMEOUT_S = 5.0
MAX_CONNECTIONS = 256
MAX_HEADER_BYTES = 64 * 1024

Fetch = Callable[[], Awaitable[bool]]


class _Connection:
    """One keep-alive HTTP/1.1 connection that sends the same request again and again."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    async def exchange(self, request: bytes) -> tuple[int, bool]:
        """Send `request`, read the whole response; its status and whether to keep the link."""
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        lowered = head.lower()
        marker = lowered.find(b"\r\ncontent-length:")
        if marker < 0:
            raise ConnectionError("response without Content-Length")
        end = lowered.index(b"\r\n", marker + 2)
        await self.reader.readexactly(int(lowered[marker + 17 : end]))
        return status, b"\r\nconnection: close" not in lowered

    def close(self) -> None:
        self.writer.close()


class RawClient:
    """A pool of raw connections to one host, all sending one pre-encoded GET."""

    def __init__(self, base: str, path: str, token: str, cookie: str = "") -> None:
        url = urlsplit(base)
        self.host, self.port = url.hostname or "127.0.0.1", url.port or 80
        # Pages read the session cookie, not the bearer header: `--cookie` sends one.
        cookie_line = f"Cookie: {cookie}\r\n" if cookie else ""
        self.request = (
            f"GET {path} HTTP/1.1\r\nHost: {url.netloc}\r\n"
            f"Authorization: Bearer {token}\r\n{cookie_line}Accept: */*\r\n\r\n"
        ).encode("latin-1")
        self.idle: list[_Connection] = []
        self.slots = asyncio.Semaphore(MAX_CONNECTIONS)

    async def _connect(self) -> _Connection:
        reader, writer = await asyncio.open_connection(self.host, self.port, limit=MAX_HEADER_BYTES)
        return _Connection(reader, writer)

    async def fetch(self) -> bool:
        """One GET; True for a 200."""
        async with self.slots:
            if self.idle:
                # The server closes keep-alive links idle past its timeout; like any HTTP
                # client, send again on a fresh link when a pooled one turns out closed.
                ok = await self._send(self.idle.pop())
                if ok is not None:
                    return ok
            return bool(await self._send(await self._connect(), fresh=True))

    async def _send(self, link: _Connection, *, fresh: bool = False) -> bool | None:
        """The outcome on `link`; None when a reused link was found closed."""
        try:
            status, keep = await asyncio.wait_for(link.exchange(self.request), TIMEOUT_S)
        except (ConnectionError, asyncio.IncompleteReadError):
            link.close()
            return False if fresh else None
        except (OSError, asyncio.LimitOverrunError, ValueError, TimeoutError):
            link.close()
            return False
        if keep:
            self.idle.append(link)
        else:
            link.close()
        return status == 200

    def close(self) -> None:
        """Close every idle connection."""
        for link in self.idle:
            link.close()
        self.idle.clear()


async def _one(fetch: Fetch, due: float, out: list[float]) -> bool:
    ok = await fetch()
    out.append(time.perf_counter() - due)
    return ok


async def run_step(fetch: Fetch, rate: float, seconds: float) -> dict[str, float]:
    """Fire `rate` requests a second for `seconds`, whatever the server's pace; summarise."""
    count = int(rate * seconds)
    latencies: list[float] = []
    tasks: list[asyncio.Task[bool]] = []
    start, cpu = time.perf_counter(), time.process_time()
    for i in range(count):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(_one(fetch, due, latencies)))
    results = await asyncio.gather(*tasks)
    elapsed, used = time.perf_counter() - start, time.process_time() - cpu
    ms = np.asarray(latencies) * 1000.0
    return {
        "target": rate,
        "achieved": sum(results) / elapsed,
        "p50_ms": float(np.percentile(ms, 50)),
        "p99_ms": float(np.percentile(ms, 99)),
        "errors": float(count - sum(results)),
        "client_cpu_us": used / count * 1e6,
    }


async def _ramp(fetch: Fetch, args: argparse.Namespace) -> None:
    for _ in range(20):  # warm connections and the server's caches
        await fetch()
    for rate in args.rates:
        step = await run_step(fetch, rate, args.seconds)
        print(json.dumps(step), flush=True)
        if step["errors"] or step["p99_ms"] > args.p99_limit_ms:
            break  # a failed step ends the ramp: higher rates only queue deeper
        await asyncio.sleep(1.0)


async def _ramp_httpx(args: argparse.Namespace) -> None:
    limits = httpx.Limits(max_connections=MAX_CONNECTIONS, max_keepalive_connections=256)
    headers = {"Authorization": f"Bearer {args.token}"}
    if args.cookie:
        headers["Cookie"] = args.cookie
    async with httpx.AsyncClient(
        base_url=args.base, headers=headers, limits=limits, timeout=TIMEOUT_S
    ) as client:

        async def fetch() -> bool:
            try:
                return (await client.get(args.path)).status_code == 200
            except httpx.HTTPError:
                return False

        await _ramp(fetch, args)


async def main_async(args: argparse.Namespace) -> None:
    if args.client == "httpx":
        await _ramp_httpx(args)
        return
    client = RawClient(args.base, args.path, args.token, args.cookie)
    try:
        await _ramp(client.fetch, args)
    finally:
        client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base", required=True)
    parser.add_argument("--path", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--cookie", default="", help="a Cookie header value (for pages)")
    parser.add_argument("--rates", type=float, nargs="+", required=True)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--p99-limit-ms", type=float, default=100.0)
    parser.add_argument("--client", choices=["raw", "httpx"], default="raw")
    args = parser.parse_args()
    uvloop.run(main_async(args))  # uvloop comes with uvicorn[standard], the service's server


if __name__ == "__main__":
    main()
