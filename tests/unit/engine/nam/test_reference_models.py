"""Reference inference beyond the golden set: ConvNet, post-stack heads, activations, backends."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from tests.paths import GOLDEN, REAL
from toneshootout.engine.errors import InvalidInput, UnsupportedFeature
from toneshootout.engine.nam.activations import parse_activation
from toneshootout.engine.nam.capture import load_capture, parse_capture

SOURCE = "model.nam"


def _convnet_doc(channels: int, dilations: list[int], batchnorm: bool) -> dict[str, Any]:
    rng = np.random.default_rng(3)
    weights: list[float] = []
    cin = 1
    for _ in dilations:
        weights += rng.normal(0, 0.5, channels * cin * 2).tolist()
        if batchnorm:
            weights += rng.normal(0, 0.1, channels).tolist()  # running mean
            weights += rng.uniform(0.5, 2.0, channels).tolist()  # running var
            weights += rng.normal(1, 0.1, 2 * channels).tolist()  # weight, bias
            weights.append(1e-5)
        else:
            weights += rng.normal(0, 0.1, channels).tolist()
        cin = channels
    weights += rng.normal(0, 0.5, channels + 1).tolist()
    config = {
        "channels": channels,
        "dilations": dilations,
        "batchnorm": batchnorm,
        "activation": "Tanh",
    }
    return {"version": "0.5.4", "architecture": "ConvNet", "config": config, "weights": weights}


def _convnet_direct(doc: dict[str, Any], x: np.ndarray) -> np.ndarray:
    """The trainer's definition written out plainly: kernel-2 dilated convs over zero padding."""
    w = np.asarray(doc["weights"], dtype=np.float64)
    cfg = doc["config"]
    c, pos, y = cfg["channels"], 0, x[None, :].astype(np.float64)
    for d in cfg["dilations"]:
        cin = y.shape[0]
        kernel = w[pos : pos + c * cin * 2].reshape(c, cin, 2)
        pos += c * cin * 2
        past = np.concatenate((np.zeros((cin, d)), y[:, :-d]), axis=1)
        z = kernel[:, :, 0] @ past + kernel[:, :, 1] @ y
        if cfg["batchnorm"]:
            mean, var, gamma, beta = (w[pos + i * c : pos + (i + 1) * c, None] for i in range(4))
            eps = w[pos + 4 * c]
            pos += 4 * c + 1
            z = (z - mean) / np.sqrt(var + eps) * gamma + beta
        else:
            z = z + w[pos : pos + c, None]
            pos += c
        y = np.tanh(z)
    out: np.ndarray = w[pos : pos + c] @ y + w[pos + c]
    return out


@pytest.mark.parametrize("batchnorm", [False, True])
def test_convnet_matches_trainer_definition(batchnorm: bool) -> None:
    doc = _convnet_doc(4, [1, 2, 4, 8], batchnorm)
    capture = parse_capture(json.dumps(doc).encode(), SOURCE)
    x = np.random.default_rng(1).normal(0, 0.3, 3000).astype(np.float32)
    processor = capture.processor(backend="numpy")
    y = np.concatenate([processor.process(x[:1234]), processor.process(x[1234:])])
    # The trainer pads the *input* with zeros (pad_start), so deeper layers start from their
    # response to silence: prepend receptive field − 1 zeros and drop those outputs.
    padded = np.concatenate((np.zeros(15), x))
    np.testing.assert_allclose(y, _convnet_direct(doc, padded)[15:], rtol=1e-5, atol=1e-6)
    assert capture.info.receptive_field == 16


def test_convnet_refuses_negative_variance() -> None:
    doc = _convnet_doc(2, [1], True)
    doc["weights"][6:8] = [-5.0, -5.0]  # running var of the first block
    with pytest.raises(InvalidInput, match="variance"):
        parse_capture(json.dumps(doc).encode(), SOURCE)


def _with_post_head(doc: dict[str, Any]) -> dict[str, Any]:
    doc["config"]["layers"][-1]["head_size"] = 2
    doc["config"]["head"] = {
        "channels": 3,
        "out_channels": 1,
        "kernel_sizes": [2, 3],
        "activation": "ReLU",
    }
    return doc


def test_post_stack_head_streams_and_counts_its_weights() -> None:
    doc = json.loads((GOLDEN / "core_wavenet.nam").read_text())
    doc = _with_post_head(doc)
    # Arbitrary values, the count is what matters: the last head grows 1 -> 2 rows (+2 weights,
    # +1 bias), then stages 2->3 (k=2, biased) and 3->1 (k=3, biased).
    head_scale = doc["weights"].pop()
    extra = 3 + (3 * 2 * 2 + 3) + (1 * 3 * 3 + 1)
    doc["weights"] += np.linspace(-0.5, 0.5, extra).tolist()
    doc["weights"].append(head_scale)
    capture = parse_capture(json.dumps(doc).encode(), SOURCE)
    assert capture.info.receptive_field == 23 + 1 + 2
    x = np.random.default_rng(2).normal(0, 0.3, 2000).astype(np.float32)
    whole = capture.processor(backend="numpy").process(x)
    streaming = capture.processor(backend="numpy")
    pieces = [streaming.process(part) for part in np.split(x, [3, 700, 701])]
    np.testing.assert_allclose(np.concatenate(pieces), whole, rtol=1e-5, atol=1e-7)
    assert np.all(np.isfinite(whole))


@pytest.mark.parametrize(
    ("spec", "x", "expected"),
    [
        ("Softsign", 3.0, 0.75),
        ("Hardswish", 1.0, 1.0 * 4.0 / 6.0),
        ({"type": "LeakyReLU", "negative_slope": 0.2}, -2.0, -0.4),
        ({"type": "LeakyHardtanh", "min_val": 0.0, "max_val": 0.9, "max_slope": 0.02}, 1.9, 0.92),
        ("SiLU", 1.0, 1.0 / (1.0 + np.exp(-1.0))),
        ("Hardtanh", -3.0, -1.0),
    ],
)
def test_activation_values(spec: Any, x: float, expected: float) -> None:
    value = parse_activation(spec, SOURCE, "activation").apply(np.array([[x]]))
    assert float(value[0, 0]) == pytest.approx(expected)


def test_prelu_applies_one_slope_per_channel() -> None:
    prelu = parse_activation({"type": "PReLU", "negative_slopes": [0.5, 0.1]}, SOURCE, "a")
    out = prelu.apply(np.array([[-1.0, 2.0], [-1.0, 2.0]]))
    np.testing.assert_allclose(out, [[-0.5, 2.0], [-0.1, 2.0]])


@pytest.mark.parametrize(
    "spec", ["Gelu", {"type": "Softsign", "alpha": 2.0}, {"type": "ReLU", "x": 1}]
)
def test_activation_unknown_or_unsupported_refused(spec: Any) -> None:
    with pytest.raises(UnsupportedFeature):
        parse_activation(spec, SOURCE, "activation")


def test_real_capture_metadata_and_label() -> None:
    info = load_capture(REAL / "jcm800-standard.nam").info
    assert info.size_label == "standard"
    assert info.weight_count == 13_802
    assert info.receptive_field == 4_093
    assert info.metadata.name == "JCM800 capture 3"
    assert info.metadata.validation_esr == pytest.approx(0.004, abs=1e-4)


def test_container_info_and_slim_selection() -> None:
    capture = load_capture(GOLDEN / "core_a2_slim1p0.nam")
    assert capture.info.slim_values == (0.0, 0.5)
    assert capture.info.sample_rate == 48_000
    assert capture.info.metadata.input_level_dbu == pytest.approx(14.76)


def test_native_backend_falls_back_or_is_refused() -> None:
    capture = load_capture(GOLDEN / "core_wavenet_a2_max.nam")
    assert capture.processor(backend="auto").receptive_field == 31
    with pytest.raises(UnsupportedFeature):
        capture.processor(backend="native")


def test_slimmable_array_with_groups_is_refused() -> None:
    doc = json.loads((GOLDEN / "core_slimmable_wavenet.nam").read_text())
    doc["config"]["layers"][0]["slimmable"]["method"] = "magic"
    with pytest.raises(UnsupportedFeature, match="magic"):
        parse_capture(json.dumps(doc).encode(), SOURCE)


@pytest.mark.parametrize(
    ("model", "label"),
    [
        ("a1_lite_random.nam", "lite"),
        ("a1_feather_random.nam", "feather"),
        ("a1_nano_random.nam", "nano"),
        ("a1_gated_random.nam", None),
        ("core_wavenet.nam", None),
    ],
)
def test_size_label_names_only_the_standard_a1_shapes(model: str, label: str | None) -> None:
    assert load_capture(GOLDEN / model).info.size_label == label
