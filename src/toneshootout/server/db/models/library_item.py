"""Library items: DI tracks, captures and IRs in one table, told apart by `kind`.

One table keeps quota, duplicate detection, listing and shootout references simple.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from toneshootout.server.db.base import Base, IdMixin, TimestampMixin


class LibraryItem(IdMixin, TimestampMixin, Base):
    __tablename__ = "library_items"
    __table_args__ = (
        UniqueConstraint("owner_id", "kind", "sha256", name="uq_library_items_owner_kind_sha256"),
    )

    owner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))  # "di_track" | "capture" | "ir"
    name: Mapped[str] = mapped_column(String(255))  # sanitised display name
    storage_key: Mapped[str] = mapped_column(String(255), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(64))
    item_metadata: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Where the file came from: "upload" (HTTP), "demo" (generated), later "tone3000".
    source: Mapped[str] = mapped_column(String(16), server_default="upload")
    attribution: Mapped[str | None] = mapped_column(String(1000))  # whom to credit, as shown
