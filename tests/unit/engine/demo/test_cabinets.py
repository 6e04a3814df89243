"""The synthesized demo cabinet IRs: speaker-like responses with a natural decay."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from toneshootout.engine.demo.cabinets import (
    DEMO_1X12,
    DEMO_4X12,
    DEMO_CABINETS,
    synthesize_cabinet_ir,
)
from toneshootout.engine.errors import InvalidInput
from toneshootout.engine.types import Signal

RATE = 48000
FFT = 1 << 16


def _level_db(ir: Signal, freqs: list[float]) -> npt.NDArray[np.float64]:
    spectrum = np.abs(np.fft.rfft(ir.astype(np.float64), FFT))
    return np.array([20.0 * np.log10(spectrum[round(f * FFT / RATE)]) for f in freqs])


@pytest.mark.parametrize("stem", sorted(DEMO_CABINETS))
def test_cabinet_response_is_speaker_like(stem: str) -> None:
    ir = synthesize_cabinet_ir(DEMO_CABINETS[stem])
    low, mid, presence, high = _level_db(ir, [40.0, 1000.0, 3000.0, 10000.0])
    assert low < mid - 10.0  # the cabinet's high-pass
    assert presence > mid  # presence peak
    assert high < mid - 25.0  # steep roll-off above ~5-6 kHz
    peak = np.max(_level_db(ir, list(np.geomspace(60.0, 8000.0, 200))))
    assert peak < mid + 8.0


def test_cabinet_irs_have_their_lengths_and_predelay() -> None:
    ir_4x12, ir_1x12 = synthesize_cabinet_ir(DEMO_4X12), synthesize_cabinet_ir(DEMO_1X12)
    assert ir_4x12.shape == (int(0.170 * RATE),)
    assert ir_1x12.shape == (int(0.120 * RATE),)
    assert np.argmax(np.abs(ir_4x12)) < 12
    assert np.all(ir_1x12[:24] == 0.0)  # 0.5 ms pre-delay
    assert ir_1x12[24] != 0.0


@pytest.mark.parametrize("stem", sorted(DEMO_CABINETS))
def test_cabinet_ir_decays_naturally(stem: str) -> None:
    ir = synthesize_cabinet_ir(DEMO_CABINETS[stem]).astype(np.float64)
    energy = np.cumsum(ir[::-1] ** 2)[::-1]  # Schroeder backward integral
    decay_db = 10.0 * np.log10(np.maximum(energy, 1e-30) / energy[0])
    assert decay_db[int(0.005 * RATE)] > -40.0  # not a bare click: some body after 5 ms
    assert decay_db[-int(0.02 * RATE)] < -60.0  # faded out well before the end
    assert np.all(np.diff(decay_db[: -int(0.02 * RATE)]) <= 1e-9)


def test_cabinet_ir_is_deterministic_and_in_range() -> None:
    ir = synthesize_cabinet_ir(DEMO_4X12)
    assert np.array_equal(ir, synthesize_cabinet_ir(DEMO_4X12))
    assert ir.dtype == np.float32
    assert 0.05 < np.max(np.abs(ir)) < 1.0


def test_cabinet_ir_refuses_an_unusable_rate() -> None:
    with pytest.raises(InvalidInput, match="Demo 4x12"):
        synthesize_cabinet_ir(DEMO_4X12, rate=100)
