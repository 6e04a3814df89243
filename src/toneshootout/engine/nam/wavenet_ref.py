"""numpy reference inference for WaveNets: A1 layouts and every A2 option the format defines.

Per layer (NeuralAmpModelerCore `wavenet::detail::Layer::Process`): z = conv(h) + mixin(c) with
optional FiLMs around each part; a = act(z), or gated act(z1)·gate(z2), or blended
g·act(z1) + (1−g)·z1; h ← h + layer1x1(a); the head gets head1x1(a) or a itself.
"""

from __future__ import annotations

import numpy as np

from toneshootout.engine.nam.activations import Activation
from toneshootout.engine.nam.reference_base import Frames, ReferenceProcessor
from toneshootout.engine.nam.wavenet_config import ArraySpec, LayerSpec
from toneshootout.engine.nam.wavenet_weights import ArrayWeights, Conv, LayerWeights

# OpenBLAS may split a GEMM over threads from 2^18 multiply-adds up. Threaded tiny products ran
# 5-10x slower on a busy 2-core machine (and workers already use one process per core), so
# long blocks are multiplied in column chunks that stay on the calling thread.
_SINGLE_THREAD_MACS = 1 << 18


def matmul(weight: Frames, x: Frames) -> Frames:
    """weight @ x, in column chunks small enough for OpenBLAS to stay single-threaded."""
    rows, inner = weight.shape
    n = x.shape[1]
    chunk = max(1, (_SINGLE_THREAD_MACS - 1) // max(1, rows * inner))
    if n <= chunk:
        return weight @ x
    out = np.empty((rows, n), dtype=np.result_type(weight, x))
    for start in range(0, n, chunk):
        np.matmul(weight, x[:, start : start + chunk], out=out[:, start : start + chunk])
    return out


class StreamingConv:
    """A causal dilated conv that keeps the last (taps − 1)·dilation input frames."""

    def __init__(self, conv: Conv, dtype: type[np.floating]) -> None:
        out, cin, taps = conv.weight.shape
        # Column k·cin + j holds tap k of input j, so one product covers every tap.
        self._weight = conv.weight.transpose(0, 2, 1).reshape(out, taps * cin).astype(dtype)
        self._bias = None if conv.bias is None else conv.bias.astype(dtype)[:, None]
        self._taps = taps
        self._dilation = conv.dilation
        self._span = (taps - 1) * conv.dilation
        self._history = np.zeros((cin, self._span), dtype=dtype)

    @property
    def span(self) -> int:
        return int(self._span)

    def clear(self) -> None:
        self._history[:] = 0.0

    def __call__(self, x: Frames) -> Frames:
        if self._span == 0:
            y = matmul(self._weight, x)
        else:
            n = x.shape[1]
            full = np.concatenate((self._history, x), axis=1)
            starts = [self._span - (self._taps - 1 - k) * self._dilation for k in range(self._taps)]
            y = matmul(self._weight, np.concatenate([full[:, s : s + n] for s in starts], axis=0))
            self._history = full[:, n:].copy()
        if self._bias is not None:
            y += self._bias
        return y


def _dense(conv: Conv, dtype: type[np.floating]) -> tuple[Frames, Frames]:
    """A 1x1 conv as (weight, bias column); a missing bias becomes zeros."""
    rows = conv.weight.shape[0]
    bias = np.zeros(rows) if conv.bias is None else conv.bias
    return conv.weight[:, :, 0].astype(dtype), bias.astype(dtype)[:, None]


class _Film:
    def __init__(self, conv: Conv, shift: bool, dtype: type[np.floating]) -> None:
        self._weight, self._bias = _dense(conv, dtype)
        self._shift = shift

    def __call__(self, x: Frames, condition: Frames) -> Frames:
        scale_shift = matmul(self._weight, condition) + self._bias
        dim = x.shape[0]
        if self._shift:
            return x * scale_shift[:dim] + scale_shift[dim : 2 * dim]
        return x * scale_shift[:dim]


class _Layer:
    def __init__(
        self, spec: ArraySpec, layer: LayerSpec, weights: LayerWeights, dtype: type[np.floating]
    ) -> None:
        self._conv = StreamingConv(weights.conv, dtype)
        self._mixin = weights.mixin.astype(dtype)
        self._layer1x1 = None if weights.layer1x1 is None else _dense(weights.layer1x1, dtype)
        self._head1x1 = None if weights.head1x1 is None else _dense(weights.head1x1, dtype)
        self._films = {
            key: _Film(conv, spec.film(key).shift, dtype) for key, conv in weights.films.items()
        }
        self._gating = layer.gating
        self._activation: Activation = layer.activation
        self._secondary: Activation = layer.secondary
        self._bottleneck = spec.bottleneck

    @property
    def span(self) -> int:
        return self._conv.span

    def clear(self) -> None:
        self._conv.clear()

    def _film(self, key: str, x: Frames, condition: Frames) -> Frames:
        film = self._films.get(key)
        return x if film is None else film(x, condition)

    def _activate(self, z: Frames) -> Frames:
        if self._gating == "none":
            return self._activation.apply(z)
        primary, second = z[: self._bottleneck], z[self._bottleneck :]
        if self._gating == "gated":
            return self._activation.apply(primary) * self._secondary.apply(second)
        blend = self._secondary.apply(second)
        return blend * self._activation.apply(primary) + (1.0 - blend) * primary

    def __call__(self, h: Frames, condition: Frames) -> tuple[Frames, Frames]:
        z = self._film(
            "conv_post_film", self._conv(self._film("conv_pre_film", h, condition)), condition
        )
        mix_in = self._film("input_mixin_pre_film", condition, condition)
        z = z + self._film("input_mixin_post_film", matmul(self._mixin, mix_in), condition)
        z = self._film("activation_pre_film", z, condition)
        a = self._film("activation_post_film", self._activate(z), condition)
        if self._layer1x1 is not None:
            weight, bias = self._layer1x1
            residual: Frames = matmul(weight, a) + bias
            # NeuralAmpModelerCore applies this FiLM only in blended mode (its weights are read
            # either way); the golden a2_max case confirms it, so we do the same.
            if self._gating == "blended":
                residual = self._film("layer1x1_post_film", residual, condition)
            h = h + residual
        head = a
        if self._head1x1 is not None:
            weight, bias = self._head1x1
            head = self._film("head1x1_post_film", matmul(weight, a) + bias, condition)
        return h, head


class _LayerArray:
    def __init__(self, spec: ArraySpec, weights: ArrayWeights, dtype: type[np.floating]) -> None:
        self._rechannel = weights.rechannel.astype(dtype)
        self._layers = [
            _Layer(spec, layer, lw, dtype)
            for layer, lw in zip(spec.layers, weights.layers, strict=True)
        ]
        self._head = StreamingConv(weights.head, dtype)
        self._head_rows = spec.head_out

    @property
    def span(self) -> int:
        return sum(layer.span for layer in self._layers) + self._head.span

    def clear(self) -> None:
        for layer in self._layers:
            layer.clear()
        self._head.clear()

    def __call__(
        self, x: Frames, condition: Frames, head_in: Frames | None
    ) -> tuple[Frames, Frames]:
        h = matmul(self._rechannel, x)
        if head_in is None:
            head_sum = np.zeros((self._head_rows, x.shape[1]), dtype=x.dtype)
        else:
            head_sum = head_in.copy()
        for layer in self._layers:
            h, head = layer(h, condition)
            head_sum += head
        return h, self._head(head_sum)


class WaveNetReference(ReferenceProcessor):
    """A streaming numpy WaveNet; `condition` (a nested model) replaces the input as condition."""

    def __init__(
        self,
        arrays: tuple[ArraySpec, ...],
        weights: tuple[ArrayWeights, ...],
        head_scale: float,
        *,
        post_head: tuple[tuple[Activation, Conv], ...] = (),
        condition: ReferenceProcessor | None = None,
        dtype: type[np.floating] = np.float32,
    ) -> None:
        self.dtype = dtype
        self._arrays = [_LayerArray(s, w, dtype) for s, w in zip(arrays, weights, strict=True)]
        self._post = [(act, StreamingConv(conv, dtype)) for act, conv in post_head]
        self._head_scale = dtype(head_scale)
        self._condition = condition
        self.reset()

    @property
    def receptive_field(self) -> int:
        extra = sum(a.span for a in self._arrays) + sum(c.span for _, c in self._post)
        if self._condition is not None:
            cond_rf = self._condition.receptive_field
            return 0 if cond_rf == 0 else extra + cond_rf
        return 1 + extra

    @property
    def prewarm_samples(self) -> int:
        extra = sum(a.span for a in self._arrays) + sum(c.span for _, c in self._post)
        cond = 0 if self._condition is None else self._condition.prewarm_samples
        return 1 + extra + cond

    def clear(self) -> None:
        for array in self._arrays:
            array.clear()
        for _, conv in self._post:
            conv.clear()
        if self._condition is not None:
            self._condition.clear()

    def process_channels(self, x: Frames) -> Frames:
        condition = x if self._condition is None else self._condition.process_channels(x)
        h: Frames = x
        head: Frames | None = None
        for array in self._arrays:
            h, head = array(h, condition, head)
        assert head is not None
        y = self._head_scale * head
        for activation, conv in self._post:
            y = conv(activation.apply(y))
        return y
