"""Refresh tokens: opaque, stored only as SHA-256 hashes, rotated on use, grouped in families.

A family is one login session: every rotation adds a row to it. Presenting a row that was
already rotated means the token leaked, so the whole family is revoked (REQ-02). Access tokens
carry the family id, so revoking a family also ends its access tokens at once (REQ-03).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from toneshootout.server.db.base import Base, IdMixin


class RefreshToken(IdMixin, Base):
    __tablename__ = "refresh_tokens"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    family_id: Mapped[uuid.UUID] = mapped_column(index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # hex SHA-256
    issued_at: Mapped[datetime]
    # Sliding idle window: a token unused until this instant is dead.
    idle_expires_at: Mapped[datetime]
    # Absolute cap of the whole family, copied from its first token: rotation never extends it.
    absolute_expires_at: Mapped[datetime]
    rotated_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
