"""Render rules: submit (validated, snapshotted, capped, idempotent), read, cancel, delete.

A submission commits a `queued` job row and kicks its ID only after commit (the outbox), so an
accepted render can never be lost between the answer and the queue (REQ-24). Results are the
files recorded in `render_outputs` when the attempt succeeded; nothing else is ever served.
The TONE3000 models a shootout names are looked up before that transaction (`look_up_tone3000`,
network only) and frozen into the snapshot with the rest.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession

from toneshootout.server.db.base import utcnow
from toneshootout.server.db.models.library_item import LibraryItem
from toneshootout.server.db.models.render import Render, RenderOutput
from toneshootout.server.db.models.shootout import Shootout
from toneshootout.server.render import job_repository, repository
from toneshootout.server.render.errors import (
    IdempotencyKeyInvalid,
    IdempotencyKeyReused,
    RenderFinished,
    RenderNotFound,
    Tone3000LookupMissing,
    Tone3000NotConfigured,
    TooManyRenders,
)
from toneshootout.server.render.events import RenderEvent
from toneshootout.server.render.files import render_folder_key
from toneshootout.server.render.outbox import (
    EventSink,
    JobQueue,
    enqueue_after_commit,
    publish_after_commit,
)
from toneshootout.server.render.snapshot import (
    FrozenModel,
    build_snapshot,
    item_entry,
    snapshot_sha256,
)
from toneshootout.server.render.states import TERMINAL_STATES, RenderState
from toneshootout.server.render.tone3000_models import ModelRef, look_up, model_refs
from toneshootout.server.shootout.checks import (
    check_di_entries,
    check_duplicates,
    check_refs,
    check_tone3000_models,
    collect_refs,
    item_facts,
    ordered,
    parse_body,
)
from toneshootout.server.shootout.errors import ShootoutInvalid
from toneshootout.server.shootout.schemas import ShootoutIn
from toneshootout.server.storage.base import Storage
from toneshootout.server.storage.hooks import delete_prefix_after_commit
from toneshootout.server.tone3000.access import Tone3000Access
from toneshootout.settings import RenderSettings

_IDEMPOTENCY_KEY: Final = re.compile(r"[\x20-\x7e]{1,255}")


@dataclass(frozen=True)
class Submitted:
    """The render a submission created, or the one an earlier request with its key created."""

    render: Render
    replayed: bool


def check_idempotency_key(key: str | None) -> str | None:
    """The key if it is 1–255 printable ASCII characters (None when absent)."""
    if key is None:
        return None
    if not _IDEMPOTENCY_KEY.fullmatch(key):
        raise IdempotencyKeyInvalid()
    return key


def request_sha256(shootout_id: uuid.UUID, options: Mapping[str, Any]) -> str:
    """What makes two submissions "the same request": the shootout and the body."""
    canonical = json.dumps(
        {"shootout_id": str(shootout_id), "body": dict(options)},
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


async def _validated(
    session: AsyncSession, shootout: Shootout
) -> tuple[ShootoutIn, dict[uuid.UUID, LibraryItem]]:
    """The saved body, checked again against the library as it is now (as the builder does)."""
    raw = {**shootout.body, "title": shootout.title}
    body, problems = parse_body(raw)
    refs = collect_refs(raw)
    found = await repository.library_items(session, shootout.owner_id, {r.item_id for r in refs})
    items = {item.id: item for item in found}
    facts = {i.id: item_facts(i.kind, i.name, i.item_metadata or {}) for i in found}
    problems += check_refs(refs, facts) + check_duplicates(raw) + check_di_entries(raw, facts)
    problems += check_tone3000_models(raw)
    if problems or body is None:
        raise ShootoutInvalid(ordered(problems))
    return body, items


def tone3000_refs(shootout: Shootout) -> list[ModelRef]:
    """The TONE3000 models the saved shootout's blocks name ([] if it no longer parses: the
    submission then fails on its problems, before anyone asks TONE3000)."""
    body, _ = parse_body({**shootout.body, "title": shootout.title})
    return [] if body is None else model_refs(body)


async def replay_exists(session: AsyncSession, owner_id: uuid.UUID, key: str | None) -> bool:
    """Whether an earlier submission holds this Idempotency-Key (it is answered again)."""
    checked = check_idempotency_key(key)
    return (
        checked is not None
        and await repository.by_idempotency_key(session, owner_id, checked) is not None
    )


async def look_up_tone3000(
    access: Tone3000Access | None, *, owner_id: uuid.UUID, refs: list[ModelRef]
) -> dict[int, FrozenModel]:
    """Look the models up as the owner (no database work: call it outside a transaction)."""
    if access is None or not access.settings.enabled:
        raise Tone3000NotConfigured()
    return await look_up(access.api_for(owner_id), refs)


def _frozen_for(body: ShootoutIn, tone3000: Mapping[int, FrozenModel]) -> dict[int, FrozenModel]:
    used = {ref.model_id for ref in model_refs(body)}
    if not used <= tone3000.keys():
        raise Tone3000LookupMissing()
    return {model_id: tone3000[model_id] for model_id in used}


async def _replay(
    session: AsyncSession, owner_id: uuid.UUID, key: str, fingerprint: str
) -> Render | None:
    existing = await repository.by_idempotency_key(session, owner_id, key)
    if existing is not None and existing.request_sha256 != fingerprint:
        raise IdempotencyKeyReused()
    return existing


async def _new_render(
    session: AsyncSession,
    shootout: Shootout,
    *,
    settings: RenderSettings,
    tone3000: Mapping[int, FrozenModel],
    now: datetime,
) -> Render:
    body, items = await _validated(session, shootout)
    frozen = _frozen_for(body, tone3000)
    active = await repository.active_count(session, shootout.owner_id)
    if active >= settings.per_user_active:
        raise TooManyRenders(active, settings.per_user_active)
    entries = {
        item.id: item_entry(
            kind=item.kind, name=item.name, storage_key=item.storage_key, sha256=item.sha256
        )
        for item in items.values()
    }
    snapshot = build_snapshot(body, entries, frozen)
    return Render(
        id=uuid.uuid4(),
        owner_id=shootout.owner_id,
        shootout_id=shootout.id,
        number=await repository.next_number(session, shootout.id),
        title=body.title,
        snapshot=snapshot,
        snapshot_sha256=snapshot_sha256(snapshot),
        state=RenderState.QUEUED,
        attempt=0,
        max_attempts=settings.max_attempts,
        cancel_requested=False,
        kicks=0,
        starts=0,
        progress=0.0,
        queued_at=now,
    )


async def submit_render(
    session: AsyncSession,
    *,
    shootout: Shootout,
    options: Mapping[str, Any],
    idempotency_key: str | None,
    settings: RenderSettings,
    queue: JobQueue | None,
    events: EventSink,
    tone3000: Mapping[int, FrozenModel] | None = None,
) -> Submitted:
    """Queue a render of the shootout as saved now; kicked to the workers after commit.

    `tone3000`: the models its blocks name, from `look_up_tone3000` (none: it names none).
    """
    key = check_idempotency_key(idempotency_key)
    fingerprint = request_sha256(shootout.id, options)
    # One owner's submissions run one at a time: the cap, the version number and the key
    # lookup below then see every earlier submission.
    await repository.lock_owner(session, shootout.owner_id)
    if key is not None and (earlier := await _replay(session, shootout.owner_id, key, fingerprint)):
        return Submitted(earlier, replayed=True)
    render = await _new_render(
        session, shootout, settings=settings, tone3000=tone3000 or {}, now=utcnow()
    )
    if key is not None:
        render.idempotency_key, render.request_sha256 = key, fingerprint
    if not await repository.insert(session, render):
        # A concurrent twin with the same key won the unique index: answer with its render.
        assert key is not None
        winner = await _replay(session, shootout.owner_id, key, fingerprint)
        if winner is None:
            raise RuntimeError("render insert conflicted but no render holds its key")
        return Submitted(winner, replayed=True)
    publish_after_commit(session, events, state_event(render))
    enqueue_after_commit(session, queue, render.id)
    return Submitted(render, replayed=False)


async def get_owned(session: AsyncSession, *, owner_id: uuid.UUID, render_id: uuid.UUID) -> Render:
    """The render if `owner_id` owns it; anyone else's reads as not found."""
    render = await repository.get(session, render_id)
    if render is None or render.owner_id != owner_id:
        raise RenderNotFound()
    return render


async def list_renders(
    session: AsyncSession,
    *,
    owner_id: uuid.UUID,
    shootout_id: uuid.UUID | None,
    state: RenderState | None,
    limit: int,
    offset: int,
) -> tuple[Sequence[Render], int]:
    """One page of the owner's renders, newest first, and how many match in all."""
    found = await repository.page(
        session, owner_id, shootout_id=shootout_id, state=state, limit=limit, offset=offset
    )
    return found, await repository.count(session, owner_id, shootout_id=shootout_id, state=state)


async def outputs_of(session: AsyncSession, render: Render) -> Sequence[RenderOutput]:
    """The files a succeeded render published (none for any other state)."""
    if render.state != RenderState.SUCCEEDED:
        return []
    return await repository.outputs(session, render.id)


async def cancel_render(session: AsyncSession, *, render: Render, events: EventSink) -> Render:
    """Cancel a queued render at once; ask a running one's worker to stop (it then cancels)."""
    if render.state in TERMINAL_STATES:
        raise RenderFinished(render.state)
    state = await job_repository.request_cancel(session, render.id, now=utcnow())
    if state is None:
        raise RenderNotFound()  # deleted meanwhile
    await session.refresh(render)
    if state in TERMINAL_STATES and state != RenderState.CANCELLED:
        raise RenderFinished(state)  # it finished while we asked
    if state == RenderState.CANCELLED:  # a running render's worker publishes its own cancellation
        publish_after_commit(session, events, state_event(render))
    return render


def state_event(render: Render) -> RenderEvent:
    """The render's current state as a live event (sent after the commit that made it)."""
    return RenderEvent(
        type="state",
        render_id=render.id,
        owner_id=render.owner_id,
        shootout_id=render.shootout_id,
        state=render.state,
        attempt=render.attempt,
        progress=render.progress,
        reason=render.reason,
        detail=render.detail,
        at=utcnow(),
    )


async def delete_render(session: AsyncSession, *, storage: Storage, render: Render) -> None:
    """Cancel the render if active and delete its rows; its folder goes after the commit."""
    if render.state not in TERMINAL_STATES:
        # The worker's next fenced write (heartbeat, finish) finds no row and it stops.
        await job_repository.request_cancel(session, render.id, now=utcnow())
    folder = render_folder_key(render.owner_id, render.id)
    await repository.remove(session, render)
    delete_prefix_after_commit(session, storage, folder)
