"""`toneshootout worker`: a render worker for the scale-out mode (Redis + shared DB/storage)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer


def worker(
    concurrency: Annotated[
        int | None,
        typer.Option(help="Renders at once in this process (default: render.worker_concurrency)."),
    ] = None,
) -> None:
    """Receive render jobs from Redis, render them in sandboxes, sweep and clean; SIGTERM stops."""
    import asyncio

    from toneshootout.server.logging import configure_logging
    from toneshootout.settings import settings_from_environment
    from toneshootout.worker.broker import BrokerConfigError
    from toneshootout.worker.runtime import run_worker, with_concurrency

    try:
        settings = with_concurrency(settings_from_environment(), concurrency)
        configure_logging(settings)
        asyncio.run(run_worker(settings))
    except BrokerConfigError as err:
        message = str(err).replace("\n", " ")
        print(f"toneshootout: error: {message}", file=sys.stderr)
        raise SystemExit(2) from None
    except RuntimeError as err:  # e.g. the database schema is not current
        print(f"toneshootout: error: {err}", file=sys.stderr)
        raise SystemExit(2) from None
