"""Level policies: how hard the DI drives every capture, and static output loudness matching.

Input drive is part of the sound, so every chain gets the same DI gain. Output matching is one
static gain per render (never a limiter or compressor, which would change the sound): each render
is brought to the target loudness, then all are lowered together if any would exceed the
true-peak ceiling, so their level differences stay exactly as matched.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np

from toneshootout.engine.errors import InvalidInput
from toneshootout.engine.loudness import (
    amplitude_db,
    as_mono_float64,
    integrated_loudness,
    loudness_range_lu,
    true_peak_linear,
)
from toneshootout.engine.types import Signal

InputLevelPolicy = Literal["rms", "as_recorded", "calibrated"]

# A DI whose RMS is below this carries no playing, only noise (24-bit silence is about -144).
SILENT_DI_RMS_DBFS = -100.0
# pyloudnorm's absolute gate: a render quieter than this has no gated blocks to measure.
ABSOLUTE_GATE_LUFS = -70.0


def rms_dbfs(x: Signal) -> float:
    """RMS level of a mono signal in dBFS (a full-scale sine reads -3.01); -inf when silent."""
    data = as_mono_float64(x, "signal")
    return amplitude_db(math.sqrt(float(np.mean(np.square(data)))))


def _require_finite(name: str, value: float, low: float, high: float) -> None:
    if not (math.isfinite(value) and low <= value <= high):
        raise InvalidInput(name, f"must be a number between {low:g} and {high:g}, got {value!r}")


def input_gain_db(
    di: Signal,
    *,
    policy: InputLevelPolicy,
    target_rms_dbfs: float = -18.0,
    interface_dbu_at_0dbfs: float = 12.0,
    model_input_level_dbu: float | None = None,
) -> float:
    """The one gain (dB) applied to the whole DI take before it drives the captures.

    `rms` brings the take's RMS to `target_rms_dbfs`; `as_recorded` is 0 dB; `calibrated`
    reproduces the analogue level the DI had at the interface on the capture's own scale:
    interface dBu at 0 dBFS minus the capture's `input_level_dbu`. A capture without
    `input_level_dbu` cannot be calibrated, and that is refused rather than guessed.
    """
    if policy not in get_args(InputLevelPolicy):
        raise InvalidInput(
            "input_level_policy",
            f"unknown policy {policy!r}; use one of {', '.join(get_args(InputLevelPolicy))}",
        )
    level = rms_dbfs(di)
    if level < SILENT_DI_RMS_DBFS:
        raise InvalidInput("di", f"the DI is silent (RMS below {SILENT_DI_RMS_DBFS:g} dBFS)")
    if policy == "as_recorded":
        return 0.0
    if policy == "rms":
        _require_finite("target_rms_dbfs", target_rms_dbfs, -60.0, 0.0)
        return target_rms_dbfs - level
    _require_finite("interface_dbu_at_0dbfs", interface_dbu_at_0dbfs, -20.0, 40.0)
    if model_input_level_dbu is None:
        raise InvalidInput(
            "input_level_dbu",
            "the capture's metadata has no input_level_dbu, so 'calibrated' drive cannot be "
            "computed; use the 'rms' or 'as_recorded' policy",
        )
    _require_finite("input_level_dbu", model_input_level_dbu, -20.0, 40.0)
    return interface_dbu_at_0dbfs - model_input_level_dbu


def apply_gain(x: Signal, gain_db: float) -> Signal:
    """`x` scaled by `gain_db`, computed in float64 and returned as float32."""
    if not math.isfinite(gain_db):
        raise InvalidInput("gain_db", f"gain must be finite, got {gain_db!r}")
    factor = 10.0 ** (gain_db / 20.0)
    scaled: Signal = (np.asarray(x, dtype=np.float64) * factor).astype(np.float32)
    return scaled


@dataclass(frozen=True)
class ChainLevel:
    """One render's output-level decision (loudness in LUFS, gain in dB, peak in dBTP, LRA in LU).

    `lra_lu` is None when the render is too short (< 3 s) or too quiet for EBU Tech 3342.
    """

    loudness_before_lufs: float
    gain_db: float
    loudness_after_lufs: float
    true_peak_dbtp: float
    lra_lu: float | None


@dataclass(frozen=True)
class LoudnessMatch:
    """Per-render levels (in the order given) and the reduction shared by all for the ceiling."""

    levels: tuple[ChainLevel, ...]
    target_lufs: float
    ceiling_dbtp: float
    common_reduction_db: float


@dataclass(frozen=True)
class _Measured:
    loudness_lufs: float
    true_peak_dbtp: float


def _measure(index: int, x: Signal, rate: int) -> _Measured:
    source = f"render {index}"
    as_mono_float64(x, source)  # refuse a bad render under its own name
    loudness = integrated_loudness(x, rate)
    if loudness < ABSOLUTE_GATE_LUFS:
        raise InvalidInput(
            source,
            f"the render is silent (integrated loudness below {ABSOLUTE_GATE_LUFS:g} LUFS), "
            "so it cannot be loudness-matched; check the chain's blocks and levels",
        )
    return _Measured(loudness, amplitude_db(true_peak_linear(x, rate)))


def match_loudness(
    renders: Sequence[Signal],
    rate: int,
    *,
    target_lufs: float = -18.0,
    ceiling_dbtp: float = -1.0,
) -> LoudnessMatch:
    """One static gain per render: all at `target_lufs`, lowered together below the ceiling.

    Each render is measured over the whole span given; pass the same span for every chain.
    """
    if not renders:
        raise InvalidInput("renders", "nothing to match: no renders given")
    _require_finite("target_lufs", target_lufs, -60.0, 0.0)
    _require_finite("ceiling_dbtp", ceiling_dbtp, -30.0, 0.0)
    measured = [_measure(i, x, rate) for i, x in enumerate(renders)]
    gains = [target_lufs - m.loudness_lufs for m in measured]
    # True peak scales exactly with a static gain, so the ceiling is decided before applying any.
    highest = max(m.true_peak_dbtp + g for m, g in zip(measured, gains, strict=True))
    reduction = max(0.0, highest - ceiling_dbtp)
    levels = []
    for x, m, gain in zip(renders, measured, gains, strict=True):
        final_gain = gain - reduction
        matched = apply_gain(x, final_gain)
        levels.append(
            ChainLevel(
                loudness_before_lufs=m.loudness_lufs,
                gain_db=final_gain,
                loudness_after_lufs=integrated_loudness(matched, rate),
                # Exact, not estimated: a static gain scales the interpolated waveform too.
                true_peak_dbtp=m.true_peak_dbtp + final_gain,
                lra_lu=loudness_range_lu(matched, rate),
            )
        )
    return LoudnessMatch(tuple(levels), target_lufs, ceiling_dbtp, reduction)
