"""Operations endpoints and app start-up, on both databases."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from toneshootout.server.app import create_app
from toneshootout.server.db.migrate import SchemaMismatch, downgrade
from toneshootout.settings import Settings


async def test_healthz_answers(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response.headers["x-request-id"]


async def test_readyz_checks_database_and_storage(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "storage": "ok"}


async def test_openapi_and_docs_served_outside_production(client: httpx.AsyncClient) -> None:
    assert (await client.get("/openapi.json")).status_code == 200
    assert (await client.get("/docs")).status_code == 200


async def test_unknown_route_gives_json_error(client: httpx.AsyncClient) -> None:
    response = await client.get("/nope")
    assert response.status_code == 404
    body = response.json()
    assert body["error"] == "not_found"
    assert body["request_id"] == response.headers["x-request-id"]


async def test_app_refuses_to_start_on_old_schema(settings: Settings) -> None:
    await asyncio.to_thread(downgrade, settings.database, "base")
    app = create_app(settings)
    with pytest.raises(SchemaMismatch, match="toneshootout db upgrade"):
        async with app.router.lifespan_context(app):
            pass


def test_production_settings_refuse_defaults(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="SECRET_KEY"):
        Settings(environment="production", data_dir=tmp_path)


def test_production_turns_off_docs(tmp_path: Path) -> None:
    settings = Settings(
        environment="production",
        data_dir=tmp_path,
        auth={"secret_key": "x" * 40},
        http={"cors_origins": ["https://shootout.example"]},
    )
    app = create_app(settings)
    assert app.docs_url is None
    assert app.openapi_url is None
