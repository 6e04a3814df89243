"""Shared streaming plumbing of the numpy reference processors."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import numpy as np
import numpy.typing as npt

from toneshootout.engine.errors import InvalidInput
from toneshootout.engine.types import Signal

Frames = npt.NDArray[np.floating[Any]]  # (channels, frames)
BLOCK = 4096  # long enough to amortise per-call overhead, short enough to stay in cache


class ReferenceProcessor(ABC):
    """A `Processor` built on `process_channels`; blocks carry state, so any split is exact."""

    dtype: type[np.floating[Any]] = np.float32

    @property
    @abstractmethod
    def receptive_field(self) -> int:
        """Input samples that affect one output sample; 0 when unbounded (recurrent)."""

    @property
    def prewarm_samples(self) -> int:
        """Zeros to run after clearing so the state equals the post-silence state."""
        return self.receptive_field

    @abstractmethod
    def process_channels(self, x: Frames) -> Frames:
        """Map (input channels, n) to (output channels, n), continuing the stream."""

    @abstractmethod
    def clear(self) -> None:
        """Zero every history buffer (nested models included)."""

    def reset(self) -> None:
        """Forget the signal so far and return to the post-silence state."""
        self.clear()
        remaining = self.prewarm_samples
        while remaining > 0:
            n = min(remaining, BLOCK)
            self.process_channels(np.zeros((1, n), dtype=self.dtype))
            remaining -= n

    def process(self, x: Signal) -> Signal:
        """Return the output for the next `len(x)` mono input samples."""
        if x.ndim != 1:
            raise InvalidInput("audio", f"expected mono samples, got shape {x.shape}")
        out = np.empty(x.shape[0], dtype=np.float32)
        for start in range(0, x.shape[0], BLOCK):
            block = np.asarray(x[start : start + BLOCK], dtype=self.dtype)[None, :]
            out[start : start + block.shape[1]] = self.process_channels(block)[0]
        return out
