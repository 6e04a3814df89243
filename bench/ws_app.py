"""The uvicorn factory of the WebSocket latency benchmark: the real app plus a publish hook.

Embedded mode has no separate worker process: renders publish through the API process's own
`InProcessHub`. `POST /bench/publish` makes this process publish as its worker would, so the
measured path (hub → socket) is the deployed one. Bench only: never mounted by `create_app`.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import cast

from fastapi import APIRouter, FastAPI, Request
from pydantic import BaseModel

from toneshootout.server.app import create_app
from toneshootout.server.render.events import RenderEvent
from toneshootout.server.state import Services
from toneshootout.settings import get_settings


class PublishPlan(BaseModel):
    """Publish one progress event per render every `interval_s`, `rounds` times."""

    renders: list[tuple[uuid.UUID, uuid.UUID]]  # (owner_id, render_id)
    interval_s: float
    rounds: int


def progress_event(owner_id: uuid.UUID, render_id: uuid.UUID, progress: float) -> RenderEvent:
    """A progress event stamped now (the latency clock starts here)."""
    return RenderEvent(
        type="progress",
        render_id=render_id,
        owner_id=owner_id,
        state="running",
        attempt=1,
        progress=progress,
        step="render",
        at=datetime.now(UTC),
    )


router = APIRouter()


@router.post("/bench/publish")
async def publish(plan: PublishPlan, request: Request) -> dict[str, int]:
    """Publish the plan's events through this process's hub."""
    hub = cast(Services, request.app.state.services).hub
    loop = asyncio.get_running_loop()
    start = loop.time()
    sent = 0
    for index in range(plan.rounds):
        for owner_id, render_id in plan.renders:
            await hub.publish(progress_event(owner_id, render_id, (index + 1) / plan.rounds))
            sent += 1
        await asyncio.sleep(max(0.0, start + (index + 1) * plan.interval_s - loop.time()))
    return {"sent": sent}


def create() -> FastAPI:
    """The service as deployed (settings from `TONESHOOTOUT_*`), plus the publish hook."""
    app = create_app(get_settings())
    app.include_router(router)
    return app
