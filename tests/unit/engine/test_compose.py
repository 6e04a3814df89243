"""The A/B montage: sample-exact timeline, click-free equal-power crossfades, joining DIs."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toneshootout.engine.compose import (
    Segment,
    build_montage,
    concat_montages,
    equal_power_fade_in,
)
from toneshootout.engine.errors import InvalidInput
from toneshootout.engine.types import Signal

RATES = st.sampled_from([8000, 16000, 44100, 48000])


def _sines(n: int, rate: int, freqs: list[float]) -> dict[str, Signal]:
    t = np.arange(n) / rate
    return {
        f"chain{i}": (0.5 * np.sin(2 * np.pi * f * t + i)).astype(np.float32)
        for i, f in enumerate(freqs)
    }


def _max_jump(x: Signal) -> float:
    return float(np.max(np.abs(np.diff(x.astype(np.float64)))))


def _check_timeline(
    segments: list[Segment], chains: list[str], n: int, rate: int, gap: int
) -> None:
    assert segments[0].start == 0
    for k, seg in enumerate(segments):
        assert seg.index == k
        assert seg.chain == chains[k % len(chains)]
        assert seg.end - seg.start == seg.source_end - seg.source_start
        assert seg.start_ms == seg.start * 1000 / rate
        assert seg.end_ms == seg.end * 1000 / rate
    for before, after in itertools.pairwise(segments):
        assert after.start == before.end + gap
    windows = sorted({(s.source_start, s.source_end) for s in segments})
    assert windows[0][0] == 0
    assert windows[-1][1] == n
    for (_, end), (start, _) in itertools.pairwise(windows):
        assert start == end


@settings(max_examples=60, deadline=None)
@given(
    rate=RATES,
    seconds=st.floats(0.05, 1.5),
    segment_s=st.floats(0.02, 0.5),
    crossfade_ms=st.floats(0.0, 20.0),
    gap_s=st.sampled_from([0.0, 0.0, 0.01]),
    chains=st.integers(1, 4),
)
def test_montage_timeline_is_sample_exact_and_covering(
    *, rate: int, seconds: float, segment_s: float, crossfade_ms: float, gap_s: float, chains: int
) -> None:
    n = round(seconds * rate)
    segment = round(segment_s * rate)
    fade = 2 * round(crossfade_ms * rate / 2000)
    if segment < max(1, fade) or n < fade:
        with pytest.raises(InvalidInput):
            build_montage(
                _sines(n, rate, [100.0] * chains),
                di="d",
                rate=rate,
                segment_s=segment_s,
                crossfade_ms=crossfade_ms,
                gap_s=gap_s,
            )
        return
    renders = _sines(n, rate, [100.0 + 50 * i for i in range(chains)])
    montage, segments = build_montage(
        renders, di="d", rate=rate, segment_s=segment_s, crossfade_ms=crossfade_ms, gap_s=gap_s
    )
    gap = round(gap_s * rate)
    _check_timeline(segments, list(renders), n, rate, gap)
    assert segments[-1].end == montage.size
    lengths = [s.source_end - s.source_start for s in segments[::chains]]
    # Every window is as configured except the last, which holds the remainder (folded into
    # the one before when it would be shorter than a crossfade).
    assert all(length == segment for length in lengths[:-1])
    assert lengths[-1] >= min(fade, n)
    assert lengths[-1] < segment + max(fade, 1)


@settings(max_examples=40, deadline=None)
@given(
    rate=RATES,
    freqs=st.lists(st.floats(20.0, 800.0), min_size=1, max_size=4),
    segment_s=st.floats(0.05, 0.4),
    crossfade_ms=st.floats(2.0, 30.0),
    gap_s=st.sampled_from([0.0, 0.0, 0.02]),
)
def test_montage_crossfades_are_click_free(
    rate: int, freqs: list[float], segment_s: float, crossfade_ms: float, gap_s: float
) -> None:
    renders = _sines(rate, rate, freqs)
    montage, _ = build_montage(
        renders, di="d", rate=rate, segment_s=segment_s, crossfade_ms=crossfade_ms, gap_s=gap_s
    )
    fade = 2 * round(crossfade_ms * rate / 2000)
    source_jump = max(_max_jump(x) for x in renders.values())
    # |Δ(c·a + s·b)| <= (c + s)·J + |Δc|·|a| + |Δs|·|b|, with c + s <= √2 and |Δc|, |Δs| <= π/F
    # (edge ramps span F/2), |a|, |b| <= 0.5. A hard cut could jump by up to 1.0.
    bound = math.sqrt(2.0) * source_jump + (math.pi / fade) * 1.0
    assert _max_jump(montage) <= bound * 1.0001


def test_montage_hard_cut_without_crossfade_clicks() -> None:
    rate = 8000
    renders = _sines(rate, rate, [50.0, 60.0])
    montage, _ = build_montage(renders, di="d", rate=rate, segment_s=0.125, crossfade_ms=0.0)
    assert _max_jump(montage) > 3 * max(_max_jump(x) for x in renders.values())


def test_equal_power_fade_keeps_power_constant() -> None:
    fade_in = equal_power_fade_in(480)
    np.testing.assert_allclose(fade_in**2 + fade_in[::-1] ** 2, 1.0, atol=1e-12)
    assert np.all(np.diff(fade_in) > 0)


def test_montage_fades_keep_uncorrelated_noise_power_constant() -> None:
    rate, fade = 48000, 2400  # 50 ms fades, 0.1 s segments: 19 fades of 2400 samples
    rng = np.random.default_rng(7)
    renders = {c: rng.standard_normal(rate).astype(np.float32) for c in ("A", "B")}
    montage, segments = build_montage(renders, di="d", rate=rate, segment_s=0.1, crossfade_ms=50.0)
    in_fades = np.concatenate(
        [montage[s.start - fade // 2 : s.start + fade // 2] for s in segments[1:]]
    ).astype(np.float64)
    assert float(np.mean(in_fades**2)) == pytest.approx(1.0, abs=0.03)


def test_montage_plays_the_source_exactly_outside_the_fades() -> None:
    rate = 8000
    n = 3 * rate + 123
    renders = {
        "A": (np.arange(n) / n).astype(np.float32),
        "B": (-np.arange(n) / n).astype(np.float32),
    }
    montage, segments = build_montage(renders, di="d", rate=rate, segment_s=1.0, crossfade_ms=10.0)
    half = 40
    for seg in segments:
        inner = slice(seg.start + half, seg.end - half)
        source = renders[seg.chain][seg.source_start + half : seg.source_end - half]
        np.testing.assert_array_equal(montage[inner], source)


def test_montage_folds_a_remainder_shorter_than_the_crossfade() -> None:
    rate = 8000
    renders = _sines(2 * rate + 30, rate, [100.0, 200.0])
    _, segments = build_montage(renders, di="d", rate=rate, segment_s=1.0, crossfade_ms=10.0)
    assert [(s.source_start, s.source_end) for s in segments[::2]] == [(0, 8000), (8000, 16030)]


def test_montage_refuses_renders_of_different_lengths() -> None:
    renders = {"A": np.zeros(8000, dtype=np.float32), "B": np.zeros(8001, dtype=np.float32)}
    with pytest.raises(InvalidInput, match="same length"):
        build_montage(renders, di="d", rate=8000)


def test_montage_refuses_segment_shorter_than_crossfade() -> None:
    with pytest.raises(InvalidInput, match="segment_s"):
        build_montage(_sines(8000, 8000, [100.0]), di="d", rate=8000, segment_s=0.001)


def test_concat_montages_shifts_and_renumbers_segments() -> None:
    rate = 8000
    first = build_montage(_sines(rate, rate, [100.0, 200.0]), di="one", rate=rate, segment_s=0.5)
    second = build_montage(_sines(rate // 2, rate, [100.0, 200.0]), di="two", rate=rate)
    joined, segments = concat_montages([first, second], rate=rate, gap_s=0.25)
    assert joined.size == first[0].size + 2000 + second[0].size
    assert [s.index for s in segments] == list(range(len(segments)))
    assert segments[4].di == "two"
    assert segments[4].start == first[0].size + 2000
    assert segments[4].start_ms == segments[4].start * 1000 / rate
    np.testing.assert_array_equal(joined[first[0].size : first[0].size + 2000], 0.0)
    assert joined.dtype == np.float32
