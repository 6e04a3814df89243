"""`toneshootout serve` and `toneshootout db …`: run the web service and manage its schema."""

from __future__ import annotations

from typing import Annotated

import typer

db_app = typer.Typer(
    help="Database schema: migrations are one explicit step.", no_args_is_help=True
)


def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000).")] = None,
) -> None:
    """Serve the web app and API (OpenAPI at /docs); Ctrl-C stops it cleanly."""
    import uvicorn

    from toneshootout.server.app import create_app
    from toneshootout.settings import get_settings

    settings = get_settings()
    uvicorn.run(
        create_app(settings),
        host=host or settings.host,
        port=port or settings.port,
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
        ws_max_size=64 * 1024,
        log_level="info",
        log_config=None,  # create_app configured JSON logging; keep uvicorn's dictConfig out
        access_log=False,  # the app logs each request by route template, never the raw URL
    )


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
