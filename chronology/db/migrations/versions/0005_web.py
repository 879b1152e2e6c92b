"""web service: users, team allocations, annotations

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 13:05:00

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("password_hash", sa.String(length=300), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("team", sa.String(length=100), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_team"), ["team"], unique=False)

    op.create_table(
        "team_allocations",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("team", sa.String(length=100), nullable=False),
        sa.Column("la_child_id", sa.String(length=200), nullable=False),
        sa.Column("allocated_by", sa.String(length=200), nullable=False),
        sa.Column("allocated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team", "la_child_id", name="uq_team_allocation"),
    )
    with op.batch_alter_table("team_allocations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_team_allocations_la_child_id"), ["la_child_id"], unique=False)

    op.create_table(
        "annotations",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("event_id", BIG_ID, nullable=False),
        sa.Column("child_person_id", BIG_ID, nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("significant", sa.Boolean(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["child_person_id"], ["persons.id"]),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("annotations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_annotations_event_id"), ["event_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_annotations_child_person_id"), ["child_person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("annotations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_annotations_child_person_id"))
        batch_op.drop_index(batch_op.f("ix_annotations_event_id"))
    op.drop_table("annotations")
    with op.batch_alter_table("team_allocations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_team_allocations_la_child_id"))
    op.drop_table("team_allocations")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_team"))
    op.drop_table("users")
