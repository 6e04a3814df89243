"""The API test harness: every API test runs on SQLite and on a real PostgreSQL.

Each test gets its own database cloned from one migrated by `alembic upgrade head` (a file
copy on SQLite, `CREATE DATABASE … TEMPLATE` on PostgreSQL), so tests are isolated and the
schema under test is the one the migrations build.

Storage is a local folder unless a suite's conftest overrides `storage_backend` with
`STORAGE_BACKENDS` (the library, render and bundle suites do): then its tests also run on an S3
bucket of the moto server over HTTP. They do so on SQLite only: storage and database never
meet below the services, so PostgreSQL × S3 would repeat what the other two pairs prove.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from tests.pg import postgres_cluster
from tests.s3_server import S3Server, s3_settings
from toneshootout.server.app import create_app
from toneshootout.server.db.migrate import upgrade
from toneshootout.settings import Settings

IN_CI = os.environ.get("CI") == "true"


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    try:
        with postgres_cluster() as url:
            yield url
    except Exception as err:  # the service could not be started
        if IN_CI:
            pytest.fail(f"PostgreSQL could not be started: {err}")
        pytest.skip(f"PostgreSQL not available: {err}")


def _plain(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def _admin(url: str, sql: str) -> None:
    connection = await asyncpg.connect(_plain(url) + "/postgres")
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def pg_template(pg_admin_url: str) -> str:
    name = f"template_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(pg_admin_url, f'CREATE DATABASE "{name}"'))
    upgrade(f"{pg_admin_url}/{name}")
    return name


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    admin: str = request.getfixturevalue("pg_admin_url")
    template: str = request.getfixturevalue("pg_template")
    name = f"test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(admin, f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    yield f"{admin}/{name}"
    asyncio.run(_admin(admin, f'DROP DATABASE "{name}" WITH (FORCE)'))


@pytest.fixture
def storage_backend() -> str:
    """The app's storage in this suite: "local", or both when a conftest overrides it."""
    return "local"


STORAGE_BACKENDS = ["local", "s3"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Drop the PostgreSQL × S3 runs (see the module docstring)."""
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        pair = (params.get("database_url"), params.get("storage_backend"))
        (dropped if pair == ("postgresql", "s3") else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture
def settings(
    database_url: str, tmp_path: Path, storage_backend: str, request: pytest.FixtureRequest
) -> Settings:
    settings = Settings(environment="test", data_dir=tmp_path / "data", database_url=database_url)
    if storage_backend == "s3":
        server: S3Server = request.getfixturevalue("s3_server")
        bucket: str = request.getfixturevalue("s3_bucket")
        storage = settings.storage.model_copy(
            update={"backend": "s3", "s3": s3_settings(bucket, server.url)}
        )
        settings = settings.model_copy(update={"storage": storage})
    return settings


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c
