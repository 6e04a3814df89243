"""Time one DI's analysis outputs: plots (PNG+SVG), null tests and per-render metrics.

One DI × 3 chains × 30 s at 48 kHz, as `engine.report` writes them: the LTAS overlay, the
waveform, 2 difference plots and 3 spectrograms, the 3 pairwise null tests and 3 × render_metrics.
The audio is the demo riff through the three demo captures, each into the demo 4x12 cabinet.

Run: `.venv/bin/python -m bench.outputs [--repeats N] [--baseline REV|none] [--profile]`

`--baseline REV` also times plots.py, metrics.py and loudness.py as they were at git revision REV
(read with `git show`, loaded under private module names) side by side in the same run.
Writes the "outputs" section of docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib.util
import itertools
import platform
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType

import numpy as np
from scipy.signal import oaconvolve

from bench.sections import update_section
from toneshootout.engine import metrics, plots
from toneshootout.engine.demo.cabinets import DEMO_4X12, synthesize_cabinet_ir
from toneshootout.engine.demo.di import synthesize_di_riff
from toneshootout.engine.demo.material import write_demo_material
from toneshootout.engine.nam.capture import load_capture
from toneshootout.engine.nam.run import run_processor
from toneshootout.engine.types import Signal

ROOT = Path(__file__).resolve().parents[1]
RATE = 48_000
SECONDS = 30.0
CHAINS = 3
# The commit that introduced the three modules, i.e. the code before this optimisation.
DEFAULT_BASELINE = "a468d0e"
BASELINE_MODULES = ("loudness", "metrics", "plots")

Task = Callable[[ModuleType, ModuleType, Mapping[str, Signal], Path], None]


def render_demo_chains(folder: Path) -> dict[str, Signal]:
    """The 30 s demo riff through the first three demo captures, each into the demo 4x12 IR."""
    material = write_demo_material(folder / "material")
    di = synthesize_di_riff(RATE, SECONDS)
    ir = synthesize_cabinet_ir(DEMO_4X12, RATE).astype(np.float64)
    renders: dict[str, Signal] = {}
    for path in sorted(material.clean.parent.glob("*.nam"))[:CHAINS]:
        capture = load_capture(path)
        amp = run_processor(capture.processor, di, workers=2).astype(np.float64)
        cab = oaconvolve(amp, ir)[: di.size]
        renders[path.stem] = (0.5 * cab / np.max(np.abs(cab))).astype(np.float32)
    return renders


def _plots(p: ModuleType, _: ModuleType, renders: Mapping[str, Signal], out: Path) -> None:
    names = list(renders)
    p.plot_ltas(dict(renders), RATE, out / "ltas")
    p.plot_waveform(dict(renders), RATE, out / "waveform")
    for other in names[1:]:
        pair = (names[0], other)
        p.plot_difference(renders[names[0]], renders[other], pair, RATE, out / f"diff-{other}")
    for name in names:
        p.plot_spectrogram(renders[name], RATE, name, out / f"spectrogram-{name}")


def _null_tests(_: ModuleType, m: ModuleType, renders: Mapping[str, Signal], out: Path) -> None:
    for a, b in itertools.combinations(renders, 2):
        m.null_test(renders[a], renders[b], RATE).as_dict()


def _metrics(_: ModuleType, m: ModuleType, renders: Mapping[str, Signal], out: Path) -> None:
    for y in renders.values():
        m.render_metrics(y, RATE).as_dict()


def _single_plot(kind: str) -> Task:
    def run(p: ModuleType, _: ModuleType, renders: Mapping[str, Signal], out: Path) -> None:
        names = list(renders)
        first = renders[names[0]]
        if kind == "ltas":
            p.plot_ltas(dict(renders), RATE, out / "ltas")
        elif kind == "waveform":
            p.plot_waveform(dict(renders), RATE, out / "waveform")
        elif kind == "difference":
            p.plot_difference(first, renders[names[1]], names[:2], RATE, out / "diff")
        else:
            p.plot_spectrogram(first, RATE, names[0], out / "spectrogram")

    return run


TASKS: dict[str, Task] = {
    "LTAS overlay (1)": _single_plot("ltas"),
    "waveform (1)": _single_plot("waveform"),
    "difference (1)": _single_plot("difference"),
    "spectrogram (1)": _single_plot("spectrogram"),
    "all 7 plots, PNG+SVG": _plots,
    "3 null tests": _null_tests,
    "3 × render_metrics": _metrics,
}
# The per-plot rows detail the "all 7 plots" row; the total is the one DI's whole analysis.
TOTAL_OF = ("all 7 plots, PNG+SVG", "3 null tests", "3 × render_metrics")


def load_baseline(rev: str) -> tuple[ModuleType, ModuleType]:
    """plots and metrics as at `rev`, importing each other (and loudness) at that revision too."""
    loaded: dict[str, ModuleType] = {}
    for name in BASELINE_MODULES:
        source = subprocess.run(
            ["git", "show", f"{rev}:src/toneshootout/engine/{name}.py"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for other in BASELINE_MODULES:
            source = source.replace(f"toneshootout.engine.{other}", f"_baseline_{other}")
        spec = importlib.util.spec_from_loader(f"_baseline_{name}", loader=None)
        assert spec is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        exec(compile(source, f"{rev}:{name}.py", "exec"), module.__dict__)
        loaded[name] = module
    return loaded["plots"], loaded["metrics"]


def time_tasks(
    p: ModuleType, m: ModuleType, renders: Mapping[str, Signal], out: Path, repeats: int
) -> dict[str, float]:
    """Median wall time of every task over `repeats` runs, plus the total of one DI."""
    times: dict[str, list[float]] = {name: [] for name in TASKS}
    for _ in range(repeats):
        for name, task in TASKS.items():
            start = time.perf_counter()
            task(p, m, renders, out)
            times[name].append(time.perf_counter() - start)
    medians = {name: statistics.median(t) for name, t in times.items()}
    medians["total (one DI)"] = sum(medians[name] for name in TOTAL_OF)
    return medians


def profile_once(renders: Mapping[str, Signal], out: Path) -> None:
    """Print the 25 most expensive functions (cumulative) of one pass over the outputs."""
    profiler = cProfile.Profile()
    profiler.enable()
    for name in TOTAL_OF:
        TASKS[name](plots, metrics, renders, out)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


def _table(current: dict[str, float], baseline: dict[str, float] | None, rev: str) -> str:
    if baseline is None:
        rows = [f"| {name} | {t:.3f} |" for name, t in current.items()]
        return "| output | now (s) |\n|---|---|\n" + "\n".join(rows)
    rows = [
        f"| {name} | {baseline[name]:.3f} | {t:.3f} | {baseline[name] / t:.1f}× |"
        for name, t in current.items()
    ]
    head = f"| output | before ({rev}) (s) | now (s) | speed-up |\n|---|---|---|---|\n"
    return head + "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--baseline", default=DEFAULT_BASELINE, help="git revision, or 'none'")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one pass")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        renders = render_demo_chains(folder)
        if args.profile:
            profile_once(renders, folder / "profile")
            return
        current = time_tasks(plots, metrics, renders, folder / "now", args.repeats)
        baseline = None
        if args.baseline != "none":
            old_plots, old_metrics = load_baseline(args.baseline)
            baseline = time_tasks(old_plots, old_metrics, renders, folder / "old", args.repeats)
    options = f" --baseline {args.baseline}" if args.baseline != DEFAULT_BASELINE else ""
    body = (
        "## Analysis outputs: one DI × 3 chains × 30 s\n\n"
        f"Command: `.venv/bin/python -m bench.outputs --repeats {args.repeats}{options}` "
        f"({platform.machine()}, one process, medians of {args.repeats}).\n\n"
        "The demo riff (48 kHz) through the three demo captures into the demo 4x12 IR; what "
        "`engine.report` computes per DI: LTAS overlay, waveform, 2 difference plots and 3 "
        "spectrograms (each PNG+SVG), 3 pairwise null tests, 3 × render_metrics. The single-plot "
        'rows detail the "all 7 plots" row; the total is plots + null tests + metrics.\n\n'
        f"{_table(current, baseline, args.baseline)}\n\n"
        "Where the time goes now (`--profile`): matplotlib draws each figure twice (Agg for the "
        "PNG, then SVG) and laying out and rasterising tick labels, titles and legends is most of "
        "each draw; the spectrogram's SVG also pays Pillow's PNG encoder for its embedded image. "
        "The null tests are two full-length FFTs each; render_metrics is mostly the true-peak "
        "oversampler and one K-weighting pass.\n"
    )
    update_section("outputs", body)
    print(body)


if __name__ == "__main__":
    main()
