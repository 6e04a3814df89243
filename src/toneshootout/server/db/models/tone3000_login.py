"""A sign-in with TONE3000 in progress: the server-side half of the OAuth state (REQ-04).

The browser leaves for TONE3000 with `state`; only its SHA-256 is kept, next to the hash of the
browser's binding cookie, so a callback counts only in the browser that started it. The PKCE
verifier is stored encrypted (bound to this row's id) and the row dies after
`tone3000.login_ttl_seconds` (at most 10 minutes). `used_at` makes the state single-use.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from toneshootout.server.db.base import Base, IdMixin, utcnow


class Tone3000Login(IdMixin, Base):
    __tablename__ = "tone3000_logins"

    state_hash: Mapped[str] = mapped_column(String(64), unique=True)  # hex SHA-256
    browser_hash: Mapped[str] = mapped_column(String(64))  # hex SHA-256 of the cookie
    # `login` (sign in or sign up), `link` (attach to `user_id`), `select` (pick a tone).
    purpose: Mapped[str] = mapped_column(String(10))
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    next_path: Mapped[str] = mapped_column(String(2000))
    tone_format: Mapped[str | None] = mapped_column(String(10))  # `select`: nam or ir
    verifier_enc: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None]
