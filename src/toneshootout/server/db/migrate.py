"""Run and check migrations from code: `toneshootout db upgrade`, and the start-up check.

Migrations are one explicit step (never run by several processes at start-up); the app only
checks that the database is at the head revision and refuses to start otherwise (REQ-35).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

import toneshootout.migrations

MIGRATIONS_DIR = Path(toneshootout.migrations.__file__).parent


class SchemaMismatch(RuntimeError):
    """The database is not at the revision this code expects."""


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s")
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision`."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


@dataclass(frozen=True)
class SchemaState:
    """Where a database stands: its revision, the one this code needs, and whether it is bare."""

    current: str | None
    head: str | None
    empty: bool  # no tables at all: never used, so nothing in it can be lost

    @property
    def is_current(self) -> bool:
        return self.current == self.head


def _state(connection: Connection) -> tuple[str | None, bool]:
    return _current(connection), not inspect(connection).get_table_names()


async def schema_state(engine: AsyncEngine) -> SchemaState:
    """Read the database's revision and whether it holds any table."""
    async with engine.connect() as connection:
        current, empty = await connection.run_sync(_state)
    return SchemaState(current=current, head=head_revision(), empty=empty)


async def check_schema_current(engine: AsyncEngine) -> None:
    """Raise `SchemaMismatch` unless the database is at the head revision."""
    async with engine.connect() as connection:
        current = await connection.run_sync(_current)
    head = head_revision()
    if current != head:
        raise SchemaMismatch(
            f"database schema is at {current or 'nothing'}, this code needs {head}: "
            "run `toneshootout db upgrade` first"
        )
