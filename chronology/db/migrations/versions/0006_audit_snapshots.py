"""audit panel: per-child snapshots and stored flags (filled by ``chronology audit-store``)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 13:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "audit_snapshots",
        sa.Column("child_id", BIG_ID, sa.ForeignKey("persons.id"), primary_key=True),
        sa.Column("la_child_id", sa.String(200), nullable=True),
        sa.Column("as_of", sa.Date(), nullable=True),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("profile", sa.JSON(), nullable=False),
    )
    op.create_table(
        "audit_flags",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("child_id", BIG_ID, sa.ForeignKey("audit_snapshots.child_id"), nullable=False),
        sa.Column("pattern", sa.String(60), nullable=False),
        sa.Column("evidence_from", sa.Date(), nullable=False),
        sa.Column("evidence_to", sa.Date(), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
    )
    op.create_index("ix_audit_flags_child_id", "audit_flags", ["child_id"])
    op.create_index("ix_audit_flags_pattern", "audit_flags", ["pattern"])


def downgrade() -> None:
    op.drop_table("audit_flags")
    op.drop_table("audit_snapshots")
