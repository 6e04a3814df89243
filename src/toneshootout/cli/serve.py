"""`toneshootout serve` and `toneshootout db …`: run the web service and manage its schema."""

from __future__ import annotations

import asyncio
import sys
from typing import TYPE_CHECKING, Annotated, Literal

import typer

if TYPE_CHECKING:
    from toneshootout.settings import Settings

LogFormat = Literal["auto", "json", "text"]

db_app = typer.Typer(
    help="Database schema: migrations are one explicit step.", no_args_is_help=True
)


def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000).")] = None,
    log_format: Annotated[
        LogFormat | None,
        typer.Option(help="Log lines: text on a terminal and json otherwise unless told."),
    ] = None,
) -> None:
    """Serve the web app and API (OpenAPI at /docs); Ctrl-C stops it cleanly."""
    import uvicorn

    from toneshootout.cli.announcing_server import AnnouncingServer
    from toneshootout.server.app import create_app
    from toneshootout.settings import get_settings

    overrides: dict[str, object] = {"host": host, "port": port, "log_format": log_format}
    # The flags win over the environment; settings derived from them (the WebSocket origin
    # allowlist is built from the port) must see the same values, so they go into the settings.
    settings = get_settings().model_copy(
        update={k: v for k, v in overrides.items() if v is not None}
    )
    _ensure_schema(settings)
    server = AnnouncingServer(
        uvicorn.Config(
            create_app(settings),
            host=settings.host,
            port=settings.port,
            proxy_headers=True,
            forwarded_allow_ips="127.0.0.1",
            ws_max_size=64 * 1024,
            log_level="info",
            log_config=None,  # create_app configured logging; keep uvicorn's dictConfig out
            access_log=False,  # the app logs each request by route template, never the raw URL
        ),
        banner=_banner(settings),
    )
    server.run()
    if not server.started:
        raise SystemExit(1)  # uvicorn has logged why (the port is taken, say)


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    from toneshootout.server.db.migrate import upgrade
    from toneshootout.settings import get_settings

    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database, revision)
    typer.echo(f"database at {revision}")


@db_app.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument(help="Target revision.")]) -> None:
    """Revert migrations down to REVISION ("base" removes every table)."""
    from toneshootout.server.db.migrate import downgrade
    from toneshootout.settings import get_settings

    downgrade(get_settings().database, revision)
    typer.echo(f"database at {revision}")


def _ensure_schema(settings: Settings) -> None:
    """Refuse, in one line, a database that is not at this code's revision.

    An *empty* SQLite database (a first `toneshootout serve` on a fresh machine) is migrated
    here: nothing in it can be lost and one process owns the file. A database that holds data
    is never migrated implicitly (that deserves a backup and its own step), and neither is
    PostgreSQL, where several API processes may start at once (REQ-35).
    """
    from toneshootout.server.db.engine import create_engine
    from toneshootout.server.db.migrate import schema_state, upgrade

    async def read() -> object:
        engine = create_engine(settings)
        try:
            return await schema_state(engine)
        finally:
            await engine.dispose()

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        state = asyncio.run(read())
    except Exception as err:  # unreachable server, bad credentials, unreadable file
        _refuse(f"cannot open the database: {type(err).__name__}: {err}".splitlines()[0])
    from toneshootout.server.db.migrate import SchemaState

    assert isinstance(state, SchemaState)
    if state.is_current:
        return
    if state.empty and settings.database.startswith("sqlite"):
        upgrade(settings.database)
        print(f"Created a new database at {settings.data_dir / 'toneshootout.db'}", flush=True)
        return
    _refuse(
        f"the database is at schema revision {state.current or 'none'} and this version needs "
        f"{state.head}: run `toneshootout db upgrade` (back the database up first), then serve"
    )


def _refuse(message: str) -> None:
    print(f"toneshootout: error: {message}", file=sys.stderr)
    raise SystemExit(2)


def _banner(settings: Settings) -> str:
    """What a newcomer needs to see first: where the app is, where the docs are, how to stop."""
    shown_host = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host
    base = f"http://{shown_host}:{settings.port}"
    lines = ["", "Tone Shootout is running.", f"  Open the app:  {base}/"]
    if settings.docs_enabled:
        lines.append(f"  API docs:      {base}/docs")
    lines += [f"  Data folder:   {settings.data_dir.resolve()}", "Press Ctrl-C to stop.", ""]
    return "\n".join(lines)
