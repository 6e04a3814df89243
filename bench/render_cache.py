"""The DI × chain cache on the benchmark shootout (3 chains × 2 DI × 30 s, full outputs):
no cache vs a cold cache vs one chain edited vs nothing changed, side by side in one run.

Each repeat uses a fresh cache folder and renders, in order: without a cache; cold (which fills
the cache); the same spec with a gain block added to the last chain; the original spec again.
Run: .venv/bin/python -m bench.render_cache [--repeats N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from bench.sections import update_section
from bench.shootout import write_spec
from toneshootout.engine.cache import ChainCache
from toneshootout.engine.effects import Gain
from toneshootout.engine.render import RenderSummary, render_shootout
from toneshootout.engine.spec import Spec, load_spec

SCENARIOS = ("no cache", "cold cache", "one chain edited", "unchanged")
CACHE_BYTES = 4 << 30


def _edit_last_chain(spec: Spec) -> Spec:
    last = spec.chain[-1]
    edited = last.model_copy(update={"blocks": [*last.blocks, Gain(gain_db=-1.0)]})
    return spec.model_copy(update={"chain": [*spec.chain[:-1], edited]})


def _cpu_seconds() -> float:
    # The NAM kernel and the output pool run in child processes: count them once reaped.
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _timed(spec: Spec, out: Path, cache: ChainCache | None) -> tuple[float, float, RenderSummary]:
    start, cpu = time.perf_counter(), _cpu_seconds()
    summary = render_shootout(spec, out, cache=cache)
    return time.perf_counter() - start, _cpu_seconds() - cpu, summary


def _repeat(folder: Path, spec: Spec, index: int) -> dict[str, tuple[float, float, int]]:
    """Wall and CPU seconds and reused DI × chain renders per scenario, in one fresh cache."""
    cache_dir = folder / f"cache-{index}"
    plans: dict[str, tuple[Spec, bool]] = {
        "no cache": (spec, False),
        "cold cache": (spec, True),
        "one chain edited": (_edit_last_chain(spec), True),
        "unchanged": (spec, True),
    }
    results = {}
    for name, (which, cached) in plans.items():
        cache = ChainCache(cache_dir, CACHE_BYTES) if cached else None
        out = folder / f"out-{index}-{name.replace(' ', '-')}"
        seconds, cpu, summary = _timed(which, out, cache)
        results[name] = (seconds, cpu, sum(p.from_cache for p in summary.pairs))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    runs: dict[str, list[float]] = {name: [] for name in SCENARIOS}
    cpu: dict[str, list[float]] = {name: [] for name in SCENARIOS}
    reused: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        spec = load_spec(write_spec(folder))
        for i in range(args.repeats):
            for name, (seconds, cpu_seconds, count) in _repeat(folder, spec, i).items():
                runs[name].append(seconds)
                cpu[name].append(cpu_seconds)
                reused[name] = count
    rows = "".join(
        f"| {name} | {reused[name]} of 6 | **{statistics.median(runs[name]):.2f} s** "
        f"| {statistics.median(cpu[name]):.2f} s "
        f"| {', '.join(f'{s:.2f}' for s in runs[name])} |\n"
        for name in SCENARIOS
    )
    body = (
        "## Render cache: 3 chains × 2 DI × 30 s, cold vs one chain edited vs unchanged\n\n"
        f"Command: `.venv/bin/python -m bench.render_cache --repeats {args.repeats}`\n\n"
        "`render_shootout` in-process (no start-up), default outputs (WAV, montage, metrics, "
        "null tests, PNG+SVG plots), on the `bench.shootout` spec. Each repeat uses a fresh "
        "cache folder and runs the four renders in this order, so the scenarios are measured "
        'side by side. "One chain edited" adds a gain block to the last chain: that chain\'s '
        "alignment probe and its two DI renders run again, the other four come from the cache. "
        "Level matching, montage, metrics, null tests and plots are always recomputed. CPU "
        "time is user + system of the process and its reaped children (the NAM workers and "
        "the output pool), which a busy machine distorts less than wall time.\n\n"
        f"| scenario | DI × chain renders reused | wall time (median of {args.repeats}) "
        "| CPU time (median) | wall runs (s) |\n|---|---|---|---|---|\n" + rows
    )
    update_section("render-cache", body)
    print(body)


if __name__ == "__main__":
    main()
