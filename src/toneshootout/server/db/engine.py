"""Build the async engine for SQLite (embedded) or PostgreSQL (scale-out) from one URL.

SQLite: WAL, busy_timeout, foreign keys and synchronous=NORMAL on every connection, and
pysqlite's own implicit BEGIN switched off so every transaction starts with BEGIN IMMEDIATE:
a deferred transaction that reads then writes can fail at once with SQLITE_BUSY even with a
busy timeout (RELIABILITY.md §4.6); transactions marked read-only use a deferred BEGIN, so
reads never queue behind the write lock. PostgreSQL: pool_pre_ping against stale connections.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from toneshootout.settings import Settings

# Execution option marking a transaction that will only read (see `deps.get_session`).
READ_ONLY = "toneshootout_read_only"


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _configure_sqlite(engine: AsyncEngine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        mode = cursor.fetchone()[0]
        if str(mode).lower() != "wal":  # SQLite reports failure by returning the old mode
            raise RuntimeError(f"SQLite refused WAL mode (got {mode!r})")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

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


async def database_answers(engine: AsyncEngine) -> bool:
    """True when the database runs a trivial query (for /readyz)."""
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception:  # any failure means not ready; the cause is in the database's own logs
        return False
    return True
