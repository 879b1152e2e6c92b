"""The Ofsted Annex A workbook importer.

Synthetic workbooks are built in tmp_path with openpyxl; the real public sample is read from
../shared/samples and its expected counts are worked out here with openpyxl, from the headers
as the sample writes them.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chronology.events import (
    CanonicalEvent,
    Coverage,
    IdentifierKind,
    ImportFileError,
    ImportItem,
    ImportWarning,
    PartialDate,
    PersonRecord,
    RejectedRow,
    Skipped,
)
from chronology.labels import label_key
from importers.annex_a import (
    NO_ID_COLUMN,
    NOT_A_LIST,
    AnnexAImporter,
    list_number,
    loose,
    parse_yes_no,
    resolve,
    themes_of,
)
from importers.base import ImportOptions, detect
from importers.dfe_codes import code_info
from tests.conftest import SAMPLES
from tests.helpers import damaged_file, events_of, import_file, rejected_of, warnings_of, write_workbook

SAMPLE = SAMPLES / "social-care" / "annex-a-sample.xlsx"

# The sample's date columns that become events, by list, as the sample words them.
SAMPLE_DATES = {
    "List 1": ["Date of Contact"],
    "List 2": ["Assessment start date"],
    "List 3": ["Date of Referral"],
    "List 4": ["Continuous Assessment Start Date"],
    "List 5": [
        "Strategy discussion initiating Section 47 Enquiry Start Date",
        "Date of Initial Child Protection Conference",
    ],
    "List 6": ["CIN Start Date", "Date Child Was Last Seen", "CIN Closure Date"],
    "List 7": [
        "Child Protection Plan Start Date",
        "Date of the Last Statutory Visit",
        "Date of latest review conference",
        "Child Protection Plan End Date",
    ],
    "List 8": [
        "Date Started to be Looked After",
        "Start date of current legal status",
        "Date of Latest Statutory Review",
        "Date of Last Social Work Visit",
        "Date of Last IRO Visit / Contact to the Child",
        "Date of Last Health Assessment",
        "Date of Last Dental Check",
        "Date Ceased to be Looked After",
        "Start Date of Most Recent Placement",
    ],
    "List 10": [
        "Date the Child Entered Care",
        "Date of Decision that Child Should be Placed for Adoption",
        "Date of Placement Order",
        "Date of Matching Child and Prospective Adopters",
        "Date Placed for Adoption",
        "Date of Adoption Order ",
        "Date of Decision that Child Should No Longer be Placed for Adoption",
        "Date the child was placed for fostering in FFA or concurrent planning placement",
    ],
}


def read(path: Path, **options: object) -> list[ImportItem]:
    return list(AnnexAImporter().read(path, ImportOptions(**options)))  # type: ignore[arg-type]


def skipped_of(items: list[ImportItem]) -> list[Skipped]:
    return [item for item in items if isinstance(item, Skipped)]


# --- the real sample ---------------------------------------------------------------------------------


def _sample_sheets() -> dict[str, list[dict[str, object]]]:
    book = openpyxl.load_workbook(SAMPLE, read_only=True, data_only=True)
    try:
        sheets = {}
        for sheet in book.worksheets:
            rows = list(sheet.iter_rows(values_only=True))
            header = [str(cell) for cell in rows[0]]
            sheets[sheet.title] = [dict(zip(header, row, strict=False)) for row in rows[1:] if any(row)]
        return sheets
    finally:
        book.close()


def _expected_events(sheets: dict[str, list[dict[str, object]]]) -> Counter[str]:
    expected: Counter[str] = Counter()
    for name, columns in SAMPLE_DATES.items():
        for row in sheets[name]:
            filled = [column for column in columns if row[column] is not None]
            if (
                name == "List 8"
                and row["Start Date of Most Recent Placement"] is not None
                and row["Start Date of Most Recent Placement"] == row["Date Started to be Looked After"]
            ):
                filled.remove("Start Date of Most Recent Placement")  # the first placement: one event
            expected[name] += len(filled)
    expected["List 9"] = len(sheets["List 9"])  # no dates: one undated event per care leaver
    return expected


def test_real_sample_every_date_becomes_an_event() -> None:
    sheets = _sample_sheets()
    assert AnnexAImporter.can_read(SAMPLE)
    assert detect(SAMPLE) is AnnexAImporter
    items = read(SAMPLE)
    events = events_of(items)
    assert Counter(e.provenance.sheet for e in events) == _expected_events(sheets)
    assert not rejected_of(items)
    records = [item for item in items if isinstance(item, PersonRecord)]
    assert len(records) == len(sheets["List 11"])
    assert all(not r.is_child and r.person.role == "adopter" for r in records)
    assert {r.person.identifiers[0].value for r in records} == {
        str(row["Individual adopter identifier"]) for row in sheets["List 11"]
    }
    children = {
        str(row["Child Unique ID"]) for name, rows in sheets.items() if name != "List 11" for row in rows
    }
    assert {e.subject.identifiers[0].value for e in events} == children
    assert all(e.subject.identifiers[0].kind is IdentifierKind.LA_CHILD_ID for e in events)
    assert sum(1 for e in events if e.date is None) == len(sheets["List 9"])


def test_real_sample_event_details() -> None:
    sheets = _sample_sheets()
    events = events_of(read(SAMPLE))
    visits = [e for e in events if e.provenance.sheet == "List 7" and e.event_type == "statutory_visit"]
    expected = [
        (str(row["Child Unique ID"]), str(row["Was the Child Seen Alone?"]).endswith("Yes"))
        for row in sheets["List 7"]
        if row["Date of the Last Statutory Visit"] is not None
    ]
    assert [(e.subject.identifiers[0].value, e.child_seen_alone) for e in visits] == expected
    plans = [e for e in events if e.event_type == "cp_plan_start"]
    assert len(plans) == sum(1 for row in sheets["List 7"] if row["Child Protection Plan Start Date"])
    first = sheets["List 7"][0]
    plan = plans[0]
    assert plan.date == PartialDate.from_date(first["Child Protection Plan Start Date"].date())  # type: ignore[union-attr]
    assert plan.end == PartialDate.from_date(first["Child Protection Plan End Date"].date())  # type: ignore[union-attr]
    assert plan.categories == [first["Initial Category of Abuse"]]
    assert "physical_abuse" in plan.themes
    assert plan.attributes["Allocated Worker"] == first["Allocated Worker"]
    assert plan.attributes["Number of Previous Child Protection Plans"] == "0"
    assert "Child Protection Plan Start Date" not in plan.attributes  # its own date is the event's
    assert plan.provenance.source_record_id == f"{first['Child Unique ID']}/cp_plan_start/{plan.date.iso()}"
    contact = next(e for e in events if e.event_type == "contact")
    assert contact.categories == [sheets["List 1"][0]["Contact Source"]]
    assert contact.subject.sex == "F" and contact.subject.dob == PartialDate(2015, 1, 25)
    referrals = [e for e in events if e.provenance.sheet == "List 3"]
    assert referrals[0].action_outcome == "Referral NFA?: No"


def test_real_sample_coverage_runs_from_the_first_contact_or_referral_to_the_latest_date() -> None:
    sheets = _sample_sheets()
    period = [
        row[column]
        for name, column in (("List 1", "Date of Contact"), ("List 3", "Date of Referral"))
        for row in sheets[name]
        if row[column] is not None
    ]
    every = [
        row[column] for name, columns in SAMPLE_DATES.items() for row in sheets[name] for column in columns
    ]
    latest = max(value for value in every if isinstance(value, dt.datetime)).date()
    [coverage] = [item for item in read(SAMPLE) if isinstance(item, Coverage)]
    assert coverage.start == min(period).date()  # type: ignore[type-var, union-attr]
    assert coverage.end == latest


def test_real_sample_unknown_need_code_is_warned() -> None:
    items = read(SAMPLE)
    warning = next(w for w in warnings_of(items) if "PSRMEM" in w.message)
    assert (
        warning.field == "Primary Need Code"
        and warning.path is not None
        and warning.path.startswith("List 6!")
    )


# --- loose header matching -----------------------------------------------------------------------------


def test_loose_forms() -> None:
    assert loose("Was the Child Seen Alone?") == loose("was child seen alone") == "was child seen alone"
    assert loose("Child's Legal Status") == loose("Childs legal  status")
    assert loose("Subject to EPO (Y/N)") == "subject to epo"
    assert loose("Date of the Last Statutory Visit") == loose("date-of-last-statutory-visit")


def test_resolve_uses_the_aliases_of_the_list_fields_only() -> None:
    headers = [
        "CHILD UNIQUE ID ",
        "CPP Start Date",
        "Was the child seen alone",
        "Date of Last Statutory Visit",
    ]
    found = resolve(headers, ("child_id", "cpp_start", "seen_alone", "last_statutory_visit"))
    assert found == {"child_id": 0, "cpp_start": 1, "seen_alone": 2, "last_statutory_visit": 3}
    assert list_number("Child Protection", headers) == 7
    assert list_number("list_3 referrals", []) == 3
    assert list_number("Lookups", ["Code", "Label"]) is None


def test_yes_no_and_themes() -> None:
    assert parse_yes_no("a) Yes") is True and parse_yes_no("N") is False and parse_yes_no("Unknown") is None
    assert themes_of("N2 - Child's disability") == ["disability"]
    assert themes_of("c) Emotional abuse") == ["emotional_abuse"]
    assert themes_of("NEG - Neglect") == ["neglect"]
    assert themes_of("q) 6: Police") == []


# --- synthetic workbooks ---------------------------------------------------------------------------------


def _odd_workbook(path: Path) -> Path:
    return write_workbook(
        path,
        {
            "Cover": [["Annex A return for a synthetic authority"], ["Prepared for testing"]],
            "Child Protection": [
                ["Synthetic LA - child protection list"],
                [],
                [
                    "CHILD UNIQUE ID ",
                    "Sex",
                    "DOB",
                    "CPP Start Date",
                    "Date of Last Statutory Visit",
                    "Was the child seen alone",
                    "Sum of Number of Previous Child Protection Plans",
                    "Latest Category",
                ],
                [
                    "SYN1",
                    "b) Female",
                    dt.datetime(2015, 3, 1),
                    dt.datetime(2021, 1, 4),
                    "12/02/2021",
                    "b) No",
                    1,
                    "Neglect",
                ],
                ["SYN2", "Male", "not known", "31/02/2021", dt.datetime(2021, 3, 1), "maybe", 0, ""],
                [None, "Male", None, dt.datetime(2021, 1, 4), None, None, None, None],
                [],
                ["SYN3", "Male", None, None, None, None, None, None],
            ],
            "List 3": [
                ["Child ID", "Referral Date", "Source of Referral", "Referral NFA"],
                ["SYN1", dt.datetime(2020, 12, 1), "Police", "N"],
            ],
            "List 6": [
                [
                    "Child Unique ID",
                    "CIN Start Date",
                    "Primary Need Code",
                    "CIN Closure Date",
                    "Reason for Closure",
                ],
                ["SYN1", dt.datetime(2020, 12, 1), "N1 - Abuse or neglect", None, None],
            ],
            "List 8": [
                [
                    "Child Unique ID",
                    "Date Started to be Looked After",
                    "Placement Type",
                    "Start Date of Most Recent Placement",
                ],
                [
                    "SYN4",
                    dt.datetime(2020, 6, 1),
                    "U4: Foster placement - long term",
                    dt.datetime(2020, 6, 1),
                ],
                ["SYN5", dt.datetime(2020, 6, 1), "K2: Children's home", dt.datetime(2020, 9, 1)],
            ],
            "Extra list": [["Child Unique ID", "Something"], ["SYN6", "x"]],
        },
    )


def test_odd_headers_title_rows_and_named_sheets(tmp_path: Path) -> None:
    path = _odd_workbook(tmp_path / "annex.xlsx")
    assert AnnexAImporter.can_read(path)
    items = read(path)
    events = events_of(items)
    cp = [e for e in events if e.provenance.sheet == "Child Protection"]
    syn1 = [e for e in cp if e.subject.identifiers[0].value == "SYN1"]
    assert [e.event_type for e in syn1] == ["cp_plan_start", "statutory_visit"]
    assert syn1[0].subject.sex == "F" and syn1[0].subject.dob == PartialDate(2015, 3, 1)
    assert syn1[0].attributes["Sum of Number of Previous Child Protection Plans"] == "1"
    assert syn1[1].date == PartialDate(2021, 2, 12) and syn1[1].child_seen_alone is False
    assert (
        syn1[0].provenance.row == 4
        and syn1[0].source == "Ofsted Annex A, Child Protection (child protection)"
    )
    syn2 = [e for e in cp if e.subject.identifiers[0].value == "SYN2"]
    assert syn2[0].date is None and syn2[0].date_text == "31/02/2021"
    assert syn2[0].provenance.source_record_id is None
    assert syn2[1].child_seen_alone is None
    messages = [(w.row, w.field, w.path) for w in warnings_of(items)]
    assert (5, "CPP Start Date", "Child Protection!D5") in messages
    assert (5, "DOB", "Child Protection!C5") in messages
    assert (5, "Was the child seen alone", "Child Protection!F5") in messages
    syn3 = [e for e in cp if e.subject.identifiers[0].value == "SYN3"]
    assert len(syn3) == 1 and syn3[0].date is None and syn3[0].event_type == "cp_plan_start"
    assert any(w.row == 8 and "none of the list's dates" in w.message for w in warnings_of(items))
    rejected = rejected_of(items)
    assert [(r.row, r.path) for r in rejected] == [(6, "Child Protection")]  # a list's row with no ID
    assert rejected[0].field == "CHILD UNIQUE ID"
    assert [(s.what, s.reason, s.path) for s in skipped_of(items)] == [
        ("sheet 'Cover' (2 non-blank row(s))", NOT_A_LIST, "Cover"),
        ("sheet 'Extra list' (2 non-blank row(s))", NOT_A_LIST, "Extra list"),
    ]
    assert not any("'Cover'" in w.message or "'Extra list'" in w.message for w in warnings_of(items))
    assert any("blank row(s): row(s) 7" in w.message for w in warnings_of(items))


def test_same_fact_in_two_lists_has_one_key_and_first_placement_folds(tmp_path: Path) -> None:
    items = read(_odd_workbook(tmp_path / "annex.xlsx"))
    events = events_of(items)
    referral = next(e for e in events if e.provenance.sheet == "List 3")
    cin_start = next(e for e in events if e.provenance.sheet == "List 6" and e.event_type == "referral")
    assert referral.natural_key() == cin_start.natural_key()
    assert referral.action_outcome == "Referral NFA: N" and referral.categories == ["Police"]
    assert "neglect" in cin_start.themes
    looked_after = [e for e in events if e.provenance.sheet == "List 8"]
    assert [(e.subject.identifiers[0].value, e.event_type) for e in looked_after] == [
        ("SYN4", "looked_after_start"),
        ("SYN5", "looked_after_start"),
        ("SYN5", "placement_change"),
    ]
    assert looked_after[0].categories == ["U4: Foster placement - long term"]
    assert "placement" in looked_after[0].summary


def test_real_sample_sources_give_the_referring_agency() -> None:
    """List 1 and List 3 write the DfE code with its drop-down letter and label ("q) 6: Police")."""
    events = events_of(read(SAMPLE))
    sources = {
        (e.categories[0], e.referring_agency)
        for e in events
        if e.provenance.sheet in ("List 1", "List 3") and e.categories
    }
    assert ("q) 6: Police", "Police") in sources and ("j) 3D: Health services", "Health") in sources
    police = next(e for e in events if e.categories == ["q) 6: Police"])
    assert police.labels == ["police"]


def test_referral_and_contact_sources_in_codes_or_words(tmp_path: Path) -> None:
    path = write_workbook(
        tmp_path / "annex.xlsx",
        {
            "List 1": [
                ["Child Unique ID", "Date of Contact", "Contact Source"],
                ["C1", dt.datetime(2021, 1, 4), "2A"],
                ["C2", dt.datetime(2021, 1, 5), "Schools"],
                ["C3", dt.datetime(2021, 1, 6), "HEALTH VISITOR"],
                ["C4", dt.datetime(2021, 1, 7), "Neighbour's dog"],
            ],
            "List 3": [
                ["Child ID", "Referral Date", "Source of Referral"],
                ["C1", dt.datetime(2021, 1, 8), "Police"],
                ["C2", dt.datetime(2021, 1, 9), "a) 6 - POLICE"],
                ["C3", dt.datetime(2021, 1, 10), "Health services"],
            ],
            "List 7": [
                ["Child Unique ID", "CPP Start Date", "Initial Category of Abuse"],
                ["C5", dt.datetime(2021, 2, 1), "NEG"],
                ["C6", dt.datetime(2021, 2, 1), "Abuse, physical"],
                ["C7", dt.datetime(2021, 2, 1), "Bad luck"],
            ],
        },
    )
    items = read(path)
    agencies = {
        (e.provenance.sheet, e.subject.identifiers[0].value): e.referring_agency for e in events_of(items)
    }
    assert agencies[("List 1", "C1")] == agencies[("List 1", "C2")] == "Education"
    assert agencies[("List 1", "C3")] == "Health" and agencies[("List 1", "C4")] is None
    assert agencies[("List 3", "C1")] == agencies[("List 3", "C2")] == "Police"
    assert agencies[("List 3", "C3")] == "Health"
    unknown = [w for w in warnings_of(items) if "Neighbour's dog" in w.message]
    assert len(unknown) == 1 and unknown[0].row == 5 and unknown[0].field == "Contact Source"
    assert unknown[0].path == "List 1!C5" and unknown[0].file == "annex.xlsx"
    plans = {e.subject.identifiers[0].value: e for e in events_of(items) if e.event_type == "cp_plan_start"}
    assert plans["C5"].themes == ["neglect"] and plans["C5"].labels == ["neglect"]
    assert plans["C6"].themes == ["physical_abuse"] and plans["C6"].labels == ["abuse physical"]
    assert plans["C7"].themes == [] and plans["C7"].labels == []
    assert [w.field for w in warnings_of(items) if "Bad luck" in w.message] == ["Initial Category of Abuse"]


def test_missing_columns_and_headerless_list_sheets(tmp_path: Path) -> None:
    path = write_workbook(
        tmp_path / "annex.xlsx",
        {
            "List 5": [
                ["Child Unique ID", "Date of Initial Child Protection Conference"],
                ["S1", dt.datetime(2021, 1, 1)],
            ],
            "List 1": [["Contacts this period"], ["ID", "When"], ["S2", dt.datetime(2021, 1, 2)]],
        },
    )
    items = read(path)
    assert any(
        "no column for 'Strategy discussion initiating Section 47" in w.message for w in warnings_of(items)
    )
    assert [e.event_type for e in events_of(items)] == ["initial_cp_conference"]
    assert [(s.what, s.reason) for s in skipped_of(items)] == [("sheet 'List 1' (3 non-blank row(s))", NO_ID_COLUMN)]
    assert not rejected_of(items)  # a sheet not read is no rejected record


def test_an_empty_workbook_imports_nothing_with_a_warning(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "annex.xlsx", {"List 1": [["Child Unique ID", "Date of Contact"]]})
    items = read(path)
    assert not events_of(items)
    assert any("header but no rows" in w.message for w in warnings_of(items))
    assert any("nothing imported" in w.message for w in warnings_of(items))
    assert not any(isinstance(item, Coverage) for item in items)


def test_unreadable_files_are_refused(tmp_path: Path) -> None:
    not_zip = tmp_path / "annex.xlsx"
    not_zip.write_bytes(b"Child Unique ID,Date of Contact\n1,01/01/2021\n")
    assert not AnnexAImporter.can_read(not_zip)
    with pytest.raises(ImportFileError, match=r"annex\.xlsx is not a valid \.xlsx workbook"):
        read(not_zip)
    truncated = tmp_path / "truncated.xlsx"
    truncated.write_bytes(SAMPLE.read_bytes()[:3000])
    with pytest.raises(ImportFileError, match=r"truncated\.xlsx"):
        read(truncated)
    with pytest.raises(ImportFileError, match="more than"):
        read(SAMPLE, max_bytes=1000)
    csv_file = tmp_path / "annex.csv"
    csv_file.write_text("Child Unique ID,Date of Contact\n")
    assert not AnnexAImporter.can_read(csv_file)
    with pytest.raises(ImportFileError, match=r"annex\.csv is a \.csv file, not an Excel workbook.*save it as"):
        read(csv_file)


def test_template_workbooks_are_not_claimed(tmp_path: Path) -> None:
    path = write_workbook(
        tmp_path / "template.xlsx",
        {
            "Chronology": [
                ["agency", "start_date", "source", "event", "child_id"],
                ["Police", "01/01/2021", "x", "y", "1"],
            ]
        },
    )
    assert not AnnexAImporter.can_read(path)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=40_000), st.binary(min_size=1, max_size=4), st.booleans())
def test_damaged_workbooks_give_file_errors_or_items(position: int, payload: bytes, truncate: bool) -> None:
    data = bytearray(SAMPLE.read_bytes())
    at = position % len(data)
    if truncate:
        del data[at:]
    else:
        data[at : at + len(payload)] = payload
    with damaged_file(bytes(data), "damaged.xlsx") as path:
        try:
            items = read(path)
        except ImportFileError:
            return
        allowed = CanonicalEvent | RejectedRow | ImportWarning | Coverage | PersonRecord
        assert all(isinstance(item, allowed) for item in items)


# --- through the store ----------------------------------------------------------------------------------------


def test_end_to_end_through_the_store(engine) -> None:
    items = read(SAMPLE)
    keys = {e.natural_key() for e in events_of(items)}
    sheets = _sample_sheets()
    report = import_file(engine, items, SAMPLE.name, "annex-a")
    assert report.status == "completed" and report.adds_up()
    assert report.events_imported == len(keys) == sum(_expected_events(sheets).values())
    assert report.person_records == len(sheets["List 11"])
    assert report.events_undated == len(sheets["List 9"])
    again = import_file(engine, read(SAMPLE), SAMPLE.name, "annex-a")
    assert again.adds_up() and again.events_imported == 0


def test_the_same_fact_in_two_lists_is_stored_once(engine, tmp_path: Path) -> None:
    items = read(_odd_workbook(tmp_path / "annex.xlsx"))
    report = import_file(engine, items, "annex.xlsx", "annex-a")
    assert report.adds_up() and report.duplicates_skipped == 1  # List 6's CIN start = List 3's referral
    assert report.rows_rejected == 1 and report.rows_read == 11  # the Cover and Extra list sheets are no rows
    assert report.skipped == 2 and report.skipped_reasons == {NOT_A_LIST: 2}


def test_dfe_coded_columns_give_labels_and_unknown_codes_are_warned_about(tmp_path: Path) -> None:
    path = write_workbook(
        tmp_path / "annex.xlsx",
        {
            "List 6": [
                ["Child Unique ID", "CIN Start Date", "CIN Closure Date", "Reason for Closure"],
                ["D1", dt.datetime(2020, 1, 1), dt.datetime(2020, 6, 1), "rc8"],
            ],
            "List 8": [
                [
                    "Child Unique ID",
                    "Date Started to be Looked After",
                    "Start date of current legal status",
                    "Child's Legal Status",
                    "Placement Type",
                    "Start Date of Most Recent Placement",
                ],
                [
                    "D2",
                    dt.datetime(2020, 6, 1),
                    dt.datetime(2020, 7, 1),
                    "C2: FCO",
                    "a) U4 - long term",
                    dt.datetime(2020, 6, 1),
                ],
                [
                    "D3",
                    dt.datetime(2020, 6, 1),
                    dt.datetime(2020, 7, 1),
                    "ZZ9: nonsense",
                    "K2",
                    dt.datetime(2020, 8, 1),
                ],
            ],
        },
    )
    items = read(path)
    by = {(e.subject.identifiers[0].value, e.event_type): e for e in events_of(items)}
    assert by[("D1", "case_closure")].labels == [label_key("Case closed after assessment, no further action")]
    assert by[("D2", "legal_status_change")].labels == ["care full order"]
    assert by[("D2", "looked_after_start")].labels == [label_key(code_info("PLACE", "U4")["label"])]  # folded
    assert by[("D3", "legal_status_change")].labels == []
    assert by[("D3", "placement_change")].labels == [label_key(code_info("PLACE", "K2")["label"])]
    (warning,) = [w for w in warnings_of(items) if "ZZ9" in w.message]
    assert warning.field == "Child's Legal Status" and warning.row == 3 and warning.path == "List 8!D3"


# --- workbooks as authorities fill them in (issue #11) ------------------------------------------------

_CONTACTS = [["Child Unique ID", "Date of Contact", "Contact Source"], ["K1", dt.datetime(2021, 1, 4), "6"]]


def test_guidance_and_lookups_sheets_are_one_skip_each_not_rejects(engine, tmp_path: Path) -> None:
    guidance = [["Annex A guidance"], ["Child Unique ID", "The child's ID in the LA system"]]
    guidance += [[f"note line {n}"] for n in range(30)]
    path = write_workbook(
        tmp_path / "annex.xlsx",
        {"Guidance": guidance, "List 1": _CONTACTS, "Lookups": [["Gender", "Contact Source"], ["a) Male", "6"]]},
    )
    items = read(path)
    assert [(s.path, s.reason) for s in skipped_of(items)] == [("Guidance", NOT_A_LIST), ("Lookups", NOT_A_LIST)]
    assert not rejected_of(items) and len(events_of(items)) == 1
    report = import_file(engine, items, path.name, "annex-a")
    assert report.adds_up() and report.rows_read == 1 and report.rows_rejected == 0
    assert report.skipped == 2 and f"  skipped             2 ({NOT_A_LIST}: 2)" in report.lines()


def test_notes_rows_above_the_header_and_renamed_sheets(tmp_path: Path) -> None:
    notes = [[f"Notes {n}"] for n in range(6)] + [[]]
    sheets = {name: [*notes, *_CONTACTS] for name in ("List1", "L1 Contacts", "Contacts (List 1)", "Sheet1")}
    sheets["List 2"] = [["Child ID", "CP Plan Start Date"], ["K2", dt.datetime(2021, 2, 1)]]  # columns win
    items = read(write_workbook(tmp_path / "annex.xlsx", sheets))
    events = events_of(items)
    assert [(e.provenance.sheet, e.event_type, e.provenance.row) for e in events] == [
        *[(name, "contact", 9) for name in ("List1", "L1 Contacts", "Contacts (List 1)", "Sheet1")],
        ("List 2", "cp_plan_start", 2),
    ]
    assert not skipped_of(items) and not rejected_of(items)
    tie = ["Child ID", "Date of Contact", "Date of Referral"]
    assert list_number("Referrals", tie) == 3 and list_number("Contacts", tie) == 1


def test_a_2015_style_layout_reads(tmp_path: Path) -> None:
    path = write_workbook(
        tmp_path / "annex-2015.xlsx",
        {
            "List 2": [["Unique identifier", "Date of referral", "Referral source"], ["O1", "01/06/2015", "Police"]],
            "List 3": [
                ["Child ID", "Single assessment start date", "Single assessment completion date"],
                ["O1", "02/06/2015", "20/06/2015"],
            ],
            "List 5": [
                ["Child ID", "CP Plan Start Date", "Category of abuse", "Date of last visit", "Seen alone"],
                ["O1", "01/07/2015", "Neglect", "01/08/2015", "Yes"],
            ],
        },
    )
    assert AnnexAImporter.can_read(path)
    events = events_of(read(path))
    assert [(e.provenance.sheet, e.event_type) for e in events] == [
        ("List 2", "referral"),
        ("List 3", "assessment"),
        ("List 5", "cp_plan_start"),
        ("List 5", "statutory_visit"),
    ]
    assert events[3].child_seen_alone is True and events[1].end == PartialDate(2015, 6, 20)


def test_legacy_xls_is_refused_saying_why_and_xlsx_named_xls_reads(tmp_path: Path) -> None:
    legacy = tmp_path / "annex.xls"
    legacy.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 64 + "List 1".encode("utf-16-le"))
    assert AnnexAImporter.can_read(legacy) and detect(legacy) is AnnexAImporter
    with pytest.raises(ImportFileError, match=r"annex\.xls is an Excel 97-2003 workbook.*save it as .*\.xlsx"):
        read(legacy)
    renamed = write_workbook(tmp_path / "renamed.xls", {"List 1": _CONTACTS})
    assert AnnexAImporter.can_read(renamed) and len(events_of(read(renamed))) == 1


def test_real_sample_imports_as_before_with_nothing_skipped() -> None:
    items = read(SAMPLE)
    assert len(events_of(items)) == 141 and len(warnings_of(items)) == 2
    assert not skipped_of(items) and not rejected_of(items)
