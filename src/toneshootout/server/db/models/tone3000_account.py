"""A local account's link to TONE3000: who they are there, and their tokens, encrypted.

Keyed by (provider, provider user id), never by email (REQ-07). One link per local account.
The row outlives its tokens: when TONE3000 revokes them the tokens are cleared but the link
stays, so signing in with TONE3000 again finds the same local account.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from toneshootout.server.db.base import Base, IdMixin, TimestampMixin

PROVIDER = "tone3000"


class Tone3000Account(IdMixin, TimestampMixin, Base):
    __tablename__ = "tone3000_accounts"
    __table_args__ = (UniqueConstraint("provider", "provider_user_id"),)

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    provider: Mapped[str] = mapped_column(String(20), default=PROVIDER)
    provider_user_id: Mapped[str] = mapped_column(String(64))
    username: Mapped[str] = mapped_column(String(80))
    # AES-GCM ciphertexts (`server.tone3000.cipher`), bound to this row's user id.
    access_token_enc: Mapped[str | None] = mapped_column(Text)
    refresh_token_enc: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[datetime | None]
