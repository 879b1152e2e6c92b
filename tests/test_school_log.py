"""The school safeguarding log importer: one event per incident row, agency Education.

Fixtures are synthetic, built in tmp_path by each test; UPNs are made with the DfE check letter
for LA code 999 (not a real authority).
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

import importers
from chronology.db.models import Event
from chronology.events import (
    CanonicalEvent,
    Coverage,
    IdentifierKind,
    ImportFileError,
    ImportItem,
    ImportWarning,
    PartialDate,
    Reference,
    ReferenceRole,
    RejectedRow,
)
from chronology.identifiers import make_upn
from chronology.labels import label_key
from importers.base import ImportOptions
from importers.police import PoliceImporter
from importers.school_log import SchoolLogImporter, is_school_log_header
from tests.helpers import (
    DAMAGE,
    DAMAGE_SETTINGS,
    csv_text,
    csv_writer,
    events_of,
    header_of,
    import_file,
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

HEADER = header_of("school")
UPN = make_upn(random.Random(11))
PUPIL = {"upn": UPN, "surname": "Testkid", "forenames": "Dana", "dob": "01/06/2015"}
SCHOOL = {"school_urn": "100001", "school_name": "Testville Primary"}
ENCOMPASS = {
    "incident_id": "INC-1",
    **SCHOOL,
    **PUPIL,
    "date": "05/03/2021",
    "time": "08:45",
    "category": "Operation Encompass",
    "description": "Police notified school of a domestic incident at home last night",
    "child_voice": "Daddy was shouting and I hid under my bed",
    "action_taken": "DSL informed; key adult check-in",
    "police_reference": "OCC/100/21",
    "recorded_by": "J. Teacher (DSL)",
}


row = row_maker(ENCOMPASS, HEADER)
write_csv = csv_writer("school_log.csv")


def read(path: Path) -> list[ImportItem]:
    return list(SchoolLogImporter().read(path, ImportOptions()))


def one(tmp_path: Path, **values: str) -> tuple[CanonicalEvent, list[ImportWarning]]:
    return only_event(read(write_csv(tmp_path, [HEADER, row(**values)])))


def test_operation_encompass_row(tmp_path: Path) -> None:
    event, warnings = one(tmp_path)
    assert warnings == []
    assert event.event_type == "operation_encompass" and event.agency == "Education"
    assert event.categories == ["Operation Encompass", "police_ref:OCC/100/21"]
    assert event.themes == ["domestic_abuse"] and event.significant
    assert event.summary == ENCOMPASS["description"]
    assert event.child_voice == ENCOMPASS["child_voice"]
    assert event.action_outcome == ENCOMPASS["action_taken"]
    assert event.source == "School safeguarding log (Testville Primary), recorded by J. Teacher (DSL)"
    assert (event.date, event.time) == (PartialDate(2021, 3, 5), dt.time(8, 45))
    assert [(i.kind, i.value) for i in event.subject.identifiers] == [(IdentifierKind.UPN, UPN)]
    assert (event.subject.display_name(), event.subject.dob) == ("Dana Testkid", PartialDate(2015, 6, 1))
    assert event.attributes == {
        "school_urn": "100001",
        "school_name": "Testville Primary",
        "police_reference": "OCC/100/21",
    }
    provenance = event.provenance
    assert (provenance.source_system, provenance.source_record_id, provenance.row) == (
        "school-log:100001",
        "INC-1",
        2,
    )
    assert event.natural_key() == "school-log:100001|id|INC-1"


@pytest.mark.parametrize(
    ("category", "themes", "significant"),
    [
        ("Domestic abuse", ["domestic_abuse"], True),
        ("Disclosure", [], True),
        ("Neglect", ["neglect"], True),
        ("Physical injury", ["physical_abuse"], True),
        ("Self-harm", ["child_mental_health"], True),
        ("Mental health", ["child_mental_health"], False),
        ("Missing education", ["education"], False),
        ("Attendance", ["education"], False),
        ("Behaviour", [], False),
        ("Other", [], False),
        ("attendance;  NEGLECT", ["education", "neglect"], True),
    ],
)
def test_categories_give_themes_and_significance(
    tmp_path: Path, category: str, themes: list[str], significant: bool
) -> None:
    event, warnings = one(tmp_path, category=category, police_reference="")
    assert event.event_type == "school_safeguarding_concern"
    assert event.categories == [part.strip() for part in category.split(";")]
    assert (event.themes, event.significant) == (themes, significant)
    assert warnings == []


def test_police_reference_on_any_category_is_kept_for_linking(tmp_path: Path) -> None:
    event, _ = one(tmp_path, category="Domestic abuse", police_reference="OCC/7")
    assert "police_ref:OCC/7" in event.categories and event.attributes["police_reference"] == "OCC/7"


def test_encompass_without_police_reference_is_warned(tmp_path: Path) -> None:
    event, warnings = one(tmp_path, police_reference="")
    assert event.categories == ["Operation Encompass"]
    [warning] = warnings
    assert warning.field == "police_reference" and "cannot be linked" in warning.message


def test_unmapped_columns_are_kept(tmp_path: Path) -> None:
    header = [*HEADER, "Year group", "Linked pupils"]
    path = write_csv(tmp_path, [header, row(header, **{"Year group": "Y1", "Linked pupils": "None"})])
    [event] = events_of(read(path))
    assert event.attributes["Year group"] == "Y1" and event.attributes["Linked pupils"] == "None"


def test_coverage_is_the_span_of_the_log(tmp_path: Path) -> None:
    rows = [
        HEADER,
        row(date="2020-09-03"),
        row(incident_id="INC-2", date="2021-07-20"),
        row(incident_id="X", date="2021"),
    ]
    [coverage] = [item for item in read(write_csv(tmp_path, rows)) if isinstance(item, Coverage)]
    assert (coverage.agency, coverage.start, coverage.end) == (
        "Education",
        dt.date(2020, 9, 3),
        dt.date(2021, 12, 31),
    )


def test_same_incident_in_a_later_export_has_the_same_key(tmp_path: Path) -> None:
    first = events_of(read(write_csv(tmp_path, [HEADER, row()], name="autumn.csv")))
    second = events_of(read(write_csv(tmp_path, [HEADER, row(incident_id="INC-0"), row()], name="year.csv")))
    assert first[0].natural_key() == second[1].natural_key()


def test_blank_urn_uses_the_school_name_and_no_school_keys_on_content(tmp_path: Path) -> None:
    items = read(write_csv(tmp_path, [HEADER, row(school_urn=""), row(school_urn="", school_name="")]))
    named, nameless = events_of(items)
    assert named.provenance.source_system == "school-log:Testville Primary"
    assert nameless.provenance.source_system == "school-log"
    assert nameless.provenance.source_record_id is None and nameless.attributes["incident_id"] == "INC-1"
    assert nameless.natural_key().startswith("school-log|sha|")
    assert nameless.source == "School safeguarding log, recorded by J. Teacher (DSL)"
    assert [w.row for w in warnings_of(items) if w.field == "school_urn"] == [2, 3]


def test_xlsx_with_date_cells(tmp_path: Path) -> None:
    values: list[object] = list(row())
    values[HEADER.index("date")] = dt.datetime(2021, 3, 5, 8, 45)
    values[HEADER.index("time")] = None
    values[HEADER.index("dob")] = dt.datetime(2015, 6, 1)
    values[HEADER.index("school_urn")] = 100001
    path = write_xlsx(tmp_path / "log.xlsx", [HEADER, values])
    [event] = events_of(read(path))
    assert (event.date, event.time, event.subject.dob) == (
        PartialDate(2021, 3, 5),
        dt.time(8, 45),
        PartialDate(2015, 6, 1),
    )
    assert event.provenance.source_system == "school-log:100001"


def test_header_aliases(tmp_path: Path) -> None:
    header = ["Incident Ref", "URN", "School", "UPN", "Date of incident", "Concern category", "Details"]
    rows = [header, ["I9", "100001", "Testville Primary", UPN, "5 March 2021", "Neglect", "Hungry again"]]
    [event] = events_of(read(write_csv(tmp_path, rows)))
    assert (event.provenance.source_record_id, event.themes, event.summary) == (
        "I9",
        ["neglect"],
        "Hungry again",
    )


# --- bad input ----------------------------------------------------------------------------------------------


def test_missing_columns_are_listed(tmp_path: Path) -> None:
    path = write_csv(tmp_path, [["incident_id", "upn", "category", "date"], ["1", UPN, "Neglect", "2021"]])
    with pytest.raises(ImportFileError) as error:
        read(path)
    message = str(error.value)
    assert message.startswith("school_log.csv is not a school safeguarding log: missing column(s) school_urn")
    assert "description" in message and "header row 1 has 'incident_id', 'upn', 'category', 'date'" in message


def test_unreadable_date_gives_an_undated_event(tmp_path: Path) -> None:
    event, warnings = one(tmp_path, date="03/15/2021")
    assert event.date is None and event.date_text == "03/15/2021"
    [warning] = [w for w in warnings if w.field == "date"]
    assert warning.row == 2 and "month-first date is never guessed" in warning.message


def test_bad_time_is_kept_as_an_attribute(tmp_path: Path) -> None:
    event, warnings = one(tmp_path, time="quarter past")
    assert event.time is None and event.attributes["time"] == "quarter past"
    assert [w.field for w in warnings] == ["time"]


def test_invalid_upn_is_kept_with_a_warning(tmp_path: Path) -> None:
    event, warnings = one(tmp_path, upn="a999291421177")
    assert [(i.kind, i.value) for i in event.subject.identifiers] == [(IdentifierKind.UPN, "A999291421177")]
    [warning] = warnings
    assert (warning.row, warning.field) == (2, "upn") and "check letter should be H" in warning.message


def test_pupil_by_name_only_is_warned_and_no_pupil_is_rejected(tmp_path: Path) -> None:
    items = read(write_csv(tmp_path, [HEADER, row(upn=""), row(upn="", surname="", forenames="")]))
    [event] = events_of(items)
    assert event.subject.identifiers == [] and event.subject.display_name() == "Dana Testkid"
    assert any(w.field == "upn" and "only be matched" in w.message for w in warnings_of(items))
    [rejected] = rejected_of(items)
    assert (rejected.row, rejected.field) == (3, "upn") and "no pupil identified" in rejected.reason


def test_unknown_category_is_kept_with_a_warning(tmp_path: Path) -> None:
    event, warnings = one(tmp_path, category="Radicalisation; Neglect", police_reference="")
    assert event.categories == ["Radicalisation", "Neglect"] and event.themes == ["neglect"]
    [warning] = warnings
    assert warning.field == "category" and "unknown category 'Radicalisation'" in warning.message


def test_hostile_text_is_kept_verbatim(tmp_path: Path) -> None:
    hostile = "=cmd|' /C calc'!A0 <img src=x onerror=alert(1)>\r\n‮ reversed"
    event, _ = one(tmp_path, description=hostile, child_voice="+44 ring me", recorded_by="@admin")
    assert event.summary == hostile.strip() and event.child_voice == "+44 ring me"
    assert event.source.endswith("recorded by @admin")


def test_broken_row_is_rejected(tmp_path: Path) -> None:
    path = write_csv(tmp_path, [HEADER, [*row(), "extra"], row(incident_id="INC-2")])
    items = read(path)
    [rejected] = rejected_of(items)
    assert rejected.row == 2 and "beyond the last" in rejected.reason
    assert len(events_of(items)) == 1


# --- recognising the file -----------------------------------------------------------------------------------

OTHER_HEADERS = other_headers("school")


def test_can_read_school_logs_only(tmp_path: Path) -> None:
    path = write_csv(tmp_path, [HEADER, row()])
    assert SchoolLogImporter.can_read(path)
    assert importers.detect(path) is SchoolLogImporter
    for name, header in OTHER_HEADERS.items():
        (tmp_path / f"{name}.csv").write_text(header + "\r\n", encoding="utf-8")
        assert not SchoolLogImporter.can_read(tmp_path / f"{name}.csv"), name
    assert not is_school_log_header(["date", "upn", "description"])


# --- damage -----------------------------------------------------------------------------------------------------

VALID = csv_text(
    [HEADER, row(), row(incident_id="INC-2", category="Neglect"), row(incident_id="3", date="?2021")]
)


@DAMAGE_SETTINGS
@given(DAMAGE)
def test_random_damage_gives_a_file_error_or_items(mutations: list[tuple[str, int, bytes]]) -> None:
    items = read_damaged(read, VALID.encode("utf-8"), mutations)
    if items is not None:  # refusing the whole file is the other right answer
        assert all(
            isinstance(item, CanonicalEvent | RejectedRow | ImportWarning | Coverage) for item in items
        )


# --- through the store -------------------------------------------------------------------------------------------


def test_import_through_the_store_adds_up_and_reimport_adds_nothing(engine, tmp_path: Path) -> None:
    rows = [
        HEADER,
        row(),
        row(incident_id="INC-2", category="Neglect", date="bad date"),
        row(upn="", surname="", forenames=""),
    ]
    path = write_csv(tmp_path, rows)
    report, again = import_twice(engine, read, path, "school-log")
    assert report.adds_up(), report.lines()
    assert (report.rows_read, report.events_imported, report.events_undated, report.rows_rejected) == (
        3,
        2,
        1,
        1,
    )
    assert (again.events_imported, again.duplicates_skipped) == (0, 2) and again.adds_up()


# --- references, labels and category variants --------------------------------------------------------------


def test_police_reference_is_a_quoted_reference_joined_by_token(tmp_path: Path) -> None:
    event, _ = one(tmp_path, police_reference="occ18 001016")
    [ref] = event.references
    assert (ref.kind, ref.value, ref.role, ref.source) == (
        "police_occurrence",
        "occ18 001016",
        ReferenceRole.QUOTED,
        "police_reference",
    )
    assert ref.token == "OCC18001016" == Reference("police_occurrence", "OCC18/001016").token
    # nothing lost: the attribute and the category stay
    assert event.attributes["police_reference"] == "occ18 001016"
    assert "police_ref:occ18 001016" in event.categories


def test_a_reference_with_slashes_is_kept_whole(tmp_path: Path) -> None:
    event, _ = one(tmp_path, police_reference="47/123456/19")
    assert [r.value for r in event.references] == ["47/123456/19"]


def test_a_reference_like_extra_column_is_quoted(tmp_path: Path) -> None:
    header = [*HEADER, "Crime No."]
    path = write_csv(tmp_path, [header, row(header, **{"Crime No.": "CC2023/98765", "police_reference": ""})])
    event, _ = only_event(read(path))
    assert [(r.kind, r.value, r.role, r.source) for r in event.references] == [
        ("crime", "CC2023/98765", ReferenceRole.QUOTED, "Crime No.")
    ]
    assert event.attributes["Crime No."] == "CC2023/98765"


# Every category the spec lists, and what it must mean.
SPEC_CATEGORIES = {
    "Domestic abuse": ("school_safeguarding_concern", ["domestic_abuse"], True),
    "Operation Encompass": ("operation_encompass", ["domestic_abuse"], True),
    "Disclosure": ("school_safeguarding_concern", [], True),
    "Neglect": ("school_safeguarding_concern", ["neglect"], True),
    "Attendance": ("school_safeguarding_concern", ["education"], False),
    "Behaviour": ("school_safeguarding_concern", [], False),
    "Physical injury": ("school_safeguarding_concern", ["physical_abuse"], True),
    "Mental health": ("school_safeguarding_concern", ["child_mental_health"], False),
    "Self-harm": ("school_safeguarding_concern", ["child_mental_health"], True),
    "Missing education": ("school_safeguarding_concern", ["education"], False),
    "Other": ("school_safeguarding_concern", [], False),
}


@given(st.tuples(*(written_like(label) for label in SPEC_CATEGORIES)))
@settings(max_examples=40, deadline=None)
def test_every_spec_category_however_written(variants: tuple[str, ...]) -> None:
    rows = [row(incident_id=f"INC-{n}", category=v) for n, v in enumerate(variants)]
    with tempfile.TemporaryDirectory() as folder:
        items = read(write_csv(Path(folder), [HEADER, *rows]))
    assert not [w for w in warnings_of(items) if w.field == "category"], variants
    for event, (label, meaning), written in zip(
        events_of(items), SPEC_CATEGORIES.items(), variants, strict=True
    ):
        assert (event.event_type, event.themes, event.significant) == meaning, written
        assert event.labels == [label_key(label)] and event.categories[0] == written.strip()


def test_self_harm_written_either_way_is_one_label(tmp_path: Path) -> None:
    event, _ = one(tmp_path, category="Self harm; SELF-HARM; Harm (self)")
    assert event.labels == ["harm self"] and event.themes == ["child_mental_health"]


def test_unknown_category_warning_names_row_field_and_value(tmp_path: Path) -> None:
    path = write_csv(tmp_path, [HEADER, row(), row(incident_id="INC-2", category="Lunchtime incident")])
    items = read(path)
    event = events_of(items)[1]
    assert (event.event_type, event.themes, event.labels) == ("school_safeguarding_concern", [], [])
    [warning] = [w for w in warnings_of(items) if w.field == "category"]
    assert (warning.file, warning.row) == ("school_log.csv", 3) and "'Lunchtime incident'" in warning.message


# A police occurrence row's occurrence columns (occurrence_ref ... summary), for the join test below.
OCCURRENCE_CELLS = (
    "OCC18/001016",
    "2021-03-04 22:15",
    "DOMESTIC - INCIDENT",
    "Y",
    "",
    "",
    "Y",
    "",
    "Argument",
)


def test_stored_quoted_reference_meets_the_police_own_reference_by_token(engine, tmp_path: Path) -> None:
    police = tmp_path / "police.csv"
    police.write_text(
        csv_text(
            [
                header_of("police"),
                [
                    *OCCURRENCE_CELLS,
                    "N3",
                    "child present",
                    "Testkid",
                    "Dana",
                    "01/06/2015",
                    "F",
                    "",
                    UPN,
                    "100001",
                ],
            ]
        ),
        encoding="utf-8",
    )
    import_file(engine, PoliceImporter().read(police, ImportOptions()), police.name, "police")
    import_file(
        engine,
        read(write_csv(tmp_path, [HEADER, row(police_reference="occ18 001016")])),
        "s.csv",
        "school-log",
    )
    with engine.connect() as db:
        stored = {row.agency: row for row in db.execute(select(Event.agency, Event.refs, Event.labels))}
    assert [(r["token"], r["role"]) for r in stored["Police"].refs] == [("OCC18001016", "own")]
    assert [(r["token"], r["role"]) for r in stored["Education"].refs] == [("OCC18001016", "quoted")]
    assert (stored["Police"].labels, stored["Education"].labels) == (
        ["domestic incident"],
        ["encompass operation"],
    )
