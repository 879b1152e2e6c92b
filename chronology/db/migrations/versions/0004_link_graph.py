"""link graph: explained links between events, incident clusters and episodes per event, link runs

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "link_runs",
        sa.Column("child_id", BIG_ID, sa.ForeignKey("persons.id"), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("links", sa.Integer(), nullable=False),
        sa.Column("clusters", sa.Integer(), nullable=False),
        sa.Column("episodes", sa.Integer(), nullable=False),
    )
    op.create_table(
        "event_links",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("child_id", BIG_ID, sa.ForeignKey("persons.id"), nullable=False),
        sa.Column("event_a_id", BIG_ID, sa.ForeignKey("events.id"), nullable=False),
        sa.Column("event_b_id", BIG_ID, sa.ForeignKey("events.id"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.UniqueConstraint("event_a_id", "event_b_id", "kind", name="uq_event_link"),
    )
    op.create_index("ix_event_links_child_id", "event_links", ["child_id"])
    op.create_index("ix_event_links_event_a_id", "event_links", ["event_a_id"])
    op.create_index("ix_event_links_event_b_id", "event_links", ["event_b_id"])
    op.create_table(
        "event_groups",
        sa.Column("event_id", BIG_ID, sa.ForeignKey("events.id"), primary_key=True),
        sa.Column("child_id", BIG_ID, sa.ForeignKey("persons.id"), nullable=False),
        sa.Column("incident_cluster", sa.String(60), nullable=True),
        sa.Column("episode", sa.String(60), nullable=True),
    )
    op.create_index("ix_event_groups_child_id", "event_groups", ["child_id"])
    op.create_index("ix_event_groups_incident_cluster", "event_groups", ["incident_cluster"])
    op.create_index("ix_event_groups_episode", "event_groups", ["episode"])


def downgrade() -> None:
    op.drop_table("event_groups")
    op.drop_table("event_links")
    op.drop_table("link_runs")
