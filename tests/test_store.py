"""The store: migrations, one transaction per file, re-imports that add nothing, counts that add up."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DBAPIError

from chronology.db.models import AccessLog, Base, Event, ImportBatch, ImportIssue, Person, PersonIdentifier
from chronology.events import ImportFileError, ImportWarning, PartialDate, RejectedRow, Skipped
from chronology.ingest import BATCH_SIZE, FileInfo, import_items
from chronology.record import log_access
from tests.factories import child, event

NHS = "9434765919"


def count(engine, model) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


def test_migrations_build_exactly_the_models(engine):
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diffs == []


def test_import_counts_add_up_and_undated_events_are_kept(engine):
    subject = child(la_id="LA1")
    items = [
        event(subject, record_id="1"),
        event(subject, record_id="2", when=None),
        RejectedRow("police.csv", 4, "event", "the event description is blank"),
        ImportWarning("police.csv", 3, "start_date", "'31/04/2021' is not a real date"),
    ]
    report = import_items(engine, items, FileInfo("police.csv", "template"), actor="t")
    assert (report.rows_read, report.events_imported, report.events_undated) == (3, 2, 1)
    assert (report.rows_rejected, report.warnings, report.duplicates_skipped) == (1, 1, 0)
    assert report.adds_up()
    assert count(engine, Event) == 2
    with engine.connect() as conn:
        issues = conn.execute(select(ImportIssue.kind, ImportIssue.row, ImportIssue.field)).all()
        batch = conn.execute(select(ImportBatch.__table__)).one()
    assert sorted(issues) == [("rejected", 4, "event"), ("warning", 3, "start_date")]
    assert (batch.rows_read, batch.events_undated, batch.rows_rejected) == (3, 1, 1)


def test_skipped_context_is_counted_apart_from_records_with_its_reasons(engine):
    index = "Composition: the document's index, read for its subject"
    items = [
        event(child(la_id="LA1"), record_id="1"),
        Skipped("doc.json", "Composition/doc-1", index, "Bundle(document).entry[0]"),
        Skipped("doc.json", "Composition/doc-2", index),
        Skipped("doc.json", "OperationOutcome/oo", "OperationOutcome: search outcome"),
    ]
    report = import_items(engine, items, FileInfo("doc.json", "fhir"), actor="t")
    assert (report.rows_read, report.events_imported, report.rows_rejected, report.skipped) == (1, 1, 0, 3)
    assert report.adds_up()
    assert report.skipped_reasons == {index: 2, "OperationOutcome: search outcome": 1}
    assert f"  skipped             3 ({index}: 2; OperationOutcome: search outcome: 1)" in report.lines()
    with engine.connect() as conn:
        assert conn.execute(select(ImportBatch.skipped)).scalar_one() == 3
        assert conn.execute(select(func.count()).select_from(ImportIssue)).scalar_one() == 0


def test_reimporting_the_same_records_adds_nothing(engine):
    def items():
        subject = child(la_id="LA1", nhs=NHS)
        return [event(subject, record_id=str(i)) for i in range(5)] + [event(subject, record_id=None)]

    first = import_items(engine, items(), FileInfo("a.csv", "template"), actor="t")
    before = (count(engine, Event), count(engine, Person), count(engine, PersonIdentifier))
    second = import_items(engine, items(), FileInfo("a.csv", "template"), actor="t")
    assert first.events_imported == 6
    assert (second.events_imported, second.duplicates_skipped, second.new_people) == (0, 6, 0)
    assert second.adds_up()
    assert (count(engine, Event), count(engine, Person), count(engine, PersonIdentifier)) == before


def test_duplicate_rows_within_a_file_are_counted_not_lost(engine):
    subject = child(la_id="LA1")
    rows = [event(subject, record_id="same", row=2), event(subject, record_id="same", row=3)]
    report = import_items(engine, rows, FileInfo("a.csv", "template"), actor="t")
    assert (report.events_imported, report.duplicates_skipped) == (1, 1)
    assert report.adds_up()


def test_a_file_failing_part_way_leaves_the_database_as_it_was(engine):
    import_items(
        engine, [event(child(la_id="LA0"), record_id="keep")], FileInfo("ok.csv", "template"), actor="t"
    )
    before = (count(engine, Event), count(engine, Person), count(engine, PersonIdentifier))

    def broken():
        for i in range(BATCH_SIZE * 2 + 10):  # several batches are flushed before the failure
            yield event(child(la_id=f"LA{i % 50 + 1}"), record_id=str(i))
        raise ImportFileError("bad.csv, row 4013: the file ends in the middle of a quoted field")

    report = import_items(engine, broken(), FileInfo("bad.csv", "template"), actor="t")
    assert report.status == "failed" and "row 4013" in report.error
    assert (count(engine, Event), count(engine, Person), count(engine, PersonIdentifier)) == before
    with engine.connect() as conn:
        failed = conn.execute(select(ImportBatch.__table__).where(ImportBatch.status == "failed")).one()
    assert failed.events_imported == 0 and "row 4013" in failed.error


def test_a_programming_error_also_rolls_back_and_is_raised(engine):
    def broken():
        yield event(child(la_id="LA1"), record_id="1")
        yield "not an item"

    with pytest.raises(TypeError):
        import_items(engine, broken(), FileInfo("x.csv", "template"), actor="t")
    assert count(engine, Event) == 0


def test_events_keep_precision_uncertainty_and_unmapped_fields(engine):
    ev = event(child(la_id="LA1"), when=PartialDate(2019, 3, None, uncertain=True))
    ev.attributes = {"Worker team": "East", "odd column": "=1+1"}
    import_items(engine, [ev], FileInfo("a.csv", "template"), actor="t")
    with engine.connect() as conn:
        row = conn.execute(select(Event.__table__)).one()
    assert (row.date.isoformat(), row.date_precision, row.date_uncertain) == ("2019-03-01", "month", True)
    assert row.attributes == {"Worker team": "East", "odd column": "=1+1"}


def test_category_words_map_to_risk_themes_and_codes_are_kept(engine):
    ev = event(child(la_id="LA1"), categories=["Domestic abuse", "Parental alcohol misuse", "XYZ"])
    import_items(engine, [ev], FileInfo("a.csv", "template"), actor="t")
    with engine.connect() as conn:
        row = conn.execute(select(Event.__table__)).one()
    assert row.categories == ["Domestic abuse", "Parental alcohol misuse", "XYZ"]
    assert set(row.themes) == {"domestic_abuse", "parental_substance_misuse"}


def test_access_log_is_append_only(engine):
    with engine.begin() as conn:
        log_access(conn, actor="sw1", action="view", person_id=None, detail="opened")
    with pytest.raises(DBAPIError), engine.begin() as conn:
        conn.execute(update(AccessLog).values(actor="someone else"))
    with pytest.raises(DBAPIError), engine.begin() as conn:
        conn.execute(text("DELETE FROM access_log"))
    assert count(engine, AccessLog) == 1


def test_importer_given_themes_and_coverage_are_kept(engine):
    import datetime as dt

    from chronology.events import Coverage

    ev = event(child(la_id="LA1"), categories=["3B"])
    ev.themes = ["domestic_abuse"]  # what a CIN code list says factor 3B means
    items = [
        Coverage("Childrens social care", dt.date(2021, 4, 1), dt.date(2022, 3, 31), "census 2021-22"),
        ev,
        Coverage("Childrens social care", dt.date(2020, 4, 1), dt.date(2021, 3, 31), "census 2020-21"),
    ]
    report = import_items(engine, items, FileInfo("cin.xml", "cin-census"), actor="t")
    assert report.adds_up() and report.events_imported == 1
    with engine.connect() as conn:
        row = conn.execute(select(Event.__table__)).one()
        batch = conn.execute(select(ImportBatch.__table__)).one()
    assert row.themes == ["domestic_abuse"] and row.categories == ["3B"]
    assert (batch.covers_from, batch.covers_to) == (dt.date(2020, 4, 1), dt.date(2022, 3, 31))
    assert batch.agency == "Childrens social care"


def test_identity_only_records_are_counted_and_join_the_person(engine):
    from chronology.events import Identifier, IdentifierKind, PersonRecord, PersonRef, Provenance

    header = PersonRecord(
        PersonRef(
            identifiers=[
                Identifier(IdentifierKind.LA_CHILD_ID, "LA1"),
                Identifier(IdentifierKind.NHS_NUMBER, NHS),
            ]
        ),
        Provenance("ssda903", "header.csv", row=2),
        attributes={"ETHNIC": "WBRI", "MOTHER": "0"},
    )
    report = import_items(engine, [header], FileInfo("header.csv", "ssda903"), actor="t")
    assert report.person_records == 1 and report.adds_up() and report.events_imported == 0
    import_items(
        engine,
        [event(child(nhs=NHS), agency="Health", record_id="H1")],
        FileInfo("h.json", "fhir"),
        actor="t",
    )
    from chronology.record import find_child, load_child

    with engine.connect() as conn:
        record = load_child(conn, find_child(conn, "LA1"))
    assert [e.agency for e in record.entries] == ["Health"]
    from chronology.db.models import Person

    with engine.connect() as conn:
        kept = conn.execute(select(Person.attributes).where(Person.source_system == "ssda903")).scalar_one()
    assert kept == {"ETHNIC": "WBRI", "MOTHER": "0"}


def test_coverage_per_agency_is_part_of_the_childs_record(engine):
    import datetime as dt

    from chronology.record import find_child, load_child

    info = FileInfo(
        "police.csv",
        "police",
        agency="Police",
        covers_from=dt.date(2019, 1, 1),
        covers_to=dt.date(2023, 12, 31),
    )
    import_items(engine, [event(child(la_id="LA1"))], info, actor="t")
    with engine.connect() as conn:
        record = load_child(conn, find_child(conn, "LA1"))
    [span] = record.coverage
    assert (span.agency, span.start, span.end) == ("Police", dt.date(2019, 1, 1), dt.date(2023, 12, 31))
    assert not span.covers(dt.date(2018, 6, 1)) and span.covers(dt.date(2020, 6, 1))


def test_importer_given_themes_are_not_overridden_by_category_words(engine):
    decided = event(child(la_id="LA1"), record_id="1", categories=["Assault"])
    decided.themes = []  # the police importer: an adult was the victim, so not physical abuse of the child
    inferred = event(child(la_id="LA1"), record_id="2", categories=["Assault"])
    import_items(engine, [decided, inferred], FileInfo("p.csv", "police"), actor="t")
    with engine.connect() as conn:
        themes = dict(conn.execute(select(Event.source_record_id, Event.themes)).all())
    assert themes == {"1": [], "2": ["physical_abuse"]}


def test_canonical_references_are_stored_with_their_tokens_and_text_references_are_found(engine):
    from chronology.events import Reference, ReferenceRole

    quoting = event(
        child(la_id="LA1"),
        summary="Operation Encompass: police occurrence ref. occ 18/001016 — incident last night",
    )
    quoting.references = [Reference("police_occurrence", "OCC18/001016", ReferenceRole.QUOTED, "police_reference")]
    quoting.referring_agency, quoting.encounter, quoting.labels = "Police", "Encounter/e1", ["abuse domestic"]
    import_items(engine, [quoting], FileInfo("school.csv", "school-log"), actor="t")
    with engine.connect() as conn:
        row = conn.execute(select(Event.__table__)).one()
    assert row.refs == [
        {"kind": "police_occurrence", "value": "OCC18/001016", "token": "OCC18001016", "role": "quoted",
         "source": "police_reference"},
    ]  # fmt: skip  (the text's "occ 18/001016" is the same token: kept once)
    assert (row.referring_agency, row.encounter_ref, row.labels) == ("Police", "Encounter/e1", ["abuse domestic"])


def test_a_record_quoting_two_different_police_references_is_reported(engine):
    from chronology.events import Reference, ReferenceRole

    conflicting = event(
        child(la_id="LA1"),
        summary="Notification (police ref OCC18/001017)",
    )
    conflicting.references = [
        Reference("police_occurrence", "OCC18/001016", ReferenceRole.QUOTED, "police_reference")
    ]
    report = import_items(engine, [conflicting], FileInfo("school.csv", "school-log"), actor="t")
    assert report.warnings == 1
    assert "2 different police references: OCC18/001016 (police_reference); OCC18/001017 (summary)" in (
        report.first_issues[0]
    )
    with engine.connect() as conn:
        assert len(conn.execute(select(Event.__table__.c.refs)).scalar_one()) == 2
