"""`create_app(settings)`: the composition root. No side effects at import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import APIRouter, FastAPI

from toneshootout import __version__
from toneshootout.server.auth.router import router as auth_router
from toneshootout.server.catalogue.router import router as catalogue_router
from toneshootout.server.db.engine import create_engine, create_sessionmaker
from toneshootout.server.db.migrate import check_schema_current
from toneshootout.server.demo.router import router as demo_router
from toneshootout.server.http.cors import StrictCORSMiddleware, cors_options
from toneshootout.server.http.errors import install_error_handlers
from toneshootout.server.http.stack import ServiceApp
from toneshootout.server.library.router import router as library_router
from toneshootout.server.listening.router import router as listening_router
from toneshootout.server.logging import configure_logging
from toneshootout.server.ops.metrics import HttpMetrics
from toneshootout.server.ops.router import router as ops_router
from toneshootout.server.realtime.hub import build_hub
from toneshootout.server.realtime.router import router as realtime_router
from toneshootout.server.render.router import router as render_router
from toneshootout.server.share.router import router as share_router
from toneshootout.server.shootout.router import router as shootout_router
from toneshootout.server.state import Services
from toneshootout.server.storage.factory import open_storage
from toneshootout.server.storage.janitor import temp_janitor
from toneshootout.server.tone3000.access import tone3000_access
from toneshootout.server.tone3000.router import router as tone3000_router
from toneshootout.server.web.deps import LoginRequired, redirect_to_login
from toneshootout.server.web.pages import STATIC_DIR
from toneshootout.server.web.router import router as pages_router
from toneshootout.server.web.static import PageStaticFiles
from toneshootout.settings import Settings
from toneshootout.worker.runtime import api_jobs

API_PREFIX = "/api/v1"


def api_routers() -> list[APIRouter]:
    """The feature routers mounted under /api/v1, in OpenAPI order."""
    return [
        auth_router,
        library_router,
        shootout_router,
        demo_router,
        realtime_router,
        render_router,
        share_router,
        listening_router,
        tone3000_router,
        catalogue_router,
    ]


def create_app(
    settings: Settings, *, tone3000_transport: httpx.AsyncBaseTransport | None = None
) -> FastAPI:
    """Build the app; the lifespan opens the database (refusing an old schema), storage, the
    event hub and the job queue (embedded: the render worker, sweeper and janitors too).

    `tone3000_transport` routes calls to TONE3000 in-process (tests mount the fake there).
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings)
        try:
            await check_schema_current(engine)
            storage = open_storage(settings)
            sessionmaker = create_sessionmaker(engine)
            hub = build_hub(settings)
            try:
                async with (
                    tone3000_access(
                        settings.tone3000, sessionmaker, transport=tone3000_transport
                    ) as tone3000,
                    # After the access, so the embedded worker stops before its client closes.
                    api_jobs(settings, sessionmaker, storage, hub, tone3000=tone3000) as queue,
                ):
                    app.state.services = Services(
                        settings=settings,
                        engine=engine,
                        sessionmaker=sessionmaker,
                        storage=storage,
                        queue=queue,
                        hub=hub,
                        tone3000=tone3000,
                    )
                    async with temp_janitor(storage, settings.storage):
                        yield
            finally:
                await hub.close()
        finally:
            await engine.dispose()

    configure_logging(settings)
    app = ServiceApp(
        metrics=HttpMetrics(),
        hsts=settings.auth.cookie_secure,  # secure cookies mean the deployment is HTTPS-only
        title="Tone Shootout",
        version=__version__,
        lifespan=lifespan,
        docs_url="/docs" if settings.docs_enabled else None,
        redoc_url=None,
        openapi_url="/openapi.json" if settings.docs_enabled else None,
        max_body_size=settings.http.max_body_bytes,  # upload routes set their own, larger
    )
    install_error_handlers(app)
    app.add_exception_handler(LoginRequired, redirect_to_login)
    app.include_router(ops_router)
    for router in api_routers():
        app.include_router(router, prefix=API_PREFIX)
    app.include_router(pages_router)
    app.mount("/static", PageStaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(StrictCORSMiddleware, **cors_options(settings))
    return app
