"""The TaskIQ path: messages carry only the job ID; poison messages never wedge the worker."""

from __future__ import annotations

import uuid

from taskiq import InMemoryBroker
from taskiq.message import BrokerMessage

from tests.integration.conftest import Kit
from tests.integration.worker.helpers import add_render, add_user, load, tiny_snapshot
from toneshootout.worker.broker import RENDER_TASK, TaskiqJobQueue, build_broker
from toneshootout.worker.context import WorkerContext
from toneshootout.worker.runner import RenderRunner
from toneshootout.worker.tasks import register_render_task


async def test_poison_messages_are_dropped_and_real_jobs_run(ctx: WorkerContext, kit: Kit) -> None:
    broker = build_broker(ctx.settings)
    assert isinstance(broker, InMemoryBroker)
    register_render_task(broker, RenderRunner(ctx))
    await broker.startup()
    try:
        task = broker.find_task(RENDER_TASK)
        assert task is not None
        await task.kiq("not-a-uuid")
        await task.kiq(str(uuid.uuid4()))  # an ID with no row: a duplicate, dropped
        junk = BrokerMessage(task_id="x", task_name=RENDER_TASK, message=b"{not json", labels={})
        await broker.kick(junk)
        await broker.wait_all()
        owner = await add_user(ctx)
        render_id = await add_render(ctx, owner, tiny_snapshot(ctx, owner, kit))
        await TaskiqJobQueue(broker).kick(render_id)
        await broker.wait_all()
        assert (await load(ctx, render_id)).state == "succeeded"
    finally:
        await broker.shutdown()
