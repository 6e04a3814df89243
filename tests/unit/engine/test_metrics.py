"""Per-render metrics and the null test."""

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.signal import welch

from toneshootout.engine.errors import InvalidInput
from toneshootout.engine.loudness import (
    integrated_loudness,
    loudness_range_lu,
    max_momentary_lufs,
    max_short_term_lufs,
    true_peak_dbtp,
)
from toneshootout.engine.metrics import (
    NULL_FLOOR_DB,
    long_term_spectrum,
    null_test,
    render_metrics,
)
from toneshootout.engine.types import Signal

RATE = 48000


def _sine(freq: float, seconds: float = 1.0, amplitude: float = 1.0) -> Signal:
    t = np.arange(round(seconds * RATE)) / RATE
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def _noise(seed: int, seconds: float = 0.5) -> Signal:
    return np.random.default_rng(seed).uniform(-0.5, 0.5, round(seconds * RATE)).astype(np.float32)


def test_render_metrics_of_full_scale_sine() -> None:
    m = render_metrics(_sine(997.0), RATE)
    assert m.integrated_lufs == pytest.approx(-3.01, abs=0.01)
    assert m.sample_peak_dbfs == pytest.approx(0.0, abs=0.01)
    assert m.rms_dbfs == pytest.approx(-3.01, abs=0.01)
    assert m.crest_factor_db == pytest.approx(3.01, abs=0.02)
    assert m.true_peak_dbtp == pytest.approx(0.0, abs=0.01)
    assert m.spectral_centroid_hz == pytest.approx(997.0, rel=0.01)
    assert m.mid_band_ratio == pytest.approx(1.0, abs=1e-3)
    assert m.lra_lu is None


def test_render_metrics_band_ratios_follow_the_spectrum() -> None:
    m = render_metrics(_sine(100.0, amplitude=0.5) + _sine(5000.0, amplitude=0.5), RATE)
    assert m.low_band_ratio == pytest.approx(0.5, abs=0.01)
    assert m.high_band_ratio == pytest.approx(0.5, abs=0.01)
    assert m.low_band_ratio + m.mid_band_ratio + m.high_band_ratio == pytest.approx(1.0)
    assert 2000.0 < m.spectral_centroid_hz < 3000.0


def test_render_metrics_as_dict_is_strict_json_even_when_silent() -> None:
    silent = render_metrics(np.zeros(RATE, dtype=np.float32), RATE).as_dict()
    assert silent["integrated_lufs"] is None
    assert silent["spectral_centroid_hz"] is None
    loud = render_metrics(_sine(440.0, amplitude=0.3), RATE).as_dict()
    json.dumps([silent, loud], allow_nan=False)
    assert loud["rms_dbfs"] == round(loud["rms_dbfs"] or 0.0, 3)


def test_render_metrics_refuses_short_render() -> None:
    with pytest.raises(InvalidInput, match="400 ms"):
        render_metrics(_sine(440.0, seconds=0.2), RATE)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_null_of_render_against_itself_is_silent(seed: int) -> None:
    x = _noise(seed, 0.2)
    result = null_test(x, x.copy(), RATE)
    assert result.gain == 1.0
    assert result.residual_db == NULL_FLOOR_DB
    assert all(band.residual_db == NULL_FLOOR_DB for band in result.bands)
    assert not np.any(result.residual)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), scale=st.floats(0.05, 20.0))
def test_null_of_render_against_scaled_copy_is_silent(seed: int, scale: float) -> None:
    x = _noise(seed, 0.2)
    result = null_test(x, (x * np.float32(scale)).astype(np.float32), RATE)
    assert result.gain_db == pytest.approx(-20 * math.log10(scale), abs=1e-4)
    assert result.residual_db == NULL_FLOOR_DB
    assert float(np.max(np.abs(result.residual))) < 1e-6


def test_null_of_independent_noise_is_about_zero_db() -> None:
    result = null_test(_noise(1), _noise(2), RATE)
    assert result.residual_db == pytest.approx(0.0, abs=0.1)


def test_null_puts_the_difference_in_its_octave_band() -> None:
    a = _noise(3)
    b = (a + _sine(1000.0, seconds=0.5, amplitude=0.05)).astype(np.float32)
    result = null_test(a, b, RATE)
    loudest = max(result.bands, key=lambda band: band.residual_db)
    assert loudest.centre_hz == 1000.0
    assert result.bands[0].centre_hz == 31.5
    assert len(result.bands) == 10
    json.dumps(result.as_dict(), allow_nan=False)


def test_null_refuses_mismatched_lengths_and_silent_reference() -> None:
    with pytest.raises(InvalidInput, match="samples"):
        null_test(_noise(1), _noise(1, 0.4), RATE)
    with pytest.raises(InvalidInput, match="silent"):
        null_test(np.zeros(100, dtype=np.float32), _noise(1, 100 / RATE), RATE)


@pytest.mark.parametrize("size", [100, 8191, 8192, 12_289, 50_001])
def test_long_term_spectrum_equals_scipy_welch(size: int) -> None:
    x = np.random.default_rng(size).standard_normal(size)
    freqs, power = long_term_spectrum(x, RATE)
    segment = min(8192, size)
    ref_freqs, ref_power = welch(x, fs=RATE, window="hann", nperseg=segment, detrend=False)
    assert np.array_equal(freqs, ref_freqs)
    assert np.allclose(power, ref_power, rtol=1e-9, atol=0.0)


def test_null_bands_equal_masked_fft_band_energies() -> None:
    a = _noise(5)
    b = (0.7 * a + 0.1 * _noise(6)).astype(np.float32)
    result = null_test(a, b, RATE)
    ref = a.astype(np.float64)
    residual = ref - result.gain * b.astype(np.float64)
    freqs = np.fft.rfftfreq(ref.size, 1 / RATE)
    a_power, r_power = np.abs(np.fft.rfft(ref)) ** 2, np.abs(np.fft.rfft(residual)) ** 2
    for k, band in enumerate(result.bands):
        centre = 1000.0 * 2.0 ** (k - 5)
        mask = (freqs >= centre / math.sqrt(2)) & (freqs < centre * math.sqrt(2))
        expected = 10 * math.log10(r_power[mask].sum() / a_power[mask].sum())
        assert band.residual_db == pytest.approx(max(NULL_FLOOR_DB, expected), abs=1e-9)


def test_render_metrics_loudness_equals_the_loudness_meters() -> None:
    x = (_noise(7, 4.0) * np.linspace(0.05, 1.0, 4 * RATE)).astype(np.float32)
    m = render_metrics(x, RATE)
    assert m.integrated_lufs == integrated_loudness(x, RATE)
    assert m.max_momentary_lufs == max_momentary_lufs(x, RATE)
    assert m.max_short_term_lufs == max_short_term_lufs(x, RATE)
    assert m.lra_lu == loudness_range_lu(x, RATE)
    assert m.true_peak_dbtp == true_peak_dbtp(x, RATE)
