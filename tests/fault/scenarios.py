"""The fault scenarios of RELIABILITY.md §2.5 / §4.5 (REQ-24, 26, 27), each over real processes.

A scenario submits `jobs` renders through the API, injects its fault while they run, waits until
every row is terminal, stops the workers, lets orphaned sandboxes end, runs the janitor and
judges the result (`measure.judge`). Each scenario promises a number of faults for its job
count, met by construction whatever the machine's speed (a named crash point kills on every
KILL_EVERY-th pass, counted over all workers; `kill-random` keeps killing until its count is
reached); a scenario whose faults fell short of the promise fails with a note. Recovery time:
for worker kills, per job orphaned by a dead worker, the time from the death until the job was
claimed again (or ended); for Redis faults, from the end of the fault until the first claim of
a job that was queued through it; for bucket outages, from the end of each outage until the
next render succeeded.

`run_scenario(..., scale_out=True)` runs a scenario on the scale-out deployment (`cluster.py`:
separate data folders, an S3 bucket, PostgreSQL, namespaces where allowed); `bucket-outage`
always runs on it, as it needs the bucket.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Final

import redis.asyncio as aioredis
from sqlalchemy import select

from tests.fault.cluster import Cluster, ClusterConfig, cluster, wait_for_orphans
from tests.fault.measure import (
    TERMINAL,
    Report,
    harness_context,
    judge,
    judge_kill_log,
    states,
    total_starts,
    wait_terminal,
)
from toneshootout.server.db.models.library_item import LibraryItem
from toneshootout.server.db.models.render import Render
from toneshootout.worker import faults
from toneshootout.worker.context import WorkerContext
from toneshootout.worker.sandbox import PROGRESS_INTERVAL_S

KILL_POINTS: Final = faults.POINTS
# A named point kills on every KILL_EVERY-th pass over all workers. Every job passes each point
# at least once (mid_render: exactly once, in the first attempt that renders; the commit
# points: once per success), so N jobs bring at least N // KILL_EVERY kills.
KILL_EVERY: Final = 4
KILL_REASONS: Final = frozenset({"worker_lost", "max_attempts"})
# Renders the kills land in: one 1 s DI through 8 chains, no render cache, every progress
# report paced past the sandbox's throttle. Each chain's end is a report at 0.08 + 0.74·j/8 of
# the whole, so reports are never more than 0.0925 apart and a render always reports between
# any mid_render target (≤ 0.7) and 0.8, on any machine (about 30 reports, 12 of them in
# [0.2, 0.8]; measured with the sandbox's LineWriter).
PACED: Final = {faults.PACE_PROGRESS_ENV: str(PROGRESS_INTERVAL_S)}


def long_render(env: dict[str, str]) -> ClusterConfig:
    """A cluster whose renders kills can land in (see above), paced, with worker `env`."""
    return ClusterConfig(di_seconds=1.0, chains=8, render_cache=False, worker_env=env | PACED)


def random_kills(jobs: int) -> int:
    """kill-random's promise: a tenth of the jobs, at least two."""
    return max(2, jobs // 10)


@dataclass
class Run:
    cluster: Cluster
    ctx: WorkerContext
    report: Report
    restart_workers: bool = True
    stop: asyncio.Event | None = None
    workers: int = 2


async def submit(run: Run, count: int) -> None:
    """POST `count` renders; every one must be accepted with 202."""
    for _ in range(count):
        reply = await run.cluster.client.submit()
        if reply.status_code != 202:
            raise AssertionError(f"submission answered {reply.status_code}: {reply.text}")
        run.report.accepted += 1


async def _running_of(ctx: WorkerContext, pid: int) -> dict[uuid.UUID, int]:
    async with ctx.sessionmaker() as session:
        rows = await session.execute(
            select(Render.id, Render.attempt).where(
                Render.state == "running", Render.worker_id.like(f"%:{pid}:%")
            )
        )
        return {row.id: int(row.attempt) for row in rows.all()}


async def supervise(run: Run) -> None:
    """Restart dead workers; time how long each job they held takes to be picked up again."""
    watched: dict[uuid.UUID, tuple[float, int]] = {}
    assert run.stop is not None
    while not run.stop.is_set():
        for pid in run.cluster.pool.reap(run.restart_workers):
            died = time.monotonic()
            for render_id, attempt in (await _running_of(run.ctx, pid)).items():
                watched[render_id] = (died, attempt)
        if watched:
            async with run.ctx.sessionmaker() as session:
                rows = await session.execute(
                    select(Render.id, Render.attempt, Render.state).where(
                        Render.id.in_(list(watched))
                    )
                )
                for row in rows.all():
                    died, attempt = watched[row.id]
                    if row.attempt > attempt or row.state in ("succeeded", "failed", "cancelled"):
                        run.report.recovery_s.append(time.monotonic() - died)
                        del watched[row.id]
        await asyncio.sleep(0.2)


async def _time_to_resume(run: Run, since: float) -> None:
    """Record the time from `since` until some job is claimed again."""
    before = await total_starts(run.ctx)
    while time.monotonic() - since < 300:
        if await total_starts(run.ctx) > before:
            run.report.recovery_s.append(time.monotonic() - since)
            return
        await asyncio.sleep(0.1)


async def _wait_done(run: Run, fraction: float, timeout: float = 120.0) -> None:
    """Wait until `fraction` of the accepted jobs are terminal."""
    await wait_terminal(run.ctx, int(run.report.accepted * fraction), timeout)


# --- the faults -------------------------------------------------------------------------------


async def _progress_of(ctx: WorkerContext, pid: int) -> float | None:
    """The last progress a running render of worker `pid` reported (its heartbeat), if any."""
    async with ctx.sessionmaker() as session:
        rows = await session.execute(
            select(Render.progress).where(
                Render.state == "running", Render.worker_id.like(f"%:{pid}:%")
            )
        )
        values = [float(v) for v in rows.scalars().all()]
    return max(values) if values else None


async def kill_randomly(run: Run, promised: int, abort: asyncio.Event) -> None:
    """SIGKILL a random serving worker every 0.5–2.5 s (the supervisor starts a replacement)
    until `promised` kills landed: busy workers first, an idle one only if none is busy.

    Only workers that finished starting up are candidates: on a loaded machine start-up alone
    can outlast the interval, and killing a worker that never served proves nothing. Each kill
    of a busy worker records the progress its render last reported (heartbeat, ≤ 1 s old).
    """
    rng = random.Random(run.report.accepted)
    kills = 0
    while kills < promised and not abort.is_set():
        await asyncio.sleep(rng.uniform(0.5, 2.5))
        live = [w for w in run.cluster.pool.workers if w.process.poll() is None and w.ready()]
        busy = [(w, p) for w in live if (p := await _progress_of(run.ctx, w.pid))]
        if busy:
            victim, progress = rng.choice(busy)
            run.report.kill_progress.append(progress)
        elif live and await _all_terminal(run):  # nothing left to hit mid-render
            victim = rng.choice(live)
        else:
            continue
        run.cluster.pool.kill(victim)  # counted as a -9 death
        kills += 1


async def _all_terminal(run: Run) -> bool:
    counts = await states(run.ctx)
    return sum(counts[s] for s in TERMINAL) >= run.report.accepted


# A bucket outage lasts until a worker noticed it, and at most this long (then it is not
# counted): the proof it landed is the worker's own log line, not the clock.
OUTAGE_LONGEST_S: Final = 30.0
OUTAGE_SEEN: Final = b"storage unavailable while"


def outages_seen(logs: list[Path]) -> int:
    """Transfers the workers gave up on because the store did not answer (from their logs)."""
    total = 0
    for log in logs:
        try:
            total += log.read_bytes().count(OUTAGE_SEEN)
        except OSError:
            continue
    return total


def bucket_outages_promised(jobs: int) -> int:
    """bucket-outage's promise: one outage per 20 jobs, at least two."""
    return max(2, jobs // 20)


async def bucket_outages(run: Run, promised: int, abort: asyncio.Event) -> None:
    """Take the bucket away (every connection reset) again and again while renders run, until
    `promised` outages landed.

    Each outage lasts until some worker's transfer failed on it (its log says so), so each one
    counted provably hit a render's fetch or upload; then the bucket comes back for 1-2.5 s.
    The promise holds by construction: the attempt that noticed an outage went back to the
    queue, to be re-kicked only after `requeue_after_seconds` (3 s, longer than the gap), so
    the next outage begins while that job still has its fetch and upload ahead. An outage no
    transfer noticed within `OUTAGE_LONGEST_S` is not counted. Recovery: from the bucket's
    return to the next render that succeeded (timed alongside, not waited for).
    """
    proxy = run.cluster.bucket
    if proxy is None:
        raise RuntimeError("bucket-outage needs the scale-out cluster (its bucket's proxy)")
    rng = random.Random(run.report.accepted)
    landed, timers = 0, []
    while landed < promised and not abort.is_set() and not await _all_terminal(run):
        before = outages_seen(run.cluster.pool.logs())
        proxy.down()
        began = time.monotonic()
        while time.monotonic() - began < OUTAGE_LONGEST_S and not abort.is_set():
            if outages_seen(run.cluster.pool.logs()) > before:
                landed += 1
                run.report.faults += 1
                break
            await asyncio.sleep(0.1)
        proxy.up()
        timers.append(asyncio.create_task(_time_to_success(run, time.monotonic())))
        await asyncio.sleep(rng.uniform(1.0, 2.5))
    await asyncio.gather(*timers)


async def _time_to_success(run: Run, since: float) -> None:
    """Record the time from `since` until one more render succeeded (or all ended)."""
    before = (await states(run.ctx))["succeeded"]
    while time.monotonic() - since < 120:
        counts = await states(run.ctx)
        if counts["succeeded"] > before:
            run.report.recovery_s.append(time.monotonic() - since)
            return
        if sum(counts[s] for s in TERMINAL) >= run.report.accepted:
            return
        await asyncio.sleep(0.1)


async def flushall(run: Run) -> None:
    """FLUSHALL while most jobs are still queued: the stream and the consumer group vanish."""
    await _wait_done(run, 0.1)
    client = aioredis.Redis.from_url(run.cluster.redis.url)
    try:
        await client.flushall()
    finally:
        await client.aclose()
    run.report.faults += 1
    await _time_to_resume(run, time.monotonic())


async def restart_redis(run: Run) -> None:
    """Restart Redis without persistence while most jobs are still queued."""
    await _wait_done(run, 0.1)
    await asyncio.to_thread(run.cluster.redis.restart)
    run.report.faults += 1
    await _time_to_resume(run, time.monotonic())


def _poison_messages() -> list[bytes]:
    def message(task: str, args: list[object]) -> bytes:
        body: dict[str, object] = {"task_id": uuid.uuid4().hex, "task_name": task}
        body |= {"labels": {}, "labels_types": {}, "args": args, "kwargs": {}}
        return json.dumps(body).encode()

    return [
        b"{not json",
        b"\xff\xfe binary",
        message("no.such.task", [str(uuid.uuid4())]),
        message("render.run", ["not-a-uuid"]),
        message("render.run", [str(uuid.uuid4())]),  # a job ID with no row
        message("render.run", [12345]),
        message("render.run", []),
    ]


async def poison(run: Run) -> None:
    """Interleave unparseable and unknown messages, and jobs whose input file is gone."""
    settings = run.cluster.settings
    client = aioredis.Redis.from_url(run.cluster.redis.url)
    try:
        for data in _poison_messages() * max(1, run.report.accepted // 20):
            await client.xadd(settings.redis.queue_name, {b"data": data})
            run.report.faults += 1
            await asyncio.sleep(0.2)
    finally:
        await client.aclose()


async def poison_jobs(run: Run, count: int) -> None:
    """Submit jobs of a shootout whose DI file was deleted: `missing_input`, never retried."""
    client = run.cluster.client
    good = client.shootout_id
    await client.make_shootout(1.25, run.cluster.root)  # its own DI (another length)
    async with run.ctx.sessionmaker() as session:
        keys = (
            await session.scalars(
                select(LibraryItem.storage_key).where(LibraryItem.kind == "di_track")
            )
        ).all()
    if len(keys) < 2:
        raise FileNotFoundError("the poison shootout's DI is not in the library")
    run.ctx.storage.delete(sorted(keys)[-1])
    await submit(run, count)
    client.shootout_id = good


# --- scenarios --------------------------------------------------------------------------------


def _one(jobs: int) -> int:
    return 1


def _every_job(jobs: int) -> int:
    return jobs


def _every_kth(jobs: int) -> int:
    return jobs // KILL_EVERY


def _poison_count(jobs: int) -> int:
    return len(_poison_messages()) * max(1, jobs // 20)


@dataclass(frozen=True)
class Scenario:
    name: str
    config: ClusterConfig
    allowed_failures: frozenset[str] = frozenset()
    # The faults promised for N jobs: fewer landed fails the scenario.
    promise: Callable[[int], int] = field(default=_one)


def _kill_point(point: str) -> Scenario:
    env = {faults.CRASH_AT_ENV: point, faults.EVERY_ENV: str(KILL_EVERY)}
    config = long_render(env) if point == "mid_render" else ClusterConfig(worker_env=env)
    return Scenario(f"kill-{point}", config, KILL_REASONS, _every_kth)


_UNSAFE = {faults.UNSAFE_QUEUE_ENV: "1"}
SCENARIOS: Final = {
    s.name: s
    for s in [
        Scenario(
            "kill-random",
            long_render({}),
            KILL_REASONS,
            random_kills,
        ),
        *(_kill_point(point) for point in KILL_POINTS),
        Scenario("redis-flushall", ClusterConfig()),
        Scenario("redis-restart", ClusterConfig()),
        # No sweeper re-kicks in these two: the messages alone must get the jobs through.
        Scenario("api-before-worker", ClusterConfig(requeue_after_seconds=3600.0)),
        Scenario(
            "render-outlives-idle-timeout",
            ClusterConfig(
                idle_timeout_ms=1000,
                di_seconds=4.0,
                requeue_after_seconds=3600.0,
                # Every render outlives the 1 s idle timeout however fast the machine is.
                worker_env=_UNSAFE | {faults.HOLD_RENDER_ENV: "2.5"},
            ),
            promise=_every_job,  # the fault: every render outlives the stream's idle timeout
        ),
        Scenario("poison", ClusterConfig(), frozenset({"missing_input"}), _poison_count),
        Scenario("redis-down-submit", ClusterConfig()),
        Scenario(
            "bucket-outage",
            replace(long_render({}), scale_out=True, database="postgresql"),
            promise=bucket_outages_promised,
        ),
    ]
}


async def _drive(run: Run, name: str, jobs: int) -> None:
    """Submit the jobs and inject the scenario's fault; returns once the fault is over."""
    if name == "api-before-worker":
        await submit(run, jobs)
        await asyncio.sleep(1.0)
        since = time.monotonic()
        for _ in range(run.workers):
            run.cluster.pool.start()
        run.report.faults += 1  # the fault: every job was queued before any worker ran
        await _time_to_resume(run, since)
    elif name == "redis-down-submit":
        await asyncio.to_thread(run.cluster.redis.stop)
        await submit(run, jobs)  # every one still answers 202: the row is the acceptance
        run.report.faults += 1
        await asyncio.sleep(2.0)
        await asyncio.to_thread(run.cluster.redis.start)
        await _time_to_resume(run, time.monotonic())
    elif name == "poison":
        bad = max(1, jobs // 20)
        await submit(run, jobs - bad)
        await asyncio.gather(poison(run), poison_jobs(run, bad))
    else:
        await submit(run, jobs)
        if name == "redis-flushall":
            await flushall(run)
        elif name == "redis-restart":
            await restart_redis(run)


async def _renders_outliving(ctx: WorkerContext, seconds: float) -> int:
    """Succeeded renders that ran longer than `seconds` (claim to finish)."""
    async with ctx.sessionmaker() as session:
        rows = await session.execute(
            select(Render.started_at, Render.finished_at).where(Render.state == "succeeded")
        )
        spans: list[tuple[datetime | None, datetime | None]] = [(a, b) for a, b in rows.all()]
    return sum(1 for a, b in spans if a and b and (b - a).total_seconds() > seconds)


async def run_scenario(
    name: str, jobs: int, database: str = "sqlite", *, scale_out: bool = False
) -> Report:
    """Run one scenario end to end and judge it (lost, duplicates, orphans, its promise).
    Scale-out (forced for `bucket-outage`) runs on PostgreSQL whatever `database` says."""
    scenario = SCENARIOS[name]
    scale_out = scale_out or scenario.config.scale_out
    database = "postgresql" if scale_out else database
    config = replace(scenario.config, database=database, scale_out=scale_out)
    report = Report(name, database, promised=scenario.promise(jobs))
    began = time.monotonic()
    unsafe = faults.UNSAFE_QUEUE_ENV in config.worker_env
    if unsafe:  # the API builds its broker from the same settings
        os.environ[faults.UNSAFE_QUEUE_ENV] = "1"
    try:
        start = name != "api-before-worker"
        async with cluster(config, start_workers=start) as running:
            ctx, engine = harness_context(running)
            stop, abort = asyncio.Event(), asyncio.Event()
            run = Run(running, ctx, report, stop=stop, workers=config.workers)
            tasks = [asyncio.create_task(supervise(run))]
            report.deployment = running.deployment
            killer = None
            if name == "kill-random":
                killer = asyncio.create_task(kill_randomly(run, report.promised, abort))
            try:
                await _drive(run, name, jobs)
                if name == "bucket-outage":  # once every job is in: outages stop when all end
                    killer = asyncio.create_task(bucket_outages(run, report.promised, abort))
                done = await wait_terminal(ctx, report.accepted, timeout=300 + 6 * jobs)
                if not done:
                    report.notes.append("timed out waiting for every job to end")
                if killer is not None:  # the promise holds: kill (idle workers) until it is met
                    await asyncio.wait({killer}, timeout=60 + 10 * report.promised)
            finally:
                abort.set()
                stop.set()
                await asyncio.gather(*tasks, *([killer] if killer else []), return_exceptions=True)
            report.faults += sum(1 for _, _, code in running.pool.deaths if code == -9)
            await asyncio.to_thread(running.pool.stop_all)
            report.orphan_sandboxes = await wait_for_orphans(running.run_id)
            await judge(ctx, report)
            await judge_kill_log(ctx, report, running.fault_dir / faults.KILL_LOG)
            if name == "render-outlives-idle-timeout":
                report.faults = await _renders_outliving(ctx, config.idle_timeout_ms / 1000)
            if not report.promise_met:
                report.notes.append(
                    f"promised {report.promised} faults for {jobs} jobs, {report.faults} landed"
                )
            await engine.dispose()  # type: ignore[attr-defined]
    finally:
        if unsafe:
            os.environ.pop(faults.UNSAFE_QUEUE_ENV, None)
    report.seconds = time.monotonic() - began
    return report
