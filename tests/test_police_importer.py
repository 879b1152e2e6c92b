"""The police occurrence importer: one event per occurrence for each child linked to it.

Fixtures are synthetic (no real people), built in tmp_path by each test so the rows it reads are
in front of the reader. NHS numbers come from the 999 test range.
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
    Coverage,
    IdentifierKind,
    ImportFileError,
    ImportItem,
    ImportWarning,
    PartialDate,
    ReferenceRole,
    RejectedRow,
)
from chronology.identifiers import make_nhs_number, make_upn
from chronology.labels import label_key
from chronology.references import reference_token
from importers.base import ImportOptions
from importers.police import OccurrenceSpill, PoliceImporter, is_police_header
from tests.helpers import (
    DAMAGE,
    DAMAGE_SETTINGS,
    csv_text,
    csv_writer,
    events_of,
    header_of,
    import_twice,
    other_headers,
    read_damaged,
    rejected_of,
    warnings_of,
    write_xlsx,
)
from tests.label_variants import written_like

HEADER = header_of("police")
RNG = random.Random(20240607)
MUM_NHS = make_nhs_number(RNG)
CHILD_NHS = make_nhs_number(RNG)
CHILD_UPN = make_upn(RNG)
OCCURRENCE = {
    "occurrence_ref": "OCC/100/21",
    "occurred_at": "2021-03-04 22:15",
    "occurrence_type": "Domestic incident",
    "domestic_abuse": "Y",
    "dash_risk": "high",
    "dash_score": "15",
    "children_present": "Y",
    "location": "Home address",
    "summary": "Verbal argument escalated; mother pushed against a wall",
}
MUM = {"nominal_id": "N1", "nominal_role": "victim", "surname": "Testmum", "forenames": "Alice"}
MUM |= {"dob": "1990-01-01", "sex": "F", "nhs_number": MUM_NHS}
DAD = {"nominal_id": "N2", "nominal_role": "suspect", "surname": "Testdad", "forenames": "Carl"}
DAD |= {"dob": "1988-05-05", "sex": "M"}
KID = {"nominal_id": "N3", "nominal_role": "child present", "surname": "Testkid", "forenames": "Dana"}
KID |= {"dob": "2015-06-01", "sex": "F", "nhs_number": CHILD_NHS, "upn": CHILD_UPN}
KID |= {"encompass_school_urn": "100001"}
SIBLING = {"nominal_id": "N4", "nominal_role": "witness", "surname": "Testkid", "forenames": "Eve"}
SIBLING |= {"dob": "2008-09-10", "sex": "F"}


def row(occurrence: dict[str, str] | None = None, header: list[str] = HEADER, **nominal: str) -> list[str]:
    values = {**(OCCURRENCE if occurrence is None else occurrence), **nominal}
    return [values.get(column, "") for column in header]


write_csv = csv_writer("police.csv")


def read(path: Path) -> list[ImportItem]:
    return list(PoliceImporter().read(path, ImportOptions()))


def by_child(items: list[ImportItem]) -> dict[str, CanonicalEvent]:
    return {event.provenance.record_part or "": event for event in events_of(items)}


def ids(event_or_person) -> dict[IdentifierKind, tuple[str, str]]:  # type: ignore[no-untyped-def]
    ref = getattr(event_or_person, "subject", event_or_person)
    return {i.kind: (i.value, i.scope) for i in ref.identifiers}


OTHER = {**OCCURRENCE, "occurrence_ref": "OCC/200/21", "occurrence_type": "Criminal damage"}
OTHER |= {"domestic_abuse": "N", "dash_risk": "", "dash_score": "", "summary": "Window broken"}


def family_file(tmp_path: Path) -> Path:
    """Two occurrences, rows interleaved: a DA incident with mum, dad and two children, and criminal
    damage with one adult and no child."""
    return write_csv(
        tmp_path,
        [
            HEADER,
            row(**MUM),
            row(
                OTHER, nominal_id="N9", nominal_role="reporting person", surname="Neighbour", dob="1970-01-01"
            ),
            row(**DAD),
            row(**KID),
            row(**SIBLING),
        ],
    )


# --- the mapping ----------------------------------------------------------------------------------------------


def test_one_event_per_child_with_every_adult_as_a_person(tmp_path: Path) -> None:
    items = read(family_file(tmp_path))
    events = by_child(items)
    assert set(events) == {"N3", "N4"}  # N4 is a "witness" but 12 years old on the day
    dana = events["N3"]
    assert dana.event_type == "police_occurrence" and dana.agency == "Police"
    assert dana.source == "Police occurrence OCC/100/21"
    assert dana.summary == OCCURRENCE["summary"]
    assert (dana.date, dana.time) == (PartialDate(2021, 3, 4), dt.time(22, 15))
    assert dana.categories == ["Domestic incident", "DA", "DASH high"]
    assert dana.themes == ["domestic_abuse"]
    assert dana.significant  # DA with DASH high
    assert ids(dana) == {
        IdentifierKind.POLICE_NOMINAL_ID: ("N3", "police"),
        IdentifierKind.NHS_NUMBER: (CHILD_NHS, ""),
        IdentifierKind.UPN: (CHILD_UPN, ""),
    }
    assert (dana.subject.display_name(), dana.subject.dob, dana.subject.sex) == (
        "Dana Testkid",
        PartialDate(2015, 6, 1),
        "F",
    )
    assert [(p.display_name(), p.role) for p in dana.persons] == [
        ("Alice Testmum", "victim"),
        ("Carl Testdad", "suspect"),
    ]
    mum = dana.persons[0]
    assert ids(mum) == {
        IdentifierKind.POLICE_NOMINAL_ID: ("N1", "police"),
        IdentifierKind.NHS_NUMBER: (MUM_NHS, ""),
    }
    assert mum.dob == PartialDate(1990, 1, 1) and mum.sex == "F"
    assert dana.attributes == {
        "occurrence_ref": "OCC/100/21",
        "domestic_abuse": "Y",
        "dash_risk": "high",
        "dash_score": "15",
        "children_present": "Y",
        "location": "Home address",
        "encompass_school_urn": "100001",
        "nominal_role": "child present",
        "other_children_linked": "N4 (witness)",
    }
    assert (dana.provenance.source_system, dana.provenance.source_record_id) == ("police", "OCC/100/21")
    assert (dana.provenance.file, dana.provenance.row) == ("police.csv", 5)
    assert events["N4"].natural_key() != dana.natural_key()
    assert events["N4"].natural_key() == "police|id|OCC/100/21|N4"


def test_no_family_relationship_is_invented(tmp_path: Path) -> None:
    roles = {p.role for event in events_of(read(family_file(tmp_path))) for p in event.persons}
    assert roles == {"victim", "suspect"}


def test_occurrence_without_a_child_is_warned_and_the_rows_add_up(tmp_path: Path) -> None:
    items = read(family_file(tmp_path))
    messages = [w.message for w in warnings_of(items)]
    [orphan] = [w for w in warnings_of(items) if "has no child linked" in w.message]
    assert orphan.row == 3
    assert "occurrence OCC/200/21 has no child linked (row(s) 3" in orphan.message
    assert "although children_present says Y" in orphan.message
    [summary] = [m for m in messages if "data row(s)" in m]
    assert summary.startswith(
        "5 data row(s) for 2 occurrence(s); 2 child event(s) from 2 child row(s); "
        "2 adult row(s) named as people on those events; 1 row(s) on 1 occurrence(s) with no child linked"
    )


def test_coverage_is_the_span_of_occurrence_dates(tmp_path: Path) -> None:
    later = {**OTHER, "occurred_at": "05/06/2022 10:00"}
    path = write_csv(tmp_path, [HEADER, row(**KID), row(later, nominal_id="N9", nominal_role="other")])
    [coverage] = [item for item in read(path) if isinstance(item, Coverage)]
    assert (coverage.agency, coverage.start, coverage.end) == (
        "Police",
        dt.date(2021, 3, 4),
        dt.date(2022, 6, 5),
    )


def test_rows_of_an_occurrence_need_not_be_consecutive(tmp_path: Path) -> None:
    rows = [row(**MUM), row(**DAD), row(**KID), row(**SIBLING)]
    rows += [row(OTHER, nominal_id=f"X{i}", nominal_role="witness", dob="1980") for i in range(3)]
    ordered = events_of(read(write_csv(tmp_path, [HEADER, *rows], name="ordered.csv")))
    shuffled = rows[:]
    random.Random(3).shuffle(shuffled)
    mixed = events_of(read(write_csv(tmp_path, [HEADER, *shuffled], name="mixed.csv")))

    def shape(events: list[CanonicalEvent]) -> set[tuple]:
        return {
            (e.natural_key(), tuple(sorted((p.display_name() or "", p.role or "") for p in e.persons)))
            for e in events
        }

    assert shape(ordered) == shape(mixed) and len(ordered) == 2


def test_many_interleaved_occurrences_are_grouped(tmp_path: Path) -> None:
    rows = []
    for number in range(300):
        occurrence = {**OCCURRENCE, "occurrence_ref": f"OCC{number}"}
        rows.append(row(occurrence, nominal_id=f"A{number}", nominal_role="victim", dob="1990"))
        rows.append(row(occurrence, nominal_id=f"C{number}", nominal_role="child resident"))
        rows.append(row(occurrence, nominal_id=f"C{number}b", nominal_role="child present"))
    random.Random(7).shuffle(rows)
    events = events_of(read(write_csv(tmp_path, [HEADER, *rows])))
    assert len(events) == 600
    assert len({e.natural_key() for e in events}) == 600
    assert all([p.role for p in e.persons] == ["victim"] for e in events)


def test_spill_gives_occurrences_in_order_of_first_row() -> None:
    from importers.tabular import TableRow

    with OccurrenceSpill(["occurrence_ref"]) as spill:
        for number, ref in enumerate(["B", "A", "B", "C", "A"], start=2):
            spill.add(ref, TableRow(number, {"occurrence_ref": ref}))
        groups = [(ref, [r.number for r in rows]) for ref, rows in spill.occurrences()]
    assert groups == [("B", [2, 4]), ("A", [3, 6]), ("C", [5])]


# --- event types and themes ---------------------------------------------------------------------------------


def single(tmp_path: Path, occurrence: dict[str, str], *nominals: dict[str, str]) -> tuple[dict, list]:
    path = write_csv(tmp_path, [HEADER, *(row(occurrence, **n) for n in nominals)])
    items = read(path)
    return by_child(items), warnings_of(items)


def test_marac_referral_is_a_response_not_an_incident(tmp_path: Path) -> None:
    marac = {**OCCURRENCE, "occurrence_type": "MARAC referral", "summary": "Referred to MARAC"}
    events, _ = single(tmp_path, marac, MUM, KID)
    assert events["N3"].event_type == "marac_referral"
    assert events["N3"].categories[0] == "MARAC referral"


def test_missing_person_is_a_missing_episode(tmp_path: Path) -> None:
    missing = {**OCCURRENCE, "occurrence_type": "Missing person", "domestic_abuse": "N", "dash_risk": ""}
    missing |= {"dash_score": ""}
    events, _ = single(tmp_path, missing, {**KID, "nominal_role": "other", "dob": "2008-01-01"})
    assert events["N3"].event_type == "missing_episode"
    assert events["N3"].themes == ["missing"] and events["N3"].categories == ["Missing person"]
    assert not events["N3"].significant


def test_assault_is_physical_abuse_only_for_the_child_victim(tmp_path: Path) -> None:
    assault = {**OCCURRENCE, "occurrence_type": "Assault", "domestic_abuse": "N", "dash_risk": ""}
    victim = {**SIBLING, "nominal_role": "victim"}
    events, _ = single(tmp_path, assault, victim, KID, DAD)
    assert events["N4"].themes == ["physical_abuse"] and events["N4"].significant
    assert events["N3"].themes == [] and not events["N3"].significant


def test_drugs_is_parental_substance_misuse_only_with_an_adult_suspect(tmp_path: Path) -> None:
    drugs = {**OCCURRENCE, "occurrence_type": "Drugs", "domestic_abuse": "N", "dash_risk": ""}
    events, _ = single(tmp_path, drugs, DAD, KID)
    assert events["N3"].themes == ["parental_substance_misuse"]
    teen = {**SIBLING, "nominal_role": "suspect"}
    events, _ = single(tmp_path, {**drugs, "occurrence_ref": "D2"}, teen, {**MUM, "nominal_role": "witness"})
    assert events["N4"].themes == []


def test_domestic_type_without_the_flag_is_still_domestic_abuse(tmp_path: Path) -> None:
    crime = {**OCCURRENCE, "occurrence_type": "Domestic crime", "domestic_abuse": "N", "dash_risk": "medium"}
    events, _ = single(tmp_path, crime, MUM, KID)
    event = events["N3"]
    assert event.categories == ["Domestic crime", "DASH medium"]  # no DA marker: the flag says N
    assert event.themes == ["domestic_abuse"] and not event.significant


def test_child_by_age_and_by_role(tmp_path: Path) -> None:
    assault = {**OCCURRENCE, "occurrence_type": "Assault"}
    nominals = [
        {"nominal_id": "A17", "nominal_role": "witness", "dob": "2003-03-05"},  # 17 on 4 March 2021
        {"nominal_id": "A18", "nominal_role": "witness", "dob": "2003-03-04"},  # 18 that day: an adult
        {"nominal_id": "AY", "nominal_role": "witness", "dob": "2003"},  # 17 or 18: a child, with a warning
        {"nominal_id": "OLD", "nominal_role": "child resident", "dob": "1999-01-01"},  # role says child
        {"nominal_id": "NONE", "nominal_role": "victim"},  # no dob: an adult
    ]
    events, warnings = single(tmp_path, assault, *nominals)
    assert set(events) == {"A17", "AY", "OLD"}
    assert [p.identifiers[0].value for p in events["A17"].persons] == ["A18", "NONE"]
    by_row = {w.row: w for w in warnings if w.field == "dob"}
    assert "not precise enough" in by_row[4].message
    assert "makes them 18 or over" in by_row[5].message and "treated as a child" in by_row[5].message


def test_a_child_listed_twice_is_one_event_with_both_roles(tmp_path: Path) -> None:
    events, warnings = single(tmp_path, OCCURRENCE, MUM, {**KID, "nominal_role": "victim"}, KID)
    assert list(events) == ["N3"]
    assert events["N3"].attributes["nominal_role"] == "victim; child present"
    assert events["N3"].significant
    [summary] = [w.message for w in warnings if "data row(s)" in w.message]
    assert "1 child event(s) from 2 child row(s) (1 repeating a child already on the occurrence)" in summary


def test_blank_occurrence_cells_are_filled_from_other_rows_and_disagreements_warned(tmp_path: Path) -> None:
    blank = dict.fromkeys(OCCURRENCE, "") | {"occurrence_ref": OCCURRENCE["occurrence_ref"]}
    rows = [
        HEADER,
        row(**MUM),
        row(blank, **KID),
        row({**OCCURRENCE, "location": "Car park"}, **DAD),
    ]
    items = read(write_csv(tmp_path, rows))
    [event] = events_of(items)
    assert event.summary == OCCURRENCE["summary"] and event.date == PartialDate(2021, 3, 4)
    assert event.attributes["location"] == "Home address"
    [clash] = [w for w in warnings_of(items) if "disagree" in w.message]
    assert clash.field == "location"
    assert "'Home address' (row 2)" in clash.message and "'Car park' (row 4)" in clash.message


def test_force_column_scopes_the_nominal_id(tmp_path: Path) -> None:
    header = [*HEADER, "force"]
    path = write_csv(tmp_path, [header, row(header=header, force="Testshire Police", **KID)])
    [event] = events_of(read(path))
    assert ids(event)[IdentifierKind.POLICE_NOMINAL_ID] == ("N3", "Testshire Police")
    assert event.attributes["force"] == "Testshire Police"


def test_unmapped_columns_are_kept_for_the_child_and_other_rows(tmp_path: Path) -> None:
    header = [*HEADER, "Division", "Officer"]
    rows = [
        header,
        row(header=header, Division="North", Officer="PC 1", **KID),
        row(header=header, Division="North", Officer="PC 2", **DAD),
    ]
    [event] = events_of(read(write_csv(tmp_path, rows)))
    assert event.attributes["Division"] == "North" and event.attributes["Officer"] == "PC 1"
    assert event.attributes["Officer (nominal N2, row 3)"] == "PC 2"
    assert "Division (nominal N2, row 3)" not in event.attributes  # same as the child's: not repeated


def test_header_aliases_and_uk_date_time(tmp_path: Path) -> None:
    header = [
        "Occurrence Reference",
        "Occurrence Date",
        "Type of occurrence",
        "Nominal Ref",
        "Role",
        "Date of Birth",
    ]
    rows = [header, ["OCC9", "04/03/2021 22:15", "Domestic incident", "N3", "Child present", "01/06/2015"]]
    [event] = events_of(read(write_csv(tmp_path, rows)))
    assert (event.date, event.time) == (PartialDate(2021, 3, 4), dt.time(22, 15))
    assert event.themes == ["domestic_abuse"] and event.subject.dob == PartialDate(2015, 6, 1)


def test_xlsx_reads_like_csv(tmp_path: Path) -> None:
    values: list[object] = list(row(**KID))
    values[HEADER.index("occurred_at")] = dt.datetime(2021, 3, 4, 22, 15)
    values[HEADER.index("dob")] = dt.datetime(2015, 6, 1)
    values[HEADER.index("nhs_number")] = int(CHILD_NHS)
    path = write_xlsx(tmp_path / "police.xlsx", [HEADER, values])
    [event] = events_of(read(path))
    assert (event.date, event.time, event.subject.dob) == (
        PartialDate(2021, 3, 4),
        dt.time(22, 15),
        PartialDate(2015, 6, 1),
    )
    assert ids(event)[IdentifierKind.NHS_NUMBER] == (CHILD_NHS, "")
    assert event.provenance.sheet == "Sheet"
    assert PoliceImporter.can_read(path)


# --- bad input ----------------------------------------------------------------------------------------------


def test_missing_columns_are_listed(tmp_path: Path) -> None:
    path = write_csv(tmp_path, [["occurrence_ref", "occurred_at", "summary"], ["OCC1", "2021-01-01", "x"]])
    with pytest.raises(ImportFileError) as error:
        read(path)
    message = str(error.value)
    assert message.startswith("police.csv is not a police occurrence file: missing column(s) nominal_id")
    assert "nominal_role" in message and "'occurrence_ref', 'occurred_at', 'summary'" in message


def test_unreadable_date_gives_an_undated_event_and_a_warning(tmp_path: Path) -> None:
    path = write_csv(tmp_path, [HEADER, row({**OCCURRENCE, "occurred_at": "31/04/2021 10:00"}, **KID)])
    items = read(path)
    [event] = events_of(items)
    assert event.date is None and event.date_text == "31/04/2021 10:00"
    [warning] = [w for w in warnings_of(items) if w.field == "occurred_at"]
    assert (warning.file, warning.row) == ("police.csv", 2)
    assert "April has 30 days" in warning.message and "undated" in warning.message


def test_time_skipped_by_the_clocks_is_warned(tmp_path: Path) -> None:
    items = read(write_csv(tmp_path, [HEADER, row({**OCCURRENCE, "occurred_at": "28/03/2021 01:30"}, **KID)]))
    [event] = events_of(items)
    assert (event.date, event.time) == (PartialDate(2021, 3, 28), dt.time(1, 30))
    [warning] = [w for w in warnings_of(items) if w.field == "occurred_at"]
    assert warning.row == 2 and "does not exist in UK local time" in warning.message


def test_invalid_nhs_number_and_upn_are_kept_with_warnings(tmp_path: Path) -> None:
    bad = {**KID, "nhs_number": "943 476 5918", "upn": "a999291421177"}
    items = read(write_csv(tmp_path, [HEADER, row(**bad), row(**{**MUM, "nhs_number": "12345"})]))
    [event] = events_of(items)
    assert ids(event)[IdentifierKind.NHS_NUMBER] == ("9434765918", "")
    assert ids(event)[IdentifierKind.UPN] == ("A999291421177", "")
    assert ids(event.persons[0])[IdentifierKind.NHS_NUMBER] == ("12345", "")
    found = {(w.row, w.field): w.message for w in warnings_of(items) if w.field in ("nhs_number", "upn")}
    assert "check digit should be 9" in found[(2, "nhs_number")]
    assert "check letter should be H" in found[(2, "upn")]
    assert "must be 10 digits" in found[(3, "nhs_number")]


def test_unknown_codes_are_kept_with_warnings(tmp_path: Path) -> None:
    odd = {**OCCURRENCE, "occurrence_type": "Affray", "dash_risk": "extreme", "dash_score": "40"}
    items = read(
        write_csv(tmp_path, [HEADER, row(odd, **{**KID, "nominal_role": "bystander", "dob": "2015"})])
    )
    [event] = events_of(items)
    assert event.categories == ["Affray", "DA", "DASH extreme"]
    assert event.event_type == "police_occurrence" and event.attributes["dash_score"] == "40"
    messages = {w.field: w.message for w in warnings_of(items) if w.row == 2}
    assert "unknown occurrence type 'Affray'" in messages["occurrence_type"]
    assert "unknown DASH risk level 'extreme'" in messages["dash_risk"]
    assert "'40' is not a whole number from 0 to 27" in messages["dash_score"]
    assert "unknown nominal role 'bystander'" in messages["nominal_role"]


def test_bad_flag_is_kept_and_warned(tmp_path: Path) -> None:
    items = read(write_csv(tmp_path, [HEADER, row({**OCCURRENCE, "domestic_abuse": "maybe"}, **KID)]))
    [event] = events_of(items)
    assert "DA" not in event.categories and event.attributes["domestic_abuse"] == "maybe"
    [warning] = [w for w in warnings_of(items) if w.field == "domestic_abuse"]
    assert "'maybe' is not Y or N" in warning.message


def test_rows_without_a_reference_or_broken_are_rejected(tmp_path: Path) -> None:
    text = csv_text([HEADER, row({**OCCURRENCE, "occurrence_ref": ""}, **KID), row(**KID)])
    text += csv_text([[*row(**SIBLING), "stray", "values"]])
    items = read(write_csv_text(tmp_path, text))
    rejected = rejected_of(items)
    assert [(r.row, r.field) for r in rejected] == [(2, "occurrence_ref"), (4, None)]
    assert "no occurrence reference" in rejected[0].reason and rejected[0].raw["nominal_id"] == "N3"
    assert "beyond the last of the 18 header columns" in rejected[1].reason
    assert list(by_child(items)) == ["N3"]


def write_csv_text(folder: Path, text: str) -> Path:
    path = folder / "police.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_child_with_no_id_or_name_is_rejected(tmp_path: Path) -> None:
    nobody = {"nominal_role": "child present"}
    items = read(write_csv(tmp_path, [HEADER, row(**MUM), row(**nobody), row(**nobody)]))
    assert [(r.row, r.field) for r in rejected_of(items)] == [(3, "nominal_id"), (4, "nominal_id")]
    assert events_of(items) == []


def test_hostile_text_is_kept_verbatim(tmp_path: Path) -> None:
    hostile = (
        "=HYPERLINK(\"http://example.invalid\")<script>alert('x')</script>\nline two; DROP TABLE events;--"
    )
    occurrence = {**OCCURRENCE, "summary": hostile, "location": "@SUM(A1:A9)"}
    [event] = events_of(
        read(write_csv(tmp_path, [HEADER, row(occurrence, **{**KID, "surname": "Ölçüm-O'Brien"})]))
    )
    assert event.summary == hostile
    assert event.attributes["location"] == "@SUM(A1:A9)"
    assert event.subject.surname == "Ölçüm-O'Brien"


def test_windows_1252_file(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path, [HEADER, row({**OCCURRENCE, "summary": "Café – £5 taken"}, **KID)], encoding="cp1252"
    )
    [event] = events_of(read(path))
    assert event.summary == "Café – £5 taken"


def test_header_only_file_says_nothing_was_imported(tmp_path: Path) -> None:
    items = read(write_csv(tmp_path, [HEADER]))
    assert [w.message for w in warnings_of(items)] == [
        "police.csv has a header but no data rows: nothing imported"
    ]


def test_file_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    path = family_file(tmp_path)
    with pytest.raises(ImportFileError, match="more than the"):
        list(PoliceImporter().read(path, ImportOptions(max_bytes=100)))


# --- recognising the file -----------------------------------------------------------------------------------

OTHER_HEADERS = other_headers("police")


def test_can_read_police_files_only(tmp_path: Path) -> None:
    assert PoliceImporter.can_read(family_file(tmp_path))
    for name, header in OTHER_HEADERS.items():
        (tmp_path / f"{name}.csv").write_text(header + "\r\n", encoding="utf-8")
        assert not PoliceImporter.can_read(tmp_path / f"{name}.csv"), name
    assert not PoliceImporter.can_read(tmp_path / "absent.csv")
    assert not is_police_header(["occurrence_ref", "occurred_at", "summary"])


def test_detect_finds_the_police_importer(tmp_path: Path) -> None:
    assert importers.detect(family_file(tmp_path)) is PoliceImporter
    assert importers.get("police") is PoliceImporter


def test_estimate_rows(tmp_path: Path) -> None:
    assert PoliceImporter().estimate_rows(family_file(tmp_path)) == 5


# --- damage -----------------------------------------------------------------------------------------------------

VALID = csv_text([HEADER, row(**MUM), row(OTHER, **DAD), row(**KID), row(**SIBLING)]).encode("utf-8")


@DAMAGE_SETTINGS
@given(DAMAGE)
def test_random_damage_gives_a_file_error_or_items(mutations: list[tuple[str, int, bytes]]) -> None:
    items = read_damaged(read, VALID, mutations)
    if items is not None:  # refusing the whole file is the other right answer
        allowed = CanonicalEvent | RejectedRow | ImportWarning | Coverage
        assert all(isinstance(item, allowed) for item in items)
        assert all(
            e.event_type in {"police_occurrence", "missing_episode", "marac_referral"}
            for e in events_of(items)
        )


# --- through the store -------------------------------------------------------------------------------------------


def test_import_through_the_store_adds_up_and_reimport_adds_nothing(engine, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        [
            HEADER,
            row(**MUM),
            row(**DAD),
            row(**KID),
            row(**SIBLING),
            row(OTHER, nominal_id="N9", nominal_role="reporting person", dob="1970"),
            row({**OCCURRENCE, "occurrence_ref": ""}, **KID),
        ],
    )
    report, again = import_twice(engine, read, path, "police")
    assert report.adds_up(), report.lines()
    assert (report.rows_read, report.events_imported, report.rows_rejected) == (3, 2, 1)
    assert report.relationships_imported == 0  # roles are not family relationships
    assert (again.events_imported, again.duplicates_skipped, again.new_people) == (0, 2, 0)
    assert again.adds_up()


# --- references, labels and code list variants --------------------------------------------------------------

FORCE_REFERENCES = ("OCC18/001016", "47/123456/19", "TVP-2019-0012345", "CC2023/98765")


@pytest.mark.parametrize("ref", FORCE_REFERENCES)
def test_occurrence_ref_is_the_own_reference_whole(tmp_path: Path, ref: str) -> None:
    events, _ = single(tmp_path, {**OCCURRENCE, "occurrence_ref": ref}, MUM, KID)
    [own] = events["N3"].references
    assert (own.kind, own.value, own.role, own.source) == (
        "police_occurrence",
        ref,
        ReferenceRole.OWN,
        "occurrence_ref",
    )
    assert own.token == reference_token(ref) and own.token.startswith(reference_token(ref.split("/")[0]))
    assert (
        events["N3"].provenance.source_record_id == ref and events["N3"].attributes["occurrence_ref"] == ref
    )


def test_a_file_with_occurrence_crime_and_marac_columns_keeps_all_three(tmp_path: Path) -> None:
    header = [*HEADER, "Crime Number", "MARAC Ref"]
    occurrence = {**OCCURRENCE, "occurrence_ref": "OCC18/001016", "Crime Number": "CC2023/98765"}
    occurrence |= {"MARAC Ref": "M-2021-07"}
    items = read(
        write_csv(tmp_path, [header, row(occurrence, header, **MUM), row(occurrence, header, **KID)])
    )
    event = by_child(items)["N3"]
    refs = {(r.kind, r.value, r.role) for r in event.references}
    assert refs == {
        ("police_occurrence", "OCC18/001016", ReferenceRole.OWN),
        ("crime", "CC2023/98765", ReferenceRole.OWN),
        ("marac", "M-2021-07", ReferenceRole.QUOTED),
    }
    assert event.attributes["crime_ref"] == "CC2023/98765" and event.attributes["marac_ref"] == "M-2021-07"


def test_a_marac_referral_owns_its_marac_reference(tmp_path: Path) -> None:
    header = [*HEADER, "marac_ref"]
    marac = {**OCCURRENCE, "occurrence_type": "Referral to MARAC", "marac_ref": "MARAC/21/0042"}
    items = read(write_csv(tmp_path, [header, row(marac, header, **KID)]))
    [event] = events_of(items)
    assert event.event_type == "marac_referral" and event.labels == ["marac referral"]
    assert ("marac", "MARAC/21/0042", ReferenceRole.OWN) in {
        (r.kind, r.value, r.role) for r in event.references
    }


def test_a_crime_reference_alone_is_the_occurrence_reference(tmp_path: Path) -> None:
    header = ["Crime Reference" if c == "occurrence_ref" else c for c in HEADER]
    crime = {**OCCURRENCE, "Crime Reference": "47/123456/19"}
    path = write_csv(tmp_path, [header, row(crime, header, **MUM), row(crime, header, **KID)])
    assert PoliceImporter.can_read(path)
    [event] = events_of(read(path))
    assert event.provenance.source_record_id == "47/123456/19"
    assert [(r.kind, r.value, r.role) for r in event.references] == [
        ("crime", "47/123456/19", ReferenceRole.OWN)
    ]


# Every value the spec lists for the format, and what it must mean.
SPEC_OCCURRENCE_TYPES = {
    "Domestic incident": ("police_occurrence", ["domestic_abuse"]),
    "Domestic crime": ("police_occurrence", ["domestic_abuse"]),
    "Assault": ("police_occurrence", []),
    "Concern for welfare": ("police_occurrence", []),
    "Missing person": ("missing_episode", ["missing"]),
    "Drugs": ("police_occurrence", []),
    "Criminal damage": ("police_occurrence", []),
    "MARAC referral": ("marac_referral", ["domestic_abuse"]),
}
SPEC_ROLES = (
    "victim",
    "suspect",
    "offender",
    "witness",
    "child present",
    "child resident",
    "reporting person",
    "other",
)


def _typed_file(folder: Path, types: list[str]) -> Path:
    """One occurrence per type, each with the child as 'child present' and no DA flag."""
    plain = {**OCCURRENCE, "domestic_abuse": "", "dash_risk": "", "dash_score": ""}
    rows = [
        row({**plain, "occurrence_ref": f"OCC/{n}", "occurrence_type": t}, **KID) for n, t in enumerate(types)
    ]
    return write_csv(folder, [HEADER, *rows])


@given(st.tuples(*(written_like(label) for label in SPEC_OCCURRENCE_TYPES)))
@settings(max_examples=40, deadline=None)
def test_every_spec_occurrence_type_however_written(variants: tuple[str, ...]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        items = read(_typed_file(Path(folder), list(variants)))
    assert not [w for w in warnings_of(items) if w.field == "occurrence_type"], variants
    events = events_of(items)
    for event, (label, (event_type, themes)), written in zip(
        events, SPEC_OCCURRENCE_TYPES.items(), variants, strict=True
    ):
        assert (event.event_type, event.themes, event.labels) == (event_type, themes, [label_key(label)])
        assert event.categories[0] == written.strip()  # the wording is kept as written


@given(st.tuples(*(written_like(role) for role in SPEC_ROLES)))
@settings(max_examples=40, deadline=None)
def test_every_spec_nominal_role_however_written(variants: tuple[str, ...]) -> None:
    adults = [
        {**DAD, "nominal_id": f"N{n}", "nominal_role": v}
        for n, v in enumerate(variants)
        if "child" not in v.lower()
    ]
    with tempfile.TemporaryDirectory() as folder:
        items = read(write_csv(Path(folder), [HEADER, *(row(**a) for a in adults), row(**KID)]))
    assert not [w for w in warnings_of(items) if w.field == "nominal_role"], variants
    [event] = events_of(items)
    assert {p.role for p in event.persons} <= set(SPEC_ROLES)


def test_role_variants_decide_child_and_victim(tmp_path: Path) -> None:
    events, _ = single(
        tmp_path,
        {**OCCURRENCE, "occurrence_type": "ASSAULTS", "domestic_abuse": "N"},
        {**DAD, "nominal_role": "Suspects"},
        {**KID, "nominal_role": "PRESENT - CHILD", "dob": "2000-01-01"},
        {**SIBLING, "nominal_role": "VICTIMS"},
    )
    assert set(events) == {"N3", "N4"}  # N3 a child by role, though 21 on the date
    assert events["N4"].themes == ["physical_abuse"] and events["N4"].significant
    assert events["N3"].persons[0].role == "suspect"


def test_dash_level_variants(tmp_path: Path) -> None:
    events, warnings = single(tmp_path, {**OCCURRENCE, "dash_risk": "HIGH RISK"}, KID)
    assert "DASH high" in events["N3"].categories and events["N3"].significant
    assert not [w for w in warnings if w.field == "dash_risk"]


def test_unknown_type_is_a_generic_event_and_a_warning_naming_row_field_value(tmp_path: Path) -> None:
    path = _typed_file(tmp_path, ["Domestic incident", "Affray in the street"])
    items = read(path)
    unknown = events_of(items)[1]
    assert (unknown.event_type, unknown.labels, unknown.categories) == (
        "police_occurrence",
        [],
        ["Affray in the street"],
    )
    [warning] = [w for w in warnings_of(items) if w.field == "occurrence_type"]
    assert (warning.file, warning.row) == ("police.csv", 3) and "'Affray in the street'" in warning.message


def test_rows_writing_one_type_two_ways_agree(tmp_path: Path) -> None:
    items = read(
        write_csv(
            tmp_path,
            [HEADER, row(**MUM), row({**OCCURRENCE, "occurrence_type": "INCIDENT - DOMESTIC"}, **KID)],
        )
    )
    assert not [w for w in warnings_of(items) if "disagree" in w.message]
