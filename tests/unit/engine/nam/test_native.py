"""The native kernel: golden accuracy, streaming invariants, activations, refusals."""

from __future__ import annotations

import itertools
import json
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
import soundfile as sf
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.paths import GOLDEN
from toneshootout.engine.errors import InvalidInput, UnsupportedFeature
from toneshootout.engine.nam import _native
from toneshootout.engine.nam.native import ACTIVATIONS, native_lstm, native_wavenet
from toneshootout.engine.nam.params import (
    WaveNetLayer,
    WaveNetLayerArray,
    WaveNetParams,
    unpack_lstm,
    unpack_wavenet_a1,
)
from toneshootout.engine.nam.processor import Processor
from toneshootout.engine.types import Float64Array, Signal

KERNEL_ARCHITECTURES = ("WaveNet", "LSTM")


def _load_nam(path: Path) -> dict[str, Any]:
    with path.open() as f:
        data: dict[str, Any] = json.load(f)
    return data


def _kernel_cases() -> list[dict[str, Any]]:
    with (GOLDEN / "cases.json").open() as f:
        cases: list[dict[str, Any]] = json.load(f)
    chosen = []
    for case in cases:
        model = _load_nam(GOLDEN / case["model"])
        if model["architecture"] in KERNEL_ARCHITECTURES and model["version"].startswith("0.5."):
            chosen.append(case)
    return chosen


def _processor_for(model: dict[str, Any]) -> Processor:
    weights = np.asarray(model["weights"], dtype=np.float32)
    if model["architecture"] == "WaveNet":
        return native_wavenet(unpack_wavenet_a1(model["config"], weights))
    return native_lstm(unpack_lstm(model["config"], weights))


def _golden(name: str) -> Processor:
    return _processor_for(_load_nam(GOLDEN / f"{name}.nam"))


def _noise(n: int, seed: int = 0, scale: float = 0.5) -> Signal:
    return (np.random.default_rng(seed).standard_normal(n) * scale).astype(np.float32)


@pytest.mark.parametrize("case", _kernel_cases(), ids=lambda c: str(c["name"]))
def test_process_meets_golden_tolerance_for_a1_case(case: dict[str, Any]) -> None:
    processor = _processor_for(_load_nam(GOLDEN / case["model"]))
    x, _ = sf.read(GOLDEN / case["input"], dtype="float32")
    expected, _ = sf.read(GOLDEN / case["expected"], dtype="float64")

    error = processor.process(x).astype(np.float64) - expected

    assert np.sum(error**2) / np.sum(expected**2) <= 1e-8
    assert np.max(np.abs(error)) <= 1e-4 * max(1.0, float(np.max(np.abs(expected))))


def test_golden_selection_covers_every_a1_kernel_case() -> None:
    names = {c["name"] for c in _kernel_cases()}
    assert {"a1_standard_real_jcm800", "a1_gated_random", "lstm_2x8_random"} <= names


@settings(max_examples=20, deadline=None)
@given(
    name=st.sampled_from(["a1_nano_random", "a1_gated_random", "lstm_2x8_random", "core_lstm"]),
    cuts=st.lists(st.integers(min_value=0, max_value=6000), max_size=8),
)
def test_process_in_random_blocks_equals_one_call(name: str, cuts: list[int]) -> None:
    x = _noise(6000, seed=len(cuts))
    whole = _golden(name).process(x)
    streamed = _golden(name)
    bounds = [0, *sorted(cuts), x.size]
    pieces = [streamed.process(x[a:b]) for a, b in itertools.pairwise(bounds)]
    np.testing.assert_array_equal(np.concatenate(pieces), whole)


@pytest.mark.parametrize("name", ["a1_lite_random", "lstm_1x16_random"])
def test_reset_returns_to_fresh_state(name: str) -> None:
    x = _noise(3000, seed=1)
    processor = _golden(name)
    first = processor.process(x)
    processor.process(_noise(700, seed=2))
    processor.reset()
    np.testing.assert_array_equal(processor.process(x), first)


def test_fresh_wavenet_is_in_post_silence_state() -> None:
    processor = _golden("a1_feather_random")
    x = _noise(2000, seed=3)
    padded = np.concatenate([np.zeros(5000, dtype=np.float32), x])
    tail = _golden("a1_feather_random").process(padded)[5000:]
    np.testing.assert_array_equal(processor.process(x), tail)


def test_receptive_field_matches_params() -> None:
    model = _load_nam(GOLDEN / "a1_standard_random.nam")
    params = unpack_wavenet_a1(model["config"], np.asarray(model["weights"], dtype=np.float32))
    assert native_wavenet(params).receptive_field == params.receptive_field == 4093
    assert _golden("lstm_1x16_random").receptive_field == 0


def test_process_empty_input_returns_empty() -> None:
    assert _golden("a1_nano_random").process(np.zeros(0, dtype=np.float32)).size == 0


# --- activations and architectures beyond the golden set, against a float64 reference ---

_EXACT: dict[str, Callable[[Float64Array], Float64Array]] = {
    "Tanh": np.tanh,
    "Hardtanh": lambda v: np.clip(v, -1.0, 1.0),
    "ReLU": lambda v: np.maximum(v, 0.0),
    "LeakyReLU": lambda v: np.where(v > 0, v, 0.01 * v),
    "Sigmoid": lambda v: 1.0 / (1.0 + np.exp(-v)),
    "SiLU": lambda v: v / (1.0 + np.exp(-v)),
    "Hardswish": lambda v: v * np.clip(v + 3.0, 0.0, 6.0) / 6.0,
    "Softsign": lambda v: v / (1.0 + np.abs(v)),
}


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_is_accurate(name: str) -> None:
    x = np.linspace(-12.0, 12.0, 80_000, dtype=np.float32)
    y = np.empty_like(x)
    _native.activation(ACTIVATIONS[name], x, y)
    exact = _EXACT[name](x.astype(np.float64))
    # tanh is the accurate rational fit; sigmoid-based ones inherit its absolute error, scaled by x.
    tolerance = 5e-7 if name == "Tanh" else 2e-6
    assert np.max(np.abs(y - exact) / np.maximum(1.0, np.abs(exact))) <= tolerance


def _random_array(
    rng: np.random.Generator, *, in_size: int, channels: int, head: int, **cfg: Any
) -> WaveNetLayerArray:
    k, gated = int(cfg["kernel"]), bool(cfg["gated"])
    cz = 2 * channels if gated else channels

    def w(*shape: int) -> Signal:
        scale = 1.0 / np.sqrt(shape[-1] if len(shape) > 1 else 4)
        out: Signal = (rng.standard_normal(shape) * scale).astype(np.float32)
        return out

    layers = tuple(
        WaveNetLayer(d, w(cz, channels, k), w(cz), w(cz, 1), w(channels, channels), w(channels))
        for d in cfg["dilations"]
    )
    return WaveNetLayerArray(
        input_size=in_size,
        condition_size=1,
        channels=channels,
        kernel_size=k,
        head_size=head,
        activation=str(cfg["activation"]),
        gated=gated,
        rechannel=w(channels, in_size),
        layers=layers,
        head_weight=w(head, channels),
        head_bias=w(head) if cfg["head_bias"] else None,
    )


def _reference_wavenet(params: WaveNetParams, x: Signal) -> Float64Array:
    """Whole-signal float64 WaveNet; leading silence stands in for the post-silence state."""
    pad = 2 * params.receptive_field
    cond = np.concatenate([np.zeros(pad), x.astype(np.float64)])[None, :]
    h_in, head_in = cond, None
    for arr in params.arrays:
        h = arr.rechannel.astype(np.float64) @ h_in
        head = np.zeros_like(h) if head_in is None else head_in
        for layer in arr.layers:
            z = layer.mixin_weight @ cond + layer.conv_bias[:, None]
            for k in range(arr.kernel_size):
                shift = (arr.kernel_size - 1 - k) * layer.dilation
                shifted = np.pad(h, ((0, 0), (shift, 0)))[:, : h.shape[1]]
                z = z + layer.conv_weight[:, :, k] @ shifted
            act = _EXACT[arr.activation]
            c = arr.channels
            a = act(z[:c]) / (1.0 + np.exp(-z[c:])) if arr.gated else act(z)
            head = head + a
            h = h + layer.out_weight @ a + layer.out_bias[:, None]
        head_in = arr.head_weight @ head
        if arr.head_bias is not None:
            head_in = head_in + arr.head_bias[:, None]
        h_in = h
    assert head_in is not None
    out: Float64Array = params.head_scale * head_in[0, pad:]
    return out


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
@pytest.mark.parametrize("gated", [False, True])
def test_wavenet_matches_float64_reference(activation: str, gated: bool) -> None:
    # crc32, not hash(): str hashing is salted per process, so hash() drew new weights each run.
    rng = np.random.default_rng(zlib.crc32(f"{activation}-{gated}".encode()))
    common = {"activation": activation, "gated": gated}
    arrays = (
        _random_array(
            rng,
            in_size=1,
            channels=5,
            head=3,
            kernel=2,
            dilations=[1, 3, 7],
            head_bias=True,
            **common,
        ),
        _random_array(
            rng,
            in_size=5,
            channels=3,
            head=6,
            kernel=4,
            dilations=[2, 5],
            head_bias=False,
            **common,
        ),
        _random_array(
            rng,
            in_size=3,
            channels=6,
            head=1,
            kernel=3,
            dilations=[1, 16],
            head_bias=True,
            **common,
        ),
    )
    params = WaveNetParams(arrays=arrays, head_scale=0.3)
    x = _noise(3000, seed=4)

    expected = _reference_wavenet(params, x)
    got = native_wavenet(params).process(x).astype(np.float64)

    assert np.max(np.abs(got - expected)) <= 1e-5 * max(1.0, float(np.max(np.abs(expected))))


# --- refusals ---


def _standard_params() -> WaveNetParams:
    model = _load_nam(GOLDEN / "a1_nano_random.nam")
    return unpack_wavenet_a1(model["config"], np.asarray(model["weights"], dtype=np.float32))


def test_native_wavenet_refuses_unknown_activation() -> None:
    params = _standard_params()
    bad = WaveNetParams(
        arrays=(
            WaveNetLayerArray(**{**params.arrays[0].__dict__, "activation": "Mish"}),
            params.arrays[1],
        ),
        head_scale=params.head_scale,
    )
    with pytest.raises(UnsupportedFeature, match=r"layers\[0\]\.activation.*Mish"):
        native_wavenet(bad)


def test_native_wavenet_refuses_mismatched_head_size() -> None:
    params = _standard_params()
    bad = WaveNetParams(
        arrays=(
            params.arrays[0],
            WaveNetLayerArray(**{**params.arrays[1].__dict__, "channels": 3}),
        ),
        head_scale=params.head_scale,
    )
    with pytest.raises(InvalidInput, match=r"layers\[1\]"):
        native_wavenet(bad)


def test_process_refuses_stereo_input() -> None:
    stereo: npt.NDArray[np.float32] = np.zeros((10, 2), dtype=np.float32)
    with pytest.raises(InvalidInput, match="mono"):
        _golden("a1_nano_random").process(stereo)


@pytest.mark.parametrize("count", [3, 40])
def test_kernel_refuses_wrong_weight_count(count: int) -> None:
    # One array: input 1, condition 1, 2 channels, kernel 3, head 1, Tanh, one layer of dilation 1.
    spec = np.array([1, 1, 1, 2, 3, 1, 0, 0, 0, 1, 1], dtype=np.int32)
    with pytest.raises(ValueError, match="weight"):
        _native.WaveNet(spec, np.zeros(count, dtype=np.float32))


def test_kernel_accepts_exact_weight_count() -> None:
    spec = np.array([1, 1, 1, 2, 3, 1, 0, 0, 0, 1, 1], dtype=np.int32)
    count = 2 + (2 * 2 * 3 + 2 + 2 + 4 + 2) + 2 + 1  # rechannel, layer, head, head_scale
    assert _native.WaveNet(spec, np.zeros(count, dtype=np.float32)).receptive_field == 3
