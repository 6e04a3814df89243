"""numpy reference inference for `Linear` captures, with the trainer's tap order."""

from __future__ import annotations

import numpy as np

from toneshootout.engine.nam.params import LinearParams
from toneshootout.engine.nam.reference_base import Frames, ReferenceProcessor


class LinearReference(ReferenceProcessor):
    """y[t] = bias + Σ_k taps[k]·x[t − (R − 1) + k], a torch Conv1d cross-correlation.

    NeuralAmpModelerCore applies the kernel reversed; the trainer defines what the weights
    mean, so we follow the trainer (see the golden README).
    """

    dtype = np.float64

    def __init__(self, params: LinearParams) -> None:
        self._reversed = params.taps.astype(np.float64)[::-1].copy()
        self._bias = float(params.bias)
        self._history = np.zeros(params.taps.size - 1, dtype=np.float64)
        self.reset()

    @property
    def receptive_field(self) -> int:
        return self._reversed.size

    def clear(self) -> None:
        self._history[:] = 0.0

    def process_channels(self, x: Frames) -> Frames:
        full = np.concatenate((self._history, x[0].astype(np.float64)))
        y = np.convolve(full, self._reversed, mode="valid") + self._bias
        if self._history.size:
            self._history = full[full.size - self._history.size :].copy()
        return y[None, :]
