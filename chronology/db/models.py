"""Database schema as SQLAlchemy 2.0 typed models. The schema itself is built by Alembic migrations.

People are kept as each source knew them ("source persons") and joined by recorded merges, so any
match can be undone without losing which agency said what.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# SQLite only auto-increments INTEGER PRIMARY KEY, so BigInteger falls back to Integer there.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class ImportBatch(Base):
    """One file imported (or refused). The report a data officer reads afterwards lives here."""

    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    format: Mapped[str] = mapped_column(String(40))
    agency: Mapped[str | None] = mapped_column(String(200))
    file_name: Mapped[str] = mapped_column(String(500))
    file_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    file_size: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(20))  # completed | failed
    error: Mapped[str | None] = mapped_column(Text)
    imported_by: Mapped[str | None] = mapped_column(String(200))
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    events_imported: Mapped[int] = mapped_column(Integer, default=0)
    events_undated: Mapped[int] = mapped_column(Integer, default=0)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)
    duplicates_skipped: Mapped[int] = mapped_column(Integer, default=0)
    relationships_imported: Mapped[int] = mapped_column(Integer, default=0)
    person_records: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    warnings_count: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # context, not records
    covers_from: Mapped[dt.date | None] = mapped_column(Date)
    covers_to: Mapped[dt.date | None] = mapped_column(Date)


class ImportIssue(Base):
    """A rejected row or a warning, with file, row and field, kept with its batch."""

    __tablename__ = "import_issues"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batches.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # rejected | warning
    row: Mapped[int | None] = mapped_column(Integer)
    path: Mapped[str | None] = mapped_column(String(500))
    field: Mapped[str | None] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text)
    raw: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class ImportSkippedItem(Base):
    """A sheet, element or entry of a file that is not a record (a guidance sheet, a Composition, a
    resource type not read), kept with its reason so the report read later says what and why."""

    __tablename__ = "import_skipped_items"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batches.id"), index=True)
    what: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    path: Mapped[str | None] = mapped_column(String(500))


class Person(Base):
    """A person as one source system knew them. ``merged_into_id`` joins them into one real person."""

    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    source_system: Mapped[str] = mapped_column(String(200))
    is_child: Mapped[bool] = mapped_column(Boolean, default=False)
    display_name: Mapped[str | None] = mapped_column(String(300))
    surname: Mapped[str | None] = mapped_column(String(200))
    forenames: Mapped[str | None] = mapped_column(String(200))
    name_key: Mapped[str | None] = mapped_column(String(300), index=True)  # normalised, for suggestions
    dob: Mapped[dt.date | None] = mapped_column(Date, index=True)
    dob_precision: Mapped[str | None] = mapped_column(String(10))
    sex: Mapped[str | None] = mapped_column(String(20))
    postcode: Mapped[str | None] = mapped_column(String(20))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    attributes: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # what identity-only records said
    created_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PersonIdentifier(Base):
    """An identifier a source gave for a person, with whether it passed its check."""

    __tablename__ = "person_identifiers"
    __table_args__ = (
        UniqueConstraint("person_id", "kind", "scope", "value", name="uq_person_identifier"),
        Index("ix_identifier_lookup", "kind", "value", "scope"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    scope: Mapped[str] = mapped_column(String(200), default="")
    value: Mapped[str] = mapped_column(String(200))
    valid: Mapped[bool] = mapped_column(Boolean, default=True)
    problem: Mapped[str | None] = mapped_column(String(500))
    source_system: Mapped[str] = mapped_column(String(200))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))


class PersonFact(Base):
    """One value a source gave for who a person is (date of birth, sex, name), with where it was read,
    so that values that disagree are kept side by side and shown, never one chosen silently."""

    __tablename__ = "person_facts"
    __table_args__ = (UniqueConstraint("person_id", "fact", "value", name="uq_person_fact"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    fact: Mapped[str] = mapped_column(String(20))  # dob | sex | name
    value: Mapped[str] = mapped_column(String(300))  # dob as ISO at its precision; name as written
    source_system: Mapped[str] = mapped_column(String(200))
    file_name: Mapped[str | None] = mapped_column(String(500))
    row: Mapped[int | None] = mapped_column(Integer)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))


class PersonMerge(Base):
    """How two people were found to be one: the rule or the person who decided. Undone, not deleted."""

    __tablename__ = "person_merges"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merged_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    into_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    method: Mapped[str] = mapped_column(String(40))  # nhs_number | upn | former_upn | la_child_id | ...
    evidence: Mapped[str] = mapped_column(Text)
    made_by: Mapped[str] = mapped_column(String(200))
    made_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    undone_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    undone_by: Mapped[str | None] = mapped_column(String(200))
    undo_reason: Mapped[str | None] = mapped_column(Text)


class MatchSuggestion(Base):
    """A possible match (name + date of birth) that a person must confirm or reject."""

    __tablename__ = "match_suggestions"
    __table_args__ = (UniqueConstraint("person_a_id", "person_b_id", name="uq_suggestion_pair"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    person_a_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    person_b_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    score: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending | confirmed | rejected
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    merge_id: Mapped[int | None] = mapped_column(ForeignKey("person_merges.id"))


class Relationship(Base):
    """An adult or sibling in a child's life and who they are to the child, as a source said."""

    __tablename__ = "relationships"
    __table_args__ = (UniqueConstraint("natural_key", name="uq_relationship_key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    natural_key: Mapped[str] = mapped_column(String(400))
    child_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    relationship: Mapped[str] = mapped_column(String(60))
    parental_responsibility: Mapped[bool | None] = mapped_column(Boolean)
    lives_with_child: Mapped[bool | None] = mapped_column(Boolean)
    from_date: Mapped[dt.date | None] = mapped_column(Date)
    to_date: Mapped[dt.date | None] = mapped_column(Date)
    source_system: Mapped[str] = mapped_column(String(200))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))
    attributes: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Event(Base):
    """The canonical event as stored. What the agency recorded is never altered after import."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("natural_key", name="uq_event_natural_key"),
        Index("ix_events_subject_date", "subject_id", "date"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    natural_key: Mapped[str] = mapped_column(String(400))
    subject_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    date: Mapped[dt.date | None] = mapped_column(Date)  # earliest day; None for an undated event
    date_precision: Mapped[str] = mapped_column(String(10))
    date_uncertain: Mapped[bool] = mapped_column(Boolean, default=False)
    date_text: Mapped[str | None] = mapped_column(String(200))
    time: Mapped[dt.time | None] = mapped_column(Time)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    end_precision: Mapped[str | None] = mapped_column(String(10))
    end_uncertain: Mapped[bool] = mapped_column(Boolean, default=False)
    end_time: Mapped[dt.time | None] = mapped_column(Time)
    seq: Mapped[int | None] = mapped_column(Integer)
    agency: Mapped[str] = mapped_column(String(200), index=True)
    source: Mapped[str] = mapped_column(Text)
    event_type: Mapped[str] = mapped_column(String(60), index=True)
    categories: Mapped[list[Any]] = mapped_column(JSON, default=list)
    themes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    summary: Mapped[str] = mapped_column(Text)
    impact_on_child: Mapped[str | None] = mapped_column(Text)
    action_outcome: Mapped[str | None] = mapped_column(Text)
    analysis: Mapped[str | None] = mapped_column(Text)
    significant: Mapped[bool] = mapped_column(Boolean, default=False)
    child_voice: Mapped[str | None] = mapped_column(Text)
    child_seen_alone: Mapped[bool | None] = mapped_column(Boolean)
    persons: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{name, role, person_id}]
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batches.id"), index=True)
    source_system: Mapped[str] = mapped_column(String(200))
    source_file: Mapped[str] = mapped_column(String(500))
    source_row: Mapped[int | None] = mapped_column(Integer)
    source_path: Mapped[str | None] = mapped_column(String(500))
    source_sheet: Mapped[str | None] = mapped_column(String(200))
    source_record_id: Mapped[str | None] = mapped_column(String(300))
    # Canonical fields the analysis reads (chronology.events.CanonicalEvent): references carried and
    # quoted ([{kind, value, token, role, source}]), the agency that referred, the encounter, labels.
    refs: Mapped[list[Any] | None] = mapped_column(JSON(none_as_null=True))
    referring_agency: Mapped[str | None] = mapped_column(String(100))
    encounter_ref: Mapped[str | None] = mapped_column(String(500))
    labels: Mapped[list[Any] | None] = mapped_column(JSON(none_as_null=True))


class AccessLog(Base):
    """Every view and export of a child's record. Append-only: database triggers refuse change."""

    __tablename__ = "access_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40))  # view | export | search | ...
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    detail: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)


class LinkRun(Base):
    """When a child's link graph was last built, and from what (so an unchanged child is skipped)."""

    __tablename__ = "link_runs"

    child_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))  # digest of the events, their people and config
    built_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    events: Mapped[int] = mapped_column(Integer, default=0)
    links: Mapped[int] = mapped_column(Integer, default=0)
    clusters: Mapped[int] = mapped_column(Integer, default=0)
    episodes: Mapped[int] = mapped_column(Integer, default=0)


class AnalysisQueue(Base):
    """A person whose children's link graph and audit flags must be brought up to date (after an
    import, a merge, a confirmed or rejected match, an undone merge). Emptied by
    ``chronology.analysis.refresh``; a row left by a run that stopped part way is done by the next."""

    __tablename__ = "analysis_queue"

    person_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    queued_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    why: Mapped[str] = mapped_column(String(200))


class EventLink(Base):
    """A typed, explained edge between two of a child's events (``event_a`` the earlier)."""

    __tablename__ = "event_links"
    __table_args__ = (UniqueConstraint("event_a_id", "event_b_id", "kind", name="uq_event_link"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    event_a_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    event_b_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # same_incident | led_to | same_person | follows
    reason: Mapped[str] = mapped_column(Text)


class EventGroup(Base):
    """The incident cluster and episode an event belongs to in its child's link graph."""

    __tablename__ = "event_groups"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    incident_cluster: Mapped[str | None] = mapped_column(String(60), index=True)
    episode: Mapped[str | None] = mapped_column(String(60), index=True)
    # references the event quotes that match no police occurrence in the child's record
    unmatched_refs: Mapped[list[Any] | None] = mapped_column(JSON(none_as_null=True))

class User(Base):
    """Someone who signs in to the web service. Only a password hash is kept (argon2id)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20))  # practitioner | manager | auditor | data_officer | admin
    team: Mapped[str | None] = mapped_column(String(100), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class WebSession(Base):
    """A web service session, kept here so it can be ended: signing out, deactivation, a password
    change or an administrator removes the row, and a copied cookie then opens nothing. The cookie
    holds a random id; only its SHA-256 is stored, so reading this table gives no usable cookie."""

    __tablename__ = "web_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    data: Mapped[str] = mapped_column(Text)  # Flask's tagged JSON of the session's contents
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)


class TeamAllocation(Base):
    """A child allocated to a team, by the LA child ID the case management system gives them.

    Keyed by LA child ID rather than a person row id: person rows are joined and separated by
    merges (and an undone merge changes which row represents the child), while the LA child ID is
    what the local authority itself allocates cases by, and it survives re-imports.
    """

    __tablename__ = "team_allocations"
    __table_args__ = (UniqueConstraint("team", "la_child_id", name="uq_team_allocation"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    team: Mapped[str] = mapped_column(String(100))
    la_child_id: Mapped[str] = mapped_column(String(200), index=True)
    allocated_by: Mapped[str] = mapped_column(String(200))
    allocated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Annotation(Base):
    """A practitioner's note on an event (significance, analysis, impact, comment).

    Kept apart from ``events``: what an agency recorded is never altered; the working chronology's
    judgements sit beside it, each with its author and time.
    """

    __tablename__ = "annotations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    child_person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    author: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    kind: Mapped[str] = mapped_column(String(20))  # significance | analysis | impact | comment
    significant: Mapped[bool | None] = mapped_column(Boolean)
    text: Mapped[str] = mapped_column(Text)
class AuditSnapshot(Base):
    """One child as the audit panel reads it, stored by ``chronology audit-store``.

    Working out every child's flags on each page view is too slow for a whole authority, so the
    panel reads this: the child's plans, the few facts a cohort filter consults, incident days for
    the charts, and (in ``audit_flags``) every flag the patterns raised, as at ``as_of``.
    """

    __tablename__ = "audit_snapshots"

    child_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), primary_key=True)
    la_child_id: Mapped[str | None] = mapped_column(String(200))
    as_of: Mapped[dt.date | None] = mapped_column(Date)
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    profile: Mapped[dict[str, Any]] = mapped_column(JSON)


class AuditFlag(Base):
    """A flag a pattern raised for a child, as stored with the child's ``AuditSnapshot``."""

    __tablename__ = "audit_flags"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("audit_snapshots.child_id"), index=True)
    pattern: Mapped[str] = mapped_column(String(60), index=True)
    evidence_from: Mapped[dt.date] = mapped_column(Date)
    evidence_to: Mapped[dt.date] = mapped_column(Date)
    events: Mapped[list[Any]] = mapped_column(JSON, default=list)
    detail: Mapped[str] = mapped_column(Text)
