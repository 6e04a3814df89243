"""Resampling with soxr: identity, shapes, and a sine keeping its frequency."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toneshootout.engine.errors import InvalidInput
from toneshootout.engine.resample import resample
from toneshootout.engine.types import Signal

RATE_PAIRS = [
    (44100, 48000),
    (48000, 44100),
    (48000, 96000),
    (96000, 48000),
    (22050, 48000),
    (48000, 32000),
    (192000, 44100),
]


def tone(freq: float, rate: int, seconds: float = 1.0) -> Signal:
    """A −6 dBFS sine."""
    t = np.arange(round(seconds * rate)) / rate
    return (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def peak_frequency(x: Signal, rate: int) -> float:
    """Frequency of the strongest bin, refined by parabolic interpolation of log magnitudes."""
    windowed = x.astype(np.float64) * np.hanning(x.shape[0])
    spectrum = np.log(np.abs(np.fft.rfft(windowed)) + 1e-20)
    k = int(np.argmax(spectrum[1:-1])) + 1
    left, centre, right = spectrum[k - 1 : k + 2]
    offset = 0.5 * (left - right) / (left - 2 * centre + right)
    return float((k + offset) * rate / x.shape[0])


def test_resample_returns_input_when_rates_match() -> None:
    x = tone(440, 48000)
    assert resample(x, 48000, 48000) is x


@settings(max_examples=30, deadline=None)
@given(pair=st.sampled_from(RATE_PAIRS), fraction=st.floats(0.005, 0.4))
def test_resample_keeps_a_sines_frequency(pair: tuple[int, int], fraction: float) -> None:
    from_rate, to_rate = pair
    freq = fraction * min(from_rate, to_rate)
    y = resample(tone(freq, from_rate), from_rate, to_rate)
    assert y.dtype == np.float32
    assert y.shape[0] == to_rate
    # Trim the filter's edge transients before measuring.
    body = y[to_rate // 10 : -to_rate // 10]
    assert abs(peak_frequency(body, to_rate) - freq) < 0.05 * to_rate / body.shape[0]
    # Sample peaks miss a high sine's crest: compare the amplitude implied by the RMS.
    assert abs(float(np.sqrt(2 * np.mean(body.astype(np.float64) ** 2))) - 0.5) < 0.005


@pytest.mark.parametrize(("from_rate", "to_rate"), RATE_PAIRS)
def test_resample_handles_stereo_like_two_monos(from_rate: int, to_rate: int) -> None:
    left, right = tone(300, from_rate, 0.2), tone(1700, from_rate, 0.2)
    stereo = resample(np.stack([left, right], axis=1), from_rate, to_rate)
    assert stereo.shape == (round(0.2 * to_rate), 2)
    assert np.allclose(stereo[:, 0], resample(left, from_rate, to_rate), atol=1e-6)
    assert np.allclose(stereo[:, 1], resample(right, from_rate, to_rate), atol=1e-6)


def test_resample_empty_input_gives_empty_output() -> None:
    assert resample(np.zeros((0, 2), np.float32), 44100, 48000).shape == (0, 2)


@pytest.mark.parametrize(("from_rate", "to_rate"), [(0, 48000), (48000, -1)])
def test_resample_refuses_non_positive_rates(from_rate: int, to_rate: int) -> None:
    with pytest.raises(InvalidInput, match="rates must be positive"):
        resample(tone(440, 48000), from_rate, to_rate)


def test_resample_refuses_three_dimensional_input() -> None:
    with pytest.raises(InvalidInput, match="expected 1-D or 2-D"):
        resample(np.zeros((4, 2, 2), np.float32), 44100, 48000)
