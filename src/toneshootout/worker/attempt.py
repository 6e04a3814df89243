"""Supervise one claimed attempt: the sandbox, heartbeats, cancel, progress, wall time.

The loop wakes every `POLL_S`: it extends the lease every `heartbeat_seconds` (storing the
latest progress, at most once a second), otherwise reads the cancel flag, so a cancel stops a
running render within about POLL_S + the sandbox's stop grace. An attempt that lost its lease
(`alive` False: fenced out) kills its sandbox and writes nothing more.
"""

from __future__ import annotations

import asyncio
import enum
import time
import uuid
from collections.abc import Awaitable
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar

from toneshootout.server.db.engine import READ_ONLY
from toneshootout.server.db.session import session_scope
from toneshootout.server.render import job_repository
from toneshootout.server.render.events import RenderEvent
from toneshootout.server.render.repository import attempt_flags
from toneshootout.server.render.states import RenderState
from toneshootout.worker.context import WorkerContext, log
from toneshootout.worker.faults import mid_render_progress
from toneshootout.worker.process import SandboxOutcome, SandboxProcess

POLL_S: Final = 0.5
PROGRESS_WRITE_S: Final = 1.0  # at most one progress write per second per job
PROGRESS_EVENT_S: Final = 0.1  # at most ~10 progress events per second per job

T = TypeVar("T")


class Stop(enum.Enum):
    """Why the supervisor stopped the sandbox itself."""

    CANCELLED = "cancelled"
    TIMEOUT = "timeout"
    FENCED = "fenced"
    SHUTDOWN = "shutdown"


@dataclass
class Attempt:
    """One claimed attempt of a render, as the worker sees it."""

    render_id: uuid.UUID
    attempt: int
    owner_id: uuid.UUID
    shootout_id: uuid.UUID | None
    progress: job_repository.Progress = field(
        default_factory=lambda: job_repository.Progress(0.0, "starting")
    )
    progress_dirty: bool = False
    sandbox: SandboxProcess | None = None
    stop_requested: Stop | None = None

    def event(
        self, ctx: WorkerContext, state: RenderState, *, kind: str = "state", **fields: Any
    ) -> RenderEvent:
        """A `RenderEvent` of this attempt with its latest progress (`fields` override)."""
        current = self.progress.current or {}
        values: dict[str, Any] = {
            "progress": self.progress.progress,
            "step": self.progress.step,
            "di": current.get("di"),
            "chain": current.get("chain"),
            "eta_seconds": self.progress.eta_seconds,
        }
        return RenderEvent(
            type=kind,
            render_id=self.render_id,
            owner_id=self.owner_id,
            shootout_id=self.shootout_id,
            state=state,
            attempt=self.attempt,
            at=ctx.clock(),
            **(values | fields),
        )


def _as_progress(message: dict[str, Any]) -> job_repository.Progress:
    current = {k: str(message[k])[:80] for k in ("di", "chain") if message.get(k)}
    eta = message.get("eta_seconds")
    return job_repository.Progress(
        progress=min(1.0, max(0.0, float(message.get("overall") or 0.0))),
        step=str(message.get("step") or "")[:64] or None,
        current=current or None,
        eta_seconds=None if eta is None else max(0.0, float(eta)),
    )


async def _pump(ctx: WorkerContext, attempt: Attempt, sandbox: SandboxProcess) -> None:
    """Read the sandbox's lines until it closes stdout; keep the latest progress."""
    last_event = 0.0
    reports, passed_mid_render = 0, False
    while (message := await sandbox.next_message()) is not None:
        if message.get("type") != "progress":
            continue
        try:
            progress = _as_progress(message)
        except (TypeError, ValueError):
            continue
        reports += 1
        if not passed_mid_render:  # the fault harness's crash point, keyed to real progress
            passed_mid_render = mid_render_progress(
                attempt.render_id,
                attempt.attempt,
                progress.progress,
                reports,
                sandbox_running=sandbox.running,
            )
        step_changed = progress.step != attempt.progress.step
        attempt.progress, attempt.progress_dirty = progress, True
        now = time.monotonic()
        if step_changed or now - last_event >= PROGRESS_EVENT_S:
            last_event = now
            await ctx.publish(attempt.event(ctx, RenderState.RUNNING, kind="progress"))


@dataclass
class _Clock:
    deadline: float
    next_beat: float
    last_write: float = 0.0


async def _check_in(
    ctx: WorkerContext, attempt: Attempt, clock: _Clock
) -> job_repository.Heartbeat:
    """Heartbeat (with progress) when due, else a cheap read of the cancel flag."""
    render = ctx.settings.render
    now = time.monotonic()
    beat_due = now >= clock.next_beat
    write_progress = attempt.progress_dirty and now - clock.last_write >= PROGRESS_WRITE_S
    if beat_due or write_progress:
        progress = attempt.progress if attempt.progress_dirty else None
        async with session_scope(ctx.sessionmaker) as session:
            beat = await job_repository.heartbeat(
                session,
                attempt.render_id,
                attempt.attempt,
                now=ctx.clock(),
                lease_seconds=render.lease_seconds,
                progress=progress,
            )
        attempt.progress_dirty = attempt.progress_dirty and progress is None
        clock.last_write, clock.next_beat = now, now + render.heartbeat_seconds
        return beat
    async with ctx.sessionmaker() as session:
        await session.connection(execution_options={READ_ONLY: True})
        flags = await attempt_flags(session, attempt.render_id, attempt.attempt)
    return job_repository.Heartbeat(alive=flags.alive, cancel_requested=flags.cancel_requested)


async def _watch(ctx: WorkerContext, attempt: Attempt, reader: asyncio.Task[None]) -> Stop | None:
    """Wait for the sandbox to finish; return why we must stop it early, if we must."""
    render = ctx.settings.render
    start = time.monotonic()
    clock = _Clock(deadline=start + render.max_render_seconds, next_beat=start)
    while not reader.done():
        await asyncio.wait({reader}, timeout=POLL_S)
        if reader.done():
            return None
        if attempt.stop_requested is not None:
            return attempt.stop_requested
        if time.monotonic() >= clock.deadline:
            return Stop.TIMEOUT
        try:
            beat = await _check_in(ctx, attempt, clock)
        except Exception:  # e.g. a database restart: keep rendering; the lease decides
            log.warning("check-in failed", extra={"render_id": str(attempt.render_id)})
            continue
        if not beat.alive:
            return Stop.FENCED
        if beat.cancel_requested:
            return Stop.CANCELLED
    return None


async def supervise(
    ctx: WorkerContext, attempt: Attempt, job: dict[str, Any]
) -> SandboxOutcome | Stop:
    """Run the sandbox for `attempt` to its end, or stop it and say why."""
    sandbox = await SandboxProcess.start(job)
    attempt.sandbox = sandbox
    reader = asyncio.create_task(_pump(ctx, attempt, sandbox), name=f"render-{attempt.render_id}")
    try:
        stop = await _watch(ctx, attempt, reader)
    except BaseException:
        await sandbox.stop()
        reader.cancel()
        raise
    if stop is not None:
        await sandbox.stop()
    await reader
    await sandbox.wait()
    return stop if stop is not None else sandbox.outcome()


async def _stop_reason(ctx: WorkerContext, attempt: Attempt, clock: _Clock) -> Stop | None:
    if attempt.stop_requested is not None:
        return attempt.stop_requested
    if time.monotonic() >= clock.deadline:
        return Stop.TIMEOUT
    try:
        beat = await _check_in(ctx, attempt, clock)
    except Exception:  # e.g. a database restart: keep going; the lease decides
        log.warning("check-in failed", extra={"render_id": str(attempt.render_id)})
        return None
    if not beat.alive:
        return Stop.FENCED
    return Stop.CANCELLED if beat.cancel_requested else None


async def keep_alive(ctx: WorkerContext, attempt: Attempt, work: Awaitable[T]) -> T | Stop:
    """Run `work` (what an attempt does before its sandbox starts, e.g. downloads) holding the
    lease as `supervise` does: heartbeats, and an early stop on cancel, fencing, shutdown or the
    wall-time limit (then `work` is cancelled). `work`'s own exception propagates."""
    task = asyncio.ensure_future(work)
    start = time.monotonic()
    clock = _Clock(deadline=start + ctx.settings.render.max_render_seconds, next_beat=start)
    try:
        while True:
            await asyncio.wait({task}, timeout=POLL_S)
            if task.done():
                return task.result()
            stop = await _stop_reason(ctx, attempt, clock)
            if stop is not None:
                return stop
    finally:
        if not task.done():
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
