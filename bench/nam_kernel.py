"""Benchmark the native NAM kernel against the reference `neural-amp-modeler` (PyTorch).

Run: `.venv/bin/python -m bench.nam_kernel [--quick]` (after `bash bench/setup_reference.sh`;
without the reference venv the reference columns say "n/a"). Writes its table into the
"NAM kernel" section of docs/BENCHMARKS.md (bench.sections) with the command that produced it.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from bench.sections import update_section
from toneshootout.engine.nam import _native
from toneshootout.engine.nam.native import native_lstm, native_wavenet
from toneshootout.engine.nam.params import unpack_lstm, unpack_wavenet_a1
from toneshootout.engine.nam.processor import Processor
from toneshootout.engine.nam.run import run_processor

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(os.environ.get("TONESHOOTOUT_SHARED_DIR", ROOT.parent / "shared")) / "fixtures"
REF_PYTHON = ROOT / "bench" / ".venv-ref" / "bin" / "python"
REF_SCRIPT = ROOT / "bench" / "nam_reference.py"
SECTION = "## NAM kernel"
SAMPLE_RATE = 48_000
BLOCK = 65_536
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")

MODELS = {
    "standard (real JCM800)": FIXTURES / "real" / "jcm800-standard.nam",
    "lite (random)": FIXTURES / "nam-golden" / "a1_lite_random.nam",
    "feather (random)": FIXTURES / "nam-golden" / "a1_feather_random.nam",
    "nano (random)": FIXTURES / "nam-golden" / "a1_nano_random.nam",
    "LSTM 1x16 (random)": FIXTURES / "nam-golden" / "lstm_1x16_random.nam",
    "LSTM 2x8 (random)": FIXTURES / "nam-golden" / "lstm_2x8_random.nam",
}


@dataclass(frozen=True)
class Row:
    name: str
    macs: int
    ours_1: float
    ours_2: float | None
    ref_1: float | None
    ref_2: float | None
    esr_vs_ref: float | None


def build_processor(path: Path) -> Processor:
    """Module-level factory (picklable through functools.partial) for one `.nam` file."""
    data = json.loads(path.read_text())
    weights = np.asarray(data["weights"], dtype=np.float32)
    if data["architecture"] == "LSTM":
        return native_lstm(unpack_lstm(data["config"], weights))
    return native_wavenet(unpack_wavenet_a1(data["config"], weights))


def macs_per_sample(path: Path) -> int:
    """Multiply-adds per output sample (weights × uses; biases and activations not counted)."""
    data = json.loads(path.read_text())
    weights = np.asarray(data["weights"], dtype=np.float32)
    if data["architecture"] == "LSTM":
        p = unpack_lstm(data["config"], weights)
        return sum(layer.weight.size for layer in p.layers) + p.head_weight.size
    params = unpack_wavenet_a1(data["config"], weights)
    total = 0
    for arr in params.arrays:
        per_layer = sum(
            ly.conv_weight.size + ly.mixin_weight.size + ly.out_weight.size for ly in arr.layers
        )
        total += arr.rechannel.size + per_layer + arr.head_weight.size
    return total


def time_ours(path: Path, x: np.ndarray, workers: int, repeats: int) -> tuple[float, np.ndarray]:
    """Median seconds of run_processor over `repeats` runs, and the output."""
    factory = functools.partial(build_processor, path)
    seconds, y = [], np.zeros(0, np.float32)
    for _ in range(repeats):
        began = time.perf_counter()
        y = run_processor(factory, x, workers=workers, block=BLOCK)
        seconds.append(time.perf_counter() - began)
    return statistics.median(seconds), y


def _ref_command(path: Path, signal: Path, repeats: int, *extra: str) -> list[str]:
    return [str(REF_PYTHON), str(REF_SCRIPT), "--model", str(path), "--signal", str(signal),
            "--repeats", str(repeats), "--chunk", str(BLOCK), *extra]  # fmt: skip


def _single_thread_env() -> dict[str, str]:
    return {**os.environ, **dict.fromkeys(THREAD_VARS, "1")}


def time_reference(path: Path, signal: Path, n: int, repeats: int, save: Path) -> float:
    """Median seconds of the reference, one process with one thread."""
    out = subprocess.run(
        _ref_command(path, signal, repeats, "--threads", "1", "--save", str(save)),
        capture_output=True, text=True, check=True, env=_single_thread_env(),
    )  # fmt: skip
    return float(statistics.median(json.loads(out.stdout.splitlines()[-1])["seconds"]))


def time_reference_two_procs(path: Path, signal: Path, n: int, repeats: int) -> float:
    """Median wall seconds of two 1-thread reference processes, each on half the signal."""
    halves = [(0, n // 2), (n // 2, n)]
    procs = [
        subprocess.Popen(
            _ref_command(
                path,
                signal,
                repeats,
                "--threads",
                "1",
                "--barrier",
                "--start",
                str(a),
                "--stop",
                str(b),
            ),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=_single_thread_env(),
        )
        for a, b in halves
    ]
    for proc in procs:
        assert proc.stdout is not None
        proc.stdout.readline()  # "ready"
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    results = [json.loads(proc.communicate()[0].splitlines()[-1])["seconds"] for proc in procs]
    return float(statistics.median(max(pair) for pair in zip(*results, strict=True)))


def sgemm_peak(threads: int, size: int) -> float:
    """GFLOP/s of a large float32 numpy matmul with `threads` BLAS threads (in a subprocess)."""
    code = (
        "import numpy as np, time, statistics\n"
        f"n = {size}\n"
        "a = np.random.rand(n, n).astype(np.float32); b = np.random.rand(n, n).astype(np.float32)\n"
        "a @ b\nts = []\n"
        "for _ in range(5):\n"
        "    t = time.perf_counter(); a @ b; ts.append(time.perf_counter() - t)\n"
        "print(2 * n**3 / statistics.median(ts) / 1e9)\n"
    )
    env = {**os.environ, **dict.fromkeys(THREAD_VARS, str(threads))}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    return float(out.stdout.strip())


def measure(name: str, path: Path, x: np.ndarray, *, signal: Path, repeats: int, tmp: Path) -> Row:
    """All timings for one model."""
    duration = x.size / SAMPLE_RATE
    recurrent = build_processor(path).receptive_field == 0
    t1, y = time_ours(path, x, 1, repeats)
    t2 = None if recurrent else time_ours(path, x, 2, repeats)[0]
    ref_1 = ref_2 = esr = None
    if REF_PYTHON.exists():
        save = tmp / "ref.npy"
        ref_1 = duration / time_reference(path, signal, x.size, repeats, save)
        ref_y = np.load(save).astype(np.float64).ravel()
        esr = float(np.sum((y - ref_y) ** 2) / np.sum(ref_y**2))
        if not recurrent:
            ref_2 = duration / time_reference_two_procs(path, signal, x.size, repeats)
    return Row(name, macs_per_sample(path), duration / t1, None if t2 is None else duration / t2,
               ref_1, ref_2, esr)  # fmt: skip


def _fmt(value: float | None, spec: str = ".1f") -> str:
    return "—" if value is None else format(value, spec)


def render_section(
    rows: list[Row], peaks: tuple[float, float], seconds: float, command: str
) -> str:
    """The Markdown section, table first."""
    lines = [
        SECTION,
        "",
        f"Command: `{command}` ({seconds:.0f} s of `di-synth-60s-48k.flac`, {BLOCK}-sample blocks,"
        f" medians over repeats; kernel build: {_native.build_info()};"
        f" {platform.machine()}, {os.cpu_count()} cores).",
        "",
        f"Machine SGEMM peak (numpy float32 matmul): {peaks[0]:.1f} GFLOP/s on 1 thread,"
        f" {peaks[1]:.1f} on 2 threads.",
        "",
        "| model | MAC/sample | ours 1 core ×RT | ours 2 cores ×RT | reference 1 thread ×RT"
        " | reference 2×1-thread procs ×RT | ours ÷ ref (1 core / 2 cores)"
        " | ours GFLOP/s 1 core (2 cores) | ESR ours vs ref |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        gflops_1 = 2 * r.macs * r.ours_1 * SAMPLE_RATE / 1e9
        gflops_2 = None if r.ours_2 is None else 2 * r.macs * r.ours_2 * SAMPLE_RATE / 1e9
        ratio_1 = None if r.ref_1 is None else r.ours_1 / r.ref_1
        ratio_2 = None if r.ref_2 is None or r.ours_2 is None else r.ours_2 / r.ref_2
        lines.append(
            f"| {r.name} | {r.macs:,} | {r.ours_1:.1f} | {_fmt(r.ours_2)} | {_fmt(r.ref_1)}"
            f" | {_fmt(r.ref_2)} | {_fmt(ratio_1)} / {_fmt(ratio_2)}"
            f" | {gflops_1:.1f} ({_fmt(gflops_2)}) | {_fmt(r.esr_vs_ref, '.1e')} |"
        )
    lines += [
        "",
        "×RT = seconds of audio per second of wall time at 48 kHz. Recurrent models (LSTM) are"
        " sequential, so one render runs on one core (—). The reference runs chunked with a"
        " receptive-field prefix per chunk (its fastest exact mode), in `bench/.venv-ref`.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Measure every model, print the section and write it into docs/BENCHMARKS.md."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="10 s of audio, 1 repeat")
    args = parser.parse_args(argv)
    seconds, repeats = (10.0, 1) if args.quick else (60.0, 3)
    x, rate = sf.read(FIXTURES / "real" / "di-synth-60s-48k.flac", dtype="float32")
    assert rate == SAMPLE_RATE
    x = np.ascontiguousarray(x if x.ndim == 1 else x[:, 0])[: int(seconds * SAMPLE_RATE)]
    peaks = (sgemm_peak(1, 2048), sgemm_peak(2, 2048))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        signal = Path(tmp) / "di.npy"
        np.save(signal, x)
        for name, path in MODELS.items():
            rows.append(measure(name, path, x, signal=signal, repeats=repeats, tmp=Path(tmp)))
            print(rows[-1], flush=True)
    command = ".venv/bin/python -m bench.nam_kernel" + (" --quick" if args.quick else "")
    section = render_section(rows, peaks, x.size / SAMPLE_RATE, command)
    print(section)
    update_section("nam-kernel", section)


if __name__ == "__main__":
    main()
