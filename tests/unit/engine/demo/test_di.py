"""The synthesized demo DI tracks: guitar-like, DI-level, deterministic."""

from __future__ import annotations

import numpy as np
import pytest

from toneshootout.engine.demo.di import (
    BRIDGE_HUMBUCKER,
    synthesize_di_arpeggio,
    synthesize_di_riff,
)
from toneshootout.engine.demo.strings import Note, note_frequency, pluck
from toneshootout.engine.errors import InvalidInput
from toneshootout.engine.types import Signal

RATE = 48000


def _dbfs_peak(x: Signal) -> float:
    return float(20.0 * np.log10(np.max(np.abs(x))))


def _dbfs_rms(x: Signal) -> float:
    return float(10.0 * np.log10(np.mean(x.astype(np.float64) ** 2)))


@pytest.fixture(scope="module")
def riff() -> Signal:
    return synthesize_di_riff()


def test_riff_has_di_levels_and_length(riff: Signal) -> None:
    assert riff.dtype == np.float32
    assert riff.shape == (30 * RATE,)
    assert _dbfs_peak(riff) == pytest.approx(-6.0, abs=0.01)
    assert -24.0 <= _dbfs_rms(riff) <= -20.0


def test_riff_is_deterministic_for_a_seed(riff: Signal) -> None:
    assert np.array_equal(synthesize_di_riff(), riff)
    assert not np.array_equal(synthesize_di_riff(seed=8), riff)


def test_riff_keeps_playing_to_the_end(riff: Signal) -> None:
    # No silent stretches: every second of the take carries the riff or a ringing chord.
    seconds = riff.reshape(30, RATE).astype(np.float64)
    assert np.all(10.0 * np.log10(np.mean(seconds**2, axis=1)) > -40.0)


def test_arpeggio_is_a_shorter_different_take(riff: Signal) -> None:
    arpeggio = synthesize_di_arpeggio()
    assert arpeggio.shape == (15 * RATE,)
    assert _dbfs_peak(arpeggio) == pytest.approx(-6.0, abs=0.01)
    assert -24.0 <= _dbfs_rms(arpeggio) <= -20.0
    assert np.array_equal(synthesize_di_arpeggio(), arpeggio)


def test_di_sample_rate_sets_the_length() -> None:
    assert synthesize_di_riff(rate=44100, seconds=4.0).shape == (4 * 44100,)


@pytest.mark.parametrize(("string", "fret"), [(0, 0), (1, 0), (3, 4), (5, 7)])
def test_pluck_pitch_matches_the_note(string: int, fret: int) -> None:
    note = Note(start=0.0, string=string, fret=fret, duration=1.5, velocity=0.8)
    y = pluck(note, BRIDGE_HUMBUCKER, RATE, np.random.default_rng(1))[:RATE]
    # The fundamental: the autocorrelation peak within one octave around the expected period.
    expected = note_frequency(string, fret)
    spectrum = np.fft.rfft(y, 2 * y.size)
    ac = np.fft.irfft(np.abs(spectrum) ** 2)[: y.size]
    lo, hi = int(RATE / expected / 1.4), int(RATE / expected * 1.4)
    period = lo + int(np.argmax(ac[lo:hi]))
    assert RATE / period == pytest.approx(expected, rel=0.02)


def test_palm_muted_note_dies_faster_than_open() -> None:
    def tail_energy(muted: bool) -> float:
        note = Note(start=0.0, string=0, fret=0, duration=1.0, velocity=0.8, muted=muted)
        y = pluck(note, BRIDGE_HUMBUCKER, RATE, np.random.default_rng(3))
        head, tail = y[: RATE // 20], y[RATE // 2 : RATE]
        return float(np.mean(tail**2) / np.mean(head**2))

    assert tail_energy(muted=True) < 0.1 * tail_energy(muted=False)


@pytest.mark.parametrize(("rate", "seconds"), [(1000, 10.0), (48000, 0.5), (48000, 10_000.0)])
def test_di_refuses_out_of_range_settings(rate: int, seconds: float) -> None:
    with pytest.raises(InvalidInput, match="synthesize_di_riff"):
        synthesize_di_riff(rate=rate, seconds=seconds)
