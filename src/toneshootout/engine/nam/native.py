"""The native inference backend: A1 WaveNet and LSTM processors backed by the C kernel.

The kernel (`_native`, built by setup.py) takes a flat int32 spec and the weights in the A1
flat order, and packs them for itself. Everything a user file can get wrong is checked here
first, so the C checks only guard memory safety.
"""

from __future__ import annotations

import numpy as np

from toneshootout.engine.errors import InvalidInput, UnsupportedFeature
from toneshootout.engine.nam.params import LstmParams, WaveNetLayerArray, WaveNetParams
from toneshootout.engine.nam.processor import Processor
from toneshootout.engine.types import Signal

try:
    from toneshootout.engine.nam import _native
except ImportError as exc:  # pragma: no cover - exercised only on a broken install
    raise ImportError(
        "the native NAM kernel (toneshootout.engine.nam._native) is not built; "
        "reinstall the package with `pip install -e .` (needs a C compiler)"
    ) from exc

# Activation names as the A1 trainer writes them (PyTorch class names), with the kernel's codes.
ACTIVATIONS: dict[str, int] = {
    "Tanh": 0,
    "Hardtanh": 1,
    "ReLU": 2,
    "LeakyReLU": 3,
    "Sigmoid": 4,
    "SiLU": 5,
    "Hardswish": 6,
    "Softsign": 7,
}

_SOURCE = "model"


def _check_array(index: int, array: WaveNetLayerArray, previous: WaveNetLayerArray | None) -> None:
    where = f"{_SOURCE}: config.layers[{index}]"
    if array.activation not in ACTIVATIONS:
        raise UnsupportedFeature(
            f"{where}.activation",
            f"{array.activation!r} is not supported (supported: {', '.join(ACTIVATIONS)})",
        )
    if array.condition_size != 1:
        raise UnsupportedFeature(f"{where}.condition_size", "must be 1 (the mono input)")
    expected_input = 1 if previous is None else previous.channels
    if array.input_size != expected_input:
        raise InvalidInput(
            f"{where}.input_size",
            f"is {array.input_size}, the signal feeding it has {expected_input} channels",
        )
    if previous is not None and previous.head_size != array.channels:
        raise InvalidInput(
            f"{where}.channels",
            f"is {array.channels}, the previous head_size is {previous.head_size}",
        )
    if min(array.channels, array.kernel_size, array.head_size) < 1 or not array.layers:
        raise InvalidInput(where, "channels, kernel_size, head_size and dilations must be positive")
    if any(layer.dilation < 1 for layer in array.layers):
        raise InvalidInput(f"{where}.dilations", "every dilation must be at least 1")


def _wavenet_spec(params: WaveNetParams) -> tuple[np.ndarray, Signal]:
    spec: list[int] = [len(params.arrays)]
    pieces: list[Signal] = []
    previous: WaveNetLayerArray | None = None
    for index, array in enumerate(params.arrays):
        _check_array(index, array, previous)
        previous = array
        spec += [array.input_size, array.condition_size, array.channels, array.kernel_size]
        spec += [array.head_size, ACTIVATIONS[array.activation], int(array.gated)]
        spec += [int(array.head_bias is not None), len(array.layers)]
        spec += [layer.dilation for layer in array.layers]
        pieces.append(array.rechannel)
        for layer in array.layers:
            pieces += [layer.conv_weight, layer.conv_bias, layer.mixin_weight]
            pieces += [layer.out_weight, layer.out_bias]
        pieces.append(array.head_weight)
        if array.head_bias is not None:
            pieces.append(array.head_bias)
    if not params.arrays or params.arrays[-1].head_size != 1:
        raise InvalidInput(
            f"{_SOURCE}: config.layers", "the last layer array's head_size must be 1"
        )
    pieces.append(np.array([params.head_scale], dtype=np.float32))
    weights = np.concatenate([np.asarray(p, dtype=np.float32).ravel() for p in pieces])
    return np.array(spec, dtype=np.int32), weights


def _lstm_spec(params: LstmParams) -> tuple[np.ndarray, Signal]:
    if params.input_size != 1:
        raise UnsupportedFeature(f"{_SOURCE}: config.input_size", "must be 1 (the mono input)")
    if params.hidden_size < 1 or not params.layers:
        raise InvalidInput(f"{_SOURCE}: config", "hidden_size and num_layers must be positive")
    pieces: list[Signal] = []
    for layer in params.layers:
        pieces += [layer.weight, layer.bias, layer.h0, layer.c0]
    pieces += [params.head_weight, np.array([params.head_bias], dtype=np.float32)]
    weights = np.concatenate([np.asarray(p, dtype=np.float32).ravel() for p in pieces])
    spec = np.array([params.input_size, params.hidden_size, len(params.layers)], dtype=np.int32)
    return spec, weights


class _NativeProcessor:
    """Shared streaming wrapper: converts input to contiguous float32 and calls the kernel."""

    def __init__(self, kernel: _native.WaveNet | _native.Lstm) -> None:
        self._kernel = kernel

    @property
    def receptive_field(self) -> int:
        return self._kernel.receptive_field

    def process(self, x: Signal) -> Signal:
        samples = np.ascontiguousarray(x, dtype=np.float32)
        if samples.ndim != 1:
            raise InvalidInput("input", f"expected mono audio (1-D), got shape {samples.shape}")
        out = np.empty_like(samples)
        if samples.size:
            self._kernel.process(samples, out)
        return out

    def reset(self) -> None:
        self._kernel.reset()


def native_wavenet(params: WaveNetParams) -> Processor:
    """A streaming processor for an A1 WaveNet (any arrays, gated or not), in post-silence state."""
    spec, weights = _wavenet_spec(params)
    return _NativeProcessor(_native.WaveNet(spec, weights))


def native_lstm(params: LstmParams) -> Processor:
    """A streaming processor for a NAM LSTM, starting from its stored initial state."""
    spec, weights = _lstm_spec(params)
    return _NativeProcessor(_native.Lstm(spec, weights))
