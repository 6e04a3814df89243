"""Record the fault harness table in docs/BENCHMARKS.md ("Jobs and faults: fault injection").

Run: .venv/bin/python -m tests.fault.harness --scenario all --jobs 200 --write
"""

from __future__ import annotations

import os

from bench.sections import update_section

EXPLAIN = """\
Each scenario submits the jobs through `POST /api/v1/shootouts/{id}/renders` of the real app
(Redis broker, consumer group and sweeper in its lifespan), renders them with two
`toneshootout worker` processes (concurrency 1; lease 3 s, heartbeat 1 s, sweep 1 s,
re-kick after 3 s, 5 attempts), the shortest render that works (one 1 s DI × one capture → IR
chain, WAV only), injects the fault, waits until every row is terminal, stops the workers, lets
orphaned sandboxes end, runs the janitor with no grace and scans storage and database.
Lost = accepted − succeeded − failed − cancelled. Dup. effective = jobs with more than one
recorded manifest or published attempt folder. Dup. starts = jobs claimed more than once
(allowed; extra starts in brackets). Recovery: kills — from a worker's death to the re-claim of
each job it held; Redis faults — from the end of the fault to the next claim. Faults: worker
SIGKILLs observed (including self-kills at the named points), plus Redis faults and poison
messages injected. The named points are `toneshootout.worker.faults`."""


def write_fault_section(table: str, names: list[str], jobs: int, database: str) -> None:
    """Replace the fault-injection section with `table` and how it was produced."""
    scenarios = "all" if len(names) > 3 else " ".join(f"--scenario {n}" for n in names)
    command = (
        f".venv/bin/python -m tests.fault.harness --scenario {scenarios} --jobs {jobs} "
        f"--database {database} --write"
    ).replace("--scenario --scenario", "--scenario")
    load = os.getloadavg()[0]
    body = (
        "## Jobs and faults: fault injection (REQ-24, 26, 27)\n\n"
        f"`{command}` (1-minute load average at the end: {load:.1f} on {os.cpu_count()} cores)\n\n"
        f"{EXPLAIN}\n\n{table}\n"
    )
    update_section(f"jobs-faults-{database}", body)
