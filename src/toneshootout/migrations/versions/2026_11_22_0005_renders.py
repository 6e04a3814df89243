"""renders (durable render jobs), their outputs, and WebSocket tickets

Revision ID: 0005_renders
Revises: 0004_shootouts
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from toneshootout.server.db.base import UtcDateTime

revision: str = "0005_renders"
down_revision: str | None = "0004_shootouts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ws_tickets",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("used_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_ws_tickets_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ws_tickets")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_ws_tickets_token_sha256")),
    )
    with op.batch_alter_table("ws_tickets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ws_tickets_user_id"), ["user_id"], unique=False)

    op.create_table(
        "renders",
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("shootout_id", sa.Uuid(), nullable=True),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("snapshot_sha256", sa.String(length=64), nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=True),
        sa.Column("request_sha256", sa.String(length=64), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.String(length=500), nullable=True),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.String(length=128), nullable=True),
        sa.Column("lease_until", UtcDateTime(), nullable=True),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        sa.Column("kicks", sa.Integer(), nullable=False),
        sa.Column("starts", sa.Integer(), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("step", sa.String(length=64), nullable=True),
        sa.Column("current", sa.JSON(), nullable=True),
        sa.Column("eta_seconds", sa.Float(), nullable=True),
        sa.Column("queued_at", UtcDateTime(), nullable=False),
        sa.Column("started_at", UtcDateTime(), nullable=True),
        sa.Column("finished_at", UtcDateTime(), nullable=True),
        sa.Column("output_prefix", sa.String(length=255), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_renders_owner_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["shootout_id"],
            ["shootouts.id"],
            name=op.f("fk_renders_shootout_id_shootouts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_renders")),
        sa.UniqueConstraint("owner_id", "idempotency_key", name="uq_renders_owner_idempotency_key"),
    )
    with op.batch_alter_table("renders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_renders_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_renders_shootout_id"), ["shootout_id"], unique=False)
        batch_op.create_index("ix_renders_state_queued_at", ["state", "queued_at"], unique=False)

    op.create_table(
        "render_outputs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("render_id", sa.Uuid(), nullable=False),
        sa.Column("path", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("di", sa.String(length=80), nullable=True),
        sa.Column("chain", sa.String(length=80), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("media_type", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["render_id"],
            ["renders.id"],
            name=op.f("fk_render_outputs_render_id_renders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_render_outputs")),
        sa.UniqueConstraint("render_id", "path", name="uq_render_outputs_render_path"),
    )
    with op.batch_alter_table("render_outputs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_render_outputs_render_id"), ["render_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("render_outputs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_render_outputs_render_id"))

    op.drop_table("render_outputs")
    with op.batch_alter_table("renders", schema=None) as batch_op:
        batch_op.drop_index("ix_renders_state_queued_at")
        batch_op.drop_index(batch_op.f("ix_renders_shootout_id"))
        batch_op.drop_index(batch_op.f("ix_renders_owner_id"))

    op.drop_table("renders")
    with op.batch_alter_table("ws_tickets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ws_tickets_user_id"))

    op.drop_table("ws_tickets")
