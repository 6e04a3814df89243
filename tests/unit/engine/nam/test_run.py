"""The multi-core runner: exact segmentation, recurrent models in one piece, cancellation."""

from __future__ import annotations

import functools
import itertools
import json
import os
import threading
import time

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.paths import GOLDEN
from toneshootout.engine.errors import InvalidInput, RenderCancelled
from toneshootout.engine.nam.native import native_lstm, native_wavenet
from toneshootout.engine.nam.params import unpack_lstm, unpack_wavenet_a1
from toneshootout.engine.nam.processor import Processor
from toneshootout.engine.nam.run import MIN_SEGMENT, plan_segments, run_processor
from toneshootout.engine.progress import CancelToken
from toneshootout.engine.types import Signal


def golden_processor(name: str) -> Processor:
    """Module-level, so `functools.partial(golden_processor, name)` pickles."""
    with (GOLDEN / f"{name}.nam").open() as f:
        model = json.load(f)
    weights = np.asarray(model["weights"], dtype=np.float32)
    if model["architecture"] == "LSTM":
        return native_lstm(unpack_lstm(model["config"], weights))
    return native_wavenet(unpack_wavenet_a1(model["config"], weights))


class SlowGain:
    """A stand-in processor with a short receptive field that sleeps per call (cancellation)."""

    receptive_field = 2

    def __init__(self, fail: bool = False) -> None:
        self._fail = fail

    def process(self, x: Signal) -> Signal:
        if self._fail:
            raise InvalidInput("slow.nam", "refused on purpose")
        time.sleep(0.005)
        return (x * 2.0).astype(np.float32)

    def reset(self) -> None:
        pass


def _signal(n: int, seed: int = 0) -> Signal:
    return (np.random.default_rng(seed).standard_normal(n) * 0.3).astype(np.float32)


def test_two_workers_equal_single_process_exactly() -> None:
    factory = functools.partial(golden_processor, "a1_nano_random")
    x = _signal(3 * MIN_SEGMENT + 123)
    assert len(plan_segments(x.size, factory().receptive_field, 2)) == 2

    parallel = run_processor(factory, x, workers=2, block=5000)

    np.testing.assert_array_equal(parallel, run_processor(factory, x, workers=1))
    np.testing.assert_array_equal(parallel, factory().process(x))


def test_recurrent_model_runs_in_one_piece() -> None:
    factory = functools.partial(golden_processor, "lstm_2x8_random")
    x = _signal(3 * MIN_SEGMENT, seed=1)
    assert len(plan_segments(x.size, 0, 2)) == 1
    np.testing.assert_array_equal(run_processor(factory, x, workers=2), factory().process(x))


@given(
    length=st.integers(min_value=0, max_value=10**7),
    receptive_field=st.integers(min_value=0, max_value=20_000),
    workers=st.integers(min_value=1, max_value=8),
)
def test_plan_segments_covers_signal_contiguously(
    length: int, receptive_field: int, workers: int
) -> None:
    segments = plan_segments(length, receptive_field, workers)
    assert 1 <= len(segments) <= workers
    assert segments[0].start == 0
    assert segments[-1].stop == length
    assert all(a.stop == b.start for a, b in itertools.pairwise(segments))
    if len(segments) > 1:
        assert min(s.stop - s.start for s in segments) >= 4 * receptive_field


def test_progress_rises_to_one() -> None:
    reports: list[float] = []
    factory = functools.partial(golden_processor, "a1_nano_random")
    run_processor(factory, _signal(3 * MIN_SEGMENT), workers=2, progress=reports.append)
    assert reports[-1] == 1.0
    assert reports == sorted(reports)


def test_cancelled_token_raises_before_work() -> None:
    token = CancelToken()
    token.cancel()
    with pytest.raises(RenderCancelled):
        run_processor(SlowGain, _signal(1000), cancel=token)


@pytest.mark.parametrize("workers", [1, 2])
def test_cancel_during_render_raises(workers: int) -> None:
    token = CancelToken()
    timer = threading.Timer(0.2, token.cancel)
    timer.start()
    try:
        with pytest.raises(RenderCancelled):
            # 2 × 2000 blocks of 5 ms: far longer than the timer, so cancellation lands mid-loop.
            run_processor(
                SlowGain, _signal(4 * MIN_SEGMENT), workers=workers, cancel=token, block=32
            )
    finally:
        timer.cancel()


def failing_in_worker(parent_pid: int) -> Processor:
    """The parent's probe works; the same factory fails inside a worker process."""
    return SlowGain(fail=os.getpid() != parent_pid)


def test_worker_engine_error_reaches_caller() -> None:
    factory = functools.partial(failing_in_worker, os.getpid())
    with pytest.raises(InvalidInput, match=r"slow\.nam: refused on purpose"):
        run_processor(factory, _signal(4 * MIN_SEGMENT), workers=2)


def test_run_processor_refuses_zero_block() -> None:
    with pytest.raises(InvalidInput, match="block"):
        run_processor(SlowGain, _signal(10), block=0)


def test_run_processor_refuses_zero_workers() -> None:
    with pytest.raises(InvalidInput, match="workers"):
        run_processor(SlowGain, _signal(10), workers=0)
