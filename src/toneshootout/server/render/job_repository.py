"""The render job's state machine in SQL: claim, heartbeat, finish, cancel, sweep.

Every transition is one conditional UPDATE, so the database decides races (RELIABILITY.md §2.5):
- claim is a compare-and-set from `queued` that bumps `attempt`, sets a lease and the worker;
  a duplicate message finds no queued row and is dropped;
- every later write of a worker (heartbeat, progress, outputs, final state) is fenced by the
  attempt it claimed, so a zombie whose lease expired cannot overwrite a newer attempt;
- the sweeper puts `running` rows whose lease ran out back to `queued` (or fails them once
  attempts are exhausted) and re-kicks `queued` rows nobody picked up.
Callers own the transaction (SQLite: BEGIN IMMEDIATE via the engine; PostgreSQL: the claim takes
a transaction-scoped advisory lock so the running caps are checked one claim at a time).
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import and_, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from toneshootout.server.db.models.render import Render, RenderOutput
from toneshootout.server.render.states import TERMINAL_STATES, RenderState

_CLAIM_LOCK: Final = 7_245_301  # pg_advisory_xact_lock key serialising claims (caps)


class ClaimOutcome(enum.Enum):
    CLAIMED = "claimed"
    DUPLICATE = "duplicate"  # not queued (already running, finished, or unknown): drop the message
    DEFERRED = "deferred"  # queued, but a running cap is full: stays queued, re-kicked later
    EXHAUSTED = "exhausted"  # queued with no attempts left: now failed(max_attempts)


@dataclass(frozen=True)
class Claim:
    outcome: ClaimOutcome
    attempt: int = 0
    owner_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Heartbeat:
    alive: bool  # False: fenced out (lease lost, cancelled by the sweeper, or deleted)
    cancel_requested: bool = False


@dataclass(frozen=True)
class Progress:
    progress: float
    step: str | None = None
    current: dict[str, Any] | None = None
    eta_seconds: float | None = None


@dataclass(frozen=True)
class OutputRecord:
    path: str
    role: str
    di: str | None
    chain: str | None
    size_bytes: int
    sha256: str
    media_type: str


@dataclass(frozen=True)
class SweepResult:
    requeued: list[uuid.UUID]  # running rows whose lease ran out, back to queued
    rekick: list[uuid.UUID]  # every queued row that needs a (new) message, incl. `requeued`
    failed: list[uuid.UUID]  # attempts exhausted
    cancelled: list[uuid.UUID]  # cancel requested and the worker is gone


def _fenced(render_id: uuid.UUID, attempt: int) -> Any:
    return and_(
        Render.id == render_id, Render.attempt == attempt, Render.state == RenderState.RUNNING
    )


async def _lock_claims(session: AsyncSession) -> None:
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text(f"SELECT pg_advisory_xact_lock({_CLAIM_LOCK})"))


async def claim(
    session: AsyncSession,
    render_id: uuid.UUID,
    *,
    worker_id: str,
    now: datetime,
    lease_seconds: float,
    per_user_running: int,
    global_running: int,
) -> Claim:
    """Move the job from queued to running for this worker, if it is queued and caps allow."""
    await _lock_claims(session)
    mine = aliased(Render)
    user_running = (
        select(func.count())
        .select_from(mine)
        .where(mine.owner_id == Render.owner_id, mine.state == RenderState.RUNNING)
        .scalar_subquery()
    )
    every = aliased(Render)
    all_running = (
        select(func.count())
        .select_from(every)
        .where(every.state == RenderState.RUNNING)
        .scalar_subquery()
    )
    statement = (
        update(Render)
        .where(
            Render.id == render_id,
            Render.state == RenderState.QUEUED,
            Render.cancel_requested.is_(False),
            Render.attempt < Render.max_attempts,
            user_running < per_user_running,
            all_running < global_running,
        )
        .values(
            state=RenderState.RUNNING,
            attempt=Render.attempt + 1,
            starts=Render.starts + 1,
            worker_id=worker_id,
            lease_until=now + timedelta(seconds=lease_seconds),
            started_at=now,
            progress=0.0,
            step="starting",
            current=None,
            eta_seconds=None,
            updated_at=now,
        )
        .returning(Render.attempt, Render.owner_id)
        .execution_options(synchronize_session=False)
    )
    row = (await session.execute(statement)).first()
    if row is not None:
        return Claim(ClaimOutcome.CLAIMED, attempt=int(row[0]), owner_id=row[1])
    return await _why_not_claimed(session, render_id, now=now)


async def _why_not_claimed(session: AsyncSession, render_id: uuid.UUID, *, now: datetime) -> Claim:
    query = select(Render.state, Render.attempt, Render.max_attempts, Render.cancel_requested)
    row = (await session.execute(query.where(Render.id == render_id))).first()
    if row is None or row.state != RenderState.QUEUED:
        return Claim(ClaimOutcome.DUPLICATE)
    if row.cancel_requested:
        await _finish_queued(session, render_id, now=now, state=RenderState.CANCELLED, reason=None)
        return Claim(ClaimOutcome.DUPLICATE)
    if row.attempt >= row.max_attempts:
        await _finish_queued(
            session, render_id, now=now, state=RenderState.FAILED, reason="max_attempts"
        )
        return Claim(ClaimOutcome.EXHAUSTED, attempt=int(row.attempt))
    return Claim(ClaimOutcome.DEFERRED, attempt=int(row.attempt))


async def _finish_queued(
    session: AsyncSession,
    render_id: uuid.UUID,
    *,
    now: datetime,
    state: RenderState,
    reason: str | None,
) -> bool:
    detail = "gave up after the maximum number of attempts" if reason == "max_attempts" else None
    statement = (
        update(Render)
        .where(Render.id == render_id, Render.state == RenderState.QUEUED)
        .values(state=state, reason=reason, detail=detail, finished_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool((await session.execute(statement)).rowcount)  # type: ignore[attr-defined]


async def heartbeat(
    session: AsyncSession,
    render_id: uuid.UUID,
    attempt: int,
    *,
    now: datetime,
    lease_seconds: float,
    progress: Progress | None = None,
) -> Heartbeat:
    """Extend the lease (and store progress) if this attempt still owns the job."""
    values: dict[str, Any] = {
        "lease_until": now + timedelta(seconds=lease_seconds),
        "updated_at": now,
    }
    if progress is not None:
        values |= {
            "progress": progress.progress,
            "step": progress.step,
            "current": progress.current,
            "eta_seconds": progress.eta_seconds,
        }
    statement = (
        update(Render)
        .where(_fenced(render_id, attempt))
        .values(**values)
        .returning(Render.cancel_requested)
        .execution_options(synchronize_session=False)
    )
    row = (await session.execute(statement)).first()
    if row is None:
        return Heartbeat(alive=False)
    return Heartbeat(alive=True, cancel_requested=bool(row[0]))


async def finish(
    session: AsyncSession,
    render_id: uuid.UUID,
    attempt: int,
    *,
    now: datetime,
    state: RenderState,
    reason: str | None = None,
    detail: str | None = None,
    output_prefix: str | None = None,
    summary: dict[str, Any] | None = None,
    outputs: list[OutputRecord] | None = None,
) -> bool:
    """Record the attempt's final state (and its outputs); False when fenced out."""
    if state not in TERMINAL_STATES:
        raise ValueError(f"not a final state: {state}")
    values: dict[str, Any] = {
        "state": state,
        "reason": reason,
        "detail": detail[:500] if detail else None,
        "finished_at": now,
        "updated_at": now,
        "lease_until": None,
        "eta_seconds": None,
    }
    if state == RenderState.SUCCEEDED:
        values |= {"progress": 1.0, "step": "done", "output_prefix": output_prefix}
        values["summary"] = summary
    statement = (
        update(Render)
        .where(_fenced(render_id, attempt))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if not (await session.execute(statement)).rowcount:  # type: ignore[attr-defined]
        return False
    for output in outputs or []:
        session.add(RenderOutput(render_id=render_id, **output.__dict__))
    await session.flush()
    return True


async def release(
    session: AsyncSession, render_id: uuid.UUID, attempt: int, *, now: datetime
) -> bool:
    """Give a claimed job back to the queue (graceful shutdown before it really started)."""
    statement = (
        update(Render)
        .where(_fenced(render_id, attempt))
        .values(
            state=RenderState.QUEUED,
            worker_id=None,
            lease_until=None,
            queued_at=now,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return bool((await session.execute(statement)).rowcount)  # type: ignore[attr-defined]


async def request_cancel(
    session: AsyncSession, render_id: uuid.UUID, *, now: datetime
) -> str | None:
    """Cancel a queued job at once; flag a running one for its worker. Returns the new state."""
    if await _finish_queued(session, render_id, now=now, state=RenderState.CANCELLED, reason=None):
        return RenderState.CANCELLED
    statement = (
        update(Render)
        .where(Render.id == render_id, Render.state == RenderState.RUNNING)
        .values(cancel_requested=True, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if (await session.execute(statement)).rowcount:  # type: ignore[attr-defined]
        return RenderState.RUNNING
    return await session.scalar(select(Render.state).where(Render.id == render_id))


async def mark_kicked(session: AsyncSession, render_ids: list[uuid.UUID], *, now: datetime) -> None:
    """Count a message sent for each queued job and restart its `requeue_after` clock."""
    if not render_ids:
        return
    statement = (
        update(Render)
        .where(Render.id.in_(render_ids), Render.state == RenderState.QUEUED)
        .values(kicks=Render.kicks + 1, queued_at=now)
        .execution_options(synchronize_session=False)
    )
    await session.execute(statement)


async def sweep(
    session: AsyncSession, *, now: datetime, requeue_after_seconds: float
) -> SweepResult:
    """One sweeper pass (REQ-28): expired leases requeued or failed; stale queued re-kicked."""
    expired = (
        await session.execute(
            select(Render.id, Render.attempt, Render.max_attempts, Render.cancel_requested).where(
                Render.state == RenderState.RUNNING, Render.lease_until < now
            )
        )
    ).all()
    requeued: list[uuid.UUID] = []
    failed: list[uuid.UUID] = []
    cancelled: list[uuid.UUID] = []
    for row in expired:
        if row.cancel_requested:
            target, bucket = {"state": RenderState.CANCELLED, "finished_at": now}, cancelled
        elif row.attempt >= row.max_attempts:
            target = {
                "state": RenderState.FAILED,
                "reason": "worker_lost",
                "detail": "the worker stopped responding on every attempt",
                "finished_at": now,
            }
            bucket = failed
        else:
            target, bucket = {"state": RenderState.QUEUED, "queued_at": now}, requeued
        statement = (
            update(Render)
            .where(_fenced(row.id, row.attempt), Render.lease_until < now)
            .values(worker_id=None, lease_until=None, updated_at=now, **target)
            .execution_options(synchronize_session=False)
        )
        if (await session.execute(statement)).rowcount:  # type: ignore[attr-defined]
            bucket.append(row.id)
    stale_before = now - timedelta(seconds=requeue_after_seconds)
    stale = (
        await session.scalars(
            select(Render.id).where(
                Render.state == RenderState.QUEUED,
                or_(Render.queued_at < stale_before, Render.id.in_(requeued)),
            )
        )
    ).all()
    rekick = list(dict.fromkeys([*requeued, *stale]))
    await mark_kicked(session, rekick, now=now)
    return SweepResult(requeued=requeued, rekick=rekick, failed=failed, cancelled=cancelled)
