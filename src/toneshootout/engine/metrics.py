"""Per-render metrics and the null test between two aligned renders (AUDIO.md §9)."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view
from scipy import fft
from scipy.signal import get_window

from toneshootout.engine.errors import InvalidInput
from toneshootout.engine.loudness import (
    amplitude_db,
    as_mono_float64,
    loudness_figures,
    true_peak_linear,
)
from toneshootout.engine.types import Float64Array, Signal

FloatArray = npt.NDArray[np.floating[Any]]

# JSON output is rounded so re-renders compare equal: 0.001 dB / LU / Hz, 0.0001 for ratios.
DB_DECIMALS = 3
RATIO_DECIMALS = 4
# Edges of the three band-energy ratios, Hz; the ratios are shares of the 20 Hz–20 kHz energy.
BAND_EDGES_HZ = (20.0, 250.0, 2000.0, 20000.0)
# A null residual below this is float32 rounding (about -150 dB), i.e. a perfect null.
NULL_FLOOR_DB = -120.0
# Octave bands of the null test: exact centres 1000·2^k, labelled with their nominal values.
OCTAVE_NOMINAL_HZ = (31.5, 63.0, 125.0, 250.0, 500.0, 1000.0, 2000.0, 4000.0, 8000.0, 16000.0)
_WELCH_SEGMENT = 8192
_FRAMES_PER_BATCH = 128


def _json_float(value: float | None, decimals: int) -> float | None:
    """Rounded for determinism; None where JSON has no number (inf, NaN, not measured)."""
    if value is None or not math.isfinite(value):
        return None
    return round(value, decimals)


@dataclass(frozen=True)
class RenderMetrics:
    """Level and spectrum figures of one render (dB values are -inf when silent)."""

    integrated_lufs: float
    max_short_term_lufs: float
    max_momentary_lufs: float
    lra_lu: float | None
    true_peak_dbtp: float
    sample_peak_dbfs: float
    rms_dbfs: float
    crest_factor_db: float
    spectral_centroid_hz: float
    low_band_ratio: float
    mid_band_ratio: float
    high_band_ratio: float

    def as_dict(self) -> dict[str, float | None]:
        """JSON-ready: rounded floats, None for -inf/NaN/unmeasured."""
        return {
            f.name: _json_float(
                getattr(self, f.name),
                RATIO_DECIMALS if f.name.endswith("_ratio") else DB_DECIMALS,
            )
            for f in fields(self)
        }


def long_term_spectrum(
    data: FloatArray, rate: int, segment: int = _WELCH_SEGMENT
) -> tuple[Float64Array, Float64Array]:
    """Welch PSD (Hann, 50 % overlap, no detrend; scipy's numbers) in batched FFTs.

    The FFTs run in the data's precision: float32 for pictures is twice as fast.
    """
    segment = min(segment, data.size)
    step = segment - segment // 2
    frames = sliding_window_view(data, segment)[::step]
    window = get_window("hann", segment)
    frame_window = window.astype(data.dtype)
    power = np.zeros(segment // 2 + 1)
    # A bounded batch of frames per FFT call keeps memory flat on long takes.
    for first in range(0, frames.shape[0], _FRAMES_PER_BATCH):
        spectra = fft.rfft(frames[first : first + _FRAMES_PER_BATCH] * frame_window, axis=1)
        power += np.sum(np.square(spectra.real) + np.square(spectra.imag), axis=0)
    power *= 1.0 / (frames.shape[0] * rate * float(np.sum(window**2)))
    # One-sided: every bin but DC (and Nyquist, for an even segment) holds both signs' power.
    power[1 : None if segment % 2 else -1] *= 2.0
    freqs = np.fft.rfftfreq(segment, 1.0 / rate)
    return np.asarray(freqs, dtype=np.float64), power


def _spectral_shape(data: Float64Array, rate: int) -> tuple[float, tuple[float, float, float]]:
    """Power-weighted centroid and band shares, both over 20 Hz–20 kHz (DC and rumble excluded)."""
    freqs, power = long_term_spectrum(data, rate)
    audible = (freqs >= BAND_EDGES_HZ[0]) & (freqs < BAND_EDGES_HZ[-1])
    total = float(np.sum(power[audible]))
    if total <= 0.0:
        return math.nan, (math.nan, math.nan, math.nan)
    centroid = float(np.sum(freqs[audible] * power[audible])) / total
    shares = [
        float(np.sum(power[(freqs >= lo) & (freqs < hi)])) / total
        for lo, hi in itertools.pairwise(BAND_EDGES_HZ)
    ]
    return centroid, (shares[0], shares[1], shares[2])


def render_metrics(x: Signal, rate: int) -> RenderMetrics:
    """Every per-render figure of AUDIO.md §9 (latency and polarity come from alignment)."""
    data = as_mono_float64(x, "render")
    peak = amplitude_db(float(np.max(np.abs(data))))
    rms = amplitude_db(math.sqrt(float(np.mean(np.square(data)))))
    loudness = loudness_figures(x, rate)
    centroid, (low, mid, high) = _spectral_shape(data, rate)
    return RenderMetrics(
        integrated_lufs=loudness.integrated_lufs,
        max_short_term_lufs=loudness.max_short_term_lufs,
        max_momentary_lufs=loudness.max_momentary_lufs,
        lra_lu=loudness.lra_lu,
        true_peak_dbtp=amplitude_db(true_peak_linear(x, rate)),
        sample_peak_dbfs=peak,
        rms_dbfs=rms,
        crest_factor_db=peak - rms if math.isfinite(rms) else math.nan,
        spectral_centroid_hz=centroid,
        low_band_ratio=low,
        mid_band_ratio=mid,
        high_band_ratio=high,
    )


@dataclass(frozen=True)
class BandResidual:
    """Null residual in one octave band: 10·log10(Σr²/Σa²) over that band, floored."""

    centre_hz: float
    residual_db: float


@dataclass(frozen=True)
class NullTest:
    """b gain-matched to a by least squares (g, signed), the residual a − g·b and its level."""

    gain: float
    gain_db: float
    residual_db: float
    bands: tuple[BandResidual, ...]
    residual: Signal

    def as_dict(self) -> dict[str, object]:
        """JSON-ready figures (the residual audio is left out)."""
        return {
            "gain": _json_float(self.gain, 6),
            "gain_db": _json_float(self.gain_db, DB_DECIMALS),
            "residual_db": _json_float(self.residual_db, DB_DECIMALS),
            "bands": [
                {"centre_hz": b.centre_hz, "residual_db": _json_float(b.residual_db, DB_DECIMALS)}
                for b in self.bands
            ],
        }


def residual_ratio_db(residual_energy: float, reference_energy: float) -> float:
    """10·log10(residual/reference), NULL_FLOOR_DB for a perfect null, +inf with no reference."""
    if residual_energy <= 0.0:
        return NULL_FLOOR_DB
    if reference_energy <= 0.0:
        return math.inf
    return max(NULL_FLOOR_DB, 10.0 * math.log10(residual_energy / reference_energy))


def _power_spectrum(x: Float64Array) -> Float64Array:
    spectrum = np.fft.rfft(x)
    return np.asarray(np.square(spectrum.real) + np.square(spectrum.imag), dtype=np.float64)


def _octave_residuals(
    a: Float64Array, residual: Float64Array, rate: int
) -> tuple[BandResidual, ...]:
    """Per-octave energy ratios from one FFT of each signal (Parseval: band sums of |X|²)."""
    freqs = np.fft.rfftfreq(a.size, 1.0 / rate)
    a_power, r_power = _power_spectrum(a), _power_spectrum(residual)
    bands = []
    for k, nominal in enumerate(OCTAVE_NOMINAL_HZ):
        centre = 1000.0 * 2.0 ** (k - 5)
        lo, hi = centre / math.sqrt(2.0), centre * math.sqrt(2.0)
        if lo >= rate / 2:
            break
        # The bins with lo <= f < hi (freqs ascend): a slice, not a mask over the whole spectrum.
        first, stop = np.searchsorted(freqs, [lo, hi], side="left")
        ratio = residual_ratio_db(
            float(np.sum(r_power[first:stop])), float(np.sum(a_power[first:stop]))
        )
        bands.append(BandResidual(nominal, ratio))
    return tuple(bands)


def null_test(a: Signal, b: Signal, rate: int) -> NullTest:
    """Null test of aligned renders: least-squares gain on b, residual overall and per octave."""
    ref = as_mono_float64(a, "null test a")
    other = as_mono_float64(b, "null test b")
    if ref.size != other.size:
        raise InvalidInput("null test", f"a has {ref.size} samples but b has {other.size}")
    if not isinstance(rate, int) or rate < 8000:
        raise InvalidInput("rate", f"sample rate must be an integer >= 8000 Hz, got {rate!r}")
    ref_energy = float(np.dot(ref, ref))
    if ref_energy <= 0.0:
        raise InvalidInput("null test a", "the reference render is silent: nothing to null")
    other_energy = float(np.dot(other, other))
    gain = float(np.dot(ref, other)) / other_energy if other_energy > 0.0 else 0.0
    residual = ref - gain * other
    return NullTest(
        gain=gain,
        gain_db=20.0 * math.log10(abs(gain)) if gain else -math.inf,
        residual_db=residual_ratio_db(float(np.dot(residual, residual)), ref_energy),
        bands=_octave_residuals(ref, residual, rate),
        residual=residual.astype(np.float32),
    )
