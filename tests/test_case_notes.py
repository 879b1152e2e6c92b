"""The social care case notes importer: contacts, visits and meetings, with who attended.

Fixtures are synthetic, built in tmp_path by each test.
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import importers
from chronology.events import (
    CanonicalEvent,
    Identifier,
    IdentifierKind,
    ImportFileError,
    ImportItem,
    ImportWarning,
    PartialDate,
    PersonRef,
    ReferenceRole,
    RejectedRow,
)
from chronology.identifiers import make_nhs_number, make_upn
from chronology.labels import label_key
from importers.base import ImportOptions
from importers.case_notes import CaseNotesImporter, is_case_notes_header, map_event_type, parse_attendees
from tests.helpers import (
    DAMAGE,
    DAMAGE_SETTINGS,
    csv_text,
    csv_writer,
    events_of,
    header_of,
    import_twice,
    only_event,
    other_headers,
    read_damaged,
    rejected_of,
    row_maker,
    warnings_of,
    write_xlsx,
)
from tests.label_variants import written_like

HEADER = header_of("case_notes")
CORE_GROUP = {
    "child_id": "LA1",
    "record_id": "CN-1",
    "date": "12/04/2021",
    "time": "14:00",
    "event_type": "Core group",
    "summary": "Core group reviewed the plan; father attended",
    "child_seen": "N",
    "child_seen_alone": "",
    "child_views": "",
    "attendees": "P123:father; Jane Smith (health visitor); P124 : Mother",
    "worker": "S. Worker",
    "significant": "N",
}


row = row_maker(CORE_GROUP, HEADER)
write_csv = csv_writer("case_notes.csv")


def read(path: Path) -> list[ImportItem]:
    return list(CaseNotesImporter().read(path, ImportOptions()))


def one(tmp_path: Path, **values: str) -> tuple[CanonicalEvent, list[ImportWarning]]:
    return only_event(read(write_csv(tmp_path, [HEADER, row(**values)])))


def test_core_group_with_attendees(tmp_path: Path) -> None:
    event, warnings = one(tmp_path)
    assert warnings == []
    assert (event.event_type, event.agency, event.source) == (
        "core_group",
        "Children's social care",
        "Case note by S. Worker",
    )
    assert event.categories == ["Core group"] and event.summary == CORE_GROUP["summary"]
    assert (event.date, event.time) == (PartialDate(2021, 4, 12), dt.time(14, 0))
    assert event.subject.identifiers == [Identifier(IdentifierKind.LA_CHILD_ID, "LA1")]
    father, visitor, mother = event.persons
    assert (father.role, father.identifiers) == (
        "father",
        [Identifier(IdentifierKind.SOURCE_PERSON_ID, "P123", "social-care")],
    )
    assert (visitor.display_name(), visitor.role, visitor.identifiers) == ("Jane Smith", "health visitor", [])
    assert (mother.role, mother.identifiers[0].value) == ("mother", "P124")
    assert event.child_seen_alone is False  # not seen at all, so not seen alone
    assert event.attributes == {"child_seen": "N"}
    assert not event.significant and event.child_voice is None
    assert (event.provenance.source_system, event.provenance.source_record_id) == ("social-care", "CN-1")
    assert event.natural_key() == "social-care|id|CN-1"


def test_home_visit_child_seen_alone_with_views(tmp_path: Path) -> None:
    event, _ = one(
        tmp_path,
        event_type="Home visit",
        child_seen="Y",
        child_seen_alone="Y",
        child_views="I like it when Nan picks me up",
        significant="Y",
        attendees="",
    )
    assert event.event_type == "home_visit" and event.child_seen_alone is True
    assert event.child_voice == "I like it when Nan picks me up" and event.significant
    assert event.attributes == {"child_seen": "Y", "child_seen_alone": "Y"} and event.persons == []


# --- optional child identity columns -------------------------------------------------------------------------

RNG = random.Random(3)
CHILD_NHS, CHILD_UPN = make_nhs_number(RNG), make_upn(RNG)
IDENTITY = {
    "child_surname": "Brown",
    "child_forenames": "Kai James",
    "child_dob": "02/05/2017",
    "child_nhs_number": CHILD_NHS,
    "child_upn": CHILD_UPN,
}
IDENTITY_HEADER = [*HEADER, *IDENTITY]


def test_child_identity_columns_name_the_subject(tmp_path: Path) -> None:
    path = write_csv(tmp_path, [IDENTITY_HEADER, row(IDENTITY_HEADER, **IDENTITY)])
    event, warnings = only_event(read(path))
    assert warnings == []
    subject = event.subject
    assert (subject.surname, subject.forenames, subject.display_name()) == (
        "Brown",
        "Kai James",
        "Kai James Brown",
    )
    assert subject.dob == PartialDate(2017, 5, 2)
    assert subject.identifiers == [
        Identifier(IdentifierKind.LA_CHILD_ID, "LA1"),
        Identifier(IdentifierKind.NHS_NUMBER, CHILD_NHS),
        Identifier(IdentifierKind.UPN, CHILD_UPN),
    ]
    assert event.attributes == {"child_seen": "N"}  # identity is on the subject, not repeated as attributes


def test_without_identity_columns_the_child_is_the_la_child_id_alone(tmp_path: Path) -> None:
    event, _ = one(tmp_path)
    assert event.subject == PersonRef(identifiers=[Identifier(IdentifierKind.LA_CHILD_ID, "LA1")])


def test_identity_headers_match_loosely_and_a_partial_dob_keeps_its_precision(tmp_path: Path) -> None:
    header = [*HEADER, "Surname", "Child Forename", "DOB", "NHS No", "UPN", "Team"]
    values = {
        "Surname": "Brown",
        "Child Forename": "Kai",
        "DOB": "03/2017",
        "NHS No": CHILD_NHS,
        "UPN": CHILD_UPN,
    }
    path = write_csv(tmp_path, [header, row(header, Team="Assessment", **values)])
    assert importers.detect(path) is CaseNotesImporter
    event, warnings = only_event(read(path))
    assert warnings == []
    assert (event.subject.display_name(), event.subject.dob) == ("Kai Brown", PartialDate(2017, 3, None))
    assert {i.kind for i in event.subject.identifiers} == {"la_child_id", "nhs_number", "upn"}
    assert event.attributes == {"child_seen": "N", "Team": "Assessment"}


def test_invalid_child_identifiers_are_kept_and_warned_by_file_row_and_column(tmp_path: Path) -> None:
    bad_nhs = CHILD_NHS[:9] + str((int(CHILD_NHS[9]) + 1) % 10)
    bad_upn = CHILD_UPN[1:] + CHILD_UPN[0]
    header = [*HEADER, "NHS Number", "child_upn", "child_dob"]
    values = {"NHS Number": bad_nhs, "child_upn": bad_upn, "child_dob": "31/04/2017"}
    event, warnings = only_event(read(write_csv(tmp_path, [header, row(header, **values)])))
    assert Identifier(IdentifierKind.NHS_NUMBER, bad_nhs) in event.subject.identifiers
    assert any(i.kind == IdentifierKind.UPN for i in event.subject.identifiers)
    by_column = {w.field: w for w in warnings}
    assert set(by_column) == {"NHS Number", "child_upn", "child_dob"}
    assert all((w.file, w.row) == ("case_notes.csv", 2) for w in warnings)
    assert "never used to match" in by_column["NHS Number"].message
    assert "never used to match" in by_column["child_upn"].message
    assert event.subject.dob is None and event.attributes["child_dob"] == "31/04/2017"


@pytest.mark.parametrize(
    ("wording", "summary", "expected"),
    [
        ("home visit", "", "home_visit"),
        ("Statutory visit", "", "statutory_visit"),
        ("Strategy discussion", "", "strategy_discussion"),
        ("core-group", "", "core_group"),
        ("Child protection conference", "Initial conference: plan agreed", "initial_cp_conference"),
        ("Child protection conference", "Review conference: plan continues", "review_cp_conference"),
        ("Child protection conference", "Agreed to review in three months", "initial_cp_conference"),
        ("Child Protection Conference (Review)", "", "review_cp_conference"),
        ("Review conference", "", "review_cp_conference"),
        ("Family group conference", "", "family_group_conference"),
        ("Contact", "", "contact"),
        ("Case note", "", "case_note"),
        ("section_47", "", "section_47"),
        ("Tea with the Queen", "", None),
    ],
)
def test_event_type_mapping(wording: str, summary: str, expected: str | None) -> None:
    assert map_event_type(wording, summary) == expected


def test_unknown_event_type_is_a_case_note_with_its_wording_kept(tmp_path: Path) -> None:
    event, warnings = one(tmp_path, event_type="Garden party")
    assert event.event_type == "case_note" and event.categories == ["Garden party"]
    [warning] = warnings
    assert (warning.row, warning.field) == (
        2,
        "event_type",
    ) and "unknown event type 'Garden party'" in warning.message


def test_parse_attendees() -> None:
    people = parse_attendees(" P9 :Step-Father ;; Mark Jones (Father); Dr Who;  Ann (Mo) Lee (aunt) ")
    assert [(p.display_name(), p.role, [i.value for i in p.identifiers]) for p in people] == [
        (None, "step-father", ["P9"]),
        ("Mark Jones", "father", []),
        ("Dr Who", None, []),
        ("Ann (Mo) Lee", "aunt", []),
    ]


def test_unmapped_columns_are_kept(tmp_path: Path) -> None:
    header = [*HEADER, "Team", "Visit location"]
    [event] = events_of(
        read(write_csv(tmp_path, [header, row(header, Team="Assessment", **{"Visit location": "School"})]))
    )
    assert event.attributes["Team"] == "Assessment" and event.attributes["Visit location"] == "School"


def test_header_aliases(tmp_path: Path) -> None:
    header = [
        "LA Child ID",
        "Case Note ID",
        "Contact Date",
        "Contact Type",
        "Notes",
        "Child Seen",
        "Seen Alone",
        "Practitioner",
    ]
    rows = [header, ["LA1", "N7", "2021-05-01", "Statutory visit", "Visit", "Y", "Y", "A. Worker"]]
    [event] = events_of(read(write_csv(tmp_path, rows)))
    assert (event.event_type, event.child_seen_alone, event.source) == (
        "statutory_visit",
        True,
        "Case note by A. Worker",
    )


def test_xlsx_reads_like_csv(tmp_path: Path) -> None:
    values: list[object] = list(row())
    values[HEADER.index("date")] = dt.datetime(2021, 4, 12, 14, 0)
    values[HEADER.index("time")] = None
    path = write_xlsx(tmp_path / "notes.xlsx", [HEADER, values])
    assert CaseNotesImporter.can_read(path)
    [event] = events_of(read(path))
    assert (event.date, event.time, event.event_type) == (
        PartialDate(2021, 4, 12),
        dt.time(14, 0),
        "core_group",
    )


# --- bad input ----------------------------------------------------------------------------------------------


def test_missing_columns_are_listed(tmp_path: Path) -> None:
    path = write_csv(tmp_path, [["child_id", "event_type", "child_seen"], ["LA1", "Home visit", "Y"]])
    with pytest.raises(ImportFileError) as error:
        read(path)
    message = str(error.value)
    assert message.startswith(
        "case_notes.csv is not a social care case notes file: missing column(s) record_id"
    )
    assert "date" in message and "summary" in message


def test_unreadable_date_gives_an_undated_event(tmp_path: Path) -> None:
    event, warnings = one(tmp_path, date="29/02/2021")
    assert event.date is None and event.date_text == "29/02/2021"
    [warning] = warnings
    assert (warning.row, warning.field) == (2, "date") and "not a leap year" in warning.message


def test_uncertain_partial_date_is_kept_as_written(tmp_path: Path) -> None:
    event, warnings = one(tmp_path, date="?03/2021", time="")
    assert event.date == PartialDate(2021, 3, None, True) and event.date_text == "?03/2021"
    assert warnings == []


def test_bad_flags_are_kept_and_warned(tmp_path: Path) -> None:
    event, warnings = one(tmp_path, child_seen="perhaps", child_seen_alone="Y", significant="very")
    assert event.child_seen_alone is True and not event.significant
    assert event.attributes["child_seen"] == "perhaps" and event.attributes["significant"] == "very"
    assert sorted(w.field for w in warnings) == ["child_seen", "significant"]


def test_seen_alone_but_not_seen_is_warned(tmp_path: Path) -> None:
    event, warnings = one(tmp_path, child_seen="N", child_seen_alone="Y")
    assert event.child_seen_alone is True
    [warning] = warnings
    assert warning.field == "child_seen_alone" and "also as not seen" in warning.message


def test_blank_child_is_rejected_and_blank_record_id_is_keyed_on_content(tmp_path: Path) -> None:
    items = read(write_csv(tmp_path, [HEADER, row(child_id=""), row(record_id="")]))
    [rejected] = rejected_of(items)
    assert (rejected.row, rejected.field) == (2, "child_id") and rejected.raw["record_id"] == "CN-1"
    [event] = events_of(items)
    assert event.natural_key().startswith("social-care|sha|")
    assert any(w.field == "record_id" and w.row == 3 for w in warnings_of(items))


def test_blank_summary_and_type_are_warned_not_rejected(tmp_path: Path) -> None:
    event, warnings = one(tmp_path, summary="", event_type="")
    assert event.summary == "Case note (no summary recorded)" and event.event_type == "case_note"
    assert sorted(w.field for w in warnings) == ["event_type", "summary"]


def test_hostile_text_is_kept_verbatim(tmp_path: Path) -> None:
    hostile = '-2+3 =1+1 @SUM(1) "quoted" \t tab <b>bold</b>'
    event, _ = one(tmp_path, summary=hostile, child_views='=HYPERLINK("x")')
    assert event.summary == hostile and event.child_voice == '=HYPERLINK("x")'


# --- recognising the file -----------------------------------------------------------------------------------

OTHER_HEADERS = other_headers("case_notes")


def test_can_read_case_notes_only(tmp_path: Path) -> None:
    path = write_csv(tmp_path, [HEADER, row()])
    assert CaseNotesImporter.can_read(path)
    assert importers.detect(path) is CaseNotesImporter
    for name, header in OTHER_HEADERS.items():
        (tmp_path / f"{name}.csv").write_text(header + "\r\n", encoding="utf-8")
        assert not CaseNotesImporter.can_read(tmp_path / f"{name}.csv"), name
    assert not is_case_notes_header(["child_id", "record_id", "date", "event_type", "summary"])


# --- damage -----------------------------------------------------------------------------------------------------

VALID = csv_text(
    [HEADER, row(), row(record_id="CN-2", event_type="Home visit", child_seen="Y", child_seen_alone="Y")]
)


@DAMAGE_SETTINGS
@given(DAMAGE)
def test_random_damage_gives_a_file_error_or_items(mutations: list[tuple[str, int, bytes]]) -> None:
    items = read_damaged(read, VALID.encode("utf-8"), mutations)
    if items is not None:  # refusing the whole file is the other right answer
        assert all(isinstance(item, CanonicalEvent | RejectedRow | ImportWarning) for item in items)


# --- through the store -------------------------------------------------------------------------------------------


def test_import_through_the_store_adds_up_and_reimport_adds_nothing(engine, tmp_path: Path) -> None:
    rows = [HEADER, row(), row(record_id="CN-2", event_type="Home visit", date="not known"), row(child_id="")]
    path = write_csv(tmp_path, rows)
    report, again = import_twice(engine, read, path, "case-notes")
    assert report.adds_up(), report.lines()
    assert (report.rows_read, report.events_imported, report.events_undated, report.rows_rejected) == (
        3,
        2,
        1,
        1,
    )
    assert (again.events_imported, again.duplicates_skipped) == (0, 2) and again.adds_up()


def test_identity_columns_join_a_case_notes_only_child_to_their_health_records(
    engine, tmp_path: Path
) -> None:
    """A child social care knows only through case notes: the NHS number joins them to health at
    once; a child with name and date of birth but no NHS number is suggested for a person to confirm."""
    from chronology.record import find_child, load_child
    from tests.factories import child, event
    from tests.helpers import import_file

    amy_dob = dt.date(2016, 1, 1)
    health = [
        event(child(nhs=CHILD_NHS, name="Kai Brown"), agency="Health", record_id="H1"),
        event(child(name="Amy Lee", dob=amy_dob), agency="Health", record_id="H2"),
    ]
    import_file(engine, health, "health.csv", "template")
    rows = [
        IDENTITY_HEADER,
        row(IDENTITY_HEADER, **{**IDENTITY, "child_upn": ""}),
        row(
            IDENTITY_HEADER,
            child_id="LA2",
            record_id="CN-2",
            child_surname="Lee",
            child_forenames="Amy",
            child_dob="01/01/2016",
        ),
    ]
    report = import_file(engine, read(write_csv(tmp_path, rows)), "case_notes.csv", "case-notes")
    assert report.merges == 1 and report.suggestions == 1
    with engine.connect() as conn:
        kai = load_child(conn, find_child(conn, "LA1"))
        amy = load_child(conn, find_child(conn, "LA2"))
    assert {e.agency for e in kai.entries} == {"Health", "Children's social care"}
    assert {e.agency for e in amy.entries} == {"Children's social care"}  # until a person confirms


# --- labels, event type variants, references and the referring agency ------------------------------------

# Every event type the spec lists, and what it must mean (a plain summary: no review said).
SPEC_EVENT_TYPES = {
    "home visit": "home_visit",
    "statutory visit": "statutory_visit",
    "strategy discussion": "strategy_discussion",
    "core group": "core_group",
    "child protection conference": "initial_cp_conference",
    "review conference": "review_cp_conference",
    "family group conference": "family_group_conference",
    "contact": "contact",
    "case note": "case_note",
}


@given(st.tuples(*(written_like(wording) for wording in SPEC_EVENT_TYPES)))
@settings(max_examples=40, deadline=None)
def test_every_spec_event_type_however_written(variants: tuple[str, ...]) -> None:
    rows = [row(record_id=f"CN-{n}", event_type=v, summary="Seen at home") for n, v in enumerate(variants)]
    with tempfile.TemporaryDirectory() as folder:
        items = read(write_csv(Path(folder), [HEADER, *rows]))
    assert not [w for w in warnings_of(items) if w.field == "event_type"], variants
    for event, (wording, event_type) in zip(events_of(items), SPEC_EVENT_TYPES.items(), strict=True):
        assert (event.event_type, event.labels) == (event_type, [label_key(wording)])


def test_unknown_event_type_has_no_label(tmp_path: Path) -> None:
    event, warnings = one(tmp_path, event_type="Garden party")
    assert event.labels == [] and "'Garden party'" in warnings[0].message


def test_a_reference_column_is_quoted(tmp_path: Path) -> None:
    header = [*HEADER, "Police Ref"]
    path = write_csv(tmp_path, [header, row(header, **{"Police Ref": "OCC18/001016"})])
    event, _ = only_event(read(path))
    assert [(r.kind, r.value, r.role, r.token) for r in event.references] == [
        ("police_occurrence", "OCC18/001016", ReferenceRole.QUOTED, "OCC18001016")
    ]
    assert event.attributes["Police Ref"] == "OCC18/001016"


@pytest.mark.parametrize(
    ("source", "summary", "expected"),
    [
        ("Thames Valley Police", "Concern about home conditions", "Police"),
        ("GP", "Contact from Police: domestic incident notified", "Health"),  # the column wins
        ("", "Contact from Police: domestic incident notified", "Police"),
        ("", "Contact from school: mother says police were called", "Education"),
        ("", "Contact from the health visitor: bruise seen", "Health"),
        ("Probation", "", "Probation"),
        ("", "Mother rang to ask for help", None),
    ],
)
def test_referring_agency_of_a_contact(
    tmp_path: Path, source: str, summary: str, expected: str | None
) -> None:
    header = [*HEADER, "Referral Source"]
    values = {"event_type": "Contact", "summary": summary or "Contact", "Referral Source": source}
    event, _ = only_event(read(write_csv(tmp_path, [header, row(header, **values)])))
    assert event.referring_agency == expected
    if source:
        assert event.attributes["referral_source"] == source  # kept as written


def test_only_contacts_and_referrals_have_a_referring_agency(tmp_path: Path) -> None:
    event, _ = one(tmp_path, event_type="Home visit", summary="Visit from Police: joint visit")
    assert event.referring_agency is None
