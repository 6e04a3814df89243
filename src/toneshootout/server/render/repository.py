"""Render queries for the API, the worker and live progress: load, list, count, caps,
idempotency keys, outputs, library facts, fairness. The job state machine's fenced writes
(claim, heartbeat, finish, release, cancel, sweep) are in `job_repository`."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from toneshootout.server.db.models.library_item import LibraryItem
from toneshootout.server.db.models.render import Render, RenderOutput
from toneshootout.server.db.models.shootout import Shootout
from toneshootout.server.db.models.user import User
from toneshootout.server.render.states import ACTIVE_STATES, RenderState


async def get(session: AsyncSession, render_id: uuid.UUID) -> Render | None:
    return await session.get(Render, render_id)


async def lock_owner(session: AsyncSession, owner_id: uuid.UUID) -> None:
    """Serialise one owner's submissions (caps, numbering, keys); SQLite's write lock does."""
    await session.execute(select(User.id).where(User.id == owner_id).with_for_update())


async def by_idempotency_key(session: AsyncSession, owner_id: uuid.UUID, key: str) -> Render | None:
    query = select(Render).where(Render.owner_id == owner_id, Render.idempotency_key == key)
    return await session.scalar(query)


async def active_count(session: AsyncSession, owner_id: uuid.UUID) -> int:
    query = (
        select(func.count())
        .select_from(Render)
        .where(Render.owner_id == owner_id, Render.state.in_(ACTIVE_STATES))
    )
    return (await session.scalar(query)) or 0


async def next_number(session: AsyncSession, shootout_id: uuid.UUID) -> int:
    query = select(func.max(Render.number)).where(Render.shootout_id == shootout_id)
    return ((await session.scalar(query)) or 0) + 1


async def insert(session: AsyncSession, render: Render) -> bool:
    """Insert the row; False when its idempotency key is already taken (a concurrent twin)."""
    try:
        async with session.begin_nested():
            session.add(render)
            await session.flush()
    except IntegrityError:  # the savepoint rolled back and expunged the pending row
        return False
    return True


def _conditions(
    owner_id: uuid.UUID, shootout_id: uuid.UUID | None, state: RenderState | None
) -> list[ColumnElement[bool]]:
    conditions = [Render.owner_id == owner_id]
    if shootout_id is not None:
        conditions.append(Render.shootout_id == shootout_id)
    if state is not None:
        conditions.append(Render.state == state)
    return conditions


async def page(
    session: AsyncSession,
    owner_id: uuid.UUID,
    *,
    shootout_id: uuid.UUID | None,
    state: RenderState | None,
    limit: int,
    offset: int,
) -> Sequence[Render]:
    query = (
        select(Render)
        .where(*_conditions(owner_id, shootout_id, state))
        .order_by(Render.created_at.desc(), Render.id)
        .limit(limit)
        .offset(offset)
    )
    return (await session.scalars(query)).all()


async def count(
    session: AsyncSession,
    owner_id: uuid.UUID,
    *,
    shootout_id: uuid.UUID | None,
    state: RenderState | None,
) -> int:
    query = select(func.count()).select_from(Render)
    query = query.where(*_conditions(owner_id, shootout_id, state))
    return (await session.scalar(query)) or 0


async def outputs(session: AsyncSession, render_id: uuid.UUID) -> Sequence[RenderOutput]:
    query = (
        select(RenderOutput).where(RenderOutput.render_id == render_id).order_by(RenderOutput.path)
    )
    return (await session.scalars(query)).all()


async def output(session: AsyncSession, render_id: uuid.UUID, path: str) -> RenderOutput | None:
    query = select(RenderOutput).where(
        RenderOutput.render_id == render_id, RenderOutput.path == path
    )
    return await session.scalar(query)


async def library_items(
    session: AsyncSession, owner_id: uuid.UUID, item_ids: Collection[uuid.UUID]
) -> Sequence[LibraryItem]:
    """The owner's items among `item_ids` (anyone else's are never returned)."""
    if not item_ids:
        return []
    query = select(LibraryItem).where(
        LibraryItem.owner_id == owner_id, LibraryItem.id.in_(list(item_ids))
    )
    return (await session.scalars(query)).all()


async def remove(session: AsyncSession, render: Render) -> None:
    """Delete a render and its output rows (explicitly: no reliance on FK cascades)."""
    await session.execute(delete(RenderOutput).where(RenderOutput.render_id == render.id))
    await session.delete(render)
    await session.flush()


# The worker: what it needs of a row to run and report it, fairness, leftover files.


@dataclass(frozen=True)
class RenderFacts:
    """What the worker needs of a render row to run and report it."""

    id: uuid.UUID
    owner_id: uuid.UUID
    shootout_id: uuid.UUID | None
    state: RenderState
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
    alive = row.state == RenderState.RUNNING and row.attempt == attempt
    return Flags(alive=alive, cancel_requested=bool(row.cancel_requested))


async def fair_next_queued(session: AsyncSession, *, per_user_running: int) -> uuid.UUID | None:
    """The queued job to start next: owners with fewer running jobs first, then the owner who
    started a job least recently (round robin), then the oldest in the queue."""
    running = aliased(Render)
    started = aliased(Render)
    owner_running = (
        select(func.count())
        .select_from(running)
        .where(running.owner_id == Render.owner_id, running.state == RenderState.RUNNING)
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
            Render.state == RenderState.QUEUED,
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


async def user_ids(session: AsyncSession) -> list[uuid.UUID]:
    """Every account's ID (the owners whose storage prefixes the render janitor lists)."""
    return list((await session.scalars(select(User.id).order_by(User.id))).all())


async def library_sha256s(session: AsyncSession, sha256s: Collection[str]) -> set[str]:
    """Those of `sha256s` that some library item (of any owner) still has."""
    found: set[str] = set()
    batch = sorted(sha256s)
    for start in range(0, len(batch), 500):  # stays under every database's parameter limit
        chunk = batch[start : start + 500]
        query = select(LibraryItem.sha256).where(LibraryItem.sha256.in_(chunk)).distinct()
        found.update((await session.scalars(query)).all())
    return found


async def library_keys(session: AsyncSession, owner_id: uuid.UUID) -> set[str]:
    """The storage keys of every library item `owner_id` has."""
    query = select(LibraryItem.storage_key).where(LibraryItem.owner_id == owner_id)
    return set((await session.scalars(query)).all())


async def recorded_outputs(session: AsyncSession) -> list[tuple[uuid.UUID, str, str]]:
    """(render id, output prefix, relative path) of every recorded output file."""
    query = select(Render.id, Render.output_prefix, RenderOutput.path).join(
        RenderOutput, RenderOutput.render_id == Render.id
    )
    return [(row[0], row[1] or "", row[2]) for row in await session.execute(query)]


# Live progress: the renders a socket may watch.


async def get_owned_render(
    session: AsyncSession, *, owner_id: uuid.UUID, render_id: uuid.UUID
) -> Render | None:
    return await session.scalar(
        select(Render).where(Render.id == render_id, Render.owner_id == owner_id)
    )


async def owns_shootout(
    session: AsyncSession, *, owner_id: uuid.UUID, shootout_id: uuid.UUID
) -> bool:
    found = await session.scalar(
        select(Shootout.id).where(Shootout.id == shootout_id, Shootout.owner_id == owner_id)
    )
    return found is not None


async def list_shootout_renders(
    session: AsyncSession, *, owner_id: uuid.UUID, shootout_id: uuid.UUID, limit: int
) -> Sequence[Render]:
    """The shootout's newest `limit` renders, oldest first."""
    newest = await session.scalars(
        select(Render)
        .where(Render.shootout_id == shootout_id, Render.owner_id == owner_id)
        .order_by(Render.number.desc())
        .limit(limit)
    )
    return list(reversed(newest.all()))
