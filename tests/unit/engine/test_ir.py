"""Impulse responses: loading real and synthetic IRs, refusals, and convolution."""

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.paths import REAL
from toneshootout.engine.channels import ChannelPolicy
from toneshootout.engine.errors import InvalidInput
from toneshootout.engine.ir import ImpulseResponse, convolve, load_ir

FAV = REAL / "ir-mesa-fav-500ms.wav"
OS = REAL / "ir-mesa-os-4x12-189ms.wav"


def write_ir(tmp_path: Path, x: np.ndarray, rate: int = 48000, subtype: str = "FLOAT") -> Path:
    """Write an IR to tmp_path as WAV."""
    path = tmp_path / "cab.wav"
    sf.write(str(path), x, rate, subtype=subtype)
    return path


def refusal(path: Path, render_rate: int = 48000, policy: ChannelPolicy = "mid") -> InvalidInput:
    """The InvalidInput load_ir raises for `path`, which must name the file."""
    with pytest.raises(InvalidInput) as caught:
        load_ir(path, render_rate, policy)
    assert caught.value.source == path.name
    return caught.value


@pytest.mark.parametrize(("path", "taps"), [(FAV, 24000), (OS, 9056)])
def test_load_ir_keeps_real_ir_samples_and_level(path: Path, taps: int) -> None:
    ir = load_ir(path, 48000)
    raw, _ = sf.read(str(path), dtype="float32")
    assert ir.samples.shape == (taps,)
    assert np.array_equal(ir.samples, raw)  # same rate: untouched, never normalised
    assert (ir.sample_rate, ir.source_rate, ir.channels_in_file, ir.policy) == (
        48000,
        48000,
        1,
        "mid",
    )
    assert ir.length_ms == pytest.approx(1000 * taps / 48000)
    assert not ir.samples.flags.writeable


def test_load_ir_resamples_to_render_rate() -> None:
    ir = load_ir(OS, 44100)
    assert ir.samples.shape == (round(9056 * 44100 / 48000),)
    assert (ir.sample_rate, ir.source_rate) == (44100, 48000)
    assert ir.length_ms == pytest.approx(188.67, abs=0.05)


@pytest.mark.parametrize(("policy", "channel"), [("left", 0), ("right", 1)])
def test_load_ir_picks_stereo_channel_by_policy(
    tmp_path: Path, policy: ChannelPolicy, channel: int
) -> None:
    rng = np.random.default_rng(3)
    x = (0.1 * rng.standard_normal((2000, 2))).astype(np.float32)
    ir = load_ir(write_ir(tmp_path, x), 48000, policy)
    assert np.array_equal(ir.samples, x[:, channel])
    assert (ir.channels_in_file, ir.policy) == (2, policy)


@pytest.mark.parametrize("subtype", ["PCM_16", "PCM_24", "PCM_32", "FLOAT"])
def test_load_ir_accepts_pcm_and_float(tmp_path: Path, subtype: str) -> None:
    x = np.zeros(480, np.float32)
    x[10] = 0.75
    ir = load_ir(write_ir(tmp_path, x, subtype=subtype), 48000)
    assert ir.samples[10] == pytest.approx(0.75, abs=1e-4)


def test_load_ir_refuses_silent_ir(tmp_path: Path) -> None:
    assert "silent" in refusal(write_ir(tmp_path, np.zeros(480, np.float32))).reason


def test_load_ir_refuses_silent_chosen_channel(tmp_path: Path) -> None:
    x = np.zeros((480, 2), np.float32)
    x[5, 0] = 1.0
    assert "silent" in refusal(write_ir(tmp_path, x), policy="right").reason


def test_load_ir_refuses_nan(tmp_path: Path) -> None:
    x = np.zeros(480, np.float32)
    x[3] = np.nan
    assert "NaN" in refusal(write_ir(tmp_path, x)).reason


def test_load_ir_refuses_longer_than_ten_seconds(tmp_path: Path) -> None:
    x = np.full(8000 * 11, 0.01, np.float32)
    assert "10 s cap" in refusal(write_ir(tmp_path, x, rate=8000, subtype="PCM_16")).reason


def test_load_ir_refuses_non_wav(tmp_path: Path) -> None:
    path = tmp_path / "cab.wav"
    sf.write(str(path), np.full(480, 0.1, np.float32), 48000, format="MP3")
    assert "must be WAV" in refusal(path).reason


def test_load_ir_refuses_bad_render_rate() -> None:
    assert "render rate" in refusal(OS, render_rate=0).reason


def unit_ir(samples: np.ndarray) -> ImpulseResponse:
    """An in-memory IR at 48 kHz."""
    taps = samples.astype(np.float32)
    return ImpulseResponse(taps, 48000, 48000, 1, "mid", 1000 * taps.shape[0] / 48000)


def test_convolve_unit_impulse_returns_real_ir() -> None:
    ir = load_ir(FAV, 48000)
    x = np.zeros(1000, np.float32)
    x[0] = 1.0
    y = convolve(x, ir)
    assert y.shape == (1000 + 24000 - 1,)
    assert y.dtype == np.float32
    assert np.allclose(y[:24000], ir.samples, atol=1e-6)
    assert np.abs(y[24000:]).max() < 1e-6


@settings(max_examples=30, deadline=None)
@given(
    position=st.integers(0, 499),
    amplitude=st.floats(-1.0, 1.0).filter(lambda a: abs(a) > 1e-3),
    taps=st.integers(1, 300),
    seed=st.integers(0, 2**16),
)
def test_convolve_shifted_impulse_returns_scaled_shifted_ir(
    position: int, amplitude: float, taps: int, seed: int
) -> None:
    ir = unit_ir(np.random.default_rng(seed).uniform(-1, 1, taps))
    x = np.zeros(500, np.float32)
    x[position] = amplitude
    y = convolve(x, ir)
    expected = np.zeros(500 + taps - 1)
    expected[position : position + taps] = np.float32(amplitude) * ir.samples.astype(np.float64)
    assert np.allclose(y, expected, atol=1e-5)


@pytest.mark.parametrize("x", [np.zeros((10, 2), np.float32), np.zeros(0, np.float32)])
def test_convolve_refuses_non_mono_or_empty(x: np.ndarray) -> None:
    with pytest.raises(InvalidInput):
        convolve(x, unit_ir(np.ones(4)))
