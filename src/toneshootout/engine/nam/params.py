"""Typed weights of the A1 architectures, unpacked from a `.nam` file's flat weight list.

The flat layout (AUDIO.md §1) is the contract between the trainer and every player; these
dataclasses are what the inference backends (numpy reference and native kernel) consume.
Shapes are (out, in[, tap]); conv tap k multiplies h[t - (K - 1 - k) * dilation].
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from toneshootout.engine.errors import InvalidInput
from toneshootout.engine.types import Signal


@dataclass(frozen=True)
class WaveNetLayer:
    dilation: int
    conv_weight: Signal  # (Cz, C, K); Cz = 2C when gated
    conv_bias: Signal  # (Cz,)
    mixin_weight: Signal  # (Cz, condition_size)
    out_weight: Signal  # (C, C), the 1x1 back into the residual stream
    out_bias: Signal  # (C,)


@dataclass(frozen=True)
class WaveNetLayerArray:
    input_size: int
    condition_size: int
    channels: int
    kernel_size: int
    head_size: int
    activation: str
    gated: bool
    rechannel: Signal  # (C, input_size)
    layers: tuple[WaveNetLayer, ...]
    head_weight: Signal  # (head_size, C)
    head_bias: Signal | None  # (head_size,)

    @property
    def receptive_field_extra(self) -> int:
        return sum((self.kernel_size - 1) * layer.dilation for layer in self.layers)


@dataclass(frozen=True)
class WaveNetParams:
    arrays: tuple[WaveNetLayerArray, ...]
    head_scale: float

    @property
    def receptive_field(self) -> int:
        return 1 + sum(a.receptive_field_extra for a in self.arrays)


@dataclass(frozen=True)
class LstmLayer:
    weight: Signal  # (4H, in + H), gates i, f, g, o
    bias: Signal  # (4H,), input and hidden biases already summed
    h0: Signal  # (H,)
    c0: Signal  # (H,)


@dataclass(frozen=True)
class LstmParams:
    input_size: int
    hidden_size: int
    layers: tuple[LstmLayer, ...]
    head_weight: Signal  # (H,)
    head_bias: float


@dataclass(frozen=True)
class LinearParams:
    taps: Signal  # (R,), y[t] = bias + sum_k taps[k] * x[t - (R - 1) + k]
    bias: float


class _Reader:
    """Hands out consecutive slices of the flat weight list and checks it is used up exactly."""

    def __init__(self, weights: Signal, source: str) -> None:
        self._weights = weights
        self._pos = 0
        self._source = source

    def take(self, *shape: int) -> Signal:
        count = int(np.prod(shape))
        end = self._pos + count
        if end > self._weights.size:
            raise InvalidInput(
                self._source,
                f"weights end early: the config needs more than {self._weights.size} weights",
            )
        out = self._weights[self._pos : end].reshape(shape).copy()
        self._pos = end
        return out

    def finish(self) -> None:
        if self._pos != self._weights.size:
            raise InvalidInput(
                self._source,
                f"weight count mismatch: the config uses {self._pos} weights, "
                f"the file has {self._weights.size}",
            )


def _int(cfg: Mapping[str, Any], key: str, source: str) -> int:
    value = cfg.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidInput(source, f"config field {key!r} must be a non-negative integer")
    return value


def unpack_wavenet_a1(
    config: Mapping[str, Any], weights: Signal, source: str = "model"
) -> WaveNetParams:
    """Unpack an A1 WaveNet (any layer arrays, gated or not) from its flat weights."""
    reader = _Reader(weights, source)
    arrays: list[WaveNetLayerArray] = []
    layer_cfgs: Sequence[Mapping[str, Any]] = config["layers"]
    for cfg in layer_cfgs:
        c = _int(cfg, "channels", source)
        k = _int(cfg, "kernel_size", source)
        in_size = _int(cfg, "input_size", source)
        cond = _int(cfg, "condition_size", source)
        head_size = _int(cfg, "head_size", source)
        gated = bool(cfg.get("gated", False))
        cz = 2 * c if gated else c
        rechannel = reader.take(c, in_size)
        layers = []
        for dilation in cfg["dilations"]:
            layers.append(
                WaveNetLayer(
                    dilation=int(dilation),
                    conv_weight=reader.take(cz, c, k),
                    conv_bias=reader.take(cz),
                    mixin_weight=reader.take(cz, cond),
                    out_weight=reader.take(c, c),
                    out_bias=reader.take(c),
                )
            )
        head_weight = reader.take(head_size, c)
        head_bias = reader.take(head_size) if cfg.get("head_bias", False) else None
        arrays.append(
            WaveNetLayerArray(
                input_size=in_size,
                condition_size=cond,
                channels=c,
                kernel_size=k,
                head_size=head_size,
                activation=str(cfg.get("activation", "Tanh")),
                gated=gated,
                rechannel=rechannel,
                layers=tuple(layers),
                head_weight=head_weight,
                head_bias=head_bias,
            )
        )
    head_scale = float(reader.take(1)[0])
    reader.finish()
    return WaveNetParams(arrays=tuple(arrays), head_scale=head_scale)


def unpack_lstm(config: Mapping[str, Any], weights: Signal, source: str = "model") -> LstmParams:
    """Unpack an LSTM capture: per layer [W_ih | W_hh], summed bias, h0, c0; then the head."""
    reader = _Reader(weights, source)
    in_size = _int(config, "input_size", source)
    hidden = _int(config, "hidden_size", source)
    num_layers = _int(config, "num_layers", source)
    layers = []
    for i in range(num_layers):
        layer_in = in_size if i == 0 else hidden
        layers.append(
            LstmLayer(
                weight=reader.take(4 * hidden, layer_in + hidden),
                bias=reader.take(4 * hidden),
                h0=reader.take(hidden),
                c0=reader.take(hidden),
            )
        )
    head_weight = reader.take(hidden)
    head_bias = float(reader.take(1)[0])
    reader.finish()
    return LstmParams(
        input_size=in_size,
        hidden_size=hidden,
        layers=tuple(layers),
        head_weight=head_weight,
        head_bias=head_bias,
    )


def unpack_linear(
    config: Mapping[str, Any], weights: Signal, source: str = "model"
) -> LinearParams:
    """Unpack a Linear capture: `receptive_field` taps, then the bias when `bias` is true."""
    reader = _Reader(weights, source)
    taps = reader.take(_int(config, "receptive_field", source))
    bias = float(reader.take(1)[0]) if config.get("bias", False) else 0.0
    reader.finish()
    return LinearParams(taps=taps, bias=bias)
