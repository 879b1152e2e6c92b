"""A name longer than a person's record holds (300 characters: a note pasted into the name column, a
hostile file) is a rejected row naming the file, row and field, on every store: PostgreSQL refused it
with "value too long" and failed the whole file, SQLite kept it whole. The rest of the file imports."""

from __future__ import annotations

from chronology.events import PersonRef, Provenance
from chronology.events import Relationship as RelationshipItem
from chronology.ingest import NAME_LENGTH
from tests.factories import child, event
from tests.helpers import import_file

LONG = "Kai " + "Longname" * 60


def test_overlong_names_of_a_child_a_person_named_and_a_relative_are_rejected_rows(engine):
    good = event(child(la_id="LA1", name="Mia Stone"), record_id="R1", row=2)
    long_child = event(child(la_id="LA2", name=LONG), record_id="R2", row=3)
    long_named = event(
        child(la_id="LA3", name="Ben Stone"),
        record_id="R3",
        row=4,
        persons=[PersonRef(surname=LONG, role="father")],
    )
    long_relative = RelationshipItem(
        child=child(la_id="LA1"),
        person=PersonRef(forenames=LONG, surname="Stone"),
        relationship="mother",
        provenance=Provenance(source_system="template:Police", file="police.csv", row=5),
    )
    report = import_file(engine, [good, long_child, long_named, long_relative], "police.csv", "template")
    assert report.status == "completed", report.error
    assert report.events_imported == 1 and report.rows_rejected == 3 and report.adds_up()
    rejected = [line for line in report.first_issues if line.startswith("rejected")]
    assert rejected == [
        f"rejected: police.csv, row 3, field 'name': the name of the child is {len(LONG):,} characters long, "
        f"more than the {NAME_LENGTH} a name can be: it is not read as a name (check the column it came from)",
        f"rejected: police.csv, row 4, field 'surname': the surname of a person named on the record is "
        f"{len(LONG):,} characters long, more than the {NAME_LENGTH} a name can be: it is not read as a name "
        "(check the column it came from)",
        f"rejected: police.csv, row 5, field 'forenames': the forenames of the mother is {len(LONG):,} "
        f"characters long, more than the {NAME_LENGTH} a name can be: it is not read as a name (check the "
        "column it came from)",
    ]


def test_a_name_of_exactly_the_length_held_is_read(engine):
    name = "A" * NAME_LENGTH
    report = import_file(
        engine, [event(child(la_id="LA9", name=name), record_id="R1")], "police.csv", "template"
    )
    assert report.events_imported == 1 and report.rows_rejected == 0
