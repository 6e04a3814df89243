"""The demo DI tracks: a rock riff (bridge pickup) and a clean arpeggio (neck pickup).

Both are composed on a sixteenth-note grid, humanised with a seeded generator (timing, velocity,
strum spread), rendered by `strings.perform`, and scaled to a -6 dBFS peak, which leaves the
RMS where a real DI sits (about -20 to -24 dBFS).
"""

from __future__ import annotations

import numpy as np

from toneshootout.engine.demo.strings import Guitar, Note, perform
from toneshootout.engine.errors import InvalidInput
from toneshootout.engine.types import Float64Array, Signal

PEAK_DBFS = -6.0
BRIDGE_HUMBUCKER = Guitar(
    pickup_position=0.1, pickup_resonance_hz=3300.0, pickup_q=1.6, sustain_seconds=4.0
)
NECK_SINGLE_COIL = Guitar(
    pickup_position=0.27, pickup_resonance_hz=4200.0, pickup_q=1.2, sustain_seconds=5.0
)

# One event per grid slot: (step, kind, string, fret, length in steps).
# Kinds: "chug" palm-muted root + fifth, "chord" open power chord, "note" a single note.
Event = tuple[int, str, int, int, int]
_CHUG_RUN: list[Event] = [(s, "chug", 0, 0, 1) for s in range(4)]
_RIFF_BARS: tuple[list[Event], ...] = (
    [*_CHUG_RUN, (4, "chord", 0, 0, 4), (8, "chug", 0, 0, 1), (9, "chug", 0, 0, 1),
     (10, "chug", 0, 0, 2), (12, "chord", 0, 3, 4)],
    [*_CHUG_RUN, (4, "chord", 0, 5, 2), (6, "chug", 0, 0, 1), (7, "chug", 0, 0, 1),
     (8, "chord", 1, 3, 4), (12, "chord", 1, 2, 4)],
    [*_CHUG_RUN, (4, "chord", 0, 0, 4), (8, "chug", 0, 0, 1), (9, "chug", 0, 0, 1),
     (10, "chug", 0, 0, 2), (12, "chord", 0, 3, 4)],
    [(0, "note", 2, 2, 2), (2, "note", 2, 5, 2), (4, "note", 3, 2, 2), (6, "note", 3, 4, 1),
     (7, "note", 3, 2, 1), (8, "note", 2, 5, 2), (10, "note", 2, 2, 2), (12, "chord", 0, 0, 4)],
    [*_CHUG_RUN, (4, "chord", 0, 0, 4), (8, "chug", 0, 0, 1), (9, "chug", 0, 0, 1),
     (10, "chug", 0, 0, 2), (12, "chord", 0, 3, 4)],
    [*_CHUG_RUN, (4, "chord", 0, 5, 2), (6, "chug", 0, 0, 1), (7, "chug", 0, 0, 1),
     (8, "chord", 1, 3, 4), (12, "chord", 1, 5, 4)],
    [(0, "note", 3, 4, 2), (2, "note", 4, 3, 2), (4, "note", 4, 5, 4), (8, "note", 4, 3, 2),
     (10, "note", 3, 4, 1), (11, "note", 3, 2, 1), (12, "note", 2, 5, 4)],
    [(0, "chord", 0, 0, 8), (8, "chug", 0, 0, 1), (9, "chug", 0, 0, 1), (10, "chug", 0, 0, 1),
     (11, "chug", 0, 0, 1), (12, "chord", 0, 7, 4)],
)  # fmt: skip
# Open-position chord shapes, low E first (None = not played), and the picking order.
_ARPEGGIO_CHORDS: tuple[tuple[int | None, ...], ...] = (
    (0, 2, 2, 0, 0, 0),  # Em
    (None, 3, 2, 0, 1, 0),  # C
    (3, 2, 0, 0, 0, 3),  # G
    (None, None, 0, 2, 3, 2),  # D
)


class _Composer:
    """Turns grid events into humanised notes; the generator makes it deterministic per seed."""

    def __init__(self, step_seconds: float, seed: int) -> None:
        self.step = step_seconds
        self.rng = np.random.default_rng(seed)
        self.notes: list[Note] = []

    def _jitter(self, spread: float) -> float:
        return float(abs(self.rng.normal(0.0, spread)))

    def _velocity(self, base: float) -> float:
        return float(np.clip(base + self.rng.normal(0.0, 0.06), 0.2, 1.0))

    def add_arpeggio(self, bar_start: float, shape: tuple[int | None, ...]) -> None:
        """One bar of eighths: the bass string, then up and down the (up to) four top strings."""
        played = [(s, f) for s, f in enumerate(shape) if f is not None]
        trebles = played[1:][-4:]
        sweep = trebles + trebles[-2:0:-1]
        order = [played[0]] + [sweep[i % len(sweep)] for i in range(7)]
        eighth = 2 * self.step
        for i, (string, fret) in enumerate(order):
            # Each note rings until its string is picked again or the bar ends.
            again = [j for j in range(i + 1, len(order)) if order[j][0] == string]
            ring = ((again[0] if again else len(order)) - i) * eighth - 0.01
            start = bar_start + i * eighth + self._jitter(0.006)
            self.notes.append(Note(start, string, fret, ring, self._velocity(0.7 if i else 0.85)))

    def add(self, bar_start: float, event: Event) -> None:
        """One grid event of a riff bar: a single note, an open power chord or a palm-muted chug."""
        step, kind, string, fret, length = event
        start = bar_start + step * self.step + self._jitter(0.004)
        ring = length * self.step * 0.92
        if kind == "note":
            self.notes.append(Note(start, string, fret, ring, self._velocity(0.8)))
            return
        muted = kind == "chug"
        # A power chord: root, fifth (+2 frets on the next string), octave (two strings up).
        voicing = [(string, fret), (string + 1, fret + 2)]
        if not muted:
            voicing.append((string + 2, fret + 2))
        strum = 0.003 + self._jitter(0.004)
        velocity = self._velocity(0.75 if muted else 0.9)
        for i, (s, f) in enumerate(voicing):
            self.notes.append(Note(start + i * strum, s, f, ring - i * strum, velocity, muted))


def _to_signal(take: Float64Array, peak_dbfs: float) -> Signal:
    gain = 10.0 ** (peak_dbfs / 20.0) / float(np.max(np.abs(take)))
    return np.asarray(take * gain, dtype=np.float32)


def _check(rate: int, seconds: float, source: str) -> None:
    if not 8000 <= rate <= 192000:
        raise InvalidInput(source, f"rate must be 8000-192000 Hz, got {rate}")
    if not 2.0 <= seconds <= 600.0:
        raise InvalidInput(source, f"seconds must be 2-600, got {seconds}")


def synthesize_di_riff(rate: int = 48000, seconds: float = 30.0, seed: int = 7) -> Signal:
    """A rock riff DI (chugs, power chords, single notes), peak -6 dBFS, deterministic per seed."""
    _check(rate, seconds, "synthesize_di_riff")
    composer = _Composer(step_seconds=60.0 / 120.0 / 4.0, seed=seed)
    bar_seconds = 16 * composer.step
    bar = 0
    # Leave room for a final chord that rings out naturally.
    while (bar + 1) * bar_seconds <= seconds - 1.5:
        for event in _RIFF_BARS[bar % len(_RIFF_BARS)]:
            composer.add(bar * bar_seconds, event)
        bar += 1
    ending = bar * bar_seconds
    composer.add(ending, (0, "chord", 0, 0, int((seconds - ending) / composer.step)))
    take = perform(composer.notes, BRIDGE_HUMBUCKER, rate, seconds, seed + 1)
    return _to_signal(take, PEAK_DBFS)


def synthesize_di_arpeggio(rate: int = 48000, seconds: float = 15.0, seed: int = 11) -> Signal:
    """A clean fingerpicked arpeggio (Em C G D), letting notes ring, deterministic per seed."""
    _check(rate, seconds, "synthesize_di_arpeggio")
    composer = _Composer(step_seconds=60.0 / 84.0 / 4.0, seed=seed)
    bar_seconds = 16 * composer.step
    bar = 0
    while (bar + 1) * bar_seconds <= seconds - 2.0:
        composer.add_arpeggio(bar * bar_seconds, _ARPEGGIO_CHORDS[bar % len(_ARPEGGIO_CHORDS)])
        bar += 1
    ending = bar * bar_seconds
    for string, fret in enumerate(_ARPEGGIO_CHORDS[0]):
        if fret is not None:
            strum = 0.02 * string
            composer.notes.append(Note(ending + strum, string, fret, seconds - ending - strum, 0.6))
    take = perform(composer.notes, NECK_SINGLE_COIL, rate, seconds, seed + 1)
    return _to_signal(take, PEAK_DBFS)
