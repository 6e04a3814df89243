"""Synthesized guitar-cabinet impulse responses for the demo.

A speaker-like magnitude curve (resonant high-pass, presence peaks, cone-breakup notches, a
steep roll-off above ~5-6 kHz) is turned into a minimum-phase response with the real-cepstrum
method, so the energy arrives at once like a close-miked speaker. A faint, seeded, exponentially
decaying tail (the room and cabinet walls) makes it decay naturally; a fade closes the file.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal

from toneshootout.engine.errors import InvalidInput
from toneshootout.engine.types import Float64Array, Signal

_FFT_SIZE = 1 << 15
_FADE_FRACTION = 0.2  # the last fifth of the IR fades out with a half cosine


@dataclass(frozen=True)
class Bell:
    """A peak (gain_db > 0) or notch (< 0) at `hz` with quality factor `q`."""

    hz: float
    gain_db: float
    q: float


@dataclass(frozen=True)
class CabinetDesign:
    name: str
    highpass_hz: float
    resonance_db: float  # the speaker's bass resonance bump just above the high-pass
    lowpass_hz: float
    lowpass_order: int  # roll-off steepness: 6 dB per octave per order
    bells: tuple[Bell, ...]
    predelay_ms: float
    length_ms: float
    room_level_db: float  # tail level relative to the IR's peak
    room_decay_ms: float  # the tail's time to fall by 60 dB
    seed: int


DEMO_4X12 = CabinetDesign(
    name="Demo 4x12",
    highpass_hz=85.0,
    resonance_db=4.0,
    lowpass_hz=5200.0,
    lowpass_order=8,
    bells=(
        Bell(400.0, -2.5, 1.0),
        Bell(1600.0, -5.0, 6.0),
        Bell(2500.0, 5.0, 2.0),
        Bell(3800.0, 3.0, 3.0),
        Bell(4600.0, -8.0, 8.0),
        Bell(7100.0, -10.0, 6.0),
    ),
    predelay_ms=0.0,
    length_ms=170.0,
    room_level_db=-42.0,
    room_decay_ms=90.0,
    seed=412,
)

DEMO_1X12 = CabinetDesign(
    name="Demo 1x12",
    highpass_hz=100.0,
    resonance_db=2.0,
    lowpass_hz=6000.0,
    lowpass_order=6,
    bells=(
        Bell(250.0, -1.5, 1.2),
        Bell(1200.0, 2.0, 1.5),
        Bell(2100.0, -4.0, 7.0),
        Bell(3200.0, 4.5, 2.5),
        Bell(5400.0, -7.0, 6.0),
    ),
    predelay_ms=0.5,
    length_ms=120.0,
    room_level_db=-38.0,
    room_decay_ms=70.0,
    seed=112,
)

DEMO_CABINETS: dict[str, CabinetDesign] = {"demo-4x12": DEMO_4X12, "demo-1x12": DEMO_1X12}


def _bell_db(freqs: Float64Array, bell: Bell) -> Float64Array:
    # A log-frequency Gaussian bump: bandwidth ~ one octave / q.
    octaves = np.log2(np.maximum(freqs, 1.0) / bell.hz)
    return np.asarray(bell.gain_db * np.exp(-0.5 * (octaves * bell.q * 2.0) ** 2))


def magnitude_db(design: CabinetDesign, freqs: Float64Array) -> Float64Array:
    """The designed magnitude response in dB at `freqs` (Hz)."""
    f = np.maximum(freqs, 1e-3)
    # Second-order high-pass; its resonance is a bell just above the corner.
    ratio = (f / design.highpass_hz) ** 2
    highpass = 10.0 * np.log10(ratio**2 / (1.0 + ratio**2))
    resonance = _bell_db(f, Bell(design.highpass_hz * 1.2, design.resonance_db, 1.5))
    lowpass = -10.0 * np.log10(1.0 + (f / design.lowpass_hz) ** (2 * design.lowpass_order))
    bells = sum((_bell_db(f, b) for b in design.bells), np.zeros_like(f))
    # Stay above -120 dB so the log spectrum (and the cepstrum) stays finite.
    return np.asarray(np.maximum(highpass + resonance + lowpass + bells, -120.0))


def _minimum_phase(mag_db: Float64Array) -> Float64Array:
    """Real-cepstrum minimum-phase impulse for a magnitude on an rfft grid of `_FFT_SIZE`."""
    log_mag = np.log(10.0 ** (mag_db / 20.0))
    cepstrum = np.fft.irfft(log_mag, _FFT_SIZE)
    fold = np.zeros(_FFT_SIZE)
    fold[0] = cepstrum[0]
    fold[1 : _FFT_SIZE // 2] = 2.0 * cepstrum[1 : _FFT_SIZE // 2]
    fold[_FFT_SIZE // 2] = cepstrum[_FFT_SIZE // 2]
    return np.asarray(np.fft.irfft(np.exp(np.fft.rfft(fold)), _FFT_SIZE))


def synthesize_cabinet_ir(design: CabinetDesign, rate: int = 48000) -> Signal:
    """The cabinet's impulse response at `rate`, deterministic for the design's seed."""
    if not 8000 <= rate <= 192000:
        raise InvalidInput(design.name, f"rate must be 8000-192000 Hz, got {rate}")
    length = round(design.length_ms * rate / 1000.0)
    if length > _FFT_SIZE // 2:
        raise InvalidInput(design.name, f"{design.length_ms} ms is too long at {rate} Hz")
    freqs = np.fft.rfftfreq(_FFT_SIZE, 1.0 / rate).astype(np.float64)
    impulse = _minimum_phase(magnitude_db(design, freqs))[:length]
    rng = np.random.default_rng(design.seed)
    t = np.arange(length) / rate
    decay = 10.0 ** (-3.0 * t / (design.room_decay_ms / 1000.0))
    # Reflections: dense, arriving after the direct sound, coloured by the speaker itself.
    arrivals = rng.standard_normal(length) * decay * np.clip(t / 0.002, 0.0, 1.0)
    room = signal.fftconvolve(arrivals, impulse)[:length]
    room *= 10.0 ** (design.room_level_db / 20.0) * np.max(np.abs(impulse)) / np.max(np.abs(room))
    fade = int(length * _FADE_FRACTION)
    window = np.ones(length)
    window[length - fade :] = 0.5 * (1.0 + np.cos(np.linspace(0.0, np.pi, fade)))
    delay = round(design.predelay_ms * rate / 1000.0)
    out = np.zeros(length)
    out[delay:] = ((impulse + room) * window)[: length - delay]
    return np.asarray(out, dtype=np.float32)
