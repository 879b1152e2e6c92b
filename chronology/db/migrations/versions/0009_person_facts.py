"""person facts: every date of birth, sex and name each source gave for a person, with the file and
row it came from, so that facts that disagree are kept side by side instead of the first one winning

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 15:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "person_facts",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("person_id", BIG_ID, nullable=False),
        sa.Column("fact", sa.String(length=20), nullable=False),
        sa.Column("value", sa.String(length=300), nullable=False),
        sa.Column("source_system", sa.String(length=200), nullable=False),
        sa.Column("file_name", sa.String(length=500), nullable=True),
        sa.Column("row", sa.Integer(), nullable=True),
        sa.Column("batch_id", BIG_ID, nullable=True),
        sa.ForeignKeyConstraint(["batch_id"], ["import_batches.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_id", "fact", "value", name="uq_person_fact"),
    )
    with op.batch_alter_table("person_facts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_facts_person_id"), ["person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("person_facts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_facts_person_id"))
    op.drop_table("person_facts")
