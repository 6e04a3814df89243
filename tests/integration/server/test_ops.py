"""Operations endpoints, app start-up, error bodies, metrics and logs, on both databases."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import socket
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from toneshootout.server.app import create_app
from toneshootout.server.db.migrate import SchemaMismatch, downgrade
from toneshootout.server.deps import SessionDep
from toneshootout.server.logging import bind_user_id, configure_logging, scrub_text
from toneshootout.server.state import Services
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


# --- production mode, readiness, errors (REQ-11, REQ-23) ------------------------------------


def _raw_client(app: FastAPI) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def test_docs_and_openapi_give_404_in_production(settings: Settings) -> None:
    production = settings.model_copy(
        update={
            "environment": "production",
            "auth": settings.auth.model_copy(update={"secret_key": SecretStr("k" * 40)}),
            "http": settings.http.model_copy(update={"cors_origins": ["https://a.example"]}),
        }
    )
    app = create_app(production)
    async with app.router.lifespan_context(app), _raw_client(app) as client:
        for path in ("/docs", "/openapi.json", "/redoc"):
            response = await client.get(path)
            assert response.status_code == 404, path
            assert response.json()["error"] == "not_found"
        assert (await client.get("/healthz")).status_code == 200


def _unreachable_database(url: str) -> str:
    if url.startswith("sqlite"):
        return "sqlite+aiosqlite:////nonexistent-dir/for/toneshootout.db"
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"postgresql+asyncpg://postgres@127.0.0.1:{port}/nothing"


async def test_readyz_gives_503_when_database_unreachable(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings
) -> None:
    services: Services = app.state.services
    broken = create_async_engine(_unreachable_database(settings.database))
    app.state.services = dataclasses.replace(services, engine=broken)
    try:
        response = await client.get("/readyz")
    finally:
        app.state.services = services
        await broken.dispose()
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "unavailable", "storage": "ok"},
    }


async def test_database_failure_gives_generic_500_body(app: FastAPI) -> None:
    async def query_missing_table(session: SessionDep) -> None:
        await session.execute(text("SELECT secret_column FROM no_such_table"))

    app.add_api_route("/test/db-fault", query_missing_table)
    async with _raw_client(app) as client:
        response = await client.get("/test/db-fault")
    assert response.status_code == 500
    body = response.json()
    assert body == {
        "error": "internal",
        "detail": "internal server error",
        "request_id": response.headers["x-request-id"],
    }
    for leak in ("no_such_table", "SELECT", "Traceback", "sqlalchemy", "/"):
        assert leak not in response.text.replace(body["request_id"], "")


# --- metrics ----------------------------------------------------------------------------------


async def test_metrics_count_requests_by_route_template(client: httpx.AsyncClient) -> None:
    await client.get("/healthz")
    secret_path = "/files/3f2a9c0e-user-data-token-abc123"
    await client.get(secret_path)
    api_path = "/api/v1/shootouts/{shootout_id}"
    await client.get(api_path.replace("{shootout_id}", "5b0d7a52-3f2a-4c6e-9d11-aa00bb11cc22"))
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text_ = response.text
    assert 'http_requests_total{method="GET",route="/healthz",status="200"} 1.0' in text_
    assert 'http_requests_total{method="GET",route="<unmatched>",status="404"} 1.0' in text_
    assert 'http_request_duration_seconds_count{method="GET",route="/healthz"} 1.0' in text_
    assert f'http_requests_total{{method="GET",route="{api_path}",status="401"}} 1.0' in text_
    assert "5b0d7a52" not in text_
    assert "3f2a9c0e" not in text_
    assert "abc123" not in text_


async def test_metrics_record_server_errors(app: FastAPI) -> None:
    async def boom() -> None:
        raise RuntimeError("boom")

    app.add_api_route("/test/boom/{item_id}", boom)
    async with _raw_client(app) as client:
        assert (await client.get("/test/boom/42")).status_code == 500
        metrics = (await client.get("/metrics")).text
    assert 'http_requests_total{method="GET",route="/test/boom/{item_id}",status="500"}' in metrics


# --- structured logs (REQ-37) -----------------------------------------------------------------


def _json_lines(captured: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in captured.splitlines() if line.startswith("{")]


async def test_access_log_is_json_with_request_and_user_id(
    app: FastAPI, capsys: pytest.CaptureFixture[str]
) -> None:
    async def whoami() -> dict[str, str]:
        bind_user_id("user-1234")
        return {"ok": "yes"}

    app.add_api_route("/test/whoami", whoami)
    capsys.readouterr()
    async with _raw_client(app) as client:
        response = await client.get("/test/whoami?token=supersecretvalue")
    lines = _json_lines(capsys.readouterr().err)
    access = [entry for entry in lines if entry.get("event") == "request"]
    assert len(access) == 1
    entry = access[0]
    assert entry["request_id"] == response.headers["x-request-id"]
    assert entry["user_id"] == "user-1234"
    assert entry["route"] == "/test/whoami"
    assert entry["status"] == 200
    assert entry["timestamp"].endswith("Z")
    assert "supersecretvalue" not in json.dumps(lines)


def test_log_escapes_newlines_and_redacts_secrets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging(Settings(environment="test", data_dir=tmp_path))
    capsys.readouterr()
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlLXZhbHVl"
    logging.getLogger("toneshootout.security").warning(
        "upload rejected",
        extra={
            "display_name": 'evil.wav\n{"event": "forged", "level": "critical"}',
            "password": "hunter2hunter2",
            "refresh_token": "opaque-refresh-value",
            "note": f"client sent Bearer {jwt}",
            "database": "postgresql+asyncpg://app:dbpassword123@db/toneshootout",
        },
    )
    output = capsys.readouterr().err
    assert len(output.strip().splitlines()) == 1
    (entry,) = _json_lines(output)
    assert entry["event"] == "upload rejected"
    assert entry["display_name"].startswith("evil.wav\n")  # kept, but inside one JSON string
    for secret in ("hunter2hunter2", "opaque-refresh-value", jwt, "dbpassword123"):
        assert secret not in output
    assert entry["password"] == "[redacted]"


def test_scrub_text_blanks_bearer_and_jwt() -> None:
    assert scrub_text("Authorization: Bearer abc.def-ghi") == "Authorization: Bearer [redacted]"
    assert "eyJ" not in scrub_text("token eyJhbGciOi.eyJzdWIiOi.sig-part here")
    assert scrub_text("plain words stay") == "plain words stay"
