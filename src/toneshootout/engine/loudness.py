"""Loudness and peak measurement: ITU-R BS.1770-4 / EBU R128 conventions, mono signals.

Integrated loudness, momentary/short-term maxima and LRA all come from pyloudnorm's meter so that
they share one K-weighting filter. True peak is our own: pyloudnorm has none.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pyloudnorm
from scipy.signal import firwin, upfirdn

from toneshootout.engine.errors import InvalidInput
from toneshootout.engine.types import Float64Array, Signal

MOMENTARY_S = 0.4
SHORT_TERM_S = 3.0
# Meters update at 10 Hz (EBU Tech 3341), i.e. a 100 ms hop for both windows.
METER_HOP_S = 0.1
# pyloudnorm's "DeMan" filters are the BS.1770 K-weighting coefficients re-derived for any rate
# (exact at 48 kHz: a full-scale 997 Hz sine reads -3.01 LUFS); its default "K-weighting" design
# is an approximation that reads -3.05.
K_WEIGHTING = "DeMan"
# Below this a dB value is reported as -inf: nothing measurable is left.
SILENCE_DB = -200.0

# True-peak interpolator (BS.1770-4 Annex 2 asks for >= 4x): a Kaiser-windowed sinc, 32 taps
# per phase, about 80 dB of image rejection; longer than the standard's 12 taps per phase so
# content close to Nyquist is not under-read.
_TAPS_PER_PHASE = 32
_KAISER_BETA = 8.0
# Input samples oversampled per pass; bounds memory on long takes.
_TRUE_PEAK_BLOCK = 1 << 16


def as_mono_float64(x: Signal, source: str) -> Float64Array:
    """Check that `x` is a finite mono signal and return it as float64 for measuring."""
    if x.ndim != 1:
        raise InvalidInput(source, f"expected a mono 1-D signal, got shape {x.shape}")
    if x.size == 0:
        raise InvalidInput(source, "the signal is empty")
    data = np.asarray(x, dtype=np.float64)
    if not np.all(np.isfinite(data)):
        raise InvalidInput(source, "the signal contains NaN or infinite samples")
    return data


def _check_rate(rate: int) -> None:
    if not isinstance(rate, int) or rate < 8000:
        raise InvalidInput("rate", f"sample rate must be an integer >= 8000 Hz, got {rate!r}")


def _measurable(x: Signal, rate: int, source: str) -> Float64Array:
    _check_rate(rate)
    data = as_mono_float64(x, source)
    if data.size < MOMENTARY_S * rate:
        raise InvalidInput(
            source,
            f"loudness needs at least 400 ms of audio, got {1000.0 * data.size / rate:.1f} ms",
        )
    return data


def _meter(rate: int, window_s: float = MOMENTARY_S) -> pyloudnorm.Meter:
    return pyloudnorm.Meter(
        rate, filter_class=K_WEIGHTING, block_size=window_s, overlap=1.0 - METER_HOP_S / window_s
    )


def _finite_or_minus_inf(value: float) -> float:
    return value if math.isfinite(value) and value > SILENCE_DB else -math.inf


def integrated_loudness(x: Signal, rate: int) -> float:
    """Gated integrated loudness (LUFS, BS.1770-4) of the whole signal; -inf when silent."""
    data = _measurable(x, rate, "loudness")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=RuntimeWarning)
        value = float(_meter(rate).integrated_loudness(data))
    return _finite_or_minus_inf(value)


def _max_window_loudness(data: Float64Array, rate: int, window_s: float) -> float:
    # A take shorter than the window reads as a meter that saw it followed by silence.
    needed = math.ceil(window_s * rate)
    if data.size < needed:
        data = np.concatenate([data, np.zeros(needed - data.size)])
    meter = _meter(rate, window_s)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=RuntimeWarning)
        meter.integrated_loudness(data)
        # The ungated per-block loudness the meter keeps is exactly the window loudness series.
        blocks = np.asarray(meter.blockwise_loudness, dtype=np.float64)
    finite = blocks[np.isfinite(blocks)]
    return _finite_or_minus_inf(float(finite.max())) if finite.size else -math.inf


def max_momentary_lufs(x: Signal, rate: int) -> float:
    """Highest momentary loudness (400 ms window, 100 ms hop, ungated), LUFS; -inf when silent."""
    return _max_window_loudness(_measurable(x, rate, "loudness"), rate, MOMENTARY_S)


def max_short_term_lufs(x: Signal, rate: int) -> float:
    """Highest short-term loudness (3 s window, 100 ms hop, ungated), LUFS; -inf when silent."""
    return _max_window_loudness(_measurable(x, rate, "loudness"), rate, SHORT_TERM_S)


def loudness_range_lu(x: Signal, rate: int) -> float | None:
    """Loudness range (EBU Tech 3342), LU; None when not measurable (< 3 s, or too quiet)."""
    data = _measurable(x, rate, "loudness")
    if data.size < SHORT_TERM_S * rate:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=RuntimeWarning)
        value = float(_meter(rate).loudness_range(data))
    return value if math.isfinite(value) else None


def oversampling_factor(rate: int) -> int:
    """How many times the true-peak meter oversamples: 4 at 44.1 kHz and above, else 8."""
    return 4 if rate >= 44100 else 8


def _interpolator(up: int) -> Float64Array:
    taps = firwin(_TAPS_PER_PHASE * up + 1, 1.0 / up, window=("kaiser", _KAISER_BETA))
    return np.asarray(taps * up, dtype=np.float64)


def _padded_slice(data: Float64Array, start: int, stop: int) -> Float64Array:
    """data[start:stop] with zeros where the range falls outside the signal (silence around it)."""
    inside = data[max(start, 0) : max(min(stop, data.size), 0)]
    before = max(0, min(stop, 0) - start)
    after = max(0, stop - max(start, data.size))
    return np.concatenate([np.zeros(before), inside, np.zeros(after)])


def true_peak_linear(x: Signal, rate: int) -> float:
    """Largest absolute value of the band-limited waveform between and at the samples."""
    _check_rate(rate)
    data = as_mono_float64(x, "true peak")
    up = oversampling_factor(rate)
    taps = _interpolator(up)
    delay = (taps.size - 1) // 2
    margin = -(-delay // up) + 1
    peak = float(np.max(np.abs(data)))
    # Include the ringing just before and after the signal, which starts and ends in silence.
    for start in range(-margin, data.size + margin, _TRUE_PEAK_BLOCK):
        stop = min(start + _TRUE_PEAK_BLOCK, data.size + margin)
        chunk = _padded_slice(data, start - margin, stop + margin)
        y = upfirdn(taps, chunk, up)
        first = margin * up + delay
        peak = max(peak, float(np.max(np.abs(y[first : first + (stop - start) * up]))))
    return peak


def amplitude_db(value: float) -> float:
    """20·log10 of a linear amplitude, -inf at or below the silence floor."""
    if value <= 0.0:
        return -math.inf
    return _finite_or_minus_inf(20.0 * math.log10(value))


def true_peak_dbtp(x: Signal, rate: int) -> float:
    """True peak in dBTP (>= 4x oversampled, BS.1770-4 Annex 2); -inf when silent."""
    return amplitude_db(true_peak_linear(x, rate))
