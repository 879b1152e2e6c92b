"""canonical fields the analysis reads (references, referring agency, encounter, labels) and the
queue of children whose derived analysis must be brought up to date

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("refs", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("referring_agency", sa.String(100), nullable=True))
        batch_op.add_column(sa.Column("encounter_ref", sa.String(500), nullable=True))
        batch_op.add_column(sa.Column("labels", sa.JSON(), nullable=True))
    with op.batch_alter_table("event_groups", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unmatched_refs", sa.JSON(), nullable=True))
    op.create_table(
        "analysis_queue",
        sa.Column("person_id", BIG_ID, primary_key=True, autoincrement=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("why", sa.String(200), nullable=False),
    )
    # Every child's stored analysis was built without these fields: queue them all, so the next
    # import, decision or `chronology init-db` rebuilds them rather than leave them stale.
    op.execute(
        sa.text(
            "INSERT INTO analysis_queue (person_id, queued_at, why) "
            "SELECT id, CURRENT_TIMESTAMP, 'store upgraded (0007)' FROM persons "
            "WHERE is_child = :yes AND merged_into_id IS NULL"
        ).bindparams(yes=True)
    )


def downgrade() -> None:
    op.drop_table("analysis_queue")
    with op.batch_alter_table("event_groups", schema=None) as batch_op:
        batch_op.drop_column("unmatched_refs")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_column("labels")
        batch_op.drop_column("encounter_ref")
        batch_op.drop_column("referring_agency")
        batch_op.drop_column("refs")
