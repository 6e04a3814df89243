"""Renders: the durable job record of one run of a shootout, and the files it produced.

The row, not the queue, is the record of the job (RELIABILITY.md §2.5): it is committed before
the API answers 202, claimed by compare-and-set, kept alive by heartbeats that extend
`lease_until`, and every write a worker makes is fenced by `attempt`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from toneshootout.server.db.base import Base, IdMixin, TimestampMixin, utcnow
from toneshootout.server.render.states import RenderState


class StateColumn(TypeDecorator[RenderState]):
    """A render state: stored as its plain string, read back as the enum member."""

    impl = String(16)
    cache_ok = True

    def process_bind_param(self, value: RenderState | None, dialect: Dialect) -> str | None:
        return None if value is None else RenderState(value).value

    def process_result_value(self, value: str | None, dialect: Dialect) -> RenderState | None:
        return None if value is None else RenderState(value)


class Render(IdMixin, TimestampMixin, Base):
    __tablename__ = "renders"
    __table_args__ = (
        UniqueConstraint("owner_id", "idempotency_key", name="uq_renders_owner_idempotency_key"),
        Index("ix_renders_state_queued_at", "state", "queued_at"),
    )

    owner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    # A render outlives edits and deletion of its shootout: it carries its own snapshot.
    shootout_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("shootouts.id", ondelete="SET NULL"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, … per shootout (render versions)
    title: Mapped[str] = mapped_column(String(200))
    # The shootout body plus the facts of every library item it uses, frozen at submission.
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    snapshot_sha256: Mapped[str] = mapped_column(String(64))
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    request_sha256: Mapped[str | None] = mapped_column(String(64))

    state: Mapped[RenderState] = mapped_column(StateColumn(), default=RenderState.QUEUED)
    reason: Mapped[str | None] = mapped_column(String(64))  # failure reason code
    detail: Mapped[str | None] = mapped_column(String(500))  # human-readable, no paths
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer)
    worker_id: Mapped[str | None] = mapped_column(String(128))
    lease_until: Mapped[datetime | None] = mapped_column()
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    kicks: Mapped[int] = mapped_column(Integer, default=0)  # messages sent for this job
    starts: Mapped[int] = mapped_column(Integer, default=0)  # successful claims (attempts run)

    progress: Mapped[float] = mapped_column(Float, default=0.0)  # 0..1 over the whole render
    step: Mapped[str | None] = mapped_column(String(64))
    current: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # {"di": …, "chain": …}
    eta_seconds: Mapped[float | None] = mapped_column(Float)

    queued_at: Mapped[datetime] = mapped_column(default=utcnow)  # last (re)queue or kick
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    # Storage prefix of the published output folder of the attempt that succeeded.
    output_prefix: Mapped[str | None] = mapped_column(String(255))
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # rate, pairs, warnings


class RenderOutput(Base):
    """One published file of a succeeded render, recorded in the transaction that finishes it."""

    __tablename__ = "render_outputs"
    __table_args__ = (UniqueConstraint("render_id", "path", name="uq_render_outputs_render_path"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    render_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("renders.id", ondelete="CASCADE"), index=True
    )
    path: Mapped[str] = mapped_column(String(255))  # relative to the render's output folder
    role: Mapped[str] = mapped_column(String(32))  # from manifest.json (audio, montage, plot…)
    di: Mapped[str | None] = mapped_column(String(80))
    chain: Mapped[str | None] = mapped_column(String(80))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    media_type: Mapped[str] = mapped_column(String(64))


class WsTicket(Base):
    """A short-lived, single-use WebSocket ticket (REQ-31), stored hashed."""

    __tablename__ = "ws_tickets"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    # The login session (refresh family) that asked for it: the socket lives only as long as
    # that session does, so a logout closes it (REQ-03).
    session_id: Mapped[uuid.UUID] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()
