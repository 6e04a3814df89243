"""The hand-wired demo captures: valid A1 files that behave like clean / crunch / high-gain amps."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
import soundfile as sf
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.paths import GOLDEN
from tests.unit.engine.demo.wavenet_reference import run_capture
from toneshootout.engine.align import make_probe, measure_alignment
from toneshootout.engine.demo.captures import (
    DEMO_AMPS,
    HEAD_SCALE,
    build_capture,
    demo_captures,
    write_capture,
)
from toneshootout.engine.errors import InvalidInput
from toneshootout.engine.nam.capture import parse_capture
from toneshootout.engine.nam.params import unpack_wavenet_a1

RATE = 48000
DI_LEVEL = 0.25  # sine peak near a DI normalised to -18 dBFS RMS
CAPTURES = demo_captures()


def _sine(freq: float, amplitude: float, seconds: float = 0.5) -> npt.NDArray[np.float64]:
    t = np.arange(int(seconds * RATE)) / RATE
    return np.asarray(amplitude * np.sin(2.0 * np.pi * freq * t))


def _harmonics(capture: dict[str, Any], freq: float = 440.0) -> npt.NDArray[np.float64]:
    """Amplitudes of harmonics 1..N of the steady-state output for a sine at DI level."""
    y = run_capture(capture, _sine(freq, DI_LEVEL))[RATE // 10 :]
    spectrum = np.abs(np.fft.rfft(y * np.hanning(y.size)))
    bins = [round(k * freq * y.size / RATE) for k in range(1, int(20000 / freq))]
    return np.array([np.sqrt(np.sum(spectrum[b - 3 : b + 4] ** 2)) for b in bins])


def _thd(capture: dict[str, Any]) -> float:
    h = _harmonics(capture)
    return float(np.sqrt(np.sum(h[1:] ** 2)) / h[0])


def test_reference_forward_matches_golden_output() -> None:
    # The helper the behaviour tests rely on must itself be right.
    case = "a1_nano_random"
    capture = json.loads((GOLDEN / f"{case}.nam").read_text())
    x, _ = sf.read(GOLDEN / "di_synth_48k.wav", dtype="float32")
    expected, _ = sf.read(GOLDEN / f"{case}.expected.wav", dtype="float64")
    y = run_capture(capture, x)
    assert np.sum((y - expected) ** 2) / np.sum(expected**2) < 1e-8


@pytest.mark.parametrize("stem", sorted(CAPTURES))
def test_build_capture_has_a1_layout_and_metadata(stem: str) -> None:
    capture = CAPTURES[stem]
    assert capture["version"] == "0.5.4"
    assert capture["architecture"] == "WaveNet"
    assert capture["sample_rate"] == RATE
    meta = capture["metadata"]
    assert meta["name"] == DEMO_AMPS[stem].name
    assert meta["modeled_by"] == "Tone Shootout demo"
    assert (meta["gear_type"], meta["gear_make"]) == ("amp", "Tone Shootout")
    assert meta["tone_type"] in {"clean", "crunch", "hi_gain"}
    assert 0.0 <= meta["gain"] <= 1.0
    params = unpack_wavenet_a1(capture["config"], np.asarray(capture["weights"], np.float32))
    assert len(params.arrays) == 2
    assert params.arrays[0].head_size == params.arrays[1].channels
    assert params.head_scale == pytest.approx(HEAD_SCALE)


def test_thd_rises_clean_then_crunch_then_high_gain() -> None:
    clean, crunch, high = (
        _thd(CAPTURES[s]) for s in ("demo-clean", "demo-crunch", "demo-high-gain")
    )
    assert clean < 0.01  # near-linear at DI level
    assert 0.05 < crunch < 0.3
    assert high > 0.3
    assert clean < crunch < high


def test_crunch_has_even_harmonics_clean_does_not() -> None:
    clean, crunch = _harmonics(CAPTURES["demo-clean"]), _harmonics(CAPTURES["demo-crunch"])
    assert clean[1] / clean[0] < 1e-3
    assert crunch[1] / crunch[0] > 0.05  # the asymmetric clipper's second harmonic


def test_clean_keeps_unity_gain_at_di_level() -> None:
    x = _sine(1000.0, DI_LEVEL)
    y = run_capture(CAPTURES["demo-clean"], x)
    assert np.std(y[RATE // 10 :]) / np.std(x[RATE // 10 :]) == pytest.approx(1.0, abs=0.1)


@pytest.mark.parametrize("stem", sorted(CAPTURES))
def test_silence_in_gives_silence_out(stem: str) -> None:
    y = run_capture(CAPTURES[stem], np.zeros(2000))
    assert np.max(np.abs(y)) < 1e-6


@settings(max_examples=15, deadline=None)
@given(
    stem=st.sampled_from(sorted(CAPTURES)),
    amplitude=st.floats(0.0, 20.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_output_stays_finite_and_bounded_for_any_input(
    stem: str, amplitude: float, seed: int
) -> None:
    x = amplitude * np.random.default_rng(seed).uniform(-1.0, 1.0, 1500)
    y = run_capture(CAPTURES[stem], x)
    design = DEMO_AMPS[stem]
    # Only the power amp's tanh reaches the head, so |y| <= level / drive.
    assert np.all(np.isfinite(y))
    assert np.max(np.abs(y)) <= design.output_level / design.power_drive + 1e-6


@pytest.mark.parametrize("stem", sorted(CAPTURES))
def test_engine_numpy_backend_agrees_with_reference(stem: str, tmp_path: Path) -> None:
    path = tmp_path / f"{stem}.nam"
    write_capture(CAPTURES[stem], path)
    processor = parse_capture(path.read_bytes(), path.name).processor(backend="numpy")
    x = np.asarray(_sine(196.0, 0.5, seconds=0.2), dtype=np.float32)
    y = processor.process(x)
    expected = run_capture(CAPTURES[stem], x)
    assert np.sum((y - expected) ** 2) / np.sum(expected**2) < 1e-8


def test_build_capture_refuses_a_design_that_does_not_fit() -> None:
    three_stages = replace(
        DEMO_AMPS["demo-high-gain"], stages=DEMO_AMPS["demo-high-gain"].stages * 2
    )
    with pytest.raises(InvalidInput, match="Demo High Gain: needs 1-2 clipping stages"):
        build_capture(three_stages)


def test_write_capture_round_trips_and_is_byte_stable(tmp_path: Path) -> None:
    first, second = tmp_path / "a.nam", tmp_path / "b.nam"
    write_capture(build_capture(DEMO_AMPS["demo-crunch"]), first)
    write_capture(build_capture(DEMO_AMPS["demo-crunch"]), second)
    assert first.read_bytes() == second.read_bytes()
    assert json.loads(first.read_text()) == CAPTURES["demo-crunch"]


@pytest.mark.parametrize("stem", sorted(CAPTURES))
def test_capture_aligns_with_a_small_latency_and_positive_polarity(stem: str) -> None:
    probe = make_probe(RATE)
    response = run_capture(CAPTURES[stem], probe).astype(np.float32)
    alignment = measure_alignment(probe, response, RATE)
    # Like captures in the wild (0-18 samples): the linear-phase tone filters' group delay.
    assert 1 <= alignment.latency_samples <= 18
    assert alignment.polarity == 1
    assert not alignment.ambiguous
