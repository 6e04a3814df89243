"""The one event schema for render jobs, shared by the worker (publisher) and the hub.

Versioned (`v`), typed, JSON on the wire (Redis pub/sub across API processes, an in-process hub
when embedded). Events are best-effort: everything a client sees can be rebuilt from the
database row, which is what a (re)subscribing client gets first (RELIABILITY.md §2.5 item 10).
Documented in docs/SERVICE.md ("Live progress").
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from toneshootout.server.render.states import RenderState

EVENT_VERSION: Final = 1

EventType = Literal["state", "progress"]


class RenderEvent(BaseModel):
    """A state change or a progress step of one render attempt."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    v: Literal[1] = EVENT_VERSION
    type: EventType
    render_id: uuid.UUID
    # Routing only (the hub delivers a render's events to its owner's sockets); the hub never
    # forwards it to clients.
    owner_id: uuid.UUID
    shootout_id: uuid.UUID | None = None
    state: RenderState
    attempt: int = Field(ge=0)
    progress: float = Field(0.0, ge=0.0, le=1.0)
    step: str | None = Field(None, max_length=64)
    di: str | None = Field(None, max_length=80)
    chain: str | None = Field(None, max_length=80)
    eta_seconds: float | None = Field(None, ge=0.0)
    reason: str | None = Field(None, max_length=64)  # failure reason code, terminal only
    detail: str | None = Field(None, max_length=500)
    at: datetime

    def to_json(self) -> str:
        return self.model_dump_json()

    @classmethod
    def from_json(cls, raw: str | bytes) -> RenderEvent:
        return cls.model_validate_json(raw)
