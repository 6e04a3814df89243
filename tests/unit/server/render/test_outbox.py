"""Jobs and events leave only after commit, and a rollback drops them (STYLE.md §7)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from toneshootout.server.db.base import utcnow
from toneshootout.server.render.events import RenderEvent
from toneshootout.server.render.outbox import (
    discard_outbox,
    enqueue_after_commit,
    flush_outbox,
    publish_after_commit,
)


class Recorder:
    def __init__(self, *, fail: bool = False) -> None:
        self.kicked: list[uuid.UUID] = []
        self.events: list[RenderEvent] = []
        self.fail = fail

    async def kick(self, render_id: uuid.UUID) -> None:
        if self.fail:
            raise ConnectionError("queue down")
        self.kicked.append(render_id)

    async def publish(self, event: RenderEvent) -> None:
        if self.fail:
            raise ConnectionError("hub down")
        self.events.append(event)


def _event(render_id: uuid.UUID) -> RenderEvent:
    return RenderEvent(
        type="state",
        render_id=render_id,
        owner_id=uuid.uuid4(),
        state="queued",
        attempt=0,
        at=utcnow(),
    )


async def test_flush_kicks_and_publishes_once() -> None:
    session, sink, render_id = AsyncSession(), Recorder(), uuid.uuid4()
    enqueue_after_commit(session, render_id)
    publish_after_commit(session, _event(render_id))
    await flush_outbox(session, sink, sink)
    await flush_outbox(session, sink, sink)
    assert sink.kicked == [render_id]
    assert [e.render_id for e in sink.events] == [render_id]


async def test_discard_after_rollback_sends_nothing() -> None:
    session, sink, render_id = AsyncSession(), Recorder(), uuid.uuid4()
    enqueue_after_commit(session, render_id)
    publish_after_commit(session, _event(render_id))
    discard_outbox(session)
    await flush_outbox(session, sink, sink)
    assert sink.kicked == []
    assert sink.events == []


async def test_failing_queue_and_hub_are_logged_not_raised() -> None:
    session, sink = AsyncSession(), Recorder(fail=True)
    enqueue_after_commit(session, uuid.uuid4())
    publish_after_commit(session, _event(uuid.uuid4()))
    await flush_outbox(session, sink, sink)  # the sweeper re-kicks; clients resync from the DB
