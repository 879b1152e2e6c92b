"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23 11:22:59.242994
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_batches",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("format", sa.String(length=40), nullable=False),
        sa.Column("agency", sa.String(length=200), nullable=True),
        sa.Column("file_name", sa.String(length=500), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=True),
        sa.Column("file_size", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("imported_by", sa.String(length=200), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("events_imported", sa.Integer(), nullable=False),
        sa.Column("events_undated", sa.Integer(), nullable=False),
        sa.Column("rows_rejected", sa.Integer(), nullable=False),
        sa.Column("duplicates_skipped", sa.Integer(), nullable=False),
        sa.Column("relationships_imported", sa.Integer(), nullable=False),
        sa.Column("warnings_count", sa.Integer(), nullable=False),
        sa.Column("covers_from", sa.Date(), nullable=True),
        sa.Column("covers_to", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_batches_file_sha256"), ["file_sha256"], unique=False)

    op.create_table(
        "import_issues",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("batch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("row", sa.Integer(), nullable=True),
        sa.Column("path", sa.String(length=500), nullable=True),
        sa.Column("field", sa.String(length=200), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("raw", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["import_batches.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("import_issues", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_issues_batch_id"), ["batch_id"], unique=False)

    op.create_table(
        "persons",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("source_system", sa.String(length=200), nullable=False),
        sa.Column("is_child", sa.Boolean(), nullable=False),
        sa.Column("display_name", sa.String(length=300), nullable=True),
        sa.Column("surname", sa.String(length=200), nullable=True),
        sa.Column("forenames", sa.String(length=200), nullable=True),
        sa.Column("name_key", sa.String(length=300), nullable=True),
        sa.Column("dob", sa.Date(), nullable=True),
        sa.Column("dob_precision", sa.String(length=10), nullable=True),
        sa.Column("sex", sa.String(length=20), nullable=True),
        sa.Column("postcode", sa.String(length=20), nullable=True),
        sa.Column("merged_into_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("created_batch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_batch_id"],
            ["import_batches.id"],
        ),
        sa.ForeignKeyConstraint(
            ["merged_into_id"],
            ["persons.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_persons_dob"), ["dob"], unique=False)
        batch_op.create_index(batch_op.f("ix_persons_merged_into_id"), ["merged_into_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_persons_name_key"), ["name_key"], unique=False)

    op.create_table(
        "access_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("access_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_access_log_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_access_log_person_id"), ["person_id"], unique=False)

    op.create_table(
        "events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("natural_key", sa.String(length=400), nullable=False),
        sa.Column("subject_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column("date_precision", sa.String(length=10), nullable=False),
        sa.Column("date_uncertain", sa.Boolean(), nullable=False),
        sa.Column("date_text", sa.String(length=200), nullable=True),
        sa.Column("time", sa.Time(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("end_precision", sa.String(length=10), nullable=True),
        sa.Column("end_uncertain", sa.Boolean(), nullable=False),
        sa.Column("end_time", sa.Time(), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=True),
        sa.Column("agency", sa.String(length=200), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("event_type", sa.String(length=60), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("themes", sa.JSON(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("impact_on_child", sa.Text(), nullable=True),
        sa.Column("action_outcome", sa.Text(), nullable=True),
        sa.Column("analysis", sa.Text(), nullable=True),
        sa.Column("significant", sa.Boolean(), nullable=False),
        sa.Column("child_voice", sa.Text(), nullable=True),
        sa.Column("child_seen_alone", sa.Boolean(), nullable=True),
        sa.Column("persons", sa.JSON(), nullable=False),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("batch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("source_system", sa.String(length=200), nullable=False),
        sa.Column("source_file", sa.String(length=500), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=True),
        sa.Column("source_path", sa.String(length=500), nullable=True),
        sa.Column("source_sheet", sa.String(length=200), nullable=True),
        sa.Column("source_record_id", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["import_batches.id"],
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["persons.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("natural_key", name="uq_event_natural_key"),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_events_agency"), ["agency"], unique=False)
        batch_op.create_index(batch_op.f("ix_events_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_events_event_type"), ["event_type"], unique=False)
        batch_op.create_index("ix_events_subject_date", ["subject_id", "date"], unique=False)

    op.create_table(
        "person_identifiers",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("valid", sa.Boolean(), nullable=False),
        sa.Column("problem", sa.String(length=500), nullable=True),
        sa.Column("source_system", sa.String(length=200), nullable=False),
        sa.Column("batch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["import_batches.id"],
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_id", "kind", "scope", "value", name="uq_person_identifier"),
    )
    with op.batch_alter_table("person_identifiers", schema=None) as batch_op:
        batch_op.create_index("ix_identifier_lookup", ["kind", "value", "scope"], unique=False)
        batch_op.create_index(batch_op.f("ix_person_identifiers_person_id"), ["person_id"], unique=False)

    op.create_table(
        "person_merges",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("merged_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("into_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("method", sa.String(length=40), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("made_by", sa.String(length=200), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("undone_by", sa.String(length=200), nullable=True),
        sa.Column("undo_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["into_id"],
            ["persons.id"],
        ),
        sa.ForeignKeyConstraint(
            ["merged_id"],
            ["persons.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("person_merges", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_merges_into_id"), ["into_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_person_merges_merged_id"), ["merged_id"], unique=False)

    op.create_table(
        "relationships",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("natural_key", sa.String(length=400), nullable=False),
        sa.Column("child_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("relationship", sa.String(length=60), nullable=False),
        sa.Column("parental_responsibility", sa.Boolean(), nullable=True),
        sa.Column("lives_with_child", sa.Boolean(), nullable=True),
        sa.Column("from_date", sa.Date(), nullable=True),
        sa.Column("to_date", sa.Date(), nullable=True),
        sa.Column("source_system", sa.String(length=200), nullable=False),
        sa.Column("batch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("attributes", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["import_batches.id"],
        ),
        sa.ForeignKeyConstraint(
            ["child_id"],
            ["persons.id"],
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("natural_key", name="uq_relationship_key"),
    )
    with op.batch_alter_table("relationships", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_relationships_child_id"), ["child_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_relationships_person_id"), ["person_id"], unique=False)

    op.create_table(
        "match_suggestions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("person_a_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("person_b_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("merge_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.ForeignKeyConstraint(
            ["merge_id"],
            ["person_merges.id"],
        ),
        sa.ForeignKeyConstraint(
            ["person_a_id"],
            ["persons.id"],
        ),
        sa.ForeignKeyConstraint(
            ["person_b_id"],
            ["persons.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_a_id", "person_b_id", name="uq_suggestion_pair"),
    )
    with op.batch_alter_table("match_suggestions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_match_suggestions_person_a_id"), ["person_a_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_match_suggestions_person_b_id"), ["person_b_id"], unique=False)

    _make_access_log_append_only()


def downgrade() -> None:
    _drop_access_log_triggers()
    with op.batch_alter_table("match_suggestions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_match_suggestions_person_b_id"))
        batch_op.drop_index(batch_op.f("ix_match_suggestions_person_a_id"))

    op.drop_table("match_suggestions")
    with op.batch_alter_table("relationships", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_relationships_person_id"))
        batch_op.drop_index(batch_op.f("ix_relationships_child_id"))

    op.drop_table("relationships")
    with op.batch_alter_table("person_merges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_merges_merged_id"))
        batch_op.drop_index(batch_op.f("ix_person_merges_into_id"))

    op.drop_table("person_merges")
    with op.batch_alter_table("person_identifiers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_identifiers_person_id"))
        batch_op.drop_index("ix_identifier_lookup")

    op.drop_table("person_identifiers")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_subject_date")
        batch_op.drop_index(batch_op.f("ix_events_event_type"))
        batch_op.drop_index(batch_op.f("ix_events_batch_id"))
        batch_op.drop_index(batch_op.f("ix_events_agency"))

    op.drop_table("events")
    with op.batch_alter_table("access_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_log_person_id"))
        batch_op.drop_index(batch_op.f("ix_access_log_at"))

    op.drop_table("access_log")
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_persons_name_key"))
        batch_op.drop_index(batch_op.f("ix_persons_merged_into_id"))
        batch_op.drop_index(batch_op.f("ix_persons_dob"))

    op.drop_table("persons")
    with op.batch_alter_table("import_issues", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_issues_batch_id"))

    op.drop_table("import_issues")
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_batches_file_sha256"))

    op.drop_table("import_batches")


def _make_access_log_append_only() -> None:
    """The access log is evidence: the database itself refuses to change or delete its rows."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION access_log_refuse_change() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'access_log is append-only';
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE ON access_log "
            "FOR EACH ROW EXECUTE FUNCTION access_log_refuse_change()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER access_log_no_{verb.lower()} BEFORE {verb} ON access_log "
                "BEGIN SELECT RAISE(ABORT, 'access_log is append-only'); END"
            )


def _drop_access_log_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS access_log_append_only ON access_log")
        op.execute("DROP FUNCTION IF EXISTS access_log_refuse_change()")
    else:
        op.execute("DROP TRIGGER IF EXISTS access_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS access_log_no_delete")
