"""`create_app(settings)`: the composition root. No side effects at import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from toneshootout import __version__
from toneshootout.server.db.engine import create_engine, create_sessionmaker
from toneshootout.server.db.migrate import check_schema_current
from toneshootout.server.http.errors import install_error_handlers
from toneshootout.server.http.request_id import RequestIdMiddleware
from toneshootout.server.ops.router import router as ops_router
from toneshootout.server.state import Services
from toneshootout.server.storage.local import LocalStorage
from toneshootout.settings import Settings

API_PREFIX = "/api/v1"


def api_routers() -> list[APIRouter]:
    """The feature routers mounted under /api/v1, in OpenAPI order."""
    routers: list[APIRouter] = []
    return routers


def create_app(settings: Settings) -> FastAPI:
    """Build the app; the lifespan opens the database (refusing an old schema) and storage."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings)
        try:
            await check_schema_current(engine)
            app.state.services = Services(
                settings=settings,
                engine=engine,
                sessionmaker=create_sessionmaker(engine),
                storage=LocalStorage(settings.storage_dir),
            )
            yield
        finally:
            await engine.dispose()

    app = FastAPI(
        title="Tone Shootout",
        version=__version__,
        lifespan=lifespan,
        docs_url="/docs" if settings.docs_enabled else None,
        redoc_url=None,
        openapi_url="/openapi.json" if settings.docs_enabled else None,
    )
    install_error_handlers(app)
    app.include_router(ops_router)
    for router in api_routers():
        app.include_router(router, prefix=API_PREFIX)
    app.add_middleware(RequestIdMiddleware)
    return app
