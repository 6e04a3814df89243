"""Run and check migrations from code: `toneshootout db upgrade`, and the start-up check.

Migrations are one explicit step (never run by several processes at start-up); the app only
checks that the database is at the head revision and refuses to start otherwise (REQ-35).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
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
