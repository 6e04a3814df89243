"""Input drive policies and static output loudness matching."""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toneshootout.engine.errors import InvalidInput
from toneshootout.engine.levels import (
    apply_gain,
    input_gain_db,
    match_loudness,
    rms_dbfs,
)
from toneshootout.engine.loudness import true_peak_dbtp
from toneshootout.engine.types import Signal

RATE = 16000
SECONDS = 0.6


def _noise(seed: int, level_db: float, spikes: int = 0) -> Signal:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(round(SECONDS * RATE)) * 10 ** (level_db / 20)
    # Sparse spikes raise the true peak without moving the loudness much: they trip the ceiling.
    positions = rng.integers(0, x.size, size=spikes)
    x[positions] = np.sign(x[positions]) * 10 ** ((level_db + 22) / 20)
    return x.astype(np.float32)


def test_input_gain_rms_brings_take_to_target() -> None:
    di = _noise(1, -30.0)
    gain = input_gain_db(di, policy="rms", target_rms_dbfs=-18.0)
    assert rms_dbfs(apply_gain(di, gain)) == pytest.approx(-18.0, abs=1e-3)


def test_input_gain_as_recorded_is_zero() -> None:
    assert input_gain_db(_noise(1, -30.0), policy="as_recorded") == 0.0


def test_input_gain_calibrated_is_interface_minus_model_level() -> None:
    gain = input_gain_db(
        _noise(1, -30.0),
        policy="calibrated",
        interface_dbu_at_0dbfs=12.0,
        model_input_level_dbu=9.5,
    )
    assert gain == pytest.approx(2.5)


def test_input_gain_calibrated_refuses_capture_without_input_level() -> None:
    with pytest.raises(InvalidInput, match="input_level_dbu"):
        input_gain_db(_noise(1, -30.0), policy="calibrated")


@pytest.mark.parametrize("policy", ["rms", "as_recorded", "calibrated"])
def test_input_gain_refuses_silent_di(policy: str) -> None:
    with pytest.raises(InvalidInput, match="silent"):
        input_gain_db(
            np.zeros(1000, dtype=np.float32),
            policy=policy,  # type: ignore[arg-type]
            model_input_level_dbu=12.0,
        )


def test_input_gain_refuses_unknown_policy() -> None:
    with pytest.raises(InvalidInput, match="unknown policy"):
        input_gain_db(_noise(1, -30.0), policy="loudest")  # type: ignore[arg-type]


def test_apply_gain_doubles_at_6_02_db() -> None:
    x = np.array([0.25, -0.5], dtype=np.float32)
    np.testing.assert_allclose(apply_gain(x, 20 * math.log10(2.0)), [0.5, -1.0], rtol=1e-6)
    assert apply_gain(x, 0.0).dtype == np.float32


def test_match_loudness_refuses_silent_render() -> None:
    with pytest.raises(InvalidInput, match=r"render 1.*silent"):
        match_loudness([_noise(1, -20.0), np.zeros(RATE, dtype=np.float32)], RATE)


def test_match_loudness_refuses_empty_set_and_bad_target() -> None:
    with pytest.raises(InvalidInput, match="no renders"):
        match_loudness([], RATE)
    with pytest.raises(InvalidInput, match="target_lufs"):
        match_loudness([_noise(1, -20.0)], RATE, target_lufs=math.nan)


def test_match_loudness_reports_before_gain_after_peak_and_lra() -> None:
    match = match_loudness([_noise(1, -30.0), _noise(2, -10.0)], RATE, target_lufs=-20.0)
    assert match.common_reduction_db == 0.0
    quiet, loud = match.levels
    assert quiet.gain_db - loud.gain_db == pytest.approx(20.0, abs=0.1)
    assert quiet.loudness_after_lufs == pytest.approx(-20.0, abs=0.01)
    assert loud.true_peak_dbtp < -1.0
    assert quiet.lra_lu is None  # 0.6 s is shorter than one EBU short-term block


renders_strategy = st.lists(
    st.tuples(st.integers(0, 10_000), st.floats(-40.0, -5.0), st.integers(0, 3)),
    min_size=1,
    max_size=4,
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs=renders_strategy, target=st.floats(-30.0, -10.0))
def test_match_loudness_matches_all_chains_and_respects_ceiling(
    specs: list[tuple[int, float, int]], target: float
) -> None:
    renders = [_noise(seed, level, spikes) for seed, level, spikes in specs]
    match = match_loudness(renders, RATE, target_lufs=target, ceiling_dbtp=-1.0)
    after = [level.loudness_after_lufs for level in match.levels]
    assert max(after) - min(after) <= 0.1
    for level in match.levels:
        assert level.loudness_after_lufs == pytest.approx(
            target - match.common_reduction_db, abs=0.1
        )
        assert level.true_peak_dbtp <= -1.0 + 1e-4
        # The ceiling lowers everyone by the same amount: differences are the unconstrained ones.
        assert level.gain_db + match.common_reduction_db == pytest.approx(
            target - level.loudness_before_lufs, abs=1e-9
        )
    assert match.common_reduction_db >= 0.0
    if match.common_reduction_db > 0.0:
        assert max(level.true_peak_dbtp for level in match.levels) == pytest.approx(-1.0, abs=1e-4)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs=renders_strategy)
def test_match_loudness_is_idempotent(specs: list[tuple[int, float, int]]) -> None:
    renders = [_noise(seed, level, spikes) for seed, level, spikes in specs]
    first = match_loudness(renders, RATE)
    matched = [apply_gain(x, level.gain_db) for x, level in zip(renders, first.levels, strict=True)]
    second = match_loudness(matched, RATE)
    for once, twice in zip(first.levels, second.levels, strict=True):
        assert twice.loudness_after_lufs == pytest.approx(once.loudness_after_lufs, abs=0.01)


def test_match_loudness_lowers_every_chain_together_for_the_ceiling() -> None:
    renders = [_noise(3, -20.0), _noise(4, -20.0, spikes=3)]
    match = match_loudness(renders, RATE, target_lufs=-10.0, ceiling_dbtp=-1.0)
    assert match.common_reduction_db > 0.0
    smooth, spiky = match.levels
    assert spiky.true_peak_dbtp == pytest.approx(-1.0, abs=1e-4)
    delivered = true_peak_dbtp(apply_gain(renders[1], spiky.gain_db), RATE)
    assert spiky.true_peak_dbtp == pytest.approx(delivered, abs=1e-4)
    assert smooth.true_peak_dbtp < -1.0
    assert smooth.loudness_after_lufs == pytest.approx(spiky.loudness_after_lufs, abs=0.1)
    assert smooth.loudness_after_lufs == pytest.approx(-10.0 - match.common_reduction_db, abs=0.01)
