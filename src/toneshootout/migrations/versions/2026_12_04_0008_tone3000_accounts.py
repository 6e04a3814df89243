"""TONE3000 account links with encrypted tokens

Revision ID: 0008_tone3000_accounts
Revises: 0007_shares
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from toneshootout.server.db.base import UtcDateTime

revision: str = "0008_tone3000_accounts"
down_revision: str | None = "0007_shares"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tone3000_accounts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("provider_user_id", sa.String(length=64), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("access_token_enc", sa.Text(), nullable=True),
        sa.Column("refresh_token_enc", sa.Text(), nullable=True),
        sa.Column("expires_at", UtcDateTime(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_tone3000_accounts_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tone3000_accounts")),
        sa.UniqueConstraint("user_id", name=op.f("uq_tone3000_accounts_user_id")),
        sa.UniqueConstraint(
            "provider", "provider_user_id", name=op.f("uq_tone3000_accounts_provider")
        ),
    )


def downgrade() -> None:
    op.drop_table("tone3000_accounts")
