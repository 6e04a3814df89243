"""Shares of a render, and the listening tests strangers take on them.

A share is a link to one succeeded render (REQ-12): its token is random (256 bits) and stored
only as a SHA-256 hash, so a database dump does not hand out working links. A public share is
listed on the gallery, so its token is no secret and is kept in clear (`public_token`) to link
to it; an unlisted token is shown to the owner once, at creation. Visibility is therefore fixed
at creation: making an unlisted link public later would need a token we do not keep.

Listening sessions belong to a listener (a signed cookie, no account). One blind session per
listener per share (re-opening it gives back the same order, so nobody reshuffles for extra
votes); ABX runs are the listener's own tests and may be many. Answers are keyed by
(session, round): the primary key is the deduplication.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from toneshootout.server.db.base import Base, IdMixin, utcnow


class Share(IdMixin, Base):
    __tablename__ = "shares"
    __table_args__ = (Index("ix_shares_visibility_created_at", "visibility", "created_at"),)

    render_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("renders.id", ondelete="CASCADE"), index=True
    )
    owner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex of the token
    token_hint: Mapped[str] = mapped_column(String(8))  # last 4 characters, for the owner's list
    public_token: Mapped[str | None] = mapped_column(String(64))  # public shares only
    visibility: Mapped[str] = mapped_column(String(16))  # "unlisted" | "public"
    expires_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    voting_open: Mapped[bool] = mapped_column(Boolean, default=True)
    views: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ListeningSession(IdMixin, Base):
    __tablename__ = "listening_sessions"
    __table_args__ = (
        # One blind session per listener per share; ABX runs are not limited here.
        Index(
            "uq_listening_sessions_blind_listener",
            "share_id",
            "listener_id",
            unique=True,
            sqlite_where=text("kind = 'blind'"),
            postgresql_where=text("kind = 'blind'"),
        ),
    )

    share_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("shares.id", ondelete="CASCADE"), index=True
    )
    listener_id: Mapped[uuid.UUID] = mapped_column()
    kind: Mapped[str] = mapped_column(String(8))  # "blind" | "abx"
    seed: Mapped[int] = mapped_column(BigInteger)  # reproduces the order and the dither
    # Blind: letters, rounds, handles. ABX: di, a, b, trials, feedback, xs, handles.
    design: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column()


class ListeningAnswer(Base):
    __tablename__ = "listening_answers"

    session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("listening_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    round: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Blind: the chain index voted for. ABX: 0 = "X is A", 1 = "X is B".
    choice: Mapped[int] = mapped_column(Integer)
    correct: Mapped[bool | None] = mapped_column(Boolean)  # ABX only
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
