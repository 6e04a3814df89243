"""`create_fake_app(config)`: the fake TONE3000 as one ASGI app, its state on `app.state.fake`."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from toneshootout.tone3000_fake import (
    routes_control,
    routes_models,
    routes_oauth,
    routes_people,
    routes_storage,
    routes_tones,
)
from toneshootout.tone3000_fake.clock import FakeClock
from toneshootout.tone3000_fake.config import FakeConfig
from toneshootout.tone3000_fake.errors import ApiError, api_error_handler
from toneshootout.tone3000_fake.state import FakeState


async def _http_error(_request: Request, exc: Exception) -> Response:
    # Unknown paths and methods answer in the API's own {"error": ...} shape.
    assert isinstance(exc, HTTPException)
    return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code)


async def _invalid(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {}
    where = ".".join(str(part) for part in first.get("loc", ()))
    return JSONResponse({"error": f"{where}: {first.get('msg', 'invalid')}"}, status_code=400)


def create_fake_app(config: FakeConfig | None = None, *, clock: FakeClock | None = None) -> FastAPI:
    """A fresh fake server: its own catalogue, clock, tokens and switches."""
    config = config or FakeConfig()
    app = FastAPI(title="Fake TONE3000", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.fake = FakeState(config, clock=clock or FakeClock())
    app.add_exception_handler(ApiError, api_error_handler)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid)
    for module in (routes_oauth, routes_tones, routes_models, routes_people, routes_storage):
        app.include_router(module.router)
    if config.control_enabled:
        app.include_router(routes_control.router)
    return app


def fake_state(app: FastAPI) -> FakeState:
    """The Python API to a fake built by `create_fake_app`: clock, switches, counters."""
    state = app.state.fake
    assert isinstance(state, FakeState)
    return state
