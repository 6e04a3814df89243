"""numpy reference inference for LSTM captures (gates i, f, g, o; PyTorch semantics)."""

from __future__ import annotations

import numpy as np

from toneshootout.engine.nam.params import LstmParams
from toneshootout.engine.nam.reference_base import Frames, ReferenceProcessor


class LstmReference(ReferenceProcessor):
    """Runs sample by sample (the recurrence forbids more); h0/c0 is the post-silence state.

    Per-step numpy calls dominate, so each step is one matrix product and one exp: the first
    layer's input projection is vectorised over the block, and tanh(g) is computed as
    2·sigmoid(2g) − 1 by doubling the g rows of the weights beforehand.
    """

    dtype = np.float64

    def __init__(self, params: LstmParams) -> None:
        self._params = params
        hidden = params.hidden_size
        doubled = np.ones(4 * hidden)
        doubled[2 * hidden : 3 * hidden] = 2.0
        weights = [layer.weight.astype(np.float64) * doubled[:, None] for layer in params.layers]
        self._bias = [layer.bias.astype(np.float64) * doubled for layer in params.layers]
        self._input_weight = weights[0][:, : params.input_size]
        self._recurrent = [weights[0][:, params.input_size :], *weights[1:]]
        self._head = params.head_weight.astype(np.float64)
        self._hidden = hidden
        self._h: list[Frames] = []
        self._c: list[Frames] = []
        self.reset()

    @property
    def receptive_field(self) -> int:
        return 0

    @property
    def prewarm_samples(self) -> int:
        return 0

    def clear(self) -> None:
        self._h = [layer.h0.astype(np.float64) for layer in self._params.layers]
        self._c = [layer.c0.astype(np.float64) for layer in self._params.layers]

    def _step(self, index: int, gates: Frames) -> Frames:
        size = self._hidden
        s = 1.0 / (1.0 + np.exp(-gates))
        c = s[size : 2 * size] * self._c[index] + s[:size] * (2.0 * s[2 * size : 3 * size] - 1.0)
        self._c[index] = c
        h: Frames = s[3 * size :] * np.tanh(c)
        self._h[index] = h
        return h

    def process_channels(self, x: Frames) -> Frames:
        projected = (self._input_weight @ x).T + self._bias[0]
        deep = list(zip(self._recurrent[1:], self._bias[1:], strict=True))
        first = self._recurrent[0]
        hs = np.empty((x.shape[1], self._hidden), dtype=np.float64)
        with np.errstate(over="ignore"):
            for t in range(x.shape[1]):
                h = self._step(0, projected[t] + first @ self._h[0])
                for index, (weight, bias) in enumerate(deep, start=1):
                    h = self._step(index, weight @ np.concatenate((h, self._h[index])) + bias)
                hs[t] = h
        return (hs @ self._head + self._params.head_bias)[None, :]
