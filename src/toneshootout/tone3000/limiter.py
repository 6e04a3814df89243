"""Our own outgoing budget per user (§1.8): at most `per_minute` calls in any 60 seconds, so
a busy user waits a little here instead of collecting 429s there.

A sliding window, like the service's own limit, rather than a token bucket: a bucket that
starts full and refills at the same rate lets through twice its budget in the first minute
(a full burst, then a minute of refills), which is exactly when TONE3000 says 429.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

WINDOW_SECONDS = 60.0
# A wait is never shorter than this: with a float clock, a wait of a few ulps may not move
# the clock at all, and the loop would spin.
MIN_WAIT_SECONDS = 0.001


@dataclass
class _Window:
    calls: deque[float] = field(default_factory=deque)  # when each recent call went out
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
        if per_minute < 1:
            raise ValueError("per_minute must be at least 1")
        self.per_minute = per_minute
        self._clock = clock
        self._sleep = sleep
        self._windows: dict[str, _Window] = {}

    async def acquire(self, key: str) -> None:
        window = self._windows.setdefault(key, _Window())
        async with window.lock:  # callers of one key queue in order
            while True:
                now = self._clock()
                calls = window.calls
                while calls and now - calls[0] >= WINDOW_SECONDS:
                    calls.popleft()
                if len(calls) < self.per_minute:
                    calls.append(now)
                    return
                await self._sleep(max(MIN_WAIT_SECONDS, WINDOW_SECONDS - (now - calls[0])))
