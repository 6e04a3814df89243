"""Every file the fake serves loads in our engine, and the catalogue keeps to the enums.

Only here may the fake's tests touch the engine: the package itself stands alone.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from toneshootout.engine.ir import load_ir
from toneshootout.engine.nam.capture import parse_capture
from toneshootout.tone3000_fake import fixtures
from toneshootout.tone3000_fake.catalogue import (
    ARCHITECTURES,
    FORMATS,
    GEARS,
    LICENSES,
    SIZES,
    Model,
)
from toneshootout.tone3000_fake.seed import build_catalogue
from toneshootout.tone3000_fake.state import _model_bytes

CATALOGUE = build_catalogue()
MODELS = [model for tone in CATALOGUE.tones for model in tone.models]
NAM = [m for m in MODELS if m.extension == "nam"]
IRS = [m for m in MODELS if m.extension == "wav"]
EXPECTED_ARCHITECTURE = {"a1": "WaveNet", "a2": "SlimmableContainer", "linear": "Linear"}


def _sine(seconds: float = 0.1) -> np.ndarray:
    t = np.arange(int(48_000 * seconds)) / 48_000
    return (0.5 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


@pytest.mark.parametrize("model", NAM, ids=lambda m: f"{m.id}-{m.kind}")
def test_every_nam_loads_and_plays_in_the_engine(model: Model) -> None:
    capture = parse_capture(_model_bytes(model), f"{model.id}.nam")
    assert capture.info.architecture == EXPECTED_ARCHITECTURE[model.kind]
    assert capture.info.sample_rate == 48_000
    assert capture.info.metadata.gear_make == "tz-make"  # the trainer's placeholders
    assert capture.info.metadata.gear_model == "tz-model"
    assert capture.info.metadata.name == model.name
    for slim in (None, *capture.info.slim_values):
        out = capture.processor(slim).process(_sine())
        assert np.all(np.isfinite(out))
        assert 0.05 < float(np.max(np.abs(out))) < 1.0


def test_a2_container_has_two_sizes() -> None:
    a2 = next(m for m in NAM if m.kind == "a2")
    assert parse_capture(_model_bytes(a2), "a2.nam").info.slim_values == (0.0, 0.5)


def test_a1_capture_clips_like_a_gain_stage() -> None:
    """More gain, more compression: the output's crest factor falls as the drive rises."""
    crest = []
    for gain in (0.1, 0.9):
        capture = parse_capture(fixtures.a1_wavenet("g", "tester", gain), "g.nam")
        out = capture.processor().process(_sine())[1000:]
        crest.append(float(np.max(np.abs(out)) / np.sqrt(np.mean(out**2))))
    assert crest[1] < crest[0] < 1.45


@pytest.mark.parametrize("model", IRS, ids=lambda m: f"{m.id}-{m.kind}")
def test_every_ir_loads_in_the_engine(model: Model, tmp_path: Path) -> None:
    path = tmp_path / f"{model.id}.wav"
    path.write_bytes(_model_bytes(model))
    ir = load_ir(path, 48_000)
    assert ir.source_rate == 48_000
    assert ir.channels_in_file == 1
    if model.kind == "ir-cab":
        assert ir.length_ms == pytest.approx(100.0)
    else:
        assert ir.length_ms == pytest.approx(1200.0)


def test_files_are_deterministic_and_tiny() -> None:
    for model in MODELS:
        generated = {
            "a1": lambda m: fixtures.a1_wavenet(m.name, "tone3000", m.gain),
            "a2": lambda m: fixtures.a2_container(m.name, "tone3000", m.gain),
            "linear": lambda m: fixtures.linear(m.name, "tone3000", m.id),
        }.get(model.kind)
        if generated is not None:
            assert generated(model) == _model_bytes(model)
        assert len(_model_bytes(model)) < 200_000
    assert fixtures.impulse_response(3, 0.1) == fixtures.impulse_response(3, 0.1)
    assert fixtures.png(5).startswith(b"\x89PNG\r\n\x1a\n")


def test_catalogue_keeps_to_the_wire_enums() -> None:
    assert build_catalogue() == CATALOGUE  # the same on every call
    tone_ids = [t.id for t in CATALOGUE.tones]
    model_ids = [m.id for m in MODELS]
    assert len(set(tone_ids)) == len(tone_ids)
    assert len(set(model_ids)) == len(model_ids)
    assert CATALOGUE.deleted_tone_ids.isdisjoint(tone_ids)
    for tone in CATALOGUE.tones:
        assert tone.gear in GEARS
        assert tone.format in FORMATS
        assert tone.license in LICENSES
        for model in tone.models:
            assert model.architecture is None or model.architecture in ARCHITECTURES
            assert model.size is None or model.size in SIZES
            assert (model.architecture is None) == (tone.format == "ir")
    assert {t.license for t in CATALOGUE.tones} == set(LICENSES)
    assert any("_" in c.username for c in CATALOGUE.creators)


@pytest.mark.parametrize("model", [m for m in NAM if m.kind != "linear"], ids=lambda m: str(m.id))
def test_native_kernel_agrees_with_numpy_where_built(model: Model) -> None:
    pytest.importorskip("toneshootout.engine.nam._native", reason="native kernel not built")
    capture = parse_capture(_model_bytes(model), f"{model.id}.nam")
    native = capture.processor(None, backend="native").process(_sine())
    numpy = capture.processor(None, backend="numpy").process(_sine())
    np.testing.assert_allclose(native, numpy, atol=1e-5)
