"""Named crash points for the fault harness (`tests/fault`); inert unless the harness enables them.

`crash_point(name)` SIGKILLs this worker process when the environment variable
`TONESHOOTOUT_FAULT_CRASH_AT` lists `name` (comma-separated), with probability
`TONESHOOTOUT_FAULT_CRASH_PROBABILITY` (default 1.0) each time the point is passed. SIGKILL, not
an exception: the point is to prove that nothing the worker had not yet committed or acked is
lost. The points, in the order a message passes them:

- `before_claim`: the message was received (unacked), nothing written yet;
- `mid_render`: the job is claimed and its sandbox is running;
- `after_upload_before_commit`: every output of the attempt is stored under its prefix, the DB
  not told yet (the "rename" of a local folder before object storage; the janitor removes it);
- `after_commit_before_ack`: the success is committed, the Redis message not yet acknowledged.

`TONESHOOTOUT_FAULT_UNSAFE_QUEUE=1` skips `check_queue_settings`, so the harness can set a stream
idle timeout shorter than a render and watch the claim's compare-and-set absorb the redelivery.
`TONESHOOTOUT_FAULT_HOLD_RENDER` makes every sandbox wait at its first progress report: `stop`
waits until the sandbox is stopped (cancel, wall-time limit, shutdown), a number waits that many
seconds. A test of cancel, of the time limit or of a render outliving the stream idle timeout
then never races a machine fast enough to finish the render first.
None of these variables is a setting: production never reads them as configuration, and
`settings_env.NOT_SETTINGS` lets them past the check that refuses unknown `TONESHOOTOUT_*` names.
"""

from __future__ import annotations

import os
import random
import signal
from typing import Final

CRASH_AT_ENV: Final = "TONESHOOTOUT_FAULT_CRASH_AT"
PROBABILITY_ENV: Final = "TONESHOOTOUT_FAULT_CRASH_PROBABILITY"
UNSAFE_QUEUE_ENV: Final = "TONESHOOTOUT_FAULT_UNSAFE_QUEUE"
HOLD_RENDER_ENV: Final = "TONESHOOTOUT_FAULT_HOLD_RENDER"
POINTS: Final = (
    "before_claim",
    "mid_render",
    "after_upload_before_commit",
    "after_commit_before_ack",
)


def crash_point(name: str) -> None:
    """SIGKILL this process here if the harness armed `name` (and the dice say so)."""
    armed = os.environ.get(CRASH_AT_ENV)
    if not armed or name not in armed.split(","):
        return
    if random.random() < float(os.environ.get(PROBABILITY_ENV, "1")):
        os.kill(os.getpid(), signal.SIGKILL)


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
