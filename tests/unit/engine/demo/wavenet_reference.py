"""A plain numpy A1 WaveNet forward pass, whole-signal, for checking hand-wired demo captures.

Zero input is prepended for one receptive field, so y[t] depends on x[0..t] and silence before
the start (the golden files' prewarm convention); then every conv is a "valid" correlation.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from toneshootout.engine.nam.params import WaveNetParams, unpack_wavenet_a1

F64 = npt.NDArray[np.float64]


def run_wavenet(params: WaveNetParams, x: npt.ArrayLike) -> F64:
    """The model's output for input `x` (float64 throughout)."""
    signal = np.asarray(x, dtype=np.float64)
    condition = np.concatenate([np.zeros(params.receptive_field - 1), signal])
    stream: F64 = condition[np.newaxis, :]
    head: F64 | None = None
    for array in params.arrays:
        stream = array.rechannel.astype(np.float64) @ stream
        head_sum: F64 | None = None if head is None else head
        for layer in array.layers:
            span = (array.kernel_size - 1) * layer.dilation
            n_out = stream.shape[1] - span
            conv = layer.conv_weight.astype(np.float64)
            z = sum(
                conv[:, :, k] @ stream[:, k * layer.dilation : k * layer.dilation + n_out]
                for k in range(array.kernel_size)
            )
            z = (
                z
                + layer.conv_bias[:, np.newaxis]
                + layer.mixin_weight @ condition[np.newaxis, -n_out:]
            )
            a = np.tanh(z)
            stream = stream[:, -n_out:] + layer.out_weight @ a + layer.out_bias[:, np.newaxis]
            head_sum = a if head_sum is None else head_sum[:, -n_out:] + a
        assert head_sum is not None
        head = array.head_weight.astype(np.float64) @ head_sum
        if array.head_bias is not None:
            head = head + array.head_bias[:, np.newaxis]
    assert head is not None
    return np.asarray(params.head_scale * head[0], dtype=np.float64)


def run_capture(capture: dict[str, Any], x: npt.ArrayLike) -> F64:
    """Unpack a `.nam` dict's A1 WaveNet and run it over `x`."""
    weights = np.asarray(capture["weights"], dtype=np.float32)
    params = unpack_wavenet_a1(capture["config"], weights, source="capture")
    return run_wavenet(params, x)
