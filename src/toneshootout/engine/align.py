"""Latency and polarity of a chain, measured with a probe sweep (AUDIO.md §6), and their undoing.

A chain's output is cross-correlated with the dry probe over lags 0…max_lag; the lag of the
largest |correlation| is the latency and its sign the polarity. When another peak, clearly apart
from the best, comes close to it (an IR with a strong reflection, a comb-like chain) the result
is flagged ambiguous so the caller can report it rather than trust it silently.
"""

from dataclasses import dataclass
from typing import Final

import numpy as np
from scipy.signal import correlate

from toneshootout.engine.errors import InvalidInput
from toneshootout.engine.types import Float64Array, Signal

PROBE_LEVEL: Final = 0.1  # −20 dBFS peak
PROBE_SWEEP_S: Final = 0.25
PROBE_LEAD_S: Final = 0.05  # lets a capture settle on silence before the sweep
PROBE_TAIL_S: Final = 0.1  # room for the delayed sweep and a short IR tail
SWEEP_LOW_HZ: Final = 50.0
SWEEP_HIGH_HZ: Final = 20000.0
FADE_S: Final = 0.005
AMBIGUOUS_RATIO: Final = 0.9
# Peaks closer than this to the best are the same arrival (its band-limited ringing), not a rival.
PEAK_SEPARATION_MS: Final = 1.0


@dataclass(frozen=True)
class Alignment:
    """How far a chain lags the DI, whether it inverts it, and how sure the measurement is."""

    latency_samples: int
    polarity: int
    peak_ratio: float
    ambiguous: bool

    def __post_init__(self) -> None:
        if self.latency_samples < 0:
            raise InvalidInput("alignment", f"latency {self.latency_samples} is negative")
        if self.polarity not in (1, -1):
            raise InvalidInput("alignment", f"polarity must be +1 or -1, got {self.polarity}")


def make_probe(rate: int) -> Signal:
    """A −20 dBFS linear sweep with short fades, framed by silence, at `rate`."""
    if rate <= 0:
        raise InvalidInput("probe", f"sample rate must be positive, got {rate}")
    length = round(PROBE_SWEEP_S * rate)
    t = np.arange(length, dtype=np.float64) / rate
    high = min(SWEEP_HIGH_HZ, 0.45 * rate)
    slope = (high - SWEEP_LOW_HZ) / PROBE_SWEEP_S
    sweep = np.sin(2.0 * np.pi * (SWEEP_LOW_HZ * t + 0.5 * slope * t * t))
    fade = min(round(FADE_S * rate), length // 2)
    ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(fade) / fade)
    sweep[:fade] *= ramp
    sweep[length - fade :] *= ramp[::-1]
    lead = np.zeros(round(PROBE_LEAD_S * rate))
    tail = np.zeros(round(PROBE_TAIL_S * rate))
    return (PROBE_LEVEL * np.concatenate([lead, sweep, tail])).astype(np.float32)


def measure_alignment(
    probe: Signal, response: Signal, rate: int, max_lag_ms: float = 10.0
) -> Alignment:
    """Find the latency (0…max_lag_ms) and polarity of `response` relative to `probe`."""
    if probe.ndim != 1 or response.ndim != 1:
        raise InvalidInput("alignment", "probe and response must be 1-D")
    if rate <= 0 or max_lag_ms < 0:
        raise InvalidInput("alignment", f"bad rate {rate} or max lag {max_lag_ms} ms")
    max_lag = min(round(max_lag_ms * rate / 1000.0), response.shape[0] - 1)
    if probe.shape[0] == 0 or max_lag < 0:
        raise InvalidInput("alignment", "probe or response is empty")
    scores = _correlation_at_lags(probe, response, max_lag)
    magnitude = np.abs(scores)
    best = int(np.argmax(magnitude))
    if magnitude[best] == 0.0:
        # A silent response (a gate closed on the probe): nothing to align, say so.
        return Alignment(latency_samples=0, polarity=1, peak_ratio=1.0, ambiguous=True)
    separation = max(1, round(PEAK_SEPARATION_MS * rate / 1000.0))
    rival = _best_separated_peak(magnitude, best, separation)
    ratio = float(rival / magnitude[best])
    return Alignment(
        latency_samples=best,
        polarity=1 if scores[best] > 0 else -1,
        peak_ratio=ratio,
        ambiguous=ratio >= AMBIGUOUS_RATIO,
    )


def apply_alignment(x: Signal, alignment: Alignment) -> Signal:
    """Advance `x` by the latency (zeros fill the end, length kept) and undo the polarity."""
    shift = min(alignment.latency_samples, x.shape[0])
    out = np.zeros_like(x, dtype=np.float32)
    out[: x.shape[0] - shift] = x[shift:]
    if alignment.polarity < 0:
        np.negative(out, out=out)
    return out


def _correlation_at_lags(probe: Signal, response: Signal, max_lag: int) -> Float64Array:
    """c[k] = Σ_t response[t + k] · probe[t] for k = 0…max_lag, in float64."""
    window = response[: probe.shape[0] + max_lag].astype(np.float64)
    full = correlate(window, probe.astype(np.float64), mode="full", method="fft")
    zero_lag = probe.shape[0] - 1
    scores: Float64Array = full[zero_lag : zero_lag + max_lag + 1]
    return scores


def _best_separated_peak(magnitude: Float64Array, best: int, separation: int) -> float:
    """Largest local maximum of |c| at least `separation` lags away from the best peak."""
    # Pad with -1 so a maximum at either end of the lag range still counts as a peak.
    padded = np.concatenate([[-1.0], magnitude, [-1.0]])
    is_peak = (padded[1:-1] >= padded[:-2]) & (padded[1:-1] >= padded[2:])
    lags = np.arange(magnitude.shape[0])
    rivals = magnitude[is_peak & (np.abs(lags - best) >= separation)]
    return float(rivals.max(initial=0.0))
