"""Effect blocks: strict parameter validation, processing behaviour, tails and determinism."""

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toneshootout.engine.effects import (
    EFFECT_TYPES,
    Boost,
    Delay,
    EffectBlock,
    Gain,
    Highpass,
    Peak,
    Reverb,
    apply_effect,
    effect_tail_seconds,
    parse_effect,
)
from toneshootout.engine.errors import InvalidInput
from toneshootout.engine.types import Signal

RATE = 48000


def noise(seconds: float = 0.5, seed: int = 1) -> Signal:
    """Seeded white noise at −20 dBFS RMS."""
    rng = np.random.default_rng(seed)
    return (0.1 * rng.standard_normal(round(seconds * RATE))).astype(np.float32)


def tone(freq: float, seconds: float = 0.5) -> Signal:
    """A −20 dBFS sine."""
    return (0.1 * np.sin(2 * np.pi * freq * np.arange(round(seconds * RATE)) / RATE)).astype(
        np.float32
    )


def rms_db(x: Signal) -> float:
    """RMS level in dBFS."""
    return 10 * math.log10(float(np.mean(x.astype(np.float64) ** 2)))


def refused(data: dict[str, Any]) -> InvalidInput:
    """The InvalidInput parse_effect raises for `data`."""
    with pytest.raises(InvalidInput) as caught:
        parse_effect(data, "chain[0].effects[1]")
    assert caught.value.source.startswith("chain[0].effects[1]")
    return caught.value


@pytest.mark.parametrize("kind", EFFECT_TYPES)
def test_apply_effect_defaults_keep_length_and_bytes_stable(kind: str) -> None:
    block = parse_effect({"type": kind}, "effect")
    x = noise()
    first = apply_effect(block, x, RATE)
    second = apply_effect(block, x.copy(), RATE)
    assert first.shape == x.shape
    assert first.dtype == np.float32
    assert np.all(np.isfinite(first))
    assert first.tobytes() == second.tobytes()


def test_effect_types_match_the_union() -> None:
    assert len(set(EFFECT_TYPES)) == 12
    assert {parse_effect({"type": kind}, "e").type for kind in EFFECT_TYPES} == set(EFFECT_TYPES)


def test_parse_effect_refuses_unknown_type() -> None:
    error = refused({"type": "flanger"})
    assert "does not match any of the expected tags" in error.reason


def test_parse_effect_refuses_unknown_field_naming_it() -> None:
    error = refused({"type": "gain", "gain_db": 3.0, "volume": 2})
    assert error.source.endswith("gain.volume")
    assert "Extra inputs are not permitted" in error.reason


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"type": "gain", "gain_db": 30.0}, "gain_db"),
        ({"type": "compressor", "ratio": 0.5}, "ratio"),
        ({"type": "highpass", "slope_db_per_octave": 9}, "slope_db_per_octave"),
        ({"type": "peak", "q": 0.0}, "q"),
        ({"type": "delay", "feedback": 1.0}, "feedback"),
        ({"type": "reverb", "room_size": float("nan")}, "room_size"),
        ({"type": "lowpass", "cutoff_hz": float("inf")}, "cutoff_hz"),
        ({"type": "chorus", "mix": "lots"}, "mix"),
    ],
)
def test_parse_effect_refuses_bad_values_naming_field(data: dict[str, Any], field: str) -> None:
    assert refused(data).source.endswith(field)


@settings(max_examples=50, deadline=None)
@given(
    kind_field=st.sampled_from(
        [("gain", "gain_db", -60, 24), ("delay", "delay_ms", 1, 2000), ("peak", "gain_db", -24, 24)]
    ),
    excess=st.floats(1e-3, 1e6),
    below=st.booleans(),
)
def test_parse_effect_refuses_values_outside_range(
    kind_field: tuple[str, str, float, float], excess: float, below: bool
) -> None:
    kind, field, low, high = kind_field
    value = low - excess if below else high + excess
    assert refused({"type": kind, field: value}).source.endswith(field)


def test_apply_effect_gain_scales_exactly() -> None:
    x = noise()
    y = apply_effect(Gain(gain_db=20 * math.log10(2)), x, RATE)
    assert np.allclose(y, 2 * x, atol=1e-6)


def test_apply_effect_highpass_slope_adds_up() -> None:
    low = tone(100.0)
    levels = {
        slope: rms_db(apply_effect(Highpass(cutoff_hz=400, slope_db_per_octave=slope), low, RATE))
        for slope in (6, 12, 24)
    }
    # Two octaves below cutoff: ≈12 dB per 6 dB/oct section (−12.3 for first order).
    assert levels[6] - rms_db(low) == pytest.approx(-12.3, abs=0.5)
    assert levels[12] - rms_db(low) == pytest.approx(-24.6, abs=1.0)
    assert levels[24] - rms_db(low) == pytest.approx(-49.2, abs=2.0)


def test_apply_effect_peak_boosts_its_centre() -> None:
    x = tone(1000.0)
    y = apply_effect(Peak(cutoff_hz=1000, gain_db=6.0, q=1.0), x, RATE)
    assert rms_db(y[RATE // 10 :]) - rms_db(x[RATE // 10 :]) == pytest.approx(6.0, abs=0.3)


def test_apply_effect_boost_soft_clips_below_level() -> None:
    y = apply_effect(Boost(drive_db=40.0, level_db=-6.0), tone(200.0), RATE)
    assert float(np.abs(y).max()) <= 10 ** (-6 / 20) + 1e-6
    assert float(np.abs(y).max()) > 0.45


def test_apply_effect_delay_echo_lands_at_delay_ms() -> None:
    x = np.zeros(RATE, np.float32)
    x[0] = 1.0
    y = apply_effect(Delay(delay_ms=250, feedback=0.5, mix=0.5), x, RATE)
    echoes = np.nonzero(np.abs(y) > 1e-4)[0]
    assert echoes[:3].tolist() == [0, 12000, 24000]
    assert y[24000] == pytest.approx(0.25, abs=1e-3)


@pytest.mark.parametrize(
    "block",
    [
        Delay(delay_ms=300, feedback=0.6, mix=0.5),
        Delay(delay_ms=50, feedback=0.0, mix=1.0),
        Reverb(room_size=0.9, damping=0.0, wet_level=1.0, dry_level=0.0),
        Reverb(room_size=0.2),
    ],
)
def test_effect_tail_seconds_covers_the_audible_tail(block: EffectBlock) -> None:
    tail = effect_tail_seconds(block)
    x = np.zeros(round((tail + 2.0) * RATE), np.float32)
    x[0] = 1.0
    y = apply_effect(block, x, RATE)
    after = np.abs(y[round(tail * RATE) :])
    assert float(after.max()) < 1e-3  # −60 dB below the impulse


def test_effect_tail_seconds_is_zero_for_stateless_blocks() -> None:
    assert effect_tail_seconds(Gain()) == 0.0
    assert effect_tail_seconds(Highpass()) == 0.0
    assert effect_tail_seconds(Delay(delay_ms=2000, feedback=0.95, mix=1.0)) == 30.0


def test_apply_effect_refuses_cutoff_near_nyquist() -> None:
    with pytest.raises(InvalidInput, match="Nyquist") as caught:
        apply_effect(Peak(cutoff_hz=10000), noise(), 16000)
    assert caught.value.source == "peak.cutoff_hz"


def test_apply_effect_refuses_stereo() -> None:
    with pytest.raises(InvalidInput, match="expected 1-D"):
        apply_effect(Gain(), np.zeros((10, 2), np.float32), RATE)
