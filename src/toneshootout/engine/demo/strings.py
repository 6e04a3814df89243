"""Plucked-string synthesis for the demo DIs: extended Karplus-Strong plus a pickup model.

Each note is a noise burst (the pick) shaped by the picking position and a pick-brightness
low-pass, fed into a delay-line loop whose filter sets the pitch (with a linearly interpolated
fractional delay), the decay time and how fast the highs die. A palm-muted note has a duller
pick, a duller loop and a short decay. When a note ends the string is damped by the hand.
The pickup's position comb is applied per note (it depends on the string length); its
resonant low-pass and the DI's DC block apply to the whole take.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import signal

from toneshootout.engine.types import Float64Array

# MIDI note of each open string in standard tuning, low E first.
OPEN_STRINGS = (40, 45, 50, 55, 59, 64)
_DAMP_SECONDS = 0.012  # time constant of a hand damping a string
_DAMP_TAIL = 6  # keep this many damping time constants after a note ends
_PICK_POSITION = 0.14  # pick distance from the bridge, fraction of the string length


@dataclass(frozen=True)
class Note:
    """One pluck: when, which string and fret, how long it rings before being damped."""

    start: float  # seconds
    string: int  # 0 = low E ... 5 = high E
    fret: int
    duration: float  # seconds until the hand damps it
    velocity: float  # 0-1
    muted: bool = False  # palm mute


@dataclass(frozen=True)
class Guitar:
    """The instrument: pickup position and its electrical resonance, open-string sustain."""

    pickup_position: float  # fraction of the string length from the bridge
    pickup_resonance_hz: float
    pickup_q: float
    sustain_seconds: float  # T60 of an open low E; higher notes decay faster


def note_frequency(string: int, fret: int) -> float:
    """The fundamental of a fretted note in standard tuning (A4 = 440 Hz)."""
    midi = OPEN_STRINGS[string] + fret
    return float(440.0 * 2.0 ** ((midi - 69) / 12.0))


def _excitation(period: float, note: Note, rng: np.random.Generator) -> Float64Array:
    length = max(int(period), 2)
    # The string's shape when the pick lets go: a triangle peaking at the picking position,
    # roughened by noise (pick scrape), so each pluck differs slightly.
    position = np.arange(length) / length
    apex = _PICK_POSITION
    shape = np.where(position < apex, position / apex, (1.0 - position) / (1.0 - apex))
    burst = shape - shape.mean() + 0.25 * rng.uniform(-1.0, 1.0, length)
    # A harder pick (or no palm on the strings) is brighter.
    brightness = 0.1 + 0.5 * note.velocity if not note.muted else 0.06
    burst = signal.lfilter([brightness], [1.0, brightness - 1.0], burst)
    burst *= note.velocity / max(float(np.sqrt(np.mean(burst**2))), 1e-12)
    return np.asarray(burst, dtype=np.float64)


def _loop(
    excitation: Float64Array, period: float, decay: float, damping: float, n: int
) -> Float64Array:
    """Run the string loop, y = e + decay * (loss filter * fractional delay)(y delayed by P).

    Every output sample depends only on samples at least one period old, so a whole period is
    computed per numpy step.
    """
    whole = int(period - damping)
    frac = period - damping - whole
    # One-zero loss filter [1-s, s] convolved with the linear interpolator [1-f, f].
    taps = decay * np.convolve([1.0 - damping, damping], [1.0 - frac, frac])
    pad = whole + 2
    buf = np.zeros(pad + n)
    m = min(n, excitation.size)
    buf[pad : pad + m] = excitation[:m]
    for start in range(pad, pad + n, whole):
        end = min(start + whole, pad + n)
        lag = start - whole
        buf[start:end] += (
            taps[0] * buf[lag : end - whole]
            + taps[1] * buf[lag - 1 : end - whole - 1]
            + taps[2] * buf[lag - 2 : end - whole - 2]
        )
    return buf[pad:]


def pluck(note: Note, guitar: Guitar, rate: int, rng: np.random.Generator) -> Float64Array:
    """One note as the pickup sees it, including the hand damping it at the end."""
    freq = note_frequency(note.string, note.fret) * 2.0 ** (rng.normal(0.0, 2.0) / 1200.0)
    period = rate / freq
    # Open strings: higher notes decay faster; a palm mute kills the note in a few tenths.
    t60 = 0.5 if note.muted else guitar.sustain_seconds * (82.4 / freq) ** 0.5
    decay = 10.0 ** (-3.0 / (t60 * freq))
    damping = 0.4 if note.muted else 0.12
    n = int((note.duration + _DAMP_TAIL * _DAMP_SECONDS) * rate)
    y = _loop(_excitation(period, note, rng), period, decay, damping, n)
    comb = max(round(2.0 * guitar.pickup_position * period), 1)
    y[comb:] -= y[:-comb].copy()
    ring = max(int(note.duration * rate), 0)
    y[ring:] *= np.exp(-np.arange(n - ring) / (_DAMP_SECONDS * rate))
    return y


def _pickup_filter(guitar: Guitar, rate: int, x: Float64Array) -> Float64Array:
    # RBJ resonant low-pass: the pickup's inductance against the cable capacitance.
    w0 = 2.0 * np.pi * guitar.pickup_resonance_hz / rate
    alpha = np.sin(w0) / (2.0 * guitar.pickup_q)
    cos_w0 = np.cos(w0)
    b = np.array([(1 - cos_w0) / 2, 1 - cos_w0, (1 - cos_w0) / 2])
    a = np.array([1 + alpha, -2 * cos_w0, 1 - alpha])
    y = signal.lfilter(b / a[0], a / a[0], x)
    sos = signal.butter(2, 30.0, btype="highpass", fs=rate, output="sos")
    return np.asarray(signal.sosfilt(sos, y), dtype=np.float64)


def perform(
    notes: Sequence[Note], guitar: Guitar, rate: int, seconds: float, seed: int
) -> Float64Array:
    """Render `notes` on `guitar` into a take of `seconds`, deterministic for `seed`."""
    rng = np.random.default_rng(seed)
    total = round(seconds * rate)
    take = np.zeros(total)
    for note in notes:
        start = round(note.start * rate)
        if start >= total:
            continue
        y = pluck(note, guitar, rate, rng)
        end = min(total, start + y.size)
        take[start:end] += y[: end - start]
    return _pickup_filter(guitar, rate, take)
