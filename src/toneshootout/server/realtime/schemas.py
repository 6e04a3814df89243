"""Shapes of the ticket endpoint and of every socket message, versioned by `v` (PROTOCOL_VERSION).

Client → server: `subscribe`, `unsubscribe` (a `render_id` or a `shootout_id`), `ping`.
Server → client: `snapshot` (from the database), `event` (live), `unsubscribed`, `pong`,
`heartbeat`. Documented in docs/SERVICE.md ("Live progress").
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Final, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from toneshootout.server.render.events import EventType, RenderEvent
from toneshootout.server.render.states import RenderState

PROTOCOL_VERSION: Final = 1


class TicketOut(BaseModel):
    """A single-use WebSocket ticket; pass it as `?ticket=` within `expires_in` seconds."""

    ticket: str
    expires_in: int


# --- client → server -------------------------------------------------------------------------

_STRICT = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)


class _Target(BaseModel):
    """Exactly one of `render_id` / `shootout_id`."""

    model_config = _STRICT

    v: Literal[1] = PROTOCOL_VERSION
    render_id: uuid.UUID | None = None
    shootout_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        if (self.render_id is None) == (self.shootout_id is None):
            raise ValueError("give exactly one of render_id or shootout_id")
        return self


class Subscribe(_Target):
    type: Literal["subscribe"]


class Unsubscribe(_Target):
    type: Literal["unsubscribe"]


class Ping(BaseModel):
    model_config = _STRICT

    v: Literal[1] = PROTOCOL_VERSION
    type: Literal["ping"]


ClientMessage = Annotated[Subscribe | Unsubscribe | Ping, Field(discriminator="type")]
CLIENT_MESSAGE: Final[TypeAdapter[Subscribe | Unsubscribe | Ping]] = TypeAdapter(ClientMessage)


# --- server → client -------------------------------------------------------------------------


class RenderStatus(BaseModel):
    """A render's current state as the database holds it (the start of every subscription)."""

    render_id: uuid.UUID
    shootout_id: uuid.UUID | None
    number: int
    title: str
    state: RenderState
    reason: str | None
    detail: str | None
    attempt: int
    progress: float
    step: str | None
    di: str | None
    chain: str | None
    eta_seconds: float | None
    queued_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    updated_at: datetime


class LiveEvent(BaseModel):
    """A `RenderEvent` as clients see it: every field except the routing-only `owner_id`."""

    v: Literal[1]
    type: EventType
    render_id: uuid.UUID
    shootout_id: uuid.UUID | None
    state: RenderState
    attempt: int
    progress: float
    step: str | None
    di: str | None
    chain: str | None
    eta_seconds: float | None
    reason: str | None
    detail: str | None
    at: datetime

    @classmethod
    def of(cls, event: RenderEvent) -> LiveEvent:
        return cls.model_validate(event.model_dump(exclude={"owner_id"}))


class SnapshotMessage(BaseModel):
    v: Literal[1] = PROTOCOL_VERSION
    type: Literal["snapshot"] = "snapshot"
    render_id: uuid.UUID | None = None
    shootout_id: uuid.UUID | None = None
    renders: list[RenderStatus]


class EventMessage(BaseModel):
    v: Literal[1] = PROTOCOL_VERSION
    type: Literal["event"] = "event"
    event: LiveEvent


class UnsubscribedMessage(BaseModel):
    v: Literal[1] = PROTOCOL_VERSION
    type: Literal["unsubscribed"] = "unsubscribed"
    render_id: uuid.UUID | None = None
    shootout_id: uuid.UUID | None = None


class PongMessage(BaseModel):
    v: Literal[1] = PROTOCOL_VERSION
    type: Literal["pong"] = "pong"


class HeartbeatMessage(BaseModel):
    v: Literal[1] = PROTOCOL_VERSION
    type: Literal["heartbeat"] = "heartbeat"
    at: datetime


ServerMessage = (
    SnapshotMessage | EventMessage | UnsubscribedMessage | PongMessage | HeartbeatMessage
)
