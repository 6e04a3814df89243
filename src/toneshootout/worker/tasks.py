"""The TaskIQ task `render.run(render_id)`: the message carries only the job ID, as a string.

Registered on a broker built at run time (`build_broker`), bound to the process's runner. A
payload that is not a render ID is logged and dropped (acked), never raised: a poison message
must not wedge the worker; unknown task names are dropped by TaskIQ's receiver itself.
"""

from __future__ import annotations

import logging
import uuid

from taskiq import AsyncBroker

from toneshootout.worker.broker import RENDER_TASK
from toneshootout.worker.faults import crash_point
from toneshootout.worker.runner import RenderRunner

log = logging.getLogger("toneshootout.worker")


def parse_render_id(payload: object) -> uuid.UUID | None:
    """The job ID in a message, or None when the payload is not one."""
    if not isinstance(payload, str) or len(payload) > 64:
        return None
    try:
        return uuid.UUID(payload)
    except ValueError:
        return None


def register_render_task(broker: AsyncBroker, runner: RenderRunner | None) -> None:
    """Register `render.run` on `broker`; with no runner (a kicking-only API) it only sends."""

    async def run_render(render_id: str) -> None:
        parsed = parse_render_id(render_id)
        if parsed is None:
            log.warning("dropping a render message whose payload is not a job ID")
            return
        if runner is None:
            log.warning("this process does not run renders; message dropped")
            return
        try:
            await runner.run(parsed)
        except Exception:  # the row is the record: its lease or the sweeper recovers it
            log.exception("render task failed", extra={"render_id": str(parsed)})
        crash_point("after_commit_before_ack")  # TaskIQ acks once this returns

    broker.register_task(run_render, task_name=RENDER_TASK)
