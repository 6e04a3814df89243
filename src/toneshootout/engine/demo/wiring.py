"""Hand-wiring an A1 WaveNet: the weights are written down, not trained.

An A1 layer computes, per activation channel ("slot") j,
    a_j = tanh(sum_src conv_taps[j, src] * h_src + mixin_j * x + bias_j)
and then updates the residual stream h += out_weight @ a + out_bias, while *every* layer's
activations are also summed into the array's head. We describe a layer as a few `Unit`s, one per
slot: what it reads from the residual stream, and which residual channels it adds to.

Linear work (FIR filtering, copying, mixing) goes through tanh too, so it is scaled down by
`LINEAR_SCALE` before the activation and back up afterwards:
tanh(eps * u) / eps = u - eps^2 u^3 / 3, a relative error below 1e-4 at the levels used here.

Routing rule: the head sees every slot of every layer, so the slots the head projects from
must be used by nothing else (`Array.head` names them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

# tanh(eps * u) / eps is linear to about (eps * u)^2 / 3.
LINEAR_SCALE = 1e-2

# Taps of one K=3 dilated conv, oldest first: weights for h[t - 2d], h[t - d], h[t].
Taps = tuple[float, float, float]
KERNEL_SIZE = 3
CURRENT: Taps = (0.0, 0.0, 1.0)
BINOMIAL: Taps = (0.25, 0.5, 0.25)  # (1 + z^-d)^2 / 4: a gentle low-pass with unity DC gain


@dataclass(frozen=True)
class Unit:
    """One activation slot of a layer: a = tanh(reads . h + bias); h[dst] += gain * a + offset."""

    slot: int
    reads: tuple[tuple[int, Taps], ...]
    writes: tuple[tuple[int, float], ...]
    bias: float = 0.0
    offsets: tuple[tuple[int, float], ...] = ()


@dataclass(frozen=True)
class Layer:
    dilation: int
    units: tuple[Unit, ...]


@dataclass(frozen=True)
class Array:
    """One layer array: `rechannel` maps its input to residual channels; `head` maps slots out."""

    channels: int
    input_size: int
    head_size: int
    rechannel: tuple[tuple[int, int, float], ...]  # (residual channel, input channel, weight)
    layers: tuple[Layer, ...]
    head: tuple[tuple[int, int, float], ...] = ()  # (head output, slot, weight)
    head_bias: bool = False


def _scaled(taps: Taps, scale: float) -> Taps:
    return (taps[0] * scale, taps[1] * scale, taps[2] * scale)


def linear(reads: Sequence[tuple[int, Taps]], dst: int, gain: float = 1.0, slot: int = 0) -> Unit:
    """A unit adding gain * (sum of FIRs over residual channels) to channel `dst`, linearly."""
    return Unit(
        slot=slot,
        reads=tuple((src, _scaled(taps, LINEAR_SCALE)) for src, taps in reads),
        writes=((dst, gain / LINEAR_SCALE),),
    )


def filter_in_place(channel: int, taps: Taps, slot: int = 0) -> Unit:
    """A unit replacing h[channel] by its 3-tap FIR: adds (FIR - identity) via the residual."""
    return linear([(channel, (taps[0], taps[1], taps[2] - 1.0))], channel, slot=slot)


def clip(
    reads: Sequence[tuple[int, Taps]],
    dst: int,
    *,
    drive: float,
    bias: float,
    level: float,
    slot: int = 0,
) -> Unit:
    """A tanh clipping stage into `dst`; its static (silent-input) offset is subtracted again."""
    return Unit(
        slot=slot,
        reads=tuple((src, _scaled(taps, drive)) for src, taps in reads),
        writes=((dst, level),),
        bias=bias,
        offsets=((dst, -level * float(np.tanh(bias))),),
    )


def smoothing_layers(channel: int, first_dilation: int, octaves: int) -> list[Layer]:
    """Binomial low-pass sections at dilations first, 2*first, ...: a triangular moving average."""
    return [
        Layer(first_dilation << i, (filter_in_place(channel, BINOMIAL),)) for i in range(octaves)
    ]


def _layer_weights(layer: Layer, channels: int) -> list[float]:
    conv = np.zeros((channels, channels, KERNEL_SIZE))
    conv_bias = np.zeros(channels)
    mixin = np.zeros((channels, 1))
    out = np.zeros((channels, channels))
    out_bias = np.zeros(channels)
    for unit in layer.units:
        for src, taps in unit.reads:
            conv[unit.slot, src, :] += taps
        conv_bias[unit.slot] += unit.bias
        for dst, gain in unit.writes:
            out[dst, unit.slot] += gain
        for dst, offset in unit.offsets:
            out_bias[dst] += offset
    # Order fixed by the A1 layout: conv, conv bias, input mixer, 1x1, 1x1 bias.
    parts = (conv, conv_bias, mixin, out, out_bias)
    return [float(v) for part in parts for v in part.ravel()]


def _array_weights(array: Array) -> list[float]:
    rechannel = np.zeros((array.channels, array.input_size))
    for dst, src, weight in array.rechannel:
        rechannel[dst, src] += weight
    head = np.zeros((array.head_size, array.channels))
    for out, slot, weight in array.head:
        head[out, slot] += weight
    weights = [float(v) for v in rechannel.ravel()]
    for layer in array.layers:
        weights += _layer_weights(layer, array.channels)
    weights += [float(v) for v in head.ravel()]
    if array.head_bias:
        weights += [0.0] * array.head_size
    return weights


def _array_config(array: Array) -> dict[str, Any]:
    return {
        "input_size": array.input_size,
        "condition_size": 1,
        "head_size": array.head_size,
        "channels": array.channels,
        "kernel_size": KERNEL_SIZE,
        "dilations": [layer.dilation for layer in array.layers],
        "activation": "Tanh",
        "gated": False,
        "head_bias": array.head_bias,
    }


def wavenet_model(arrays: Sequence[Array], head_scale: float) -> tuple[dict[str, Any], list[float]]:
    """The `config` and flat `weights` of an A1 WaveNet wired from `arrays`."""
    config: dict[str, Any] = {
        "layers": [_array_config(a) for a in arrays],
        "head": None,
        "head_scale": head_scale,
    }
    weights: list[float] = []
    for array in arrays:
        weights += _array_weights(array)
    weights.append(head_scale)
    return config, weights
