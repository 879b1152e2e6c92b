"""each skipped sheet or resource of an import kept with its reason, so the report read later lists
them (a guidance sheet, a Composition, an unmapped resource type), not only their number

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 20:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "import_skipped_items",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("batch_id", BIG_ID, sa.ForeignKey("import_batches.id"), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("path", sa.String(500), nullable=True),
    )
    op.create_index("ix_import_skipped_items_batch_id", "import_skipped_items", ["batch_id"])


def downgrade() -> None:
    op.drop_index("ix_import_skipped_items_batch_id", table_name="import_skipped_items")
    op.drop_table("import_skipped_items")
