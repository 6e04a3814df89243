"""Build the async engine for SQLite (embedded) or PostgreSQL (scale-out) from one URL.

SQLite: WAL, busy_timeout, foreign keys and synchronous=NORMAL on every connection, read back
and checked (a pragma SQLite does not take fails silently), and pysqlite's own implicit BEGIN
switched off so every transaction starts with BEGIN IMMEDIATE: a deferred transaction that
reads then writes can fail at once with SQLITE_BUSY even with a busy timeout (RELIABILITY.md
§4.6); transactions marked read-only use a deferred BEGIN, so reads never queue behind the write
lock. PostgreSQL: pool_pre_ping against stale connections. `as_unavailable` tells a database
outage (a restart, a refused connection, a lock wait that ran out) from a bug, so the HTTP
layer can answer 503 for the first and 500 for the second.
"""

from __future__ import annotations

import errno
import sqlite3
from dataclasses import dataclass
from typing import Any

import asyncpg
from sqlalchemy import event, exc, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from toneshootout.server.errors import ServiceUnavailable
from toneshootout.settings import Settings

# Execution option marking a transaction that will only read (see `deps.get_session`).
READ_ONLY = "toneshootout_read_only"


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


@dataclass(frozen=True)
class SqlitePragmas:
    """What one SQLite connection reports for the settings REQ-34 depends on."""

    journal_mode: str
    busy_timeout_ms: int
    foreign_keys: bool


def read_sqlite_pragmas(dbapi_connection: Any) -> SqlitePragmas:
    """Ask a (pysqlite-style) connection for its journal mode, busy timeout and foreign keys."""
    cursor = dbapi_connection.cursor()
    try:
        values = []
        for pragma in ("journal_mode", "busy_timeout", "foreign_keys"):
            cursor.execute(f"PRAGMA {pragma}")
            values.append(cursor.fetchone()[0])
    finally:
        cursor.close()
    return SqlitePragmas(str(values[0]).lower(), int(values[1]), bool(values[2]))


def check_sqlite_pragmas(pragmas: SqlitePragmas, busy_timeout_ms: int) -> None:
    """Raise RuntimeError naming every setting the connection did not take."""
    wrong = []
    if pragmas.journal_mode != "wal":  # e.g. a network filesystem, or another process's mode
        wrong.append(f"journal_mode is {pragmas.journal_mode!r}, not 'wal'")
    if pragmas.busy_timeout_ms != busy_timeout_ms:
        wrong.append(f"busy_timeout is {pragmas.busy_timeout_ms} ms, not {busy_timeout_ms} ms")
    if not pragmas.foreign_keys:
        wrong.append("foreign_keys is off")
    if wrong:
        raise RuntimeError("SQLite connection misconfigured: " + "; ".join(wrong))


def _configure_sqlite(engine: AsyncEngine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        check_sqlite_pragmas(read_sqlite_pragmas(dbapi_connection), int(busy_timeout_ms))

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(connection: Connection) -> None:
        # Read-only transactions stay deferred so reads never wait for the write lock.
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN DEFERRED" if read_only else "BEGIN IMMEDIATE")


def create_engine(settings: Settings) -> AsyncEngine:
    """The engine for `settings.database`, configured for its backend."""
    url = settings.database
    if is_sqlite(url):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, echo=settings.db.echo)
        _configure_sqlite(engine, settings.db.busy_timeout_ms)
        return engine
    return create_async_engine(
        url, echo=settings.db.echo, pool_pre_ping=True, pool_size=settings.db.pool_size
    )


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded attributes after commit (no lazy reloads in async code)."""
    return async_sessionmaker(engine, expire_on_commit=False)


async def sqlite_pragmas(engine: AsyncEngine) -> SqlitePragmas:
    """The pragmas of one pooled connection of a SQLite engine, as SQLite reports them."""
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        return await connection.run_sync(lambda _sync: read_sqlite_pragmas(raw.dbapi_connection))


async def database_answers(engine: AsyncEngine) -> bool:
    """True when the database runs a trivial query (for /readyz)."""
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception:  # any failure means not ready; the cause is in the database's own logs
        return False
    return True


class DatabaseUnavailable(ServiceUnavailable):
    """The database cannot be reached or did not grant its lock in time: try again shortly."""

    code = "database_unavailable"


# Every exception class that may carry a database outage; `as_unavailable` decides per instance.
DATABASE_ERROR_TYPES: tuple[type[Exception], ...] = (
    exc.DBAPIError,
    exc.TimeoutError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    sqlite3.Error,
    # Not OSError as a whole: a handler for it would also catch file errors in the middle of a
    # streamed download, where Starlette can only abort the response anyway.
    ConnectionError,
)

_OUTAGE_ERRORS = (
    asyncpg.PostgresConnectionError,  # includes ConnectionDoesNotExistError
    asyncpg.CannotConnectNowError,  # "the database system is starting up / shutting down"
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.TooManyConnectionsError,
    ConnectionError,  # refused, reset, or asyncpg's "unexpected connection_lost()"
    exc.TimeoutError,  # no pooled connection came free within pool_timeout
)
_OUTAGE_ERRNOS = frozenset({errno.ECONNREFUSED, errno.ECONNRESET, errno.EHOSTUNREACH})
_OUTAGE_MESSAGES = ("database is locked", "connection is closed", "connection was closed")


def _causes(error: BaseException) -> list[BaseException]:
    """`error`, the driver error SQLAlchemy wraps, and everything they were raised from."""
    chain: list[BaseException] = []
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or any(current is seen for seen in chain):
            continue
        chain.append(current)
        pending += [getattr(current, "orig", None), current.__cause__, current.__context__]
    return chain


def _is_outage(error: BaseException) -> bool:
    if isinstance(error, exc.DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, _OUTAGE_ERRORS):
        return True
    if isinstance(error, OSError) and error.errno in _OUTAGE_ERRNOS:
        return True
    # Read the driver's own text, never SQLAlchemy's wrapper (it quotes the parameters). Not
    # every InterfaceError is an outage: asyncpg's "another operation is in progress" is a bug
    # (a connection shared between tasks) and must stay a 500.
    driver_error = isinstance(error, sqlite3.Error | asyncpg.InterfaceError)
    return driver_error and any(m in str(error).lower() for m in _OUTAGE_MESSAGES)


def as_unavailable(
    error: BaseException, retry_after_seconds: int = 2
) -> DatabaseUnavailable | None:
    """A `DatabaseUnavailable` when `error` is a database outage, otherwise None."""
    if not any(_is_outage(cause) for cause in _causes(error)):
        return None
    return DatabaseUnavailable(
        "the database is unavailable; try again shortly", retry_after_seconds=retry_after_seconds
    )
