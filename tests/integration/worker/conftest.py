"""Worker tests: a real database (SQLite and PostgreSQL), local storage, short leases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.integration.server.conftest import (  # noqa: F401  (fixtures)
    database_url,
    pg_admin_url,
    pg_template,
    sqlite_template,
)
from tests.integration.worker.helpers import Recorder, build_context
from toneshootout.server.db.engine import create_engine
from toneshootout.settings import RenderSettings, Settings
from toneshootout.worker.context import WorkerContext


def fast_render_settings(**overrides: object) -> RenderSettings:
    """Short leases and polls so lifecycle tests take seconds."""
    values: dict[str, object] = {
        "lease_seconds": 5,
        "heartbeat_seconds": 1.0,
        "max_attempts": 3,
        "sweep_seconds": 1.0,
        "requeue_after_seconds": 2.0,
        "max_render_seconds": 60,
        "sandbox_memory_mb": 2048,
        "sandbox_cpu_seconds": 120,
        "worker_concurrency": 2,
    }
    return RenderSettings.model_validate(values | overrides)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:  # noqa: F811
    return Settings(
        environment="test",
        data_dir=tmp_path / "data",
        database_url=database_url,
        render=fast_render_settings(),
    )


@pytest.fixture
async def ctx(settings: Settings) -> AsyncIterator[WorkerContext]:
    engine = create_engine(settings)
    try:
        yield build_context(settings, engine, Recorder())
    finally:
        await engine.dispose()
