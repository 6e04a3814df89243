"""TONE3000 sign-ins in progress: hashed state, browser binding, encrypted PKCE verifier

Revision ID: 0009_tone3000_logins
Revises: 0008_tone3000_accounts
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from toneshootout.server.db.base import UtcDateTime

revision: str = "0009_tone3000_logins"
down_revision: str | None = "0008_tone3000_accounts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tone3000_logins",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("state_hash", sa.String(length=64), nullable=False),
        sa.Column("browser_hash", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=10), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("next_path", sa.String(length=2000), nullable=False),
        sa.Column("tone_format", sa.String(length=10), nullable=True),
        sa.Column("verifier_enc", sa.Text(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("used_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_tone3000_logins_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tone3000_logins")),
        sa.UniqueConstraint("state_hash", name=op.f("uq_tone3000_logins_state_hash")),
    )
    with op.batch_alter_table("tone3000_logins", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tone3000_logins_expires_at"), ["expires_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_tone3000_logins_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tone3000_logins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tone3000_logins_user_id"))
        batch_op.drop_index(batch_op.f("ix_tone3000_logins_expires_at"))
    op.drop_table("tone3000_logins")
