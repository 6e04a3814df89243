"""Loudness and true-peak measurement against BS.1770-4 / EBU reference behaviour."""

import math

import numpy as np
import pyloudnorm
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.signal import upfirdn

from toneshootout.engine.errors import InvalidInput
from toneshootout.engine.loudness import (
    K_WEIGHTING,
    IntegratedLoudnessMeter,
    _interpolator,
    integrated_loudness,
    loudness_figures,
    loudness_range_lu,
    max_momentary_lufs,
    max_short_term_lufs,
    oversampling_factor,
    true_peak_dbtp,
    true_peak_linear,
)
from toneshootout.engine.types import Signal

RATE = 48000


def _sine(freq: float, seconds: float, amplitude: float = 1.0, phase: float = 0.0) -> Signal:
    t = np.arange(round(seconds * RATE)) / RATE
    return (amplitude * np.sin(2 * np.pi * freq * t + phase)).astype(np.float32)


def test_integrated_loudness_reads_bs1770_calibration_for_997hz_sine() -> None:
    assert integrated_loudness(_sine(997.0, 5.0), RATE) == pytest.approx(-3.01, abs=0.01)


def test_integrated_loudness_scales_with_gain() -> None:
    quiet = _sine(997.0, 2.0, amplitude=0.1)
    assert integrated_loudness(quiet, RATE) == pytest.approx(-23.01, abs=0.01)


def test_integrated_loudness_refuses_less_than_400ms() -> None:
    with pytest.raises(InvalidInput, match="400 ms"):
        integrated_loudness(_sine(997.0, 0.3), RATE)


def test_integrated_loudness_of_silence_is_minus_infinity() -> None:
    assert integrated_loudness(np.zeros(RATE, dtype=np.float32), RATE) == -math.inf


def test_integrated_loudness_refuses_stereo_and_nan() -> None:
    with pytest.raises(InvalidInput, match="mono"):
        integrated_loudness(np.zeros((RATE, 2), dtype=np.float32), RATE)
    bad = _sine(997.0, 1.0)
    bad[10] = np.nan
    with pytest.raises(InvalidInput, match="NaN"):
        integrated_loudness(bad, RATE)


def test_true_peak_exceeds_sample_peak_for_inter_sample_peaks() -> None:
    # A quarter-rate sine sampled at 45° never lands on its crest: samples read 0.707.
    x = _sine(RATE / 4, 1.0, phase=math.pi / 4) * np.hanning(RATE).astype(np.float32)
    sample_peak_db = 20 * math.log10(float(np.max(np.abs(x))))
    assert sample_peak_db == pytest.approx(-3.01, abs=0.01)
    assert true_peak_dbtp(x, RATE) == pytest.approx(0.0, abs=0.05)


def test_true_peak_of_full_scale_sine_is_zero_dbtp() -> None:
    assert true_peak_dbtp(_sine(997.0, 1.0), RATE) == pytest.approx(0.0, abs=0.01)


def test_true_peak_of_silence_is_minus_infinity() -> None:
    assert true_peak_dbtp(np.zeros(100, dtype=np.float32), RATE) == -math.inf


def test_true_peak_blocks_equal_one_whole_signal_pass() -> None:
    # Several internal blocks long; the reference oversamples the whole (silence-padded) take.
    x = (0.3 * np.random.default_rng(3).standard_normal(3 * 65536 + 17)).astype(np.float32)
    up = oversampling_factor(RATE)
    reference = np.max(np.abs(upfirdn(_interpolator(up), x.astype(np.float64), up)))
    assert true_peak_linear(x, RATE) == pytest.approx(float(reference), rel=1e-9)


def test_momentary_max_catches_a_short_burst_the_short_term_dilutes() -> None:
    x = _sine(997.0, 6.0, amplitude=0.01)
    x[RATE : RATE + RATE // 2] = _sine(997.0, 0.5)
    momentary = max_momentary_lufs(x, RATE)
    short_term = max_short_term_lufs(x, RATE)
    assert momentary == pytest.approx(-3.01, abs=0.1)
    assert short_term < momentary - 5.0


def test_short_term_max_of_steady_sine_equals_integrated() -> None:
    x = _sine(997.0, 5.0, amplitude=0.5)
    assert max_short_term_lufs(x, RATE) == pytest.approx(integrated_loudness(x, RATE), abs=0.05)


def test_loudness_range_of_two_levels_is_their_difference() -> None:
    x = np.concatenate([_sine(997.0, 10.0, amplitude=0.1), _sine(997.0, 10.0, amplitude=0.01)])
    lra = loudness_range_lu(x, RATE)
    assert lra is not None
    assert lra == pytest.approx(20.0, abs=1.5)


def test_loudness_range_is_none_below_three_seconds() -> None:
    assert loudness_range_lu(_sine(997.0, 2.0), RATE) is None


def _pyloudnorm_figures(x: Signal, rate: int) -> tuple[float, float, float, float]:
    """The meter used directly, as the engine did before it shared one K-weighting pass."""
    data = x.astype(np.float64)

    def window_max(window_s: float) -> float:
        needed = math.ceil(window_s * rate)
        padded = np.concatenate([data, np.zeros(max(0, needed - data.size))])
        meter = pyloudnorm.Meter(
            rate, filter_class=K_WEIGHTING, block_size=window_s, overlap=1 - 0.1 / window_s
        )
        meter.integrated_loudness(padded)
        blocks = np.asarray(meter.blockwise_loudness)
        return float(blocks[np.isfinite(blocks)].max())

    meter = pyloudnorm.Meter(rate, filter_class=K_WEIGHTING, block_size=0.4, overlap=0.75)
    integrated = float(meter.integrated_loudness(data))
    lra = float(meter.loudness_range(data)) if data.size >= 3 * rate else math.nan
    return integrated, window_max(0.4), window_max(3.0), lra


@settings(max_examples=12, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    seconds=st.floats(0.45, 7.0),
    rate=st.sampled_from([8000, 11025, 16000]),
)
def test_loudness_figures_equal_pyloudnorm_meter(seed: int, seconds: float, rate: int) -> None:
    rng = np.random.default_rng(seed)
    size = round(seconds * rate)
    # Noise with a stepped envelope over 60 dB, so both gates and the LRA percentiles matter.
    steps = 10.0 ** rng.uniform(-3.0, 0.0, size // 2000 + 1)
    x = (0.3 * np.repeat(steps, 2000)[:size] * rng.standard_normal(size)).astype(np.float32)
    integrated, momentary, short_term, lra = _pyloudnorm_figures(x, rate)
    figures = loudness_figures(x, rate)
    assert figures.integrated_lufs == pytest.approx(integrated, abs=1e-9)
    assert figures.max_momentary_lufs == pytest.approx(momentary, abs=1e-9)
    assert figures.max_short_term_lufs == pytest.approx(short_term, abs=1e-9)
    if math.isnan(lra):
        assert figures.lra_lu is None
    else:
        assert figures.lra_lu == pytest.approx(lra, abs=1e-9)


def test_loudness_functions_agree_with_loudness_figures() -> None:
    x = _sine(997.0, 4.0, amplitude=0.2)
    x[RATE : 2 * RATE] *= 0.05
    figures = loudness_figures(x, RATE)
    assert integrated_loudness(x, RATE) == figures.integrated_lufs
    assert max_momentary_lufs(x, RATE) == figures.max_momentary_lufs
    assert max_short_term_lufs(x, RATE) == figures.max_short_term_lufs
    assert loudness_range_lu(x, RATE) == figures.lra_lu


@pytest.mark.parametrize(("rate", "size"), [(22050, 5), (22050, 40_000), (48000, 8161)])
def test_true_peak_equals_upfirdn_for_any_length_and_factor(rate: int, size: int) -> None:
    # Lengths around one FFT frame and shorter than the filter; 8x below 44.1 kHz.
    x = (0.5 * np.random.default_rng(size).standard_normal(size)).astype(np.float32)
    up = oversampling_factor(rate)
    reference = np.max(np.abs(upfirdn(_interpolator(up), x.astype(np.float64), up)))
    assert true_peak_linear(x, rate) == pytest.approx(float(reference), rel=1e-9)


@pytest.mark.parametrize("rate", [22_050, 44_100, 48_000, 96_000])
@pytest.mark.parametrize("seconds", [0.4, 0.45, 3.33, 12.7])
def test_the_block_meter_reads_what_the_whole_signal_reads(rate: int, seconds: float) -> None:
    rng = np.random.default_rng(rate)
    size = int(seconds * rate)
    x = (rng.standard_normal(size) * np.linspace(0.01, 0.5, size)).astype(np.float32)
    meter = IntegratedLoudnessMeter(rate)
    start = 0
    while start < size:  # blocks of every awkward size, including one sample
        step = int(rng.integers(1, 70_000))
        meter.add(x[start : start + step])
        start += step
    assert meter.result() == pytest.approx(integrated_loudness(x, rate), abs=1e-9)


def test_the_block_meter_reads_silence_and_refuses_too_little() -> None:
    meter = IntegratedLoudnessMeter(48_000)
    meter.add(np.zeros(48_000, dtype=np.float32))
    assert meter.result() == -math.inf
    short = IntegratedLoudnessMeter(48_000)
    short.add(np.zeros(1000, dtype=np.float32))
    with pytest.raises(InvalidInput, match="at least 400 ms"):
        short.result()
