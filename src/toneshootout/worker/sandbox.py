"""The render sandbox: `python -m toneshootout.worker.sandbox`, one render per process.

User content (WAV, .nam, IR files) is decoded and rendered here, never in the API or the
worker's event loop, under an address-space and a CPU-time limit set before any input is read
(REQ-15). The protocol is JSON: a job description on stdin; progress lines and one final
`result` or `error` line on stdout (the real stdout; anything else the process prints goes to
stderr so it cannot corrupt the protocol). SIGTERM cancels the render cooperatively; the engine
removes its staging folder, and a SIGKILL leaves one in the attempt's scratch folder, which
the worker or its janitor removes.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import signal
import sys
import time
from pathlib import Path
from typing import IO, Any, Final

from toneshootout.engine.cache import ChainCache
from toneshootout.engine.errors import InvalidInput, RenderCancelled, UnsupportedFeature
from toneshootout.engine.progress import CancelToken, ProgressEvent, ProgressSink
from toneshootout.engine.render import render_shootout
from toneshootout.engine.spec import parse_spec
from toneshootout.engine.video.credits import EndCredit

MIB: Final = 1024 * 1024
_PR_SET_PDEATHSIG: Final = 1  # <linux/prctl.h>
_EXIT_ORPHANED: Final = 5
# Progress lines at most this often (step changes always go through).
PROGRESS_INTERVAL_S: Final = 0.05
# Native threads reserve address space per thread; one each keeps RLIMIT_AS meaningful.
SINGLE_THREAD_ENV: Final = {
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}


def apply_limits(memory_mb: int, cpu_seconds: int) -> None:
    """Cap this process (and any it forks) before it reads user content."""
    memory = memory_mb * MIB
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    # SIGXCPU at the soft limit, SIGKILL a few seconds later if it is ignored.
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def die_with_parent(parent_pid: int | None) -> None:
    """Ask Linux to SIGKILL this sandbox when its worker dies, so a killed worker leaves no
    render running on (its lease is gone and fencing would discard the result anyway)."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        return  # not fatal: the lease, fencing and the janitor still keep the job safe
    if parent_pid is not None and os.getppid() != parent_pid:
        os._exit(_EXIT_ORPHANED)  # the worker died before the request took effect


class LineWriter:
    """Writes protocol lines to the real stdout, throttling progress."""

    def __init__(self, out: IO[str]) -> None:
        self._out = out
        self._last_sent = 0.0
        self._last_step: str | None = None

    def send(self, message: dict[str, Any]) -> None:
        self._out.write(json.dumps(message, allow_nan=False) + "\n")
        self._out.flush()

    def progress(self, event: ProgressEvent) -> None:
        """A `ProgressSink`: forwards engine progress, at most every PROGRESS_INTERVAL_S."""
        now = time.monotonic()
        if event.step == self._last_step and now - self._last_sent < PROGRESS_INTERVAL_S:
            return
        self._last_sent, self._last_step = now, event.step
        eta = event.eta_seconds
        self.send(
            {
                "type": "progress",
                "step": event.step,
                "overall": min(1.0, max(0.0, float(event.overall))),
                "eta_seconds": None if eta is None else max(0.0, float(eta)),
                "di": event.di,
                "chain": event.chain,
            }
        )


def _holding(sink: ProgressSink, token: CancelToken, seconds: float) -> ProgressSink:
    """A sink that passes the first report on, then waits `seconds` or until the render is
    stopped (a test hook, `faults.HOLD_RENDER_ENV`); a stopped render then sees the cancel and
    cleans up as usual."""
    held = False

    def hold(event: ProgressEvent) -> None:
        nonlocal held
        sink(event)
        if held:
            return
        held, until = True, time.monotonic() + seconds
        while not token.cancelled and time.monotonic() < until:
            time.sleep(0.02)

    return hold


def _paced(sink: ProgressSink, seconds: float) -> ProgressSink:
    """A sink that waits `seconds` after each report (a test hook, `faults.PACE_PROGRESS_ENV`):
    at least PROGRESS_INTERVAL_S, every report of the engine passes the throttle, so the fault
    harness sees the same reports on any machine."""

    def pace(event: ProgressEvent) -> None:
        sink(event)
        time.sleep(seconds)

    return pace


def end_credits(job: dict[str, Any]) -> list[EndCredit]:
    """The job's credits for the video's end card (the worker's `runner.end_credits`)."""
    return [
        EndCredit(line=str(entry["line"]), tone3000=bool(entry.get("tone3000", False)))
        for entry in job.get("end_credits", [])
    ]


def _render(job: dict[str, Any], writer: LineWriter) -> dict[str, Any]:
    token = CancelToken()
    signal.signal(signal.SIGTERM, lambda _signum, _frame: token.cancel())
    progress: ProgressSink = writer.progress
    if "pace_seconds" in job:  # a test hook: every report reaches the worker
        progress = _paced(progress, float(job["pace_seconds"]))
    if "hold_seconds" in job:  # a test hook; None holds until the sandbox is stopped
        hold = job["hold_seconds"]
        progress = _holding(progress, token, float("inf") if hold is None else float(hold))
    spec = parse_spec(job["spec"], source="render")
    out_dir = Path(job["out_dir"])
    options: dict[str, Any] = {}
    cache_dir, cache_bytes = job.get("cache_dir"), int(job.get("cache_max_bytes", 0))
    if cache_dir and cache_bytes > 0:  # unchanged DI × chain pairs are reused (issue 4)
        options["cache"] = ChainCache(Path(cache_dir), cache_bytes)
    summary = render_shootout(
        spec,
        out_dir,
        progress=progress,
        cancel=token,
        workers=int(job.get("workers", 1)),
        end_credits=end_credits(job),
        **options,
    )
    # No fsync here: `out_dir` is local scratch; storing each file (`put_file`) is what makes
    # it durable, and the worker records nothing before that (REQ-29).
    reused = sum(1 for pair in summary.pairs if pair.from_cache)
    return {
        "render_rate": summary.render_rate,
        "pairs": len(summary.pairs),
        "pairs_from_cache": reused,
        "warnings": list(summary.warnings),
    }


def run(job: dict[str, Any], writer: LineWriter) -> int:
    """Render `job`; report the outcome as one final line. Returns the exit status."""
    try:
        summary = _render(job, writer)
    except RenderCancelled:
        writer.send({"type": "error", "reason": "cancelled", "detail": "cancelled"})
        return 3
    except UnsupportedFeature as err:
        writer.send({"type": "error", "reason": "unsupported", "detail": str(err)})
        return 2
    except InvalidInput as err:
        writer.send({"type": "error", "reason": "invalid_input", "detail": str(err)})
        return 2
    except MemoryError:
        writer.send({"type": "error", "reason": "resource_limit", "detail": "out of memory"})
        return 4
    except Exception as err:  # reported by type only: messages may hold paths
        writer.send({"type": "error", "reason": "internal", "detail": type(err).__name__})
        return 1
    writer.send({"type": "result", "summary": summary})
    return 0


def _protocol_stream() -> IO[str]:
    """Keep the real stdout for protocol lines; send stray prints (e.g. native code) to stderr."""
    protocol = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return protocol


def main() -> int:
    """Entry point: keep the protocol fd, limit the process, read the job, render it."""
    protocol = _protocol_stream()
    job = json.loads(sys.stdin.read())
    die_with_parent(job.get("parent_pid"))
    apply_limits(int(job["memory_mb"]), int(job["cpu_seconds"]))
    return run(job, LineWriter(protocol))


def run_forked(memory_mb: int, cpu_seconds: int) -> int:
    """The same sandbox, forked by the zygote (stdin/stdout already the worker's pipes, parent
    death already chained): limit first, then read the job and render it."""
    protocol = _protocol_stream()
    apply_limits(memory_mb, cpu_seconds)
    job = json.loads(sys.stdin.read())
    return run(job, LineWriter(protocol))


if __name__ == "__main__":
    raise SystemExit(main())
