"""An in-memory sliding-window rate limiter, keyed per client IP and per account (REQ-08).

The client IP is the socket peer (`request.client.host`). uvicorn rewrites it from
`X-Forwarded-For` only for proxies listed in `--forwarded-allow-ips`, so a client cannot reset
its bucket by sending that header itself. Counts live in one process: with several server
workers each keeps its own window, which multiplies the effective limit by the worker count.
"""

from __future__ import annotations

import logging
import math
import time
from collections import deque
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from toneshootout.server.errors import RateLimited
from toneshootout.server.http.request_id import request_id_var

log = logging.getLogger("toneshootout.security")
MAX_KEYS = 100_000  # bounds memory under a flood of distinct keys


class RateLimiter:
    """Sliding-window log: at most `limit` accepted hits per key in any `window` seconds."""

    def __init__(
        self, *, clock: Callable[[], float] = time.monotonic, max_keys: int = MAX_KEYS
    ) -> None:
        self._clock = clock
        self._max_keys = max_keys
        self._hits: dict[str, deque[float]] = {}

    def hit(self, key: str, *, limit: int, window_seconds: float) -> None:
        """Record one hit on `key`, or raise `RateLimited` (not counted) when over the limit."""
        now = self._clock()
        hits = self._hits.get(key)
        if hits is None:
            self._make_room(now, window_seconds)
            hits = self._hits[key] = deque()
        while hits and hits[0] <= now - window_seconds:
            hits.popleft()
        if len(hits) >= limit:
            retry_after = max(1, math.ceil(hits[0] + window_seconds - now))
            _log_refusal(key)
            raise RateLimited(
                f"too many requests; retry in {retry_after} s", retry_after_seconds=retry_after
            )
        hits.append(now)

    def check(self, key: str, *, limit: int, window_seconds: float) -> None:
        """Raise `RateLimited` if `key` is at its limit, recording nothing.

        For limits on failures (a share token that missed): every request is refused while the
        failures are over the limit, hits included, but only failures are counted with `hit`.
        """
        hits = self._hits.get(key)
        if not hits:
            return
        now = self._clock()
        while hits and hits[0] <= now - window_seconds:
            hits.popleft()
        if len(hits) >= limit:
            retry_after = max(1, math.ceil(hits[0] + window_seconds - now))
            _log_refusal(key)
            raise RateLimited(
                f"too many requests; retry in {retry_after} s", retry_after_seconds=retry_after
            )

    def reset(self) -> None:
        """Forget every count (for tests and operator use)."""
        self._hits.clear()

    def _make_room(self, now: float, window_seconds: float) -> None:
        if len(self._hits) < self._max_keys:
            return
        # Drop keys whose newest hit has left the window, then the oldest keys if still full.
        for key in [k for k, v in self._hits.items() if not v or v[-1] <= now - window_seconds]:
            del self._hits[key]
        while len(self._hits) >= self._max_keys:
            del self._hits[next(iter(self._hits))]


def _log_refusal(key: str) -> None:
    # Only the key's kind ("login:ip"), never its value: that may be an email address.
    kind = ":".join(key.split(":")[:2])
    log.warning(
        "rate_limited %s",
        kind,
        extra={"event": "rate_limited", "limit": kind, "request_id": request_id_var.get()},
    )


def client_ip(request: Request) -> str:
    """The socket peer's address (already resolved from trusted proxy headers by uvicorn)."""
    return request.client.host if request.client else "unknown"


def get_rate_limiter(request: Request) -> RateLimiter:
    """The app's one limiter, created on first use so each app (and test) has its own."""
    state = request.app.state
    limiter = getattr(state, "rate_limiter", None)
    if limiter is None:
        limiter = RateLimiter()
        state.rate_limiter = limiter
    assert isinstance(limiter, RateLimiter)
    return limiter


RateLimiterDep = Annotated[RateLimiter, Depends(get_rate_limiter)]
ClientIpDep = Annotated[str, Depends(client_ip)]
