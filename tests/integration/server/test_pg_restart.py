"""REQ-33: a PostgreSQL restart under load gives at most a brief window of JSON 503s, then full
recovery; and only database outages become 503s, bugs stay 500s.

The restart runs on a cluster of this module's own: the session cluster the other tests share
is never touched.
"""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import exc

from tests.integration.server.shootout.helpers import (
    SHOOTOUTS,
    Account,
    register_and_login,
    shootout_body,
    small_library,
)
from tests.pg import PgCluster, fail_or_skip, restartable_cluster
from toneshootout.server.app import create_app
from toneshootout.server.db.engine import as_unavailable
from toneshootout.server.db.migrate import upgrade
from toneshootout.settings import Settings

WORKERS = 6
RECOVERY_S = 5.0  # 503s must stop this long after the restart command returns
SETTLED_S = 2.0  # and keep going this long after that, all 2xx


@pytest.fixture(scope="module")
def cluster() -> Iterator[PgCluster]:
    with ExitStack() as stack:
        try:
            running = stack.enter_context(restartable_cluster())
        except Exception as err:  # the server could not be started
            fail_or_skip(err)
        yield running


async def _create_database(cluster: PgCluster, name: str) -> None:
    plain = cluster.url.replace("postgresql+asyncpg://", "postgresql://")
    connection = await asyncpg.connect(f"{plain}/postgres")
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


@pytest.fixture
def pg_settings(cluster: PgCluster, tmp_path: Path) -> Settings:
    name = f"restart_{uuid.uuid4().hex[:8]}"
    asyncio.run(_create_database(cluster, name))
    upgrade(f"{cluster.url}/{name}")
    return Settings(
        environment="test", data_dir=tmp_path / "data", database_url=f"{cluster.url}/{name}"
    )


@pytest.fixture
async def pg_app(pg_settings: Settings) -> AsyncIterator[FastAPI]:
    application: FastAPI = create_app(pg_settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def pg_client(pg_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    # A 500 must come back as a response to be counted, not as an exception in the test.
    transport = httpx.ASGITransport(app=pg_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def _assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    body = response.json()
    assert {"error", "detail", "request_id"} <= body.keys()
    assert body["error"] == "database_unavailable"
    assert "asyncpg" not in response.text  # a generic body: no driver name ...
    assert "SELECT" not in response.text  # ... and no SQL
    assert int(response.headers["Retry-After"]) > 0


async def test_stopped_database_gives_503_then_requests_recover(
    pg_client: httpx.AsyncClient, cluster: PgCluster
) -> None:
    user = await register_and_login(pg_client)
    await asyncio.to_thread(cluster.stop)
    try:
        _assert_unavailable(await pg_client.get("/api/v1/me", headers=user.headers))
        _assert_unavailable(await pg_client.get(SHOOTOUTS, headers=user.headers))
    finally:
        await asyncio.to_thread(cluster.start)
    # Every pooled connection died with the server: none may be handed out broken again.
    again = await asyncio.gather(
        *(pg_client.get(SHOOTOUTS, headers=user.headers) for _ in range(20))
    )
    assert [r.status_code for r in again] == [200] * 20


@dataclass(frozen=True)
class Outcome:
    sent: float
    done: float
    response: httpx.Response


async def _load(
    client: httpx.AsyncClient, user: Account, body: dict[str, Any], until: list[float]
) -> list[Outcome]:
    """One worker: list, create, patch and /me in a loop until `until[0]` (epoch s)."""
    outcomes: list[Outcome] = []
    shootout = ""
    for n in itertools.count():
        if time.time() >= until[0]:
            break
        sent = time.time()
        if n % 4 == 0 or not shootout:
            response = await client.post(SHOOTOUTS, json=body, headers=user.headers)
            shootout = response.json().get("id", "") if response.status_code == 201 else ""
        elif n % 4 == 1:
            response = await client.get(SHOOTOUTS, headers=user.headers)
        elif n % 4 == 2:
            patch = {"title": f"take {n}"}
            response = await client.patch(
                f"{SHOOTOUTS}/{shootout}", json=patch, headers=user.headers
            )
        else:
            response = await client.get("/api/v1/me", headers=user.headers)
        outcomes.append(Outcome(sent, time.time(), response))
        await asyncio.sleep(0.01)
    return outcomes


async def test_restart_under_load_gives_a_brief_503_window_then_full_recovery(
    pg_app: FastAPI, pg_client: httpx.AsyncClient, cluster: PgCluster
) -> None:
    user = await register_and_login(pg_client)
    body = shootout_body(await small_library(pg_app, user))
    until = [time.time() + 60.0]  # a safety bound; moved in once the restart has returned
    workers = [asyncio.create_task(_load(pg_client, user, body, until)) for _ in range(WORKERS)]
    await asyncio.sleep(1.0)
    restart_began = time.time()
    await asyncio.to_thread(cluster.restart)
    restarted = time.time()
    until[0] = restarted + RECOVERY_S + SETTLED_S
    outcomes = [o for batch in await asyncio.gather(*workers) for o in batch]

    statuses = [o.response.status_code for o in outcomes]
    unexpected = sorted({s for s in statuses if s not in (200, 201, 503)})
    assert unexpected == [], [
        o.response.text[:200] for o in outcomes if o.response.status_code in unexpected
    ]
    failed = [o for o in outcomes if o.response.status_code == 503]
    for outcome in failed:
        _assert_unavailable(outcome.response)
        # Nothing failed before the restart: a request may have been sent before it began (a
        # slow machine keeps one in flight for a while), but it can only fail once it has begun.
        assert outcome.done >= restart_began, "a 503 came back before the restart began"
        assert outcome.done <= restarted + RECOVERY_S, "503s went on after the restart"
    settled = [o for o in outcomes if o.sent > restarted + RECOVERY_S]
    assert settled
    assert all(o.response.status_code in (200, 201) for o in settled)
    print(
        f"requests {len(outcomes)}, 503s {len(failed)}, restart took "
        f"{restarted - restart_began:.2f} s, last 503 at "
        f"{max((o.done for o in failed), default=restarted) - restarted:+.2f} s after it"
    )


def _wrapped(driver_error: Exception) -> exc.DBAPIError:
    """The error as SQLAlchemy raises it: a DBAPIError whose `orig` is the driver's."""
    return exc.DBAPIError("SELECT 1", {}, driver_error)


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(111, "Connect call failed"),
        ConnectionError("unexpected connection_lost() call"),
        asyncpg.CannotConnectNowError("the database system is starting up"),
        asyncpg.AdminShutdownError("terminating connection due to administrator command"),
        asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        _wrapped(sqlite3.OperationalError("database is locked")),
        exc.TimeoutError("QueuePool limit of size 5 overflow 10 reached"),
    ],
)
def test_outages_are_classified_unavailable(error: Exception) -> None:
    unavailable = as_unavailable(error)
    assert unavailable is not None
    assert unavailable.code == "database_unavailable"


@pytest.mark.parametrize(
    "error",
    [
        # A connection used by two tasks at once is a bug to see as a 500, not to hide.
        asyncpg.InterfaceError("cannot perform operation: another operation is in progress"),
        _wrapped(sqlite3.OperationalError("no such table: users")),
        _wrapped(sqlite3.IntegrityError("UNIQUE constraint failed: users.email")),
        FileNotFoundError(2, "No such file or directory"),
        ValueError("database is locked"),  # not a driver error, whatever it says
    ],
)
def test_bugs_are_not_classified_unavailable(error: Exception) -> None:
    assert as_unavailable(error) is None
