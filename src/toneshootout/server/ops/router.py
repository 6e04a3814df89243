"""`/healthz` (the process answers), `/readyz` (database and storage reachable), `/metrics`."""

from __future__ import annotations

from typing import cast

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from toneshootout.server.db.engine import database_answers
from toneshootout.server.deps import ServicesDep
from toneshootout.server.http.stack import ServiceApp

router = APIRouter(tags=["operations"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """Liveness: the process is up and its event loop answers."""
    return {"status": "ok"}


@router.get("/readyz", response_model=None)
async def readyz(services: ServicesDep) -> JSONResponse:
    """Readiness: the database answers a query and storage is writable."""
    checks = {
        "database": "ok" if await database_answers(services.engine) else "unavailable",
        # A bucket's check is a network call, with timeouts: off the event loop.
        "storage": "ok"
        if await anyio.to_thread.run_sync(services.storage.is_ready)
        else "unavailable",
    }
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks},
        status_code=200 if ready else 503,
    )


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format"}},
)
async def metrics(request: Request) -> Response:
    """Prometheus metrics: request counts and latencies by route template, process stats."""
    app = cast(ServiceApp, request.app)
    return Response(app.metrics.render(), media_type=app.metrics.content_type)
