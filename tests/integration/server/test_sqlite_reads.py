"""On SQLite, reads do not queue behind a writer: safe methods use a deferred BEGIN."""

from __future__ import annotations

import sqlite3

import httpx
import pytest

from tests.integration.server.auth.helpers import bearer, register_and_login
from toneshootout.settings import Settings


async def test_get_answers_while_another_connection_holds_the_write_lock(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    if not settings.database.startswith("sqlite"):
        pytest.skip("SQLite locking only")
    user = await register_and_login(client)
    path = settings.database.removeprefix("sqlite+aiosqlite:///")
    writer = sqlite3.connect(path, isolation_level=None, timeout=1)
    writer.execute("BEGIN IMMEDIATE")  # hold the write lock, as a long write would
    try:
        response = await client.get("/api/v1/shootouts", headers=bearer(user.access_token))
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert response.status_code == 200  # an IMMEDIATE read would time out: "database is locked"
