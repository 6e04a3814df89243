"""Accounts: local (email + argon2 hash) or from TONE3000 (keyed by provider id, never email)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from toneshootout.server.db.base import Base, IdMixin, TimestampMixin, utcnow


class User(IdMixin, TimestampMixin, Base):
    __tablename__ = "users"

    email: Mapped[str | None] = mapped_column(String(320), unique=True)  # stored lower-cased
    password_hash: Mapped[str | None] = mapped_column(String(255))
    display_name: Mapped[str | None] = mapped_column(String(80))
    is_active: Mapped[bool] = mapped_column(default=True)
    # Access tokens issued before this instant are refused: logout everywhere, password change.
    tokens_valid_after: Mapped[datetime] = mapped_column(default=utcnow)
