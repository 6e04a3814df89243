"""Run one chain of loaded blocks over a mono signal at the render rate."""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

from toneshootout.engine.effects import apply_effect, effect_tail_seconds
from toneshootout.engine.inputs import LoadedCapture, LoadedChain, LoadedIr
from toneshootout.engine.ir import convolve
from toneshootout.engine.nam.capture import build_processor
from toneshootout.engine.nam.run import run_processor
from toneshootout.engine.progress import CancelToken
from toneshootout.engine.resample import resample
from toneshootout.engine.types import Signal

FractionSink = Callable[[float], None]


def _ignore(fraction: float) -> None:
    pass


def tail_samples(chain: LoadedChain, rate: int) -> int:
    """Samples of silence to append so IR and effect tails are rendered, not cut."""
    total = 0.0
    for block in chain.blocks:
        if isinstance(block, LoadedIr):
            total += 0 if block.skipped else block.ir.samples.shape[0] / rate
        elif not isinstance(block, LoadedCapture):
            total += effect_tail_seconds(block)
    return int(np.ceil(total * rate))


def _run_capture(
    block: LoadedCapture,
    x: Signal,
    rate: int,
    *,
    workers: int,
    cancel: CancelToken | None,
    progress: FractionSink,
) -> Signal:
    capture_rate = block.capture.info.sample_rate
    signal = resample(x, rate, capture_rate) if capture_rate != rate else x
    factory = functools.partial(build_processor, block.capture, block.block.slim)
    y = run_processor(factory, signal, workers=workers, cancel=cancel, progress=progress)
    if capture_rate != rate:
        y = resample(y, capture_rate, rate)
        y = np.pad(y, (0, max(0, x.shape[0] - y.shape[0])))[: x.shape[0]]
    return np.asarray(y, dtype=np.float32)


def run_chain(
    chain: LoadedChain,
    x: Signal,
    rate: int,
    *,
    workers: int = 1,
    cancel: CancelToken | None = None,
    progress: FractionSink = _ignore,
) -> Signal:
    """Run `x` through every block in order; the output has the input's length."""
    n_captures = max(1, len(chain.captures))
    done = 0
    y = x.astype(np.float32, copy=False)
    for block in chain.blocks:
        if cancel is not None:
            cancel.check()
        if isinstance(block, LoadedCapture):
            offset = done

            def report(f: float, offset: int = offset) -> None:
                progress((offset + f) / n_captures)

            y = _run_capture(block, y, rate, workers=workers, cancel=cancel, progress=report)
            done += 1
        elif isinstance(block, LoadedIr):
            if not block.skipped:
                y = convolve(y, block.ir)[: x.shape[0]]
        else:
            y = apply_effect(block, y, rate)
    progress(1.0)
    return np.ascontiguousarray(y, dtype=np.float32)
