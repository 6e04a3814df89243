"""Loudness and peak measurement: ITU-R BS.1770-4 / EBU R128 conventions, mono signals.

Integrated loudness, momentary/short-term maxima and LRA give pyloudnorm's numbers (to about
1e-12 LU): its K-weighting coefficients, block boundaries and gates. The signal is K-weighted once,
and every block's energy is read from one running sum of squares instead of re-summed per block
(pyloudnorm filters again per call and sums overlapping 3 s blocks in a Python loop).
True peak is our own: pyloudnorm has none.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyloudnorm
from numpy.lib.stride_tricks import sliding_window_view
from scipy import fft
from scipy.signal import firwin, sosfilt

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

# BS.1770-4 gating and EBU Tech 3342 LRA, with the constants pyloudnorm uses (its LRA blocks are
# 3 s long every 90 ms, over the take followed by 1.5 s of silence).
_BLOCK_OFFSET_LUFS = -0.691
_ABSOLUTE_GATE_LUFS = -70.0
_RELATIVE_GATE_LU = -10.0
_LRA_BLOCK_S = 3.0
_LRA_OVERLAP = 0.97
_LRA_TAIL_S = 1.5
_LRA_RELATIVE_GATE_LU = -20.0
_LRA_PERCENTILES = (10.0, 95.0)

# True-peak interpolator (BS.1770-4 Annex 2 asks for >= 4x): a Kaiser-windowed sinc, 32 taps
# per phase, about 80 dB of image rejection; longer than the standard's 12 taps per phase so
# content close to Nyquist is not under-read.
_TAPS_PER_PHASE = 32
_KAISER_BETA = 8.0
# Each phase is applied by FFT (overlap-save): frames of this many samples, this many at a time,
# which bounds memory on long takes.
_TRUE_PEAK_FFT = 8192
_TRUE_PEAK_FRAMES_PER_PASS = 64


@dataclass(frozen=True)
class LoudnessFigures:
    """Loudness of one signal: LUFS and LU, -inf when silent, LRA None when not measurable."""

    integrated_lufs: float
    max_momentary_lufs: float
    max_short_term_lufs: float
    lra_lu: float | None


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


def _finite_or_minus_inf(value: float) -> float:
    return value if math.isfinite(value) and value > SILENCE_DB else -math.inf


def _k_weighting_sections(rate: int) -> Float64Array:
    """pyloudnorm's K-weighting stages (its private `_filters`, in its order) as biquad sections.

    One sosfilt pass over both is twice as fast as pyloudnorm's two lfilter passes and agrees
    with them to about 1e-13 of full scale.
    """
    stages = pyloudnorm.Meter(rate, filter_class=K_WEIGHTING)._filters.values()
    sections = [np.concatenate([stage.passband_gain * stage.b, stage.a]) for stage in stages]
    return np.asarray(sections, dtype=np.float64)


class _WeightedEnergy:
    """The K-weighted signal's running sum of squares: any block's energy in two look-ups."""

    def __init__(self, data: Float64Array, rate: int) -> None:
        # The meters that pad (LRA, windows longer than the take) see the K-weighting filter ring
        # on into the silence after the take, so weight the take with that silence appended.
        tail = max(int(_LRA_TAIL_S * rate), math.ceil(SHORT_TERM_S * rate) - data.size)
        weighted = sosfilt(_k_weighting_sections(rate), np.concatenate([data, np.zeros(tail)]))
        self.rate = rate
        self.size = data.size
        # In place, so a long take holds at most three copies of itself at once.
        np.square(weighted, out=weighted)
        self._cumulative = np.zeros(weighted.size + 1)
        np.cumsum(weighted, out=self._cumulative[1:])

    def block_powers(self, block_s: float, overlap: float, padded_size: int) -> Float64Array:
        """Mean square of every block pyloudnorm's meter forms over the take padded to size."""
        step = 1.0 - overlap
        seconds = padded_size / self.rate
        count = int(np.round((seconds - block_s) / (block_s * step))) + 1
        j = np.arange(count)
        # The same float expressions as pyloudnorm, so every boundary truncates the same way.
        lower = (block_s * (j * step) * self.rate).astype(np.int64)
        upper = (block_s * (j * step + 1) * self.rate).astype(np.int64)
        lower, upper = np.minimum(lower, padded_size), np.minimum(upper, padded_size)
        energy = np.maximum(self._cumulative[upper] - self._cumulative[lower], 0.0)
        return np.asarray((1.0 / (block_s * self.rate)) * energy, dtype=np.float64)

    def block_loudness(self, block_s: float, overlap: float, padded_size: int) -> Float64Array:
        """Ungated loudness (LUFS) of every block; -inf for a silent block."""
        powers = self.block_powers(block_s, overlap, padded_size)
        with np.errstate(divide="ignore"):
            return np.asarray(_BLOCK_OFFSET_LUFS + 10.0 * np.log10(powers), dtype=np.float64)


def _power_lufs(power: float) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(_BLOCK_OFFSET_LUFS + 10.0 * np.log10(power))


def _mean_or_nan(values: Float64Array) -> float:
    return float(np.mean(values)) if values.size else math.nan


def _gated_loudness(energy: _WeightedEnergy) -> float:
    """BS.1770-4 integrated loudness: 400 ms blocks, absolute then relative gate."""
    return _gate(energy.block_powers(MOMENTARY_S, 1.0 - METER_HOP_S / MOMENTARY_S, energy.size))


def _gate(powers: Float64Array) -> float:
    with np.errstate(divide="ignore"):
        loudness = _BLOCK_OFFSET_LUFS + 10.0 * np.log10(powers)
    relative_gate = _power_lufs(_mean_or_nan(powers[loudness >= _ABSOLUTE_GATE_LUFS]))
    kept = (loudness > relative_gate + _RELATIVE_GATE_LU) & (loudness > _ABSOLUTE_GATE_LUFS)
    return _finite_or_minus_inf(_power_lufs(np.nan_to_num(_mean_or_nan(powers[kept]))))


def _max_window_loudness(energy: _WeightedEnergy, window_s: float) -> float:
    # A take shorter than the window reads as a meter that saw it followed by silence.
    padded = max(energy.size, math.ceil(window_s * energy.rate))
    blocks = energy.block_loudness(window_s, 1.0 - METER_HOP_S / window_s, padded)
    finite = blocks[np.isfinite(blocks)]
    return _finite_or_minus_inf(float(finite.max())) if finite.size else -math.inf


def _loudness_range(energy: _WeightedEnergy) -> float | None:
    """EBU Tech 3342 LRA, LU; None below 3 s or when no block passes the gates."""
    if energy.size < SHORT_TERM_S * energy.rate:
        return None
    padded = energy.size + int(_LRA_TAIL_S * energy.rate)
    blocks = energy.block_loudness(_LRA_BLOCK_S, _LRA_OVERLAP, padded)
    gated = blocks[blocks >= _ABSOLUTE_GATE_LUFS]
    if not gated.size:
        return None
    mean_power = np.sum(np.power(10.0, gated / 10.0)) / gated.size
    gated = gated[gated >= 10.0 * np.log10(mean_power) + _LRA_RELATIVE_GATE_LU]
    if not gated.size:
        return None
    low, high = np.percentile(gated, _LRA_PERCENTILES)
    value = float(high - low)
    return value if math.isfinite(value) else None


def loudness_figures(x: Signal, rate: int) -> LoudnessFigures:
    """Integrated, max momentary, max short-term loudness and LRA from one K-weighting pass."""
    energy = _WeightedEnergy(_measurable(x, rate, "loudness"), rate)
    return LoudnessFigures(
        integrated_lufs=_gated_loudness(energy),
        max_momentary_lufs=_max_window_loudness(energy, MOMENTARY_S),
        max_short_term_lufs=_max_window_loudness(energy, SHORT_TERM_S),
        lra_lu=_loudness_range(energy),
    )


class IntegratedLoudnessMeter:
    """BS.1770-4 integrated loudness of a signal fed block by block, holding none of it.

    Reads the same as `integrated_loudness` of the whole signal: the same K-weighting (its
    filter state carried across blocks), the same 400 ms block boundaries and gates; only the
    summation order differs (~1e-12 LU). Instead of every sample's running sum of squares it
    keeps that sum only at the block boundaries: the starts and ends of the 400 ms blocks,
    computed with the same float expressions as `_WeightedEnergy.block_powers`, so each
    truncates to the same sample.
    """

    _STEP = METER_HOP_S / MOMENTARY_S  # a block starts every quarter block

    def __init__(self, rate: int) -> None:
        _check_rate(rate)
        self.rate = rate
        self._sections = _k_weighting_sections(rate)
        self._state = np.zeros((self._sections.shape[0], 2))
        self._size = 0
        self._total = 0.0
        self._marks: dict[int, float] = {}  # sample index → running sum of squares before it
        self._next = [0, 0]  # the next block whose start, and whose end, is not yet marked

    def _boundary(self, j: int, end: int) -> int:
        return int(MOMENTARY_S * (j * self._STEP + end) * self.rate)

    def add(self, mono: Signal) -> None:
        """Feed the next block of the mono signal (finite, checked by the caller)."""
        data = np.asarray(mono, dtype=np.float64)
        if data.ndim != 1:
            raise InvalidInput("loudness", f"expected a mono 1-D block, got shape {data.shape}")
        weighted, self._state = sosfilt(self._sections, data, zi=self._state)
        cumulative = np.concatenate([[self._total], self._total + np.cumsum(np.square(weighted))])
        end = self._size + data.size
        for which in (0, 1):
            while (index := self._boundary(self._next[which], which)) <= end:
                if index >= self._size:
                    self._marks[index] = float(cumulative[index - self._size])
                self._next[which] += 1
        self._total = float(cumulative[-1])
        self._size = end

    def result(self) -> float:
        """The integrated loudness (LUFS) of everything fed; -inf when silent."""
        if self._size < MOMENTARY_S * self.rate:
            raise InvalidInput(
                "loudness",
                f"loudness needs at least 400 ms of audio, got "
                f"{1000.0 * self._size / self.rate:.1f} ms",
            )
        seconds = self._size / self.rate
        count = int(np.round((seconds - MOMENTARY_S) / (MOMENTARY_S * self._STEP))) + 1
        marks = {**self._marks, self._size: self._total}
        energy = np.empty(count)
        for j in range(count):
            lower = min(self._boundary(j, 0), self._size)
            upper = min(self._boundary(j, 1), self._size)
            energy[j] = max(marks[upper] - marks[lower], 0.0)
        return _gate((1.0 / (MOMENTARY_S * self.rate)) * energy)


def integrated_loudness(x: Signal, rate: int) -> float:
    """Gated integrated loudness (LUFS, BS.1770-4) of the whole signal; -inf when silent."""
    return _gated_loudness(_WeightedEnergy(_measurable(x, rate, "loudness"), rate))


def max_momentary_lufs(x: Signal, rate: int) -> float:
    """Highest momentary loudness (400 ms window, 100 ms hop, ungated), LUFS; -inf when silent."""
    energy = _WeightedEnergy(_measurable(x, rate, "loudness"), rate)
    return _max_window_loudness(energy, MOMENTARY_S)


def max_short_term_lufs(x: Signal, rate: int) -> float:
    """Highest short-term loudness (3 s window, 100 ms hop, ungated), LUFS; -inf when silent."""
    energy = _WeightedEnergy(_measurable(x, rate, "loudness"), rate)
    return _max_window_loudness(energy, SHORT_TERM_S)


def loudness_range_lu(x: Signal, rate: int) -> float | None:
    """Loudness range (EBU Tech 3342), LU; None when not measurable (< 3 s, or too quiet)."""
    return _loudness_range(_WeightedEnergy(_measurable(x, rate, "loudness"), rate))


def oversampling_factor(rate: int) -> int:
    """How many times the true-peak meter oversamples: 4 at 44.1 kHz and above, else 8."""
    return 4 if rate >= 44100 else 8


def _interpolator(up: int) -> Float64Array:
    taps = firwin(_TAPS_PER_PHASE * up + 1, 1.0 / up, window=("kaiser", _KAISER_BETA))
    return np.asarray(taps * up, dtype=np.float64)


def _phase_spectra(up: int) -> tuple[int, npt.NDArray[np.complex128]]:
    """The interpolator split into its `up` polyphase filters, as spectra of _TRUE_PEAK_FFT."""
    taps = _interpolator(up)
    width = -(-taps.size // up)
    phases = np.zeros((up, width))
    for phase in range(up):
        phases[phase, : taps[phase::up].size] = taps[phase::up]
    return width, fft.rfft(phases, _TRUE_PEAK_FFT, axis=1)


def _interpolated_peak(data: Float64Array, up: int) -> float:
    """max |y| over the whole oversampled output, silence before and after the take included.

    Output sample n·up + p is phase p's filter convolved with the input at n, so the full
    upsampled signal is the `up` full convolutions; each is computed by overlap-save FFT.
    """
    width, spectra = _phase_spectra(up)
    hop = _TRUE_PEAK_FFT - width + 1
    frames = -(-(data.size + width - 1) // hop)
    padded = np.zeros(frames * hop + width - 1)
    padded[width - 1 : width - 1 + data.size] = data
    windows = sliding_window_view(padded, _TRUE_PEAK_FFT)[::hop]
    peak = 0.0
    for first in range(0, frames, _TRUE_PEAK_FRAMES_PER_PASS):
        spectrum = fft.rfft(windows[first : first + _TRUE_PEAK_FRAMES_PER_PASS], axis=1)
        for phase_spectrum in spectra:
            y = fft.irfft(spectrum * phase_spectrum, _TRUE_PEAK_FFT, axis=1)
            # The first width-1 samples of each frame wrapped around: the rest is exact.
            peak = max(peak, float(np.max(np.abs(y[:, width - 1 :]))))
    return peak


def true_peak_linear(x: Signal, rate: int) -> float:
    """Largest absolute value of the band-limited waveform between and at the samples."""
    _check_rate(rate)
    data = as_mono_float64(x, "true peak")
    return max(float(np.max(np.abs(data))), _interpolated_peak(data, oversampling_factor(rate)))


def amplitude_db(value: float) -> float:
    """20·log10 of a linear amplitude, -inf at or below the silence floor."""
    if value <= 0.0:
        return -math.inf
    return _finite_or_minus_inf(20.0 * math.log10(value))


def true_peak_dbtp(x: Signal, rate: int) -> float:
    """True peak in dBTP (>= 4x oversampled, BS.1770-4 Annex 2); -inf when silent."""
    return amplitude_db(true_peak_linear(x, rate))
