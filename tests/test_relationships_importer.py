"""The family relationships importer, and one child's record built from every project format.

Fixtures are synthetic, built in tmp_path by each test; NHS numbers come from the 999 test range.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

import importers
from chronology.db.models import Relationship as RelationshipRow
from chronology.events import (
    Identifier,
    IdentifierKind,
    ImportFileError,
    ImportItem,
    ImportWarning,
    PartialDate,
    RejectedRow,
    Relationship,
)
from chronology.identifiers import make_nhs_number, make_upn
from chronology.people import root_of
from chronology.record import find_child, load_child
from importers.base import ImportOptions
from importers.case_notes import CaseNotesImporter
from importers.police import PoliceImporter
from importers.relationships import (
    RELATIONSHIPS,
    RelationshipsImporter,
    is_relationships_header,
    normalise_relationship,
)
from importers.school_log import SchoolLogImporter
from importers.template import TemplateImporter
from tests.helpers import (
    DAMAGE,
    DAMAGE_SETTINGS,
    csv_text,
    csv_writer,
    header_of,
    import_file,
    import_twice,
    other_headers,
    read_damaged,
    rejected_of,
    relationships_of,
    row_maker,
    warnings_of,
    write_xlsx,
)
from tests.label_variants import written_like

HEADER = header_of("relationships")
RNG = random.Random(5150)
MUM_NHS = make_nhs_number(RNG)
CHILD_NHS = make_nhs_number(RNG)
CHILD_UPN = make_upn(RNG)
FATHER = {
    "child_id": "LA1",
    "person_id": "P123",
    "surname": "Testfather",
    "forenames": "Mark",
    "dob": "05/05/1988",
    "sex": "M",
    "relationship": "father",
    "parental_responsibility": "Y",
    "lives_with_child": "N",
    "from_date": "",
    "to_date": "",
}
MOTHER = {**FATHER, "person_id": "P124", "surname": "Testmum", "forenames": "Alice", "dob": "01/01/1990"}
MOTHER |= {"sex": "F", "nhs_number": MUM_NHS, "relationship": "Mum", "lives_with_child": "Y"}
SIBLING = {**FATHER, "person_id": "LA2", "surname": "Testkid", "forenames": "Eve", "dob": "2008"}
SIBLING |= {"sex": "F", "relationship": "sister", "parental_responsibility": "N", "lives_with_child": "Y"}
PARTNER = {**FATHER, "person_id": "P125", "surname": "Testpartner", "forenames": "Sam", "dob": "03/1985"}
PARTNER |= {"relationship": "Mum's boyfriend", "parental_responsibility": "N", "lives_with_child": "Y"}
PARTNER |= {"from_date": "06/2020", "to_date": "?2022"}


row = row_maker(FATHER, HEADER)
write_csv = csv_writer("relationships.csv")


def read(path: Path) -> list[ImportItem]:
    return list(RelationshipsImporter().read(path, ImportOptions()))


def family(tmp_path: Path) -> Path:
    return write_csv(tmp_path, [HEADER, row(), row(**MOTHER), row(**SIBLING), row(**PARTNER)])


def test_each_row_is_a_relationship(tmp_path: Path) -> None:
    items = read(family(tmp_path))
    assert warnings_of(items) == []
    father, mother, sibling, partner = relationships_of(items)
    assert father.child.identifiers == [Identifier(IdentifierKind.LA_CHILD_ID, "LA1")]
    assert father.relationship == "father"
    assert (father.person.display_name(), father.person.dob, father.person.sex) == (
        "Mark Testfather",
        PartialDate(1988, 5, 5),
        "M",
    )
    assert father.person.identifiers == [Identifier(IdentifierKind.SOURCE_PERSON_ID, "P123", "social-care")]
    assert (father.parental_responsibility, father.lives_with_child) == (True, False)
    assert (father.provenance.source_system, father.provenance.row) == ("social-care", 2)
    assert father.attributes == {}
    assert mother.relationship == "mother" and mother.attributes == {"relationship": "Mum"}
    assert Identifier(IdentifierKind.NHS_NUMBER, MUM_NHS) in mother.person.identifiers
    assert sibling.relationship == "sibling" and sibling.person.dob == PartialDate(2008)
    assert Identifier(IdentifierKind.LA_CHILD_ID, "LA2") in sibling.person.identifiers  # known to social care
    assert partner.relationship == "mother's partner"
    assert (partner.from_date, partner.to_date) == (PartialDate(2020, 6), PartialDate(2022, uncertain=True))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mother", "mother"),
        ("step dad", "step-father"),
        ("Stepfather", "step-father"),
        ("Mother's partner", "mother's partner"),
        ("Half Brother", "half-sibling"),
        ("Maternal grandmother", "grandparent"),
        ("Foster carer", "foster carer"),
        ("Other", "other"),
        ("Lodger", None),
    ],
)
def test_relationship_words(text: str, expected: str | None) -> None:
    assert normalise_relationship(text) == expected


def test_unmapped_columns_are_kept(tmp_path: Path) -> None:
    header = [*HEADER, "Address", "Notes"]
    [item] = relationships_of(read(write_csv(tmp_path, [header, row(header, Address="1 Test St", Notes="")])))
    assert item.attributes == {"Address": "1 Test St"}


def test_xlsx_reads_like_csv(tmp_path: Path) -> None:
    values: list[object] = list(row(**MOTHER))
    values[HEADER.index("dob")] = dt.datetime(1990, 1, 1)
    values[HEADER.index("nhs_number")] = int(MUM_NHS)
    path = write_xlsx(tmp_path / "family.xlsx", [HEADER, values])
    assert RelationshipsImporter.can_read(path)
    [item] = relationships_of(read(path))
    assert item.person.dob == PartialDate(1990, 1, 1) and item.relationship == "mother"
    assert Identifier(IdentifierKind.NHS_NUMBER, MUM_NHS) in item.person.identifiers


# --- bad input ----------------------------------------------------------------------------------------------


def test_missing_columns_are_listed(tmp_path: Path) -> None:
    path = write_csv(tmp_path, [["child_id", "surname"], ["LA1", "Test"]])
    with pytest.raises(ImportFileError) as error:
        read(path)
    message = str(error.value)
    assert message.startswith(
        "relationships.csv is not a family relationships file: missing column(s) person_id"
    )
    assert "relationship (or relationship_to_child" in message and "has 'child_id', 'surname'" in message


def test_unknown_relationship_is_kept_with_a_warning(tmp_path: Path) -> None:
    items = read(write_csv(tmp_path, [HEADER, row(relationship="Lodger"), row(relationship="")]))
    lodger, blank = relationships_of(items)
    assert (lodger.relationship, blank.relationship) == ("Lodger", "other")
    messages = {w.row: w.message for w in warnings_of(items) if w.field == "relationship"}
    assert "unknown relationship 'Lodger'" in messages[2] and "blank" in messages[3]


def test_unreadable_dates_are_kept_with_warnings(tmp_path: Path) -> None:
    items = read(write_csv(tmp_path, [HEADER, row(dob="31/02/1988", from_date="soon", to_date="2019", **{})]))
    [item] = relationships_of(items)
    assert item.person.dob is None and item.from_date is None and item.to_date == PartialDate(2019)
    assert item.attributes == {"dob": "31/02/1988", "from_date": "soon"}
    fields = {w.field: w for w in warnings_of(items)}
    assert set(fields) == {"dob", "from_date"} and fields["dob"].row == 2


def test_to_date_before_from_date_is_warned(tmp_path: Path) -> None:
    items = read(write_csv(tmp_path, [HEADER, row(from_date="2021", to_date="2020")]))
    [warning] = warnings_of(items)
    assert warning.field == "to_date" and "before the from date" in warning.message


def test_invalid_nhs_number_is_kept_with_a_warning(tmp_path: Path) -> None:
    items = read(write_csv(tmp_path, [HEADER, row(nhs_number="943 476 5918")]))
    [item] = relationships_of(items)
    assert Identifier(IdentifierKind.NHS_NUMBER, "9434765918") in item.person.identifiers
    [warning] = warnings_of(items)
    assert (warning.row, warning.field) == (2, "nhs_number") and "check digit should be 9" in warning.message


def test_bad_flags_are_kept_with_warnings(tmp_path: Path) -> None:
    items = read(
        write_csv(tmp_path, [HEADER, row(parental_responsibility="shared", lives_with_child="weekends")])
    )
    [item] = relationships_of(items)
    assert item.parental_responsibility is None and item.lives_with_child is None
    assert item.attributes == {"parental_responsibility": "shared", "lives_with_child": "weekends"}
    assert len(warnings_of(items)) == 2


def test_rows_without_child_or_person_are_rejected(tmp_path: Path) -> None:
    rows = [HEADER, row(child_id=""), row(person_id="", surname="", forenames=""), row(person_id="")]
    items = read(write_csv(tmp_path, rows))
    assert [(r.row, r.field) for r in rejected_of(items)] == [(2, "child_id"), (3, "person_id")]
    [named] = relationships_of(items)
    assert named.person.identifiers == [] and named.person.display_name() == "Mark Testfather"
    assert any(w.row == 4 and w.field == "person_id" for w in warnings_of(items))


def test_hostile_text_is_kept_verbatim(tmp_path: Path) -> None:
    header = [*HEADER, "Notes"]
    hostile = "=1+1 <script>x</script> Robert'); DROP TABLE persons;--"
    [item] = relationships_of(
        read(write_csv(tmp_path, [header, row(header, surname="O'Test-Ünal", Notes=hostile)]))
    )
    assert item.person.surname == "O'Test-Ünal" and item.attributes["Notes"] == hostile


# --- recognising the file -----------------------------------------------------------------------------------

OTHER_HEADERS = other_headers("relationships")


def test_can_read_relationship_files_only(tmp_path: Path) -> None:
    path = family(tmp_path)
    assert RelationshipsImporter.can_read(path)
    assert importers.detect(path) is RelationshipsImporter
    for name, header in OTHER_HEADERS.items():
        (tmp_path / f"{name}.csv").write_text(header + "\r\n", encoding="utf-8")
        assert not RelationshipsImporter.can_read(tmp_path / f"{name}.csv"), name
    assert not is_relationships_header(["child_id", "person_id", "surname"])


# --- damage -----------------------------------------------------------------------------------------------------

VALID = csv_text([HEADER, row(), row(**MOTHER), row(**SIBLING), row(**PARTNER)])


@DAMAGE_SETTINGS
@given(DAMAGE)
def test_random_damage_gives_a_file_error_or_items(mutations: list[tuple[str, int, bytes]]) -> None:
    items = read_damaged(read, VALID.encode("utf-8"), mutations)
    if items is not None:  # refusing the whole file is the other right answer
        assert all(isinstance(item, Relationship | RejectedRow | ImportWarning) for item in items)


# --- through the store -------------------------------------------------------------------------------------------


def test_import_through_the_store_adds_up_and_reimport_adds_nothing(engine, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path, [HEADER, row(), row(**MOTHER), row(**SIBLING), row(**PARTNER), row(child_id="")]
    )
    report, again = import_twice(engine, read, path, "relationships")
    assert report.adds_up(), report.lines()
    assert (report.rows_read, report.relationships_imported, report.rows_rejected) == (5, 4, 1)
    assert (again.relationships_imported, again.duplicates_skipped, again.new_people) == (0, 4, 0)
    with engine.connect() as conn:
        stored = {r.relationship: r for r in conn.execute(select(RelationshipRow.__table__))}
    assert set(stored) == {"father", "mother", "sibling", "mother's partner"}
    assert stored["father"].parental_responsibility is True and stored["father"].lives_with_child is False


# --- every project format, one child -----------------------------------------------------------------------------


def _import(engine, importer, path: Path, fmt: str) -> None:  # type: ignore[no-untyped-def]
    report = import_file(engine, importer.read(path, ImportOptions()), path.name, fmt)
    assert report.status == "completed" and report.adds_up(), report.lines()


def test_one_child_across_every_project_format(engine, tmp_path: Path) -> None:
    """Relationships and case notes know the child by LA child ID, police by NHS number and UPN, the
    school by UPN; a template row from Early Help carries LA child ID and NHS number, which ties them
    together. The father attends a core group by his social care person ID."""
    _import(engine, RelationshipsImporter(), family(tmp_path), "relationships")

    from tests.test_case_notes import HEADER as NOTES_HEADER
    from tests.test_case_notes import row as note

    notes = write_csv(
        tmp_path, [NOTES_HEADER, note(attendees="P123:father; Jane Smith (health visitor)")], "notes.csv"
    )
    _import(engine, CaseNotesImporter(), notes, "case-notes")

    from tests.test_police_importer import DAD, KID, MUM
    from tests.test_police_importer import HEADER as POLICE_HEADER
    from tests.test_police_importer import row as nominal

    kid = {**KID, "nhs_number": CHILD_NHS, "upn": CHILD_UPN}
    police = write_csv(
        tmp_path,
        [POLICE_HEADER, nominal(**{**MUM, "nhs_number": MUM_NHS}), nominal(**DAD), nominal(**kid)],
        "police.csv",
    )
    _import(engine, PoliceImporter(), police, "police")

    from tests.test_school_log import HEADER as SCHOOL_HEADER
    from tests.test_school_log import row as incident

    school = write_csv(tmp_path, [SCHOOL_HEADER, incident(upn=CHILD_UPN)], "school.csv")
    _import(engine, SchoolLogImporter(), school, "school-log")

    template_header = ["agency", "record_id", "start_date", "source", "child_id", "nhs_number", "event"]
    template_row = [
        "Early Help",
        "EH1",
        "2021-02-01",
        "Early Help assessment",
        "LA1",
        CHILD_NHS,
        "Family support started",
    ]
    template = write_csv(tmp_path, [template_header, template_row], "early_help.csv")
    _import(engine, TemplateImporter(), template, "template")

    with engine.connect() as conn:
        child = find_child(conn, "LA1")
        assert child is not None
        assert find_child(conn, CHILD_NHS) == child and find_child(conn, CHILD_UPN) == child
        record = load_child(conn, child)

    agencies = {entry.agency for entry in record.entries}
    assert agencies == {"Children's social care", "Police", "Education", "Early Help"}
    assert record.identifiers["la_child_id"] == ["LA1"]
    assert record.identifiers["nhs_number"] == [CHILD_NHS]
    assert record.identifiers["upn"] == [CHILD_UPN]
    by_relationship = {member.relationship: member for member in record.family}
    father = by_relationship["father"]
    assert father.name == "Mark Testfather"
    assert [m.relationship for m in record.family].count("father") == 1  # one father, however many sources
    assert by_relationship["mother"].name == "Alice Testmum"
    [core_group] = [entry for entry in record.entries if entry.event_type == "core_group"]
    attended = {mention.display: mention.person_id for mention in core_group.persons}
    assert attended["Mark Testfather (father)"] in father.person_ids  # he is involved in the plan
    assert "Jane Smith (health visitor)" in attended
    [occurrence] = [entry for entry in record.entries if entry.agency == "Police"]
    assert {m.display for m in occurrence.persons} == {"Alice Testmum (victim)", "Carl Testdad (suspect)"}
    [victim] = [m for m in occurrence.persons if m.role == "victim"]
    with engine.connect() as conn:  # the police's victim is social care's mother, by her NHS number
        mother_roots = {root_of(conn, person) for person in by_relationship["mother"].person_ids}
        assert root_of(conn, victim.person_id) in mother_roots
    [encompass] = [entry for entry in record.entries if entry.event_type == "operation_encompass"]
    assert f"police_ref:{occurrence.source_record_id}" in encompass.categories


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Partner of mother", "mother's partner"),
        ("PARTNER (MOTHER'S)", "mother's partner"),
        ("Step Dads", "step-father"),
        ("father - step", "step-father"),
        ("Half_Sisters", "half-sibling"),
        ("Carer (foster)", "foster carer"),
        ("Grandparents", "grandparent"),
        ("mother, victim", "mother"),
    ],
)
def test_relationship_words_however_written(text: str, expected: str) -> None:
    assert normalise_relationship(text) == expected


@given(st.tuples(*(written_like(word) for word in RELATIONSHIPS)))
@settings(max_examples=60, deadline=None)
def test_every_spec_relationship_however_written(variants: tuple[str, ...]) -> None:
    assert [normalise_relationship(v) for v in variants] == list(RELATIONSHIPS)
