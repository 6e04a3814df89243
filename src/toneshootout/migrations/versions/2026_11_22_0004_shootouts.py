"""shootouts and the library items they reference

Revision ID: 0004_shootouts
Revises: 0003_library
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from toneshootout.server.db.base import UtcDateTime

revision: str = "0004_shootouts"
down_revision: str | None = "0003_library"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "shootouts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_shootouts_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shootouts")),
    )
    with op.batch_alter_table("shootouts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shootouts_owner_id"), ["owner_id"])

    op.create_table(
        "shootout_refs",
        sa.Column("shootout_id", sa.Uuid(), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["shootout_id"],
            ["shootouts.id"],
            name=op.f("fk_shootout_refs_shootout_id_shootouts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["library_items.id"],
            name=op.f("fk_shootout_refs_item_id_library_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("shootout_id", "item_id", name=op.f("pk_shootout_refs")),
    )
    with op.batch_alter_table("shootout_refs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shootout_refs_item_id"), ["item_id"])


def downgrade() -> None:
    with op.batch_alter_table("shootout_refs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shootout_refs_item_id"))
    op.drop_table("shootout_refs")
    with op.batch_alter_table("shootouts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shootouts_owner_id"))
    op.drop_table("shootouts")
