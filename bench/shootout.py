"""A whole demo-sized shootout (3 chains × 2 DI × 30 s, with IRs, alignment, metrics, plots):
wall time and peak memory of `toneshootout render`, start-up included.

Run: .venv/bin/python -m bench.shootout [--repeats N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import soundfile as sf

from bench.proctree import measure_repeats
from bench.sections import update_section
from toneshootout.engine.demo.di import synthesize_di_riff
from toneshootout.engine.demo.material import write_demo_material

TOOL = Path(sys.executable).with_name("toneshootout")
SECONDS = 30.0
RATE = 48000


def write_spec(folder: Path) -> Path:
    """Two 30 s DI riffs and the three demo amps, each into the demo 4x12 IR."""
    write_demo_material(folder / "material")
    captures = sorted((folder / "material" / "captures").glob("*.nam"))[:3]
    ir = sorted((folder / "material" / "irs").glob("*.wav"))[0]
    lines = ['title = "Benchmark shootout"']
    for seed in (7, 8):
        di = folder / f"di-{seed}.wav"
        sf.write(di, synthesize_di_riff(RATE, SECONDS, seed), RATE, subtype="PCM_24")
        lines += ["[[di]]", f'name = "Riff {seed}"', f'path = "{di}"']
    for capture in captures:
        lines += [
            "[[chain]]",
            f'name = "{capture.stem}"',
            f'blocks = [{{ type = "capture", path = "{capture}" }}, '
            f'{{ type = "ir", path = "{ir}" }}]',
        ]
    spec = folder / "spec.toml"
    spec.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return spec


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        spec = write_spec(folder)
        measured = measure_repeats(
            lambda i: [str(TOOL), "render", str(spec), "--out", str(folder / f"out-{i}"), "--json"],
            args.repeats,
        )
    runs, seconds = measured.runs, measured.median_seconds
    peak = measured.memory.peak_pss_bytes / 2**20
    peak_rss = measured.memory.peak_rss_bytes / 2**20
    body = (
        "## Whole shootout: 3 chains × 2 DI × 30 s\n\n"
        f"Command: `.venv/bin/python -m bench.shootout --repeats {args.repeats}`\n\n"
        "`toneshootout render` from launch to exit on the demo captures (A1 WaveNets) each into a "
        "cabinet IR: alignment probes, 6 chain renders, loudness matching, montages, metrics, "
        "null tests, PNG+SVG plots, manifest. Wall time comes from runs without sampling; "
        "memory from one more run, sampled every 50 ms over the whole "
        "process tree (worker processes included): the peak of the summed PSS, which shares "
        "each forked page among the processes using it, and the summed RSS, an upper bound "
        "that counts shared pages once per process.\n\n"
        f"| wall time (median of {args.repeats}) | peak memory (PSS) | peak summed RSS "
        "| targets |\n|---|---|---|---|\n"
        f"| **{seconds:.2f} s** | **{peak:.0f} MiB** | {peak_rss:.0f} MiB "
        "| < 15 s, < 1 GiB |\n\n"
        f"Runs (s): {', '.join(f'{r.seconds:.2f}' for r in runs)}.\n"
    )
    update_section("shootout", body)
    print(body)


if __name__ == "__main__":
    main()
