"""Jobs and events leave only after commit, and a rollback drops them (STYLE.md §7)."""

from __future__ import annotations

import logging
import uuid

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from toneshootout.server.db.base import utcnow
from toneshootout.server.db.hooks import run_after_commit, run_on_rollback
from toneshootout.server.render.events import RenderEvent
from toneshootout.server.render.outbox import enqueue_after_commit, publish_after_commit


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


async def test_commit_kicks_and_publishes_once() -> None:
    session, sink, render_id = AsyncSession(), Recorder(), uuid.uuid4()
    enqueue_after_commit(session, sink, render_id)
    publish_after_commit(session, sink, _event(render_id))
    await run_after_commit(session)
    await run_after_commit(session)
    assert sink.kicked == [render_id]
    assert [e.render_id for e in sink.events] == [render_id]


async def test_rollback_sends_nothing() -> None:
    session, sink, render_id = AsyncSession(), Recorder(), uuid.uuid4()
    enqueue_after_commit(session, sink, render_id)
    publish_after_commit(session, sink, _event(render_id))
    await run_on_rollback(session)
    await run_after_commit(session)
    assert sink.kicked == []
    assert sink.events == []


async def test_failing_queue_and_hub_are_logged_not_raised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    session, sink = AsyncSession(), Recorder(fail=True)
    kicked, published = uuid.uuid4(), uuid.uuid4()
    enqueue_after_commit(session, sink, kicked)
    publish_after_commit(session, sink, _event(published))
    with caplog.at_level(logging.WARNING, logger="toneshootout.jobs"):
        await run_after_commit(session)  # the sweeper re-kicks; clients resync from the DB
    warned = {(r.getMessage(), getattr(r, "render_id", None)) for r in caplog.records}
    assert ("kick failed; the sweeper will retry", str(kicked)) in warned
    assert ("event publish failed", str(published)) in warned


async def test_no_queue_leaves_the_job_to_the_sweeper() -> None:
    session = AsyncSession()
    enqueue_after_commit(session, None, uuid.uuid4())
    await run_after_commit(session)  # nothing to send to and nothing raised
