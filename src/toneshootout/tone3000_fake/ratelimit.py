"""A sliding-window limiter per key on the fake clock: N calls in any window of W seconds."""

from __future__ import annotations

import math
from collections import deque

from toneshootout.tone3000_fake.clock import FakeClock


class RateLimiter:
    def __init__(self, clock: FakeClock, limit: int, window_seconds: float) -> None:
        self._clock = clock
        self.limit = limit
        self.window = window_seconds
        self._calls: dict[str, deque[float]] = {}

    def hit(self, key: str) -> int | None:
        """Count a call; None if allowed, else the whole seconds until one would be."""
        now = self._clock.now()
        calls = self._calls.setdefault(key, deque())
        while calls and calls[0] <= now - self.window:
            calls.popleft()
        if len(calls) >= self.limit:
            # Refused calls are not counted: a client that backs off recovers on time.
            return max(1, math.ceil(calls[0] + self.window - now))
        calls.append(now)
        return None
