"""`toneshootout process` on a 5-minute file, start-up included: × real time.

Run: .venv/bin/python -m bench.process_cli [--repeats N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

from bench.proctree import measure_repeats
from bench.sections import update_section

SHARED = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "real"
CAPTURE = SHARED / "jcm800-standard.nam"
DI_60S = SHARED / "di-synth-60s-48k.flac"
MINUTES = 5
TOOL = Path(sys.executable).with_name("toneshootout")


def make_input(folder: Path) -> Path:
    """Five minutes of guitar-like DI: the 60 s fixture, five times over."""
    di, rate = sf.read(DI_60S, dtype="float32")
    path = folder / "di-5min.wav"
    sf.write(path, np.tile(di, MINUTES), rate, subtype="PCM_24")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        di = make_input(folder)
        measured = measure_repeats(
            lambda _: [str(TOOL), "process", str(CAPTURE), str(di), str(folder / "out.wav")],
            args.repeats,
        )
    audio_seconds = MINUTES * 60.0
    runs, seconds = measured.runs, measured.median_seconds
    peak = measured.memory.peak_pss_bytes / 2**20
    peak_rss = measured.memory.peak_rss_bytes / 2**20
    body = (
        "## `toneshootout process`, 5-minute file, start-up included\n\n"
        "Command: `.venv/bin/python -m bench.process_cli "
        f"--repeats {args.repeats}`\n\n"
        "The real standard A1 capture (`jcm800-standard.nam`) over 5 minutes of 48 kHz DI "
        "(the 60 s synth fixture tiled), whole command timed from launch to exit "
        "(interpreter start, imports, decode, inference on all cores, float WAV write). Wall "
        "time from runs without sampling; memory from one more run sampled every 50 ms.\n\n"
        "| audio | wall time (median of "
        f"{args.repeats}) | × real time | peak memory of the process tree (PSS / summed RSS) |\n"
        "|---|---|---|---|\n"
        f"| {audio_seconds:.0f} s | {seconds:.2f} s | **{audio_seconds / seconds:.1f}×** "
        f"| {peak:.0f} MiB / {peak_rss:.0f} MiB |\n\n"
        f"Runs (s): {', '.join(f'{r.seconds:.2f}' for r in runs)}. Target: ≥ 20×.\n"
    )
    update_section("process-cli", body)
    print(body)


if __name__ == "__main__":
    main()
