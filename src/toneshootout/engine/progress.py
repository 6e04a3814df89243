"""How the engine reports progress and learns it should stop.

Renders run in worker processes, so cancellation is a multiprocessing event that a
process pool inherits; checking it costs one shared-memory read.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.synchronize
import time
from dataclasses import dataclass
from typing import Protocol

from toneshootout.engine.errors import RenderCancelled


@dataclass(frozen=True)
class ProgressEvent:
    """One report: the step, how far through it and through the whole render (0–1), the ETA.

    `di` and `chain` name the DI × chain pair a per-pair step is working on.
    """

    step: str
    fraction: float
    overall: float
    eta_seconds: float | None = None
    di: str | None = None
    chain: str | None = None
    detail: str = ""


class ProgressSink(Protocol):
    """Anything that accepts progress events (a CLI bar, a job heartbeat, a test list)."""

    def __call__(self, event: ProgressEvent, /) -> None: ...


def ignore_progress(event: ProgressEvent) -> None:
    """A sink that drops every event."""


class CancelToken:
    """A flag shared with worker processes; `check()` raises once it is set."""

    def __init__(self) -> None:
        self._event: multiprocessing.synchronize.Event = multiprocessing.get_context("fork").Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        if self._event.is_set():
            raise RenderCancelled


class EtaClock:
    """Turns a fraction done into an ETA from the elapsed wall time."""

    def __init__(self) -> None:
        self._start = time.monotonic()

    def eta(self, fraction: float) -> float | None:
        if fraction <= 0.0:
            return None
        elapsed = time.monotonic() - self._start
        return max(0.0, elapsed * (1.0 - fraction) / fraction)
