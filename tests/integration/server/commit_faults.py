"""Make the database refuse COMMIT, as a lost connection or a full disk would."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from toneshootout.server.state import Services


@contextmanager
def failing_commits(services: Services) -> Iterator[None]:
    """Every COMMIT on the app's engine fails while the block runs."""

    def refuse(_connection: Any) -> None:
        raise OSError("disk full (injected)")

    event.listen(services.engine.sync_engine, "commit", refuse)
    try:
        yield
    finally:
        event.remove(services.engine.sync_engine, "commit", refuse)
