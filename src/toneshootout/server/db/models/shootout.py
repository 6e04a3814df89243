"""Shootouts and the library items they reference (for the in-use check on delete)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from toneshootout.server.db.base import Base, IdMixin, TimestampMixin


class Shootout(IdMixin, TimestampMixin, Base):
    __tablename__ = "shootouts"

    owner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    # The validated shootout body: DI ids, chains of typed blocks, settings (API schema shape).
    body: Mapped[dict[str, Any]] = mapped_column(JSON)


class ShootoutRef(Base):
    """One library item used by one shootout; rewritten whenever the shootout is saved."""

    __tablename__ = "shootout_refs"

    shootout_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("shootouts.id", ondelete="CASCADE"), primary_key=True
    )
    item_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("library_items.id", ondelete="CASCADE"), primary_key=True, index=True
    )
