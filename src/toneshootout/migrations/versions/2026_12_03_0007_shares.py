"""shares of a render, listening sessions (blind votes, ABX runs) and their answers

Revision ID: 0007_shares
Revises: 0006_library_source
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from toneshootout.server.db.base import UtcDateTime

revision: str = "0007_shares"
down_revision: str | None = "0006_library_source"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "shares",
        sa.Column("render_id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("token_hint", sa.String(length=8), nullable=False),
        sa.Column("public_token", sa.String(length=64), nullable=True),
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=True),
        sa.Column("revoked_at", UtcDateTime(), nullable=True),
        sa.Column("voting_open", sa.Boolean(), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_shares_owner_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["render_id"],
            ["renders.id"],
            name=op.f("fk_shares_render_id_renders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shares")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_shares_token_hash")),
    )
    with op.batch_alter_table("shares", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shares_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_shares_render_id"), ["render_id"], unique=False)
        batch_op.create_index(
            "ix_shares_visibility_created_at", ["visibility", "created_at"], unique=False
        )

    op.create_table(
        "listening_sessions",
        sa.Column("share_id", sa.Uuid(), nullable=False),
        sa.Column("listener_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("design", sa.JSON(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("completed_at", UtcDateTime(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["share_id"],
            ["shares.id"],
            name=op.f("fk_listening_sessions_share_id_shares"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listening_sessions")),
    )
    with op.batch_alter_table("listening_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_listening_sessions_share_id"), ["share_id"], unique=False
        )
        batch_op.create_index(
            "uq_listening_sessions_blind_listener",
            ["share_id", "listener_id"],
            unique=True,
            sqlite_where=sa.text("kind = 'blind'"),
            postgresql_where=sa.text("kind = 'blind'"),
        )

    op.create_table(
        "listening_answers",
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("choice", sa.Integer(), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["listening_sessions.id"],
            name=op.f("fk_listening_answers_session_id_listening_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", "round", name=op.f("pk_listening_answers")),
    )


def downgrade() -> None:
    op.drop_table("listening_answers")
    with op.batch_alter_table("listening_sessions", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_listening_sessions_blind_listener",
            sqlite_where=sa.text("kind = 'blind'"),
            postgresql_where=sa.text("kind = 'blind'"),
        )
        batch_op.drop_index(batch_op.f("ix_listening_sessions_share_id"))

    op.drop_table("listening_sessions")
    with op.batch_alter_table("shares", schema=None) as batch_op:
        batch_op.drop_index("ix_shares_visibility_created_at")
        batch_op.drop_index(batch_op.f("ix_shares_render_id"))
        batch_op.drop_index(batch_op.f("ix_shares_owner_id"))

    op.drop_table("shares")
