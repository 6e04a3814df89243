"""REQ-34 harness (RELIABILITY.md §4.6): many writers, in this process and in others, on one
SQLite file.

Every writer goes through the product's own `create_engine`/`create_sessionmaker`, so the
pragmas and the BEGIN IMMEDIATE are the ones the service runs with. Each transaction reads a
counter and writes back the value plus one: the read-then-write pattern that fails at once with
SQLITE_BUSY under a deferred BEGIN, and loses increments if writers are not serialised. The
result counts "database is locked" errors (must be 0), compares the committed increments with
the counters' sum (no lost increments) and runs `PRAGMA integrity_check`.

    python -m tests.harness.sqlite_writers --seconds 60
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench.sections import update_section
from sqlalchemy import exc, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from toneshootout.server.db.engine import create_engine, create_sessionmaker, sqlite_pragmas
from toneshootout.settings import Settings

COUNTERS = 8  # few rows, so writers collide on the same counters
_REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Tally:
    """What one group of writers (this process's, or one child's) did."""

    committed: int = 0
    locked: int = 0
    other_errors: int = 0
    first_error: str | None = None
    latencies_ms: list[float] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        self.committed += other.committed
        self.locked += other.locked
        self.other_errors += other.other_errors
        self.first_error = self.first_error or other.first_error
        self.latencies_ms += other.latencies_ms


@dataclass(frozen=True)
class HarnessResult:
    """The §4.7 SQLite figures of one run."""

    seconds: float
    async_writers: int
    processes: int
    process_writers: int
    committed: int  # increments whose transaction committed: the expected counter sum
    counted: int  # the counters' actual sum
    child_committed: list[int]
    locked_errors: int
    other_errors: int
    first_error: str | None
    p99_write_ms: float
    journal_mode: str
    integrity: str

    @property
    def lost(self) -> int:
        return self.committed - self.counted

    @property
    def ok(self) -> bool:
        """No lock errors, no other errors, no lost increments, an intact file."""
        clean = self.locked_errors == 0 and self.other_errors == 0 and self.lost == 0
        return clean and self.integrity == "ok" and self.journal_mode == "wal"

    def report(self) -> str:
        """The figures as `name: value` lines."""
        figures = asdict(self) | {"lost": self.lost, "ok": self.ok}
        figures["committed_per_s"] = round(self.committed / self.seconds, 1)
        return "\n".join(f"{name}: {value}" for name, value in figures.items())


def harness_settings(path: Path) -> Settings:
    """Service settings whose database is the SQLite file at `path`."""
    return Settings(
        environment="test", data_dir=path.parent, database_url=f"sqlite+aiosqlite:///{path}"
    )


async def prepare(path: Path) -> None:
    """Create (or reset) the counters table in the file at `path`."""
    engine = create_engine(harness_settings(path))
    try:
        async with engine.begin() as connection:
            await connection.execute(text("DROP TABLE IF EXISTS harness_counters"))
            await connection.execute(
                text("CREATE TABLE harness_counters (id INTEGER PRIMARY KEY, value INTEGER)")
            )
            rows = [{"id": i, "value": 0} for i in range(COUNTERS)]
            await connection.execute(
                text("INSERT INTO harness_counters (id, value) VALUES (:id, :value)"), rows
            )
    finally:
        await engine.dispose()


async def _increment(sessionmaker: async_sessionmaker[AsyncSession], counter: int) -> None:
    async with sessionmaker() as session, session.begin():
        value = await session.scalar(
            text("SELECT value FROM harness_counters WHERE id = :id"), {"id": counter}
        )
        await session.execute(
            text("UPDATE harness_counters SET value = :value WHERE id = :id"),
            {"value": int(value) + 1, "id": counter},
        )


async def _writer(
    sessionmaker: async_sessionmaker[AsyncSession], tally: Tally, deadline: float, seed: int
) -> None:
    rng = random.Random(seed)
    while time.time() < deadline:
        started = time.perf_counter()
        try:
            await _increment(sessionmaker, rng.randrange(COUNTERS))
        except exc.OperationalError as error:
            if "database is locked" not in str(error):
                raise
            tally.locked += 1
            tally.first_error = tally.first_error or str(error).splitlines()[0]
            continue
        except Exception as error:  # counted and shown: the harness reports, it does not stop
            tally.other_errors += 1
            tally.first_error = tally.first_error or repr(error)[:300]
            continue
        tally.committed += 1
        tally.latencies_ms.append((time.perf_counter() - started) * 1000)


async def run_writers(path: Path, writers: int, deadline: float, seed: int = 0) -> Tally:
    """`writers` concurrent increment loops on one product engine until `deadline` (epoch s)."""
    engine = create_engine(harness_settings(path))
    sessionmaker = create_sessionmaker(engine)
    tally = Tally()
    try:
        await asyncio.gather(
            *(_writer(sessionmaker, tally, deadline, seed * 1000 + i) for i in range(writers))
        )
    finally:
        await engine.dispose()
    return tally


async def _start_child(path: Path, writers: int, seed: int) -> asyncio.subprocess.Process:
    env = os.environ | {"PYTHONPATH": os.pathsep.join([str(_REPO_ROOT), *sys.path])}
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.harness.sqlite_writers",
        "--child",
        f"--db={path}",
        f"--writers={writers}",
        f"--seed={seed}",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        cwd=_REPO_ROOT,
        env=env,
    )
    assert child.stdout is not None
    ready = await asyncio.wait_for(child.stdout.readline(), timeout=60)
    if ready.strip() != b"ready":
        raise RuntimeError(f"harness child did not start (said {ready!r})")
    return child


async def _finish_child(child: asyncio.subprocess.Process, deadline: float) -> Tally:
    out, _ = await child.communicate(f"{deadline}\n".encode())
    if child.returncode != 0:
        raise RuntimeError(f"harness child exited with {child.returncode}")
    return Tally(**json.loads(out.decode().strip().splitlines()[-1]))


async def _inspect(path: Path) -> tuple[int, str, str]:
    engine = create_engine(harness_settings(path))
    try:
        async with engine.connect() as connection:
            counted = await connection.scalar(text("SELECT SUM(value) FROM harness_counters"))
            integrity = await connection.scalar(text("PRAGMA integrity_check"))
        mode = (await sqlite_pragmas(engine)).journal_mode
    finally:
        await engine.dispose()
    return int(counted or 0), str(integrity), mode


def _p99(latencies_ms: list[float]) -> float:
    if not latencies_ms:
        return 0.0
    ordered = sorted(latencies_ms)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 2)


async def run_harness(
    path: Path, *, seconds: float, writers: int = 32, processes: int = 2, process_writers: int = 8
) -> HarnessResult:
    """Run `writers` async writers here and `processes` child processes for `seconds`."""
    await prepare(path)
    children = await asyncio.gather(
        *(_start_child(path, process_writers, seed + 1) for seed in range(processes))
    )
    deadline = time.time() + seconds  # set once every child is ready, so all start together
    here, *theirs = await asyncio.gather(
        run_writers(path, writers, deadline), *(_finish_child(c, deadline) for c in children)
    )
    total = Tally()
    for tally in (here, *theirs):
        total.add(tally)
    counted, integrity, mode = await _inspect(path)
    return HarnessResult(
        seconds=seconds,
        async_writers=writers,
        processes=processes,
        process_writers=process_writers,
        committed=total.committed,
        counted=counted,
        child_committed=[t.committed for t in theirs],
        locked_errors=total.locked,
        other_errors=total.other_errors,
        first_error=total.first_error,
        p99_write_ms=_p99(total.latencies_ms),
        journal_mode=mode,
        integrity=integrity,
    )


async def _child_main(path: Path, writers: int, seed: int) -> None:
    print("ready", flush=True)
    deadline = float(await asyncio.to_thread(sys.stdin.readline))
    tally = await run_writers(path, writers, deadline, seed)
    tally.latencies_ms = [round(ms, 3) for ms in tally.latencies_ms]
    print(json.dumps(asdict(tally)), flush=True)


def main(argv: list[str] | None = None) -> int:
    """Script entry: run the harness and print its figures; exit 1 unless they are clean."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--writers", type=int, default=32)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--process-writers", type=int, default=8)
    parser.add_argument("--db", type=Path, help="SQLite file (default: a temporary one)")
    parser.add_argument("--write", action="store_true", help="record in docs/BENCHMARKS.md")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        asyncio.run(_child_main(args.db, args.writers, args.seed))
        return 0
    with tempfile.TemporaryDirectory(prefix="ts-sqlite-writers-") as scratch:
        path = args.db or Path(scratch) / "writers.db"
        result = asyncio.run(
            run_harness(
                path,
                seconds=args.seconds,
                writers=args.writers,
                processes=args.processes,
                process_writers=args.process_writers,
            )
        )
    print(result.report())
    if args.write:
        update_section("sqlite-writers", _section(result, argv))
    return 0 if result.ok else 1


def _section(result: HarnessResult, argv: list[str] | None) -> str:
    """The figures as a docs/BENCHMARKS.md section (REQ-34, RELIABILITY.md §4.6)."""
    flags = " ".join(argv if argv is not None else sys.argv[1:])
    return "\n".join(
        [
            "## SQLite writers under contention (REQ-34)",
            "",
            f"`.venv/bin/python -m tests.harness.sqlite_writers {flags}` "
            f"(1-minute load average at the end {os.getloadavg()[0]:.1f} on 2 cores)",
            "",
            f"{result.async_writers} async writers in one process plus {result.processes} "
            f"processes × {result.process_writers} writers, each transaction a BEGIN IMMEDIATE "
            "increment through the service's own engine (WAL, busy_timeout, foreign keys).",
            "",
            "| seconds | committed | counted | lost | locked errors | other errors "
            "| commits/s | p99 write ms | journal | integrity |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
            f"| {result.seconds:.0f} | {result.committed} | {result.counted} | {result.lost} "
            f"| {result.locked_errors} | {result.other_errors} "
            f"| {result.committed / result.seconds:.0f} | {result.p99_write_ms:.0f} "
            f"| {result.journal_mode} | {result.integrity} |",
        ]
    )


if __name__ == "__main__":
    raise SystemExit(main())
