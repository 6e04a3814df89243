"""Every golden case (cases.json, so new ones are picked up) within the README's tolerance."""

from __future__ import annotations

import json
import pickle
from typing import Any

import numpy as np
import pytest
import soundfile as sf

from tests.paths import GOLDEN
from toneshootout.engine.nam.capture import load_capture
from toneshootout.engine.types import Signal

CASES: list[dict[str, Any]] = json.loads((GOLDEN / "cases.json").read_text())
# The numpy LSTM runs one sample at a time (~20 k samples/s); recurrent cases compare a prefix
# so the suite stays fast. The prefix is exact: the output at t depends only on x[0..t].
RECURRENT_PREFIX = 24_000


def _read(name: str) -> Signal:
    data, _ = sf.read(GOLDEN / name, dtype="float32")
    return np.asarray(data, dtype=np.float32)


def _by_name(name: str) -> dict[str, Any]:
    return next(case for case in CASES if case["name"] == name)


@pytest.mark.parametrize("backend", ["numpy", "auto"])
@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_processor_matches_golden_within_tolerance(case: dict[str, Any], backend: str) -> None:
    capture = load_capture(GOLDEN / case["model"])
    x, expected = _read(case["input"]), _read(case["expected"]).astype(np.float64)
    if capture.info.receptive_field == 0:
        x, expected = x[:RECURRENT_PREFIX], expected[:RECURRENT_PREFIX]
    y = capture.processor(slim=case["slim"], backend=backend).process(x).astype(np.float64)
    error = y - expected
    esr = float(np.sum(error**2) / np.sum(expected**2))
    assert esr <= 1e-8
    assert np.max(np.abs(error)) <= 1e-4 * max(1.0, float(np.max(np.abs(expected))))
    assert capture.info.architecture == case["architecture"]
    assert capture.info.version == case["version"]


@pytest.mark.parametrize(
    ("name", "length"),
    [
        ("core_wavenet_a2_max", 20_000),
        ("core_wavenet_condition_dsp", 20_000),
        ("core_slimmable_wavenet_slim0p5", 20_000),
        ("a1_gated_random", 20_000),
        ("linear_32_random", 20_000),
        ("core_lstm", 3_000),
    ],
)
def test_process_random_blocks_equals_one_call(name: str, length: int) -> None:
    case = _by_name(name)
    capture = load_capture(GOLDEN / case["model"])
    x = _read(case["input"])[:length]
    whole = capture.processor(slim=case["slim"], backend="numpy").process(x)
    streaming = capture.processor(slim=case["slim"], backend="numpy")
    rng = np.random.default_rng(7)
    cuts = np.sort(rng.choice(np.arange(1, length), size=12, replace=False))
    pieces = [streaming.process(block) for block in np.split(x, cuts)]
    np.testing.assert_allclose(np.concatenate(pieces), whole, rtol=1e-5, atol=1e-6)


def test_reset_returns_to_post_silence_state() -> None:
    case = _by_name("core_a2_slim0p4")
    capture = load_capture(GOLDEN / case["model"])
    x = _read(case["input"])[:8_000]
    processor = capture.processor(slim=0.4, backend="numpy")
    first = processor.process(x)
    processor.reset()
    np.testing.assert_allclose(processor.process(x), first, rtol=1e-6, atol=1e-7)


def test_capture_survives_pickling_with_same_output() -> None:
    case = _by_name("core_wavenet_a2_max")
    capture = load_capture(GOLDEN / case["model"])
    clone = pickle.loads(pickle.dumps(capture))
    x = _read(case["input"])[:4_000]
    expected = capture.processor(backend="numpy").process(x)
    np.testing.assert_array_equal(clone.processor(backend="numpy").process(x), expected)
    assert clone.info == capture.info
