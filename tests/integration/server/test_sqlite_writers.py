"""REQ-34: SQLite's pragmas are read back at start-up, and the §4.6 writers harness is clean."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from pathlib import Path

import httpx
import pytest

from tests.harness.sqlite_writers import HarnessResult, harness_settings, run_harness
from toneshootout.server.app import create_app
from toneshootout.server.db.engine import (
    SqlitePragmas,
    check_sqlite_pragmas,
    create_engine,
    sqlite_pragmas,
)
from toneshootout.settings import Settings


async def test_pragmas_read_back_match_the_settings(tmp_path: Path) -> None:
    settings = harness_settings(tmp_path / "pragmas.db")
    engine = create_engine(settings)
    try:
        pragmas = await sqlite_pragmas(engine)
    finally:
        await engine.dispose()
    print(f"read back: {pragmas}")
    assert pragmas == SqlitePragmas(
        journal_mode="wal", busy_timeout_ms=settings.db.busy_timeout_ms, foreign_keys=True
    )
    assert pragmas.busy_timeout_ms >= 5000


async def test_startup_refuses_a_database_without_wal(tmp_path: Path) -> None:
    # An in-memory database cannot use WAL: SQLite answers the old mode instead of raising.
    settings = Settings(
        environment="test", data_dir=tmp_path, database_url="sqlite+aiosqlite:///:memory:"
    )
    engine = create_engine(settings)
    try:
        with pytest.raises(RuntimeError, match="journal_mode is 'memory', not 'wal'"):
            await sqlite_pragmas(engine)
    finally:
        await engine.dispose()


def test_check_pragmas_names_every_setting_not_taken() -> None:
    wrong = SqlitePragmas(journal_mode="delete", busy_timeout_ms=0, foreign_keys=False)
    with pytest.raises(RuntimeError) as raised:
        check_sqlite_pragmas(wrong, busy_timeout_ms=10_000)
    message = str(raised.value)
    assert "journal_mode is 'delete'" in message
    assert "busy_timeout is 0 ms, not 10000 ms" in message
    assert "foreign_keys is off" in message


async def test_write_that_outwaits_busy_timeout_answers_503(
    sqlite_template: Path, tmp_path: Path
) -> None:
    path = tmp_path / "locked.db"
    shutil.copyfile(sqlite_template, path)
    settings = Settings(
        environment="test",
        data_dir=tmp_path / "data",
        database_url=f"sqlite+aiosqlite:///{path}",
        db={"busy_timeout_ms": 5000},  # the floor: keeps the wait short
    )
    app = create_app(settings)
    holder = sqlite3.connect(path, isolation_level=None, timeout=30, check_same_thread=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            # A writer that never lets go. Taken off the event loop: the app's own background
            # work (the render sweeper) may be mid-transaction and must be able to finish.
            await asyncio.to_thread(holder.execute, "BEGIN IMMEDIATE")
            try:
                credentials = {"email": "locked@example.com", "password": "x" * 16}
                response = await client.post("/api/v1/auth/register", json=credentials)
            finally:
                holder.execute("ROLLBACK")
                holder.close()
    assert response.status_code == 503, response.text
    assert response.json()["error"] == "database_unavailable"
    assert {"error", "detail", "request_id"} <= response.json().keys()
    assert "locked" not in response.text  # generic: no driver text
    assert int(response.headers["Retry-After"]) > 0


def _assert_clean(result: HarnessResult) -> None:
    print(result.report())
    assert result.locked_errors == 0, result.first_error
    assert result.other_errors == 0, result.first_error
    assert result.committed > 0
    assert all(n > 0 for n in result.child_committed), "every process must have written"
    assert result.counted == result.committed, f"lost {result.lost} increments"
    assert result.integrity == "ok"
    assert result.journal_mode == "wal"


async def test_writers_in_two_processes_lose_nothing_and_never_see_locked(
    tmp_path: Path,
) -> None:
    _assert_clean(await run_harness(tmp_path / "writers.db", seconds=4, writers=32, processes=2))


@pytest.mark.slow
async def test_writers_for_a_minute_lose_nothing_and_never_see_locked(tmp_path: Path) -> None:
    _assert_clean(await run_harness(tmp_path / "writers.db", seconds=60, writers=32, processes=2))
