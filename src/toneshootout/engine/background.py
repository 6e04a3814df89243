"""Output tasks (metrics, null tests, plots) that run on spare processes while the render goes on.

They are single-threaded work that needs only arrays and paths, so they overlap well with the
next DI's rendering. Results are collected in submission order, which keeps the
manifest's output list deterministic whatever finishes first.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

Task = Callable[..., Any]
OnDone = Callable[[Any], None]


@dataclass(frozen=True)
class _Done:
    """A result computed inline, kept until `drain()` so the order is the same either way."""

    value: Any


class BackgroundPool:
    """A small fork-context process pool; with one worker, tasks simply run inline."""

    def __init__(self, workers: int) -> None:
        self._executor = (
            ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))
            if workers > 1
            else None
        )
        self._pending: list[tuple[Future[Any] | _Done, OnDone]] = []

    def submit(self, task: Task, *args: Any, on_done: OnDone) -> None:
        """Queue `task(*args)`; `on_done` gets its result when `drain()` reaches it."""
        if self._executor is None:
            self._pending.append((_Done(task(*args)), on_done))
        else:
            self._pending.append((self._executor.submit(task, *args), on_done))

    def drain(self) -> None:
        """Wait for every queued task, in submission order, and hand over its results."""
        pending, self._pending = self._pending, []
        for outcome, on_done in pending:
            on_done(outcome.result() if isinstance(outcome, Future) else outcome.value)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=exc is not None)
