"""Our own outgoing budget per user (§1.8): a token bucket kept under TONE3000's 100/min, so
a busy user waits a little here instead of collecting 429s there."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field


@dataclass
class _Bucket:
    tokens: float
    stamp: float
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class OutgoingLimiter:
    """`await acquire(key)` returns once `key` may make one more call (waiting if needed)."""

    def __init__(
        self,
        *,
        per_minute: int = 90,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.per_minute = per_minute
        self._rate = per_minute / 60.0
        self._clock = clock
        self._sleep = sleep
        self._buckets: dict[str, _Bucket] = {}

    async def acquire(self, key: str) -> None:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(float(self.per_minute), self._clock())
        async with bucket.lock:  # callers of one key queue in order
            while True:
                now = self._clock()
                bucket.tokens = min(
                    float(self.per_minute), bucket.tokens + (now - bucket.stamp) * self._rate
                )
                bucket.stamp = now
                if bucket.tokens >= 1.0:
                    bucket.tokens -= 1.0
                    return
                await self._sleep((1.0 - bucket.tokens) / self._rate)
