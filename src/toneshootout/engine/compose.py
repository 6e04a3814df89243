"""The A/B montage: the same DI window through each chain in turn, and its timeline.

Layout (all in integer samples, so every boundary is exact):
- the DI is cut into windows of `round(segment_s · rate)` samples; the last holds the remainder,
  and a remainder shorter than the crossfade joins the window before it;
- the montage plays window 0 through every chain (in the mapping's order), then window 1, …;
- segment k occupies timeline samples [start, end); in crossfade mode the segments are contiguous
  (end of one = start of the next) and the montage is exactly chains × DI length long;
- the crossfade between two segments is F = 2·round(crossfade_ms · rate / 2000) samples, centred
  on the boundary b: it spans [b − F/2, b + F/2), the outgoing chain keeps playing its own source
  past its window and the incoming one starts F/2 samples early, with equal-power gains
  cos θ / sin θ, θ_i = (π/2)(i + ½)/F. So b is the first sample where the incoming segment is
  the louder one, and the timeline maps output sample t to source sample
  source_start + (t − start) for every t of a segment, fades included;
- where a fade needs audio beyond either end of a render, the render is mirrored at that end
  (continuous, so no click);
- with `gap_s` > 0, segments are separated by that much silence instead of crossfading, and each
  segment fades in and out over F/2 samples inside its own span; the montage's first and last
  samples get the same short fades so montages can be joined without clicks.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from toneshootout.engine.errors import InvalidInput
from toneshootout.engine.loudness import as_mono_float64
from toneshootout.engine.types import Float64Array, Signal


@dataclass(frozen=True)
class Segment:
    """One montage segment: which chain plays which DI window, where on the timeline."""

    index: int
    chain: str
    di: str
    source_start: int
    source_end: int
    start: int
    end: int
    start_ms: float
    end_ms: float


@dataclass(frozen=True)
class _Layout:
    segment: int
    fade: int
    gap: int


def samples_to_ms(samples: int, rate: int) -> float:
    """Milliseconds of `samples` at `rate`, from integers (one division, no accumulation)."""
    return samples * 1000 / rate


def equal_power_fade_in(length: int) -> Float64Array:
    """Gains sin θ_i, θ_i = (π/2)(i + ½)/length; the fade-out is the same curve reversed."""
    theta = (np.arange(length, dtype=np.float64) + 0.5) * (math.pi / 2.0) / length
    return np.sin(theta)


def _layout(rate: int, segment_s: float, crossfade_ms: float, gap_s: float) -> _Layout:
    if not isinstance(rate, int) or rate < 8000:
        raise InvalidInput("rate", f"sample rate must be an integer >= 8000 Hz, got {rate!r}")
    for name, value in (("segment_s", segment_s), ("crossfade_ms", crossfade_ms)):
        if not (math.isfinite(value) and value >= 0.0):
            raise InvalidInput(name, f"must be a finite number >= 0, got {value!r}")
    if not (math.isfinite(gap_s) and gap_s >= 0.0):
        raise InvalidInput("gap_s", f"must be a finite number >= 0, got {gap_s!r}")
    layout = _Layout(
        segment=round(segment_s * rate),
        fade=2 * round(crossfade_ms * rate / 2000),
        gap=round(gap_s * rate),
    )
    if layout.segment < max(1, layout.fade):
        raise InvalidInput(
            "segment_s",
            f"a {segment_s:g} s segment is shorter than its {crossfade_ms:g} ms crossfade",
        )
    return layout


def _windows(length: int, layout: _Layout) -> list[tuple[int, int]]:
    bounds = [*range(0, length, layout.segment), length]
    windows = list(itertools.pairwise(bounds))
    if len(windows) > 1 and windows[-1][1] - windows[-1][0] < layout.fade:
        # A window shorter than its own fades cannot be heard: fold it into the previous one.
        windows[-2:] = [(windows[-2][0], length)]
    return windows


def _checked_renders(renders: Mapping[str, Signal]) -> dict[str, Float64Array]:
    if not renders:
        raise InvalidInput("renders", "no renders to build a montage from")
    checked = {name: as_mono_float64(x, f"render {name!r}") for name, x in renders.items()}
    lengths = {x.size for x in checked.values()}
    if len(lengths) != 1:
        raise InvalidInput("renders", f"renders must all be the same length, got {sorted(lengths)}")
    return checked


def _envelope(length: int, fade_in: int, fade_out: int, ramp: int) -> Float64Array:
    """Gains for a segment's span plus its crossfade tails; `ramp` shapes edges with no fade."""
    env = np.ones(fade_in // 2 + length + fade_out // 2, dtype=np.float64)
    if fade_in:
        env[:fade_in] = equal_power_fade_in(fade_in)
    elif ramp:
        env[:ramp] = equal_power_fade_in(ramp)
    if fade_out:
        env[env.size - fade_out :] = equal_power_fade_in(fade_out)[::-1]
    elif ramp:
        env[env.size - ramp :] = equal_power_fade_in(ramp)[::-1]
    return env


def _plan(
    names: Sequence[str], windows: Sequence[tuple[int, int]], di: str, rate: int, gap: int
) -> list[Segment]:
    segments: list[Segment] = []
    position = 0
    for source_start, source_end in windows:
        for chain in names:
            end = position + source_end - source_start
            segments.append(
                Segment(
                    index=len(segments),
                    chain=chain,
                    di=di,
                    source_start=source_start,
                    source_end=source_end,
                    start=position,
                    end=end,
                    start_ms=samples_to_ms(position, rate),
                    end_ms=samples_to_ms(end, rate),
                )
            )
            position = end + gap
    return segments


def build_montage(
    renders: Mapping[str, Signal],
    *,
    di: str,
    rate: int,
    segment_s: float = 4.0,
    crossfade_ms: float = 10.0,
    gap_s: float = 0.0,
) -> tuple[Signal, list[Segment]]:
    """Montage of aligned, level-matched renders of one DI (A B C A B C …) and its timeline."""
    layout = _layout(rate, segment_s, crossfade_ms, gap_s)
    checked = _checked_renders(renders)
    length = next(iter(checked.values())).size
    if length < layout.fade:
        raise InvalidInput("renders", f"renders ({length} samples) are shorter than the crossfade")
    segments = _plan(list(checked), _windows(length, layout), di, rate, layout.gap)
    half = layout.fade // 2
    crossfade = layout.fade if layout.gap == 0 else 0
    padded = {name: np.pad(x, half, mode="symmetric") for name, x in checked.items()}
    out = np.zeros(segments[-1].end, dtype=np.float64)
    for k, seg in enumerate(segments):
        fade_in = crossfade if k > 0 else 0
        fade_out = crossfade if k < len(segments) - 1 else 0
        env = _envelope(seg.end - seg.start, fade_in, fade_out, half)
        # `padded` is shifted by `half`: padded[half + s] is source sample s.
        lo = seg.source_start - fade_in // 2 + half
        out[seg.start - fade_in // 2 : seg.end + fade_out // 2] += (
            padded[seg.chain][lo : lo + env.size] * env
        )
    montage: Signal = out.astype(np.float32)
    return montage, segments


def concat_montages(
    parts: Sequence[tuple[Signal, Sequence[Segment]]], *, rate: int, gap_s: float = 1.0
) -> tuple[Signal, list[Segment]]:
    """Join montages of several DIs with `gap_s` of silence, shifting and renumbering segments."""
    if not parts:
        raise InvalidInput("montages", "no montages to join")
    if not (math.isfinite(gap_s) and gap_s >= 0.0):
        raise InvalidInput("gap_s", f"must be a finite number >= 0, got {gap_s!r}")
    gap = round(gap_s * rate)
    pieces: list[Float64Array] = []
    segments: list[Segment] = []
    offset = 0
    for i, (audio, part_segments) in enumerate(parts):
        if i:
            pieces.append(np.zeros(gap))
            offset += gap
        pieces.append(as_mono_float64(audio, f"montage {i}"))
        for seg in part_segments:
            start, end = seg.start + offset, seg.end + offset
            segments.append(
                replace(
                    seg,
                    index=len(segments),
                    start=start,
                    end=end,
                    start_ms=samples_to_ms(start, rate),
                    end_ms=samples_to_ms(end, rate),
                )
            )
        offset += audio.shape[0]
    joined: Signal = np.concatenate(pieces).astype(np.float32)
    return joined, segments
