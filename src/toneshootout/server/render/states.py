"""The states of a render job, in one place: the column, the API, events and the worker."""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class RenderState(StrEnum):
    """queued → running → succeeded | failed | cancelled (running may go back to queued when an
    attempt is released or its lease ran out)."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


ACTIVE_STATES: Final = (RenderState.QUEUED, RenderState.RUNNING)
TERMINAL_STATES: Final = frozenset(
    {RenderState.SUCCEEDED, RenderState.FAILED, RenderState.CANCELLED}
)
