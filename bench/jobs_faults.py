"""Record the fault harness table in docs/BENCHMARKS.md ("Jobs and faults: fault injection").

Run: .venv/bin/python -m tests.fault.harness --scenario all --jobs 200 --write
(the scale-out table: add `--scale-out`; it has a section of its own).
"""

from __future__ import annotations

import os

from bench.sections import update_section

EXPLAIN = """\
Each scenario submits the jobs through `POST /api/v1/shootouts/{id}/renders` of the real app
(Redis broker, consumer group and sweeper in its lifespan), renders them with two
`toneshootout worker` processes (concurrency 1; lease 3 s, heartbeat 1 s, sweep 1 s,
re-kick after 3 s, 5 attempts), the shortest render that works (one 1 s DI × one capture → IR
chain, WAV only) — except kill-random and kill-mid_render, whose renders kills land in (one 1 s
DI × 8 chains, no render cache, each progress report paced past the sandbox's throttle: about
30 reports, never more than 0.0925 of the render apart) — injects the fault, waits until every
row is terminal, stops the workers, lets orphaned sandboxes end, runs the janitor with no grace
and scans storage and database.
Faults promised / landed: each scenario promises a number of faults for its N jobs, met by
construction on any machine: a named crash point (`toneshootout.worker.faults`) kills on every
4th pass counted over all workers (every job passes it at least once: N // 4), kill-random
SIGKILLs a busy worker every 0.5–2.5 s until max(2, N // 10) kills landed, the Redis faults
promise 1, poison its malformed messages, render-outlives-idle-timeout every render (each held
2.5 s past the 1 s idle timeout); landed counts worker SIGKILLs observed, Redis faults and
poison messages injected, and renders that outlived the timeout. Fewer landed than promised
fails the scenario (**short**). Kill progress: the fraction of the render done when a kill
struck it — kill-mid_render: logged by the worker itself at the progress report it died on
(targets drawn in [0.2, 0.7], never past 0.8, sandbox still running, and that attempt never
recorded); kill-random: the progress the victim's render last stored (heartbeat, ≤ 1 s old).
Lost = accepted − succeeded − failed − cancelled. Dup. effective = jobs with more than one
recorded manifest or published attempt folder. Dup. starts = jobs claimed more than once
(allowed; extra starts in brackets). Recovery: kills — from a worker's death to the re-claim of
each job it held; Redis faults — from the end of the fault to the next claim; bucket outages —
from the bucket's return to the next render that succeeded."""

SCALE_OUT = """\
Scale-out deployment (`--scale-out`; bucket-outage always): the API (in the harness process)
and each worker have their own `TONESHOOTOUT_DATA_DIR`, nothing in common; files are in an S3
bucket (moto in server mode over HTTP, SigV4, behind a TCP proxy the harness can take down);
the database is PostgreSQL. "netns": each worker also runs in user, network and UTS namespaces
of its own (`unshare -rnu`, no root; `tests/fault/host.py`): its own hostname (in its
`worker_id`) and loopback, PostgreSQL, Redis and the bucket reachable only through one socket
file each (`tests/fault/bridge.py`); a restarted worker keeps its slot's data folder, as a
rebooted machine keeps its disk. Orphans are counted from listing each account's
`<owner>/renders/` prefix in the bucket after the janitor. bucket-outage: renders as the kill
scenarios' (8 chains, paced), and while they run the bucket goes down (the proxy resets every
connection), each time until a worker's fetch or upload failed on it (its log line is the
proof it landed), then comes back for 1–2.5 s; promised max(2, N // 20) outages. An attempt
that met an outage goes back to the queue under the attempt rules (re-kicked after 3 s, at
most 5 attempts)."""


def write_fault_section(
    table: str, names: list[str], jobs: int, database: str, scale_out: bool = False
) -> None:
    """Replace the fault-injection section (of the database, or of the scale-out mode) with
    `table` and how it was produced."""
    scenarios = " ".join(f"--scenario {n}" for n in names)  # ["all"]: every scenario
    where = "--scale-out" if scale_out else f"--database {database}"
    command = (
        f".venv/bin/python -m tests.fault.harness --scenario {scenarios} --jobs {jobs} "
        f"{where} --write"
    ).replace("--scenario --scenario", "--scenario")
    load = os.getloadavg()[0]
    title = "scale-out on S3" if scale_out else "fault injection"
    on_s3 = scale_out or bool({"all", "bucket-outage"} & set(names))
    explain = f"{EXPLAIN}\n\n{SCALE_OUT}" if on_s3 else EXPLAIN
    body = (
        f"## Jobs and faults: {title} (REQ-24, 26, 27)\n\n"
        f"`{command}` (1-minute load average at the end: {load:.1f} on {os.cpu_count()} cores)\n\n"
        f"{explain}\n\n{table}\n"
    )
    update_section("jobs-faults-scale-out" if scale_out else f"jobs-faults-{database}", body)
