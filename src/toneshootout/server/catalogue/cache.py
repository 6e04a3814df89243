"""A short per-user memory of tone details (§1.8: "cache metadata per user for the session").

A picker opens the same tone again and again; without this each look costs three or four
calls of the user's 100 a minute. Per user, never shared (§1.9), small and short-lived.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from toneshootout.tone3000.wire import Model, Tone

TTL_SECONDS = 300.0
MAX_ENTRIES = 512


class ToneCache:
    def __init__(
        self,
        *,
        ttl: float = TTL_SECONDS,
        size: int = MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl
        self._size = size
        self._clock = clock
        self._entries: OrderedDict[tuple[str, int], tuple[float, Tone, list[Model]]] = OrderedDict()

    def get(self, user: str, tone_id: int) -> tuple[Tone, list[Model]] | None:
        entry = self._entries.get((user, tone_id))
        if entry is None:
            return None
        stamp, tone, models = entry
        if self._clock() - stamp > self._ttl:
            del self._entries[(user, tone_id)]
            return None
        return tone, models

    def put(self, user: str, tone: Tone, models: list[Model]) -> None:
        self._entries[(user, tone.id)] = (self._clock(), tone, models)
        self._entries.move_to_end((user, tone.id))
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)

    def forget_user(self, user: str) -> None:
        for key in [k for k in self._entries if k[0] == user]:
            del self._entries[key]
