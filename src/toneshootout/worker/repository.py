"""The worker's queries beyond the job state machine (`server.render.jobs`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from toneshootout.server.db.models.render import Render, RenderOutput


@dataclass(frozen=True)
class RenderFacts:
    """What the worker needs of a render row to run and report it."""

    id: uuid.UUID
    owner_id: uuid.UUID
    shootout_id: uuid.UUID | None
    state: str
    attempt: int
    snapshot: dict[str, Any]
    reason: str | None
    output_prefix: str | None


@dataclass(frozen=True)
class Flags:
    alive: bool  # still running under this attempt
    cancel_requested: bool


async def render_facts(session: AsyncSession, render_id: uuid.UUID) -> RenderFacts | None:
    query = select(
        Render.id,
        Render.owner_id,
        Render.shootout_id,
        Render.state,
        Render.attempt,
        Render.snapshot,
        Render.reason,
        Render.output_prefix,
    ).where(Render.id == render_id)
    row = (await session.execute(query)).first()
    return None if row is None else RenderFacts(*row)


async def attempt_flags(session: AsyncSession, render_id: uuid.UUID, attempt: int) -> Flags:
    """Whether `attempt` still owns the job, and whether a cancel was requested (a cheap read)."""
    query = select(Render.state, Render.attempt, Render.cancel_requested).where(
        Render.id == render_id
    )
    row = (await session.execute(query)).first()
    if row is None:
        return Flags(alive=False, cancel_requested=False)
    alive = row.state == "running" and row.attempt == attempt
    return Flags(alive=alive, cancel_requested=bool(row.cancel_requested))


async def fair_next_queued(session: AsyncSession, *, per_user_running: int) -> uuid.UUID | None:
    """The queued job to start next: owners with fewer running jobs first, then the owner who
    started a job least recently (round robin), then the oldest in the queue."""
    running = aliased(Render)
    started = aliased(Render)
    owner_running = (
        select(func.count())
        .select_from(running)
        .where(running.owner_id == Render.owner_id, running.state == "running")
        .scalar_subquery()
    )
    owner_last_start = (
        select(func.max(started.started_at))
        .where(started.owner_id == Render.owner_id)
        .scalar_subquery()
    )
    query = (
        select(Render.id)
        .where(
            Render.state == "queued",
            Render.cancel_requested.is_(False),
            owner_running < per_user_running,
        )
        .order_by(owner_running, owner_last_start.asc().nulls_first(), Render.queued_at)
        .limit(1)
    )
    return await session.scalar(query)


async def render_prefixes(
    session: AsyncSession, render_ids: list[uuid.UUID]
) -> dict[uuid.UUID, tuple[str, int, str | None]]:
    """State, attempt and recorded output prefix of each existing render in `render_ids`."""
    if not render_ids:
        return {}
    query = select(Render.id, Render.state, Render.attempt, Render.output_prefix).where(
        Render.id.in_(render_ids)
    )
    return {
        row.id: (row.state, row.attempt, row.output_prefix) for row in await session.execute(query)
    }


async def recorded_outputs(session: AsyncSession) -> list[tuple[uuid.UUID, str, str]]:
    """(render id, output prefix, relative path) of every recorded output file."""
    query = select(Render.id, Render.output_prefix, RenderOutput.path).join(
        RenderOutput, RenderOutput.render_id == Render.id
    )
    return [(row[0], row[1] or "", row[2]) for row in await session.execute(query)]
