"""Named crash points for the fault harness (`tests/fault`); inert unless the harness enables them.

`crash_point(name)` SIGKILLs this worker process when the environment variable
`TONESHOOTOUT_FAULT_CRASH_AT` lists `name` (comma-separated). Which passes of the point kill:
with `TONESHOOTOUT_FAULT_CRASH_EVERY=k` every k-th pass, counted over all the run's workers in a
counter file under `TONESHOOTOUT_FAULT_DIR` (so a scenario's kill count follows from its job
count, not from the machine's speed); otherwise each pass with probability
`TONESHOOTOUT_FAULT_CRASH_PROBABILITY` (default 1.0). Before a kill the worker appends one JSON
line to `kills.jsonl` in that folder (point, pid, and for `mid_render` the render's progress).
SIGKILL, not an exception: the point is to prove that nothing the worker had not yet committed
or acked is lost. The points, in the order a message passes them:

- `before_claim`: the message was received (unacked), nothing written yet;
- `mid_render`: the job is claimed and its sandbox is rendering: passed once per render, at
  the first progress report whose overall fraction is at least a target drawn per render in
  [0.2, 0.7] and at most 0.8 (`mid_render_progress`), so the kill provably lands between 20 %
  and 80 % of a render and a killed job's retry is never killed here again;
- `after_upload_before_commit`: every output of the attempt is stored under its prefix, the DB
  not told yet (the "rename" of a local folder before object storage; the janitor removes it);
- `after_commit_before_ack`: the success is committed, the Redis message not yet acknowledged.

`TONESHOOTOUT_FAULT_UNSAFE_QUEUE=1` skips `check_queue_settings`, so the harness can set a stream
idle timeout shorter than a render and watch the claim's compare-and-set absorb the redelivery.
`TONESHOOTOUT_FAULT_HOLD_RENDER` makes every sandbox wait at its first progress report: `stop`
waits until the sandbox is stopped (cancel, wall-time limit, shutdown), a number waits that many
seconds. A test of cancel, of the time limit or of a render outliving the stream idle timeout
then never races a machine fast enough to finish the render first.
`TONESHOOTOUT_FAULT_PACE_PROGRESS` (seconds, at least the sandbox's progress throttle) makes the
sandbox wait that long after each progress report, so every report of the engine reaches the
worker however fast the machine renders.
None of these variables is a setting: production never reads them as configuration, and
`settings_env.NOT_SETTINGS` lets them past the check that refuses unknown `TONESHOOTOUT_*` names.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import random
import signal
import time
import uuid
from pathlib import Path
from typing import Any, Final

CRASH_AT_ENV: Final = "TONESHOOTOUT_FAULT_CRASH_AT"
PROBABILITY_ENV: Final = "TONESHOOTOUT_FAULT_CRASH_PROBABILITY"
EVERY_ENV: Final = "TONESHOOTOUT_FAULT_CRASH_EVERY"
DIR_ENV: Final = "TONESHOOTOUT_FAULT_DIR"
UNSAFE_QUEUE_ENV: Final = "TONESHOOTOUT_FAULT_UNSAFE_QUEUE"
HOLD_RENDER_ENV: Final = "TONESHOOTOUT_FAULT_HOLD_RENDER"
PACE_PROGRESS_ENV: Final = "TONESHOOTOUT_FAULT_PACE_PROGRESS"
POINTS: Final = (
    "before_claim",
    "mid_render",
    "after_upload_before_commit",
    "after_commit_before_ack",
)
KILL_LOG: Final = "kills.jsonl"
# The mid-render window: a kill lands at the first report at or past the render's target, and
# no later than MID_RENDER_LATEST (targets stop short of it so a report falls in between).
MID_RENDER_EARLIEST: Final = 0.2
MID_RENDER_TARGET_LATEST: Final = 0.7
MID_RENDER_LATEST: Final = 0.8


def _armed(name: str) -> bool:
    return name in os.environ.get(CRASH_AT_ENV, "").split(",")


def _folder() -> Path | None:
    value = os.environ.get(DIR_ENV)
    return Path(value) if value else None


def _next_pass(name: str, key: str | None = None) -> int | None:
    """This pass's number (1, 2, …) over every process of the run, under a file lock; None if
    `key` (e.g. a render) already passed the point once."""
    folder = _folder()
    if folder is None:
        raise RuntimeError(f"{EVERY_ENV} needs {DIR_ENV}")
    with open(folder / f"{name}.passes", "a+", encoding="ascii") as passes:
        fcntl.flock(passes, fcntl.LOCK_EX)  # released when the file closes
        passes.seek(0)
        seen = passes.read().splitlines()
        if key is not None and key in seen:
            return None
        passes.write(f"{key or '-'}\n")
        return len(seen) + 1


def _due(name: str, key: str | None = None) -> bool | None:
    """Whether this pass kills; None if `key` passed the point before."""
    every = os.environ.get(EVERY_ENV)
    if every:
        number = _next_pass(name, key)
        return None if number is None else number % max(1, int(every)) == 0
    return random.random() < float(os.environ.get(PROBABILITY_ENV, "1"))


def _kill(name: str, facts: dict[str, Any]) -> None:
    folder = _folder()
    if folder is not None:  # the write is in the kernel before the kill, so it survives it
        line = json.dumps({"point": name, "pid": os.getpid(), "at": time.time()} | facts)
        with open(folder / KILL_LOG, "a", encoding="utf-8") as log:
            log.write(line + "\n")
    os.kill(os.getpid(), signal.SIGKILL)


def crash_point(name: str) -> None:
    """SIGKILL this process here if the harness armed `name` and this pass is due."""
    if _armed(name) and _due(name):
        _kill(name, {})


def mid_render_target(render_id: uuid.UUID) -> float:
    """The overall fraction at which `mid_render` strikes this render (stable per render)."""
    digest = hashlib.sha256(str(render_id).encode()).digest()
    share = int.from_bytes(digest[:4], "big") / 2**32
    return MID_RENDER_EARLIEST + share * (MID_RENDER_TARGET_LATEST - MID_RENDER_EARLIEST)


def mid_render_progress(
    render_id: uuid.UUID, attempt: int, overall: float, report: int, *, sandbox_running: bool
) -> bool:
    """Called on each progress report (`report`: 1, 2, …) of a sandbox. Returns True when this
    report was the attempt's pass of `mid_render` (the caller stops calling), and never returns
    if the pass kills. A render passes the point once, in the first attempt that reaches its
    target (an attempt fenced out before it rendered does not), so its retry is never killed
    here again. The kill log records the fraction, the report's number and whether the sandbox
    was still running: the proof that the kill landed mid-render."""
    if not _armed("mid_render"):
        return False
    if not mid_render_target(render_id) <= overall <= MID_RENDER_LATEST:
        return False
    if _due("mid_render", str(render_id)):
        facts = {"render_id": str(render_id), "attempt": attempt, "progress": overall}
        _kill("mid_render", facts | {"report": report, "sandbox_running": sandbox_running})
    return True


def unsafe_queue_allowed() -> bool:
    """True when the harness asked to run with queue settings the broker would refuse."""
    return os.environ.get(UNSAFE_QUEUE_ENV) == "1"


HOLD_UNTIL_STOPPED: Final = "stop"


def render_hold() -> float | None:
    """Seconds a test asked sandboxes to wait mid-render (inf: until stopped), or None."""
    value = os.environ.get(HOLD_RENDER_ENV)
    if not value:
        return None
    return float("inf") if value == HOLD_UNTIL_STOPPED else max(0.0, float(value))


def progress_pace() -> float | None:
    """Seconds a test asked sandboxes to wait after each progress report, or None."""
    value = os.environ.get(PACE_PROGRESS_ENV)
    return max(0.0, float(value)) if value else None
