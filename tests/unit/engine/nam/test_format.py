"""Strict `.nam` validation: every malformed file refused with a readable reason."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toneshootout.engine.errors import InvalidInput, UnsupportedFeature
from toneshootout.engine.nam.capture import load_capture, parse_capture
from toneshootout.engine.nam.format import MAX_FILE_BYTES

SOURCE = "test.nam"


def _a1_array(
    input_size: int, channels: int, head: int, dilations: list[int], **kw: Any
) -> dict[str, Any]:
    return {
        "input_size": input_size,
        "condition_size": 1,
        "head_size": head,
        "channels": channels,
        "kernel_size": kw.get("kernel", 3),
        "dilations": dilations,
        "activation": kw.get("activation", "Tanh"),
        "gated": kw.get("gated", False),
        "head_bias": kw.get("head_bias", True),
    }


def _a1_count(arrays: list[dict[str, Any]]) -> int:
    total = 1
    for a in arrays:
        c, k = a["channels"], a["kernel_size"]
        z = 2 * c if a["gated"] else c
        total += c * a["input_size"]
        total += len(a["dilations"]) * (z * c * k + z + z + c * c + c)
        total += a["head_size"] * c + (a["head_size"] if a["head_bias"] else 0)
    return total


def wavenet_doc(arrays: list[dict[str, Any]], seed: int = 0) -> dict[str, Any]:
    weights = np.random.default_rng(seed).normal(0, 0.3, _a1_count(arrays)).tolist()
    return {
        "version": "0.5.4",
        "architecture": "WaveNet",
        "config": {"layers": arrays, "head": None, "head_scale": 0.02},
        "weights": weights,
        "sample_rate": 48000,
        "metadata": {"name": "tiny"},
    }


def small_wavenet() -> dict[str, Any]:
    return wavenet_doc([_a1_array(1, 3, 2, [1, 2]), _a1_array(3, 2, 1, [4])])


def lstm_doc(hidden: int, layers: int, seed: int = 0) -> dict[str, Any]:
    count = sum(
        4 * hidden * ((1 if i == 0 else hidden) + hidden) + 6 * hidden for i in range(layers)
    )
    weights = np.random.default_rng(seed).normal(0, 0.3, count + hidden + 1).tolist()
    config = {"input_size": 1, "hidden_size": hidden, "num_layers": layers}
    return {"version": "0.5.4", "architecture": "LSTM", "config": config, "weights": weights}


def linear_doc(taps: int, seed: int = 0) -> dict[str, Any]:
    weights = np.random.default_rng(seed).normal(0, 0.3, taps + 1).tolist()
    config = {"receptive_field": taps, "bias": True}
    return {"version": "0.5.4", "architecture": "Linear", "config": config, "weights": weights}


def _encode(doc: Any) -> bytes:
    return json.dumps(doc).encode()


def _refused(data: bytes) -> str:
    with pytest.raises(InvalidInput) as info:
        parse_capture(data, SOURCE)
    assert info.value.source == SOURCE
    return info.value.reason


def test_parse_capture_accepts_small_wavenet() -> None:
    capture = parse_capture(_encode(small_wavenet()), SOURCE)
    assert capture.info.weight_count == _a1_count(small_wavenet()["config"]["layers"])
    assert capture.info.receptive_field == 1 + 2 * (1 + 2) + 2 * 4
    assert capture.info.metadata.name == "tiny"


def test_parse_capture_refuses_non_json() -> None:
    assert "not valid JSON" in _refused(b"{not json")


def test_parse_capture_refuses_non_utf8() -> None:
    assert "UTF-8" in _refused(b'{"version": "\xff"}')


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_parse_capture_refuses_nan_and_infinity_weights(constant: str) -> None:
    text = _encode(small_wavenet()).decode().replace('"weights": [', f'"weights": [{constant}, ', 1)
    assert "not a number JSON allows" in _refused(text.encode())


def test_parse_capture_refuses_weight_overflowing_float32() -> None:
    doc = small_wavenet()
    doc["weights"][0] = 1e300
    assert "finite float32" in _refused(_encode(doc))


@pytest.mark.parametrize("field", ["weights", "sample_rate", "metadata"])
def test_parse_capture_refuses_or_ignores_huge_integers_without_crashing(field: str) -> None:
    text = _encode(small_wavenet()).decode()
    huge = "9" * 400
    if field == "weights":
        text = text.replace('"weights": [', f'"weights": [{huge}, ', 1)
    elif field == "sample_rate":
        text = text.replace('"sample_rate": 48000', f'"sample_rate": {huge}')
    else:
        text = text.replace('"name": "tiny"', f'"name": "tiny", "loudness": {huge}')
        assert parse_capture(text.encode(), SOURCE).info.metadata.loudness is None
        return
    assert field in _refused(text.encode()) or "weight 0" in _refused(text.encode())


def test_parse_capture_refuses_duplicate_keys() -> None:
    text = _encode(small_wavenet()).decode().replace("{", '{"version": "0.5.4", ', 1)
    assert "duplicate key" in _refused(text.encode())


def test_parse_capture_refuses_deep_nesting() -> None:
    assert "nests deeper" in _refused(b"[" * 10_000 + b"]" * 10_000)


def test_parse_capture_refuses_huge_input() -> None:
    assert "limit" in _refused(b" " * (MAX_FILE_BYTES + 1))


def test_load_capture_refuses_huge_file_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.nam"
    with path.open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 10)
    with pytest.raises(InvalidInput, match="limit"):
        load_capture(path)


def test_parse_capture_refuses_unknown_architecture() -> None:
    doc = small_wavenet()
    doc["architecture"] = "Transformer"
    assert "architecture 'Transformer'" in _refused(_encode(doc))


@pytest.mark.parametrize("version", ["1.0.0", "0.4.2", "0.5", "abc", 5])
def test_parse_capture_refuses_unsupported_version(version: Any) -> None:
    doc = small_wavenet()
    doc["version"] = version
    assert "version" in _refused(_encode(doc))


def test_parse_capture_refuses_wrong_weight_count() -> None:
    doc = small_wavenet()
    doc["weights"].append(0.5)
    assert "weight count mismatch" in _refused(_encode(doc))


@pytest.mark.parametrize(
    ("key", "value"), [("channels", -3), ("channels", 100_000), ("kernel_size", 0)]
)
def test_parse_capture_refuses_bad_config_sizes(key: str, value: int) -> None:
    doc = small_wavenet()
    doc["config"]["layers"][0][key] = value
    assert f"layers[0].{key}" in _refused(_encode(doc))


def test_parse_capture_refuses_huge_dilation() -> None:
    doc = small_wavenet()
    doc["config"]["layers"][0]["dilations"] = [10**9]
    assert "dilations[0]" in _refused(_encode(doc))


def test_parse_capture_refuses_unknown_a2_layer_key() -> None:
    doc = small_wavenet()
    doc["version"] = "0.7.0"
    doc["config"]["layers"][0]["teleport"] = True
    with pytest.raises(UnsupportedFeature, match="teleport"):
        parse_capture(_encode(doc), SOURCE)


@pytest.mark.parametrize("rate", [0, -48000, 12345, 48000.5, "48000", 1e12])
def test_parse_capture_refuses_bad_sample_rate(rate: Any) -> None:
    doc = small_wavenet()
    doc["sample_rate"] = rate
    assert "sample_rate" in _refused(_encode(doc))


def test_parse_capture_refuses_long_metadata_string() -> None:
    doc = small_wavenet()
    doc["metadata"]["name"] = "x" * 5000
    assert "metadata.name" in _refused(_encode(doc))


def test_processor_refuses_bad_slim_and_backend() -> None:
    capture = parse_capture(_encode(small_wavenet()), SOURCE)
    with pytest.raises(InvalidInput, match="slim"):
        capture.processor(slim=1.5)
    with pytest.raises(InvalidInput, match="backend"):
        capture.processor(backend="gpu")


_arrays = st.builds(
    lambda c1, c2, d1, d2, gated, act: [
        _a1_array(1, c1, c2, d1, gated=gated, activation=act, head_bias=False),
        _a1_array(c1, c2, 1, d2, gated=gated, activation=act),
    ],
    st.integers(1, 4),
    st.integers(1, 3),
    st.lists(st.sampled_from([1, 2, 4, 8]), min_size=1, max_size=3),
    st.lists(st.sampled_from([1, 3, 16]), min_size=1, max_size=3),
    st.booleans(),
    st.sampled_from(["Tanh", "ReLU", "Sigmoid", "Hardtanh", "LeakyReLU"]),
)
_docs = st.one_of(
    st.builds(wavenet_doc, _arrays, st.integers(0, 99)),
    st.builds(lstm_doc, st.integers(1, 4), st.integers(1, 2), st.integers(0, 99)),
    st.builds(linear_doc, st.integers(1, 40), st.integers(0, 99)),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=_docs)
def test_valid_generated_models_round_trip_to_finite_audio(doc: dict[str, Any]) -> None:
    capture = parse_capture(_encode(doc), SOURCE)
    x = np.sin(np.linspace(0.0, 40.0, 300, dtype=np.float32)) * np.float32(0.5)
    y = capture.processor(backend="numpy").process(x)
    assert y.shape == x.shape
    assert np.all(np.isfinite(y))


def _mutations(doc: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for path, value in [
        (("weights",), [*doc["weights"], 1.0]),
        (("weights",), doc["weights"][:-1]),
        (("version",), "9.9.9"),
        (("architecture",), "Sequential"),
        (("config",), []),
        (("sample_rate",), -1),
        (("metadata",), "free text"),
        (("weights",), ["0.1", *doc["weights"][1:]]),
        (("config", "layers", 0, "channels"), 0),
        (("config", "layers", 0, "dilations"), []),
        (("config", "layers", 1, "input_size"), 99),
        (("config", "layers", 0, "activation"), "Gelu"),
    ]:
        mutated = copy.deepcopy(doc)
        target: Any = mutated
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        out.append(mutated)
    return out


@settings(max_examples=15, deadline=None)
@given(arrays=_arrays, which=st.integers(0, 11))
def test_mutated_models_are_refused(arrays: list[dict[str, Any]], which: int) -> None:
    doc = _mutations(wavenet_doc(arrays))[which]
    with pytest.raises(InvalidInput):
        parse_capture(_encode(doc), SOURCE)
