"""How long a blind take costs to serve: made per request (level, length, dither) vs the file.

A blind or ABX handle's WAV is generated on each request (`listening.blind_audio.blind_wav`) so
that it never matches a named file byte for byte. This measures that cost against reading the
chain render's bytes as they are, side by side in one run, for a 30 s and a 60 s take of the
real 48 kHz fixture, and writes the section "blind-takes" of docs/BENCHMARKS.md.

    python -m bench.blind_takes
"""

from __future__ import annotations

import functools
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import soundfile as sf

from bench.sections import machine_line, update_section
from toneshootout.listening.blind_audio import blind_wav, blind_wav_size

SHARED = Path(__file__).resolve().parents[2] / "shared"
SOURCE = SHARED / "fixtures" / "real" / "di-synth-60s-48k.flac"
RUNS = 9


def _median_ms(action: Callable[[], object]) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000.0)
    return statistics.median(times)


def _take(folder: Path, seconds: int, channels: int) -> Path:
    """A chain render stand-in: `seconds` of the real fixture as a 24-bit WAV, like the engine's."""
    audio, rate = sf.read(SOURCE, dtype="float32", always_2d=True)
    audio = audio[: seconds * rate, :1] * 0.5
    if channels == 2:
        audio = np.repeat(audio, 2, axis=1)
    path = folder / f"take-{seconds}s-{channels}ch.wav"
    sf.write(path, audio, rate, subtype="PCM_24")
    return path


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for seconds, channels in ((30, 1), (30, 2), (60, 2)):
            path = _take(Path(scratch), seconds, channels)
            frames = sf.info(path).frames
            plain = _median_ms(path.read_bytes)
            made = _median_ms(
                functools.partial(
                    blind_wav, path, frames=frames + 480, channels=2, gain_db=-1.5, seed=7
                )
            )
            size = blind_wav_size(frames + 480, 2)
            rows.append(
                f"| {seconds} s, {channels} ch → 2 ch | {size / 1e6:.1f} MB | {plain:.1f} ms "
                f"| {made:.1f} ms | {made / plain:.0f}× | {seconds * 1000 / made:.0f}× |"
            )
    body = "\n".join(
        [
            "## Blind takes: made per request vs the plain file",
            "",
            "Command: `python -m bench.blind_takes`. " + machine_line(),
            "",
            f"Median of {RUNS} in one process, side by side: reading the chain render's bytes vs",
            "making its blind take (decode, gain, pad to the DI's length, upmix, 24-bit TPDF",
            "dither, header) from the real 48 kHz fixture.",
            "",
            "| take | blind WAV size | read file | make blind take | ratio "
            "| faster than real time |",
            "|---|---|---|---|---|---|",
            *rows,
            "",
            "The blind page fetches each handle once and decodes it in the browser, so this is",
            "paid once per handle per listener; it runs in a worker thread, off the event loop.",
        ]
    )
    update_section("blind-takes", body)
    print(body)


if __name__ == "__main__":
    main()
