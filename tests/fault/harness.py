"""Fault harness CLI: `python -m tests.fault.harness --scenario kill-random --jobs 200`.

Runs each named scenario (or `all`) over real processes and prints one table row per scenario;
`--scale-out` runs them on the scale-out deployment (API and workers with separate data folders,
in network namespaces where allowed, sharing only PostgreSQL, Redis and an S3 bucket);
`--write` also records the table in docs/BENCHMARKS.md ("Jobs and faults").
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys

from bench.jobs_faults import write_fault_section

from tests.fault.measure import Report
from tests.fault.scenarios import SCENARIOS, run_scenario

COLUMNS = (
    "| Scenario | DB | Faults promised / landed | Kill progress min / med / max | Accepted "
    "| Succeeded | Failed (reason) | Lost | Dup. effective | Dup. starts (extra) "
    "| Recovery p50 / p99 s | Orphans removed / left | Dangling | Wall s |"
)


def row(report: Report) -> str:
    """One Markdown table row of a scenario's report."""
    cells = [
        report.scenario,
        report.database + (f" + {report.deployment}" if report.deployment else ""),
        f"{report.promised} / {report.faults}" + ("" if report.promise_met else " **short**"),
        report.kill_fractions(),
        str(report.accepted),
        str(report.succeeded),
        report.failed_text(),
        str(report.lost),
        str(report.duplicate_executions),
        f"{report.duplicate_starts} ({report.extra_starts})",
        report.recovery(),
        f"{report.orphans_removed} / {report.orphan_files}",
        str(report.dangling),
        f"{report.seconds:.0f}",
    ]
    return "| " + " | ".join(cells) + " |"


def table(reports: list[Report]) -> str:
    lines = [COLUMNS, "|" + "---|" * COLUMNS.count(" | ") + "---|"]
    lines += [row(r) for r in reports]
    notes = [f"- {r.scenario}: {n}" for r in reports for n in r.notes]
    return "\n".join(lines + (["", *notes] if notes else []))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenario", action="append", choices=[*SCENARIOS, "all"])
    parser.add_argument("--jobs", type=int, default=20)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--scale-out", action="store_true", help="separate hosts on S3")
    parser.add_argument("--write", action="store_true", help="record in docs/BENCHMARKS.md")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    # SIGTERM as Ctrl-C: asyncio.run then cancels the run, and the cluster stops what it started
    # (database, Redis, moto, workers) instead of leaving them behind.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    names = args.scenario or ["all"]
    asked = ["all"] if "all" in names else names  # as the command line said it
    names = list(SCENARIOS) if "all" in names else names
    reports = []
    for name in names:
        report = asyncio.run(run_scenario(name, args.jobs, args.database, scale_out=args.scale_out))
        print(row(report), flush=True)
        reports.append(report)
    print(table(reports))
    if args.write:
        write_fault_section(table(reports), asked, args.jobs, args.database, args.scale_out)
    bad = [
        r
        for r in reports
        if r.lost or r.duplicate_executions or r.dangling or r.orphan_files or not r.promise_met
    ]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
