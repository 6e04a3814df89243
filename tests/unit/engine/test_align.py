"""Latency/polarity measurement with the probe sweep, and undoing it."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.paths import REAL
from toneshootout.engine.align import (
    Alignment,
    apply_alignment,
    make_probe,
    measure_alignment,
)
from toneshootout.engine.errors import InvalidInput
from toneshootout.engine.ir import ImpulseResponse, convolve, load_ir
from toneshootout.engine.types import Signal

RATE = 48000
PROBE = make_probe(RATE)
CAB = load_ir(REAL / "ir-mesa-os-4x12-189ms.wav", RATE)


def delayed(x: Signal, delay: int, polarity: int = 1) -> Signal:
    """`x` delayed by `delay` samples (same length) and optionally inverted."""
    out = np.zeros_like(x)
    out[delay:] = x[: x.shape[0] - delay]
    return (polarity * out).astype(np.float32)


def with_predelay(ir: ImpulseResponse, samples: int) -> ImpulseResponse:
    """The same IR with `samples` of silence in front."""
    taps = np.concatenate([np.zeros(samples, np.float32), ir.samples])
    return ImpulseResponse(taps, RATE, RATE, 1, "mid", 1000 * taps.shape[0] / RATE)


def test_make_probe_is_a_quiet_sweep_framed_by_silence() -> None:
    assert PROBE.dtype == np.float32
    assert float(np.abs(PROBE).max()) == pytest.approx(0.1, abs=1e-3)
    assert not PROBE[: RATE // 50].any()
    assert not PROBE[-RATE // 20 :].any()
    # A linear sweep: zero crossings get closer together as it rises.
    body = PROBE[round(0.05 * RATE) : round(0.3 * RATE)]
    crossings = np.nonzero(np.diff(np.signbit(body)))[0]
    assert np.diff(crossings)[:5].mean() > 10 * np.diff(crossings)[-5:].mean()


@settings(max_examples=30, deadline=None)
@given(delay=st.integers(0, 400), polarity=st.sampled_from([1, -1]))
def test_measure_alignment_recovers_delay_and_polarity(delay: int, polarity: int) -> None:
    found = measure_alignment(PROBE, delayed(PROBE, delay, polarity), RATE)
    assert (found.latency_samples, found.polarity, found.ambiguous) == (delay, polarity, False)
    assert found.peak_ratio < 0.5


@settings(max_examples=20, deadline=None)
@given(delay=st.integers(0, 400), polarity=st.sampled_from([1, -1]), drive=st.floats(1, 30))
def test_measure_alignment_sees_through_tanh_stage(delay: int, polarity: int, drive: float) -> None:
    response = np.tanh(drive * delayed(PROBE, delay, polarity)).astype(np.float32)
    found = measure_alignment(PROBE, response, RATE)
    assert (found.latency_samples, found.polarity, found.ambiguous) == (delay, polarity, False)


@settings(max_examples=20, deadline=None)
@given(
    delay=st.integers(0, 200),
    predelay=st.integers(0, 200),
    polarity=st.sampled_from([1, -1]),
    drive=st.sampled_from([None, 10.0]),
)
def test_measure_alignment_through_cab_ir_with_predelay(
    delay: int, predelay: int, polarity: int, drive: float | None
) -> None:
    dry = delayed(PROBE, delay, polarity)
    stage = dry if drive is None else np.tanh(drive * dry).astype(np.float32)
    found = measure_alignment(PROBE, convolve(stage, with_predelay(CAB, predelay)), RATE)
    cab_peak = int(np.argmax(np.abs(CAB.samples)))  # 14 samples, positive
    assert found.latency_samples == delay + predelay + cab_peak
    assert found.polarity == polarity
    assert not found.ambiguous


def test_measure_alignment_flags_two_equal_arrivals_as_ambiguous() -> None:
    response = delayed(PROBE, 20) + delayed(PROBE, 300)
    found = measure_alignment(PROBE, response, RATE)
    assert found.latency_samples in (20, 300)
    assert found.ambiguous
    assert found.peak_ratio == pytest.approx(1.0, abs=0.02)


def test_measure_alignment_flags_silent_response() -> None:
    found = measure_alignment(PROBE, np.zeros_like(PROBE), RATE)
    assert found == Alignment(latency_samples=0, polarity=1, peak_ratio=1.0, ambiguous=True)


def test_measure_alignment_ignores_lags_past_the_maximum() -> None:
    found = measure_alignment(PROBE, delayed(PROBE, 30) + 3 * delayed(PROBE, 600), RATE)
    assert found.latency_samples == 30


def test_measure_alignment_refuses_stereo() -> None:
    with pytest.raises(InvalidInput, match="1-D"):
        measure_alignment(PROBE, np.zeros((10, 2), np.float32), RATE)


@settings(max_examples=30, deadline=None)
@given(delay=st.integers(0, 400), polarity=st.sampled_from([1, -1]))
def test_apply_alignment_undoes_measured_offset(delay: int, polarity: int) -> None:
    response = delayed(PROBE, delay, polarity)
    aligned = apply_alignment(response, measure_alignment(PROBE, response, RATE))
    assert aligned.shape == PROBE.shape
    assert np.array_equal(aligned, PROBE)  # the probe ends in silence, so nothing is lost


def test_apply_alignment_pads_end_with_zeros() -> None:
    x = np.arange(1, 6, dtype=np.float32)
    assert apply_alignment(x, Alignment(2, -1, 0.1, False)).tolist() == [-3, -4, -5, 0, 0]
    assert apply_alignment(x, Alignment(9, 1, 0.1, False)).tolist() == [0] * 5


@pytest.mark.parametrize(("latency", "polarity"), [(-1, 1), (0, 0), (3, 2)])
def test_alignment_refuses_impossible_values(latency: int, polarity: int) -> None:
    with pytest.raises(InvalidInput):
        Alignment(latency, polarity, 0.0, False)
