"""Run one capture over a long signal on several cores.

A model with a finite receptive field R makes y[t] depend on x[t-R+1..t] only, so a segment that
starts at `s` is exact when its processor first sees the R-1 real input samples before `s`
(zeros before the start of the signal, which is what a fresh processor assumes). Each worker
process renders one contiguous segment that way; recurrent models (R = 0) run in one piece.
Workers are forked, inherit the input, the output buffer and the cancel token (no copies, no
pickling of the token), and report progress through shared counters.
"""

from __future__ import annotations

import itertools
import multiprocessing
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

import numpy as np

from toneshootout.engine.errors import EngineError, InvalidInput, RenderCancelled
from toneshootout.engine.nam.processor import Processor
from toneshootout.engine.progress import CancelToken
from toneshootout.engine.types import Signal

ProcessorFactory = Callable[[], Processor]

# Below this many samples per segment the R-1 prefix and the fork cost outweigh the gain.
MIN_SEGMENT = 32_768
_POLL_SECONDS = 0.05


@dataclass(frozen=True)
class Segment:
    """Output samples [start, stop) of one worker."""

    start: int
    stop: int


@dataclass(frozen=True)
class _Failure:
    """An engine error raised in a worker, carried back as plain fields (its args don't pickle)."""

    kind: type[EngineError]
    source: str
    reason: str


def plan_segments(length: int, receptive_field: int, workers: int) -> list[Segment]:
    """Split `length` samples into at most `workers` near-equal segments (one if recurrent)."""
    if receptive_field <= 0 or workers <= 1:
        return [Segment(0, length)]
    count = max(1, min(workers, length // max(MIN_SEGMENT, 4 * receptive_field)))
    bounds = [length * i // count for i in range(count + 1)]
    return [Segment(a, b) for a, b in itertools.pairwise(bounds)]


def run_processor(
    factory: ProcessorFactory,
    x: Signal,
    *,
    workers: int = 2,
    cancel: CancelToken | None = None,
    progress: Callable[[float], None] | None = None,
    block: int = 65536,
) -> Signal:
    """Render mono `x` through a fresh processor from `factory`; output equals one serial pass."""
    if block < 1:
        raise InvalidInput("block", f"must be a positive number of samples, got {block}")
    if workers < 1:
        raise InvalidInput("workers", f"must be at least 1, got {workers}")
    signal = np.ascontiguousarray(x, dtype=np.float32)
    if signal.ndim != 1:
        raise InvalidInput("input", f"expected mono audio (1-D), got shape {signal.shape}")
    if cancel is not None:
        cancel.check()
    probe = factory()
    segments = plan_segments(signal.size, probe.receptive_field, workers)
    if len(segments) == 1:
        return _run_serial(probe, signal, cancel, progress, block)
    return _run_forked(
        factory,
        signal,
        segments,
        receptive_field=probe.receptive_field,
        cancel=cancel,
        progress=progress,
        block=block,
    )


def _run_serial(
    processor: Processor,
    signal: Signal,
    cancel: CancelToken | None,
    progress: Callable[[float], None] | None,
    block: int,
) -> Signal:
    out = np.empty_like(signal)
    for start in range(0, signal.size, block):
        if cancel is not None:
            cancel.check()
        stop = min(start + block, signal.size)
        out[start:stop] = processor.process(signal[start:stop])
        if progress is not None:
            progress(stop / signal.size)
    if progress is not None and signal.size == 0:
        progress(1.0)
    return out


# Worker-process state, set once per forked worker by `_init_worker`.
_worker: dict[str, Any] = {}


def _init_worker(signal: Signal, out: Any, done: Any, cancel: CancelToken | None) -> None:
    _worker.update(
        signal=signal,
        out=np.frombuffer(out, dtype=np.float32),
        done=np.frombuffer(done, dtype=np.int64),
        cancel=cancel,
    )


def _render_segment(
    factory: ProcessorFactory, index: int, segment: Segment, receptive_field: int, block: int
) -> bool | _Failure:
    """Render one segment into the shared output; False when cancelled."""
    signal: Signal = _worker["signal"]
    out: Signal = _worker["out"]
    done: np.ndarray = _worker["done"]
    cancel: CancelToken | None = _worker["cancel"]
    try:
        processor = factory()
        prefix_start = max(0, segment.start - (receptive_field - 1))
        for start in range(prefix_start, segment.start, block):
            processor.process(signal[start : min(start + block, segment.start)])
        for start in range(segment.start, segment.stop, block):
            if cancel is not None and cancel.cancelled:
                return False
            stop = min(start + block, segment.stop)
            out[start:stop] = processor.process(signal[start:stop])
            done[index] = stop - segment.start
    except EngineError as exc:
        return _Failure(type(exc), exc.source, exc.reason)
    return True


def _run_forked(
    factory: ProcessorFactory,
    signal: Signal,
    segments: list[Segment],
    *,
    receptive_field: int,
    cancel: CancelToken | None,
    progress: Callable[[float], None] | None,
    block: int,
) -> Signal:
    context = multiprocessing.get_context("fork")
    out = context.RawArray("f", signal.size)
    done = context.RawArray("q", len(segments))
    with ProcessPoolExecutor(
        max_workers=len(segments),
        mp_context=context,
        initializer=_init_worker,
        initargs=(signal, out, done, cancel),
    ) as pool:
        futures = [
            pool.submit(_render_segment, factory, i, segment, receptive_field, block)
            for i, segment in enumerate(segments)
        ]
        _wait_for_segments(
            futures, np.frombuffer(done, dtype=np.int64), signal.size, cancel, progress
        )
    return np.frombuffer(out, dtype=np.float32).copy()


def _wait_for_segments(
    futures: list[Future[bool | _Failure]],
    done: np.ndarray,
    total: int,
    cancel: CancelToken | None,
    progress: Callable[[float], None] | None,
) -> None:
    pending = set(futures)
    while pending:
        finished, pending = wait(pending, timeout=_POLL_SECONDS, return_when=FIRST_COMPLETED)
        for future in finished:
            outcome = future.result()
            if isinstance(outcome, _Failure):
                raise outcome.kind(outcome.source, outcome.reason)
            if outcome is False:
                raise RenderCancelled
        if cancel is not None and cancel.cancelled:
            # Workers see the same flag and stop at their next block; leaving the pool waits.
            raise RenderCancelled
        if progress is not None:
            progress(min(1.0, float(done.sum()) / max(total, 1)))
    if progress is not None:
        progress(1.0)
