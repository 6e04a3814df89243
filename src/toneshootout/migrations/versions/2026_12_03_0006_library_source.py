"""library items: where each file came from (source) and whom to credit (attribution)

Revision ID: 0006_library_source
Revises: 0005_renders
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_library_source"
down_revision: str | None = "0005_renders"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("library_items", schema=None) as batch_op:
        # Every existing row was an HTTP upload.
        batch_op.add_column(
            sa.Column("source", sa.String(length=16), server_default="upload", nullable=False)
        )
        batch_op.add_column(sa.Column("attribution", sa.String(length=1000), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("library_items", schema=None) as batch_op:
        batch_op.drop_column("attribution")
        batch_op.drop_column("source")
