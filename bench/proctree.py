"""Run a command and sample the memory of its whole process tree (workers included).

Forked workers share their parent's pages, so summing RSS counts those pages once per process
and overstates the tree. PSS (proportional set size) divides each shared page among its
sharers; its sum over the tree is what the tree really occupies. Both are reported.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class Measured:
    seconds: float
    peak_rss_bytes: int  # upper bound: shared pages counted in every process
    peak_pss_bytes: int  # the tree's real footprint
    returncode: int


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def _pss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) * 1024
    return 0


def _tree_memory(root: int) -> tuple[int, int]:
    rss = pss = 0
    stack = [root]
    while stack:
        pid = stack.pop()
        try:
            rss += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
            pss += _pss_bytes(pid)
        except (OSError, ValueError):
            continue
        stack.extend(_children(pid))
    return rss, pss


def run_measured(
    cmd: list[str], env: dict[str, str] | None = None, interval: float | None = 0.05
) -> Measured:
    """Wall time and peak tree memory of `cmd` (its output is discarded).

    Sampling costs CPU on a 2-core machine, so time runs with `interval=None` (no sampling,
    memory reported as 0) and measure memory in a separate run.
    """
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak_rss = peak_pss = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak_rss, peak_pss
        while not stop.is_set():
            rss, pss = _tree_memory(proc.pid)
            peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
            stop.wait(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    if interval is not None:
        sampler.start()
    _, err = proc.communicate()
    seconds = time.perf_counter() - start
    stop.set()
    if interval is not None:
        sampler.join()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {err.decode(errors='replace')[-2000:]}")
    return Measured(seconds, peak_rss, peak_pss, proc.returncode)


@dataclass(frozen=True)
class Repeated:
    runs: list[Measured]  # timed without sampling
    memory: Measured  # one more run, sampled

    @property
    def median_seconds(self) -> float:
        return statistics.median(r.seconds for r in self.runs)


def measure_repeats(command_for: Callable[[int], list[str]], repeats: int) -> Repeated:
    """`repeats` timed runs of `command_for(i)`, then one sampled run for memory."""
    runs = [run_measured(command_for(i), interval=None) for i in range(repeats)]
    return Repeated(runs, run_measured(command_for(repeats)))
