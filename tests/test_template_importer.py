"""The chronology template importer and the shared CSV/XLSX reader it is built on.

Fixtures are made in tmp_path by the tests themselves, so each test shows the exact bytes or
cells it reads.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import importers
from chronology.events import (
    CanonicalEvent,
    IdentifierKind,
    ImportFileError,
    ImportItem,
    ImportWarning,
    PartialDate,
    Precision,
    ReferenceRole,
    RejectedRow,
)
from chronology.labels import label_key
from importers.base import ImportOptions
from importers.table_rows import parse_flag
from importers.tabular import (
    MAX_CELL_CHARS,
    Table,
    cell_text,
    estimate_rows,
    normalise_header,
    open_table,
    read_table,
    resolve_columns,
    unescape_formula,
)
from importers.template import TemplateImporter, is_template_header, parse_persons
from tests.helpers import csv_text, damaged, damaged_file, events_of, rejected_of, warnings_of
from tests.label_variants import written_like

VALID_NHS = "9434765919"
VALID_UPN = "H999291421177"
HEADER = [
    "agency",
    "record_id",
    "seq",
    "start_date",
    "start_time",
    "end_date",
    "end_time",
    "source",
    "child_id",
    "nhs_number",
    "upn",
    "child_name",
    "child_dob",
    "event",
    "category",
    "impact_on_child",
    "action_outcome",
    "analysis",
    "persons",
]
EXPORT_HEADER = [
    "date",
    "date_precision",
    "end_date",
    "time",
    "age_at_event",
    "agency",
    "source",
    "event_type",
    "category",
    "significant",
    "summary",
    "impact_on_child",
    "action_outcome",
    "analysis",
    "persons",
    "child_voice",
    "incident_cluster",
    "episode",
    "source_file",
    "source_record",
    "child_id",
    "nhs_number",
    "upn",
    "child_name",
    "child_dob",
    "date_uncertain",
    "seq",
]


# --- helpers ----------------------------------------------------------------------------------------


def write_csv(
    folder: Path,
    rows: list[list[str]],
    *,
    name: str = "chronology.csv",
    encoding: str = "utf-8",
    delimiter: str = ",",
) -> Path:
    path = folder / name
    path.write_bytes(csv_text(rows, delimiter).encode(encoding))
    return path


def row(**values: str) -> list[str]:
    """A template row in HEADER order; unspecified columns are blank, sensible defaults for required."""
    defaults = {"agency": "Probation", "source": "OASys case record", "child_id": "C100", "event": "Event"}
    merged = {**defaults, **values}
    return [merged.get(column, "") for column in HEADER]


def read(path: Path, **options: object) -> list[ImportItem]:
    return list(TemplateImporter().read(path, ImportOptions(**options)))  # type: ignore[arg-type]


def one_event(path: Path, **options: object) -> tuple[CanonicalEvent, list[ImportWarning]]:
    items = read(path, **options)
    events = events_of(items)
    assert len(events) == 1, items
    return events[0], warnings_of(items)


# --- the shared reader ------------------------------------------------------------------------------


def test_normalise_header() -> None:
    assert normalise_header("  Date of  Event ") == "date_of_event"
    assert normalise_header("date-of - event") == "date_of_event"
    assert normalise_header("\ufeffNHS No") == "nhs_no"


def test_unescape_formula_strips_exactly_one_quote() -> None:
    assert unescape_formula("'=SUM(A1)") == "=SUM(A1)"
    assert unescape_formula("''=x") == "'=x"  # the export doubled the quote of a text starting '=
    assert unescape_formula("'-3 degrees") == "-3 degrees"
    assert unescape_formula("'\tindented") == "\tindented"
    assert unescape_formula("'hello") == "'hello"
    assert unescape_formula("'") == "'"


_CELL_TEXTS = st.text(
    alphabet=st.sampled_from(["'", "=", "+", "-", "@", "\r", "\n", " ", "a", "é"]), max_size=6
)


def _field_text(text: str) -> str:
    """What a mapped template cell reads as: the export's escaping undone, else stripped."""
    unescaped = unescape_formula(text)
    return unescaped if unescaped is not text else text.strip()


@settings(max_examples=150, deadline=None)
@given(agency=_CELL_TEXTS, impact=_CELL_TEXTS, note=_CELL_TEXTS)
def test_every_cell_reads_unescaped_or_stripped_whichever_column_it_is(
    agency: str, impact: str, note: str
) -> None:
    # agency is the first column the row reads, impact a later one, Note an attribute column
    with tempfile.TemporaryDirectory() as folder:
        rows = [[*HEADER, "Note"], [*row(agency=agency, impact_on_child=impact), note]]
        event, _ = one_event(write_csv(Path(folder), rows), agency="Fallback")
    assert event.agency == (_field_text(agency) or "Fallback")
    assert event.impact_on_child == (_field_text(impact) or None)
    assert event.attributes == ({"Note": unescape_formula(note)} if note.strip() else {})


def test_cell_text_never_uses_a_locale_date_form() -> None:
    assert cell_text(dt.datetime(2021, 3, 4)) == "2021-03-04"
    assert cell_text(dt.datetime(2021, 3, 4, 10, 30)) == "2021-03-04 10:30"
    assert cell_text(dt.time(9, 5)) == "09:05"
    assert cell_text(9434765919.0) == "9434765919"
    assert cell_text(2.5) == "2.5"
    assert cell_text(None) == ""


def _no_rows() -> Iterator[tuple[int, list[str]]]:
    yield from ()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.text(alphabet=" a'\x00\té", max_size=4), max_size=5), min_size=1, max_size=6))
def test_csv_rows_are_made_exactly_as_the_general_path_makes_them(rows: list[list[str]]) -> None:
    # a CSV row is checked as a whole (no NUL, nothing too long, nothing past the header) before its
    # cells are taken as they are; whatever it holds, the row must equal the cell-by-cell reading
    csv_table = Table(Path("t.csv"), "csv", 1, ["A", "B", "C"], _no_rows())
    general = Table(Path("t.csv"), "xlsx", 1, ["A", "B", "C"], _no_rows())
    long_rows = [["x" * (MAX_CELL_CHARS + 1)], ["x" * (MAX_CELL_CHARS // 2 + 1)] * 2]
    for number, values in enumerate([*rows, *long_rows], start=2):
        assert csv_table._make_row(number, values) == general._make_row(number, values)


def test_resolve_columns_own_name_beats_alias() -> None:
    aliases = {"start_date": ("start_date", "date"), "date_precision": ("date_precision",)}
    assert resolve_columns(["date", "start_date"], aliases) == {"start_date": "start_date"}
    assert resolve_columns(["date"], aliases) == {"start_date": "date"}


def test_read_table_rows_keyed_by_normalised_header_with_file_row_numbers(tmp_path: Path) -> None:
    path = write_csv(tmp_path, [["Start Date", "Event Description"], ["2021", "a"], ["", ""], ["2022", "b"]])
    with open_table(path, max_bytes=10_000) as table:
        rows = list(table)
        assert table.header_names == ["Start Date", "Event Description"]
        assert table.blank_rows == [3]
    assert [(r.number, r.cells) for r in rows] == [
        (2, {"start_date": "2021", "event_description": "a"}),
        (4, {"start_date": "2022", "event_description": "b"}),
    ]
    assert [r.number for r in read_table(path, max_bytes=10_000)] == [2, 4]


def test_multi_line_cell_is_one_row(tmp_path: Path) -> None:
    path = write_csv(tmp_path, [["a", "b"], ["line 1\nline 2", "x"], ["y", "z"]])
    rows = list(read_table(path, max_bytes=10_000))
    assert [r.number for r in rows] == [2, 3]
    assert rows[0].cells["a"] == "line 1\nline 2"


def test_file_over_max_bytes_is_refused(tmp_path: Path) -> None:
    path = write_csv(tmp_path, [HEADER, row(start_date="2021")])
    with pytest.raises(ImportFileError, match=r"chronology\.csv is .* more than"):
        read(path, max_bytes=100)


# --- a normal template file ---------------------------------------------------------------------------


def test_full_template_row(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        [
            HEADER,
            [
                "Probation",
                "PR-1",
                "2",
                "04/03/2021",
                "14:30",
                "05/03/2021",
                "15:00",
                "OASys case record",
                "C100",
                "943 476 5919",
                VALID_UPN.lower(),
                "Amy Smith",
                "02/01/2016",
                "Home visit; mother's partner present",
                "Home visit; Domestic abuse",
                "Negative: Amy was frightened",
                "Referred to MASH",
                "Escalating pattern",
                "Mark Jones (Father); Jane Smith (health visitor)",
            ],
        ],
    )
    event, warnings = one_event(path)
    assert warnings == []
    assert event.agency == "Probation"
    assert event.source == "OASys case record"
    assert event.summary == "Home visit; mother's partner present"
    assert event.date == PartialDate(2021, 3, 4)
    assert event.time == dt.time(14, 30)
    assert event.end == PartialDate(2021, 3, 5)
    assert event.end_time == dt.time(15)
    assert event.seq == 2
    assert event.categories == ["Home visit", "Domestic abuse"]
    assert event.event_type == "home_visit"  # first category that config maps
    assert event.impact_on_child == "Negative: Amy was frightened"
    assert event.action_outcome == "Referred to MASH"
    assert event.analysis == "Escalating pattern"
    assert event.subject.name == "Amy Smith"
    assert event.subject.dob == PartialDate(2016, 1, 2)
    ids = {(i.kind, i.value) for i in event.subject.identifiers}
    assert ids == {
        (IdentifierKind.LA_CHILD_ID, "C100"),
        (IdentifierKind.NHS_NUMBER, VALID_NHS),
        (IdentifierKind.UPN, VALID_UPN),
    }
    assert [(p.name, p.role) for p in event.persons] == [
        ("Mark Jones", "father"),
        ("Jane Smith", "health visitor"),
    ]
    assert event.provenance.source_system == "template:Probation"
    assert event.provenance.file == "chronology.csv"
    assert event.provenance.row == 2
    assert event.provenance.source_record_id == "PR-1"
    assert event.provenance.sheet is None
    assert event.attributes == {}
    assert event.natural_key() == "template:Probation|id|PR-1"


def test_headers_match_case_insensitively_and_by_alias(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        [
            ["  AGENCY ", "Date of Event", "Source", "LA Child ID", "Event Description", "Record ID", "Time"],
            ["Housing", "2020-06-01", "Housing file", "C9", "Eviction notice", "H-7", "09:00"],
        ],
    )
    event, _ = one_event(path)
    assert (event.agency, event.date, event.summary, event.provenance.source_record_id) == (
        "Housing",
        PartialDate(2020, 6, 1),
        "Eviction notice",
        "H-7",
    )
    assert event.time == dt.time(9)
    assert event.subject.identifiers[0].kind == IdentifierKind.LA_CHILD_ID


def test_event_type_from_category_map_and_default(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        [
            HEADER,
            row(start_date="2021", category="A&E attendance"),
            row(start_date="2021", category="  WAS NOT BROUGHT "),
            row(start_date="2021", category="Police incident"),
            row(start_date="2021", category="Something else"),
            row(start_date="2021"),
        ],
    )
    types = [e.event_type for e in events_of(read(path))]
    assert types == [
        "ae_attendance",
        "appointment_not_brought",
        "police_occurrence",
        "agency_record",
        "agency_record",
    ]


def test_registered_and_detected(tmp_path: Path) -> None:
    assert importers.get("template") is TemplateImporter
    path = write_csv(tmp_path, [HEADER, row(start_date="2021")])
    assert importers.detect(path) is TemplateImporter


# --- encodings and delimiters ----------------------------------------------------------------------


def test_windows_1252_with_pound_and_curly_quotes(tmp_path: Path) -> None:
    summary = "Mum said “he took the £20” – child’s café trip"
    path = write_csv(tmp_path, [HEADER, row(start_date="2021", event=summary)], encoding="cp1252")
    assert "£".encode("cp1252") in path.read_bytes()
    event, warnings = one_event(path)
    assert event.summary == summary
    assert warnings == []


def test_non_utf8_byte_late_in_file_does_not_fail_after_rows(tmp_path: Path) -> None:
    rows = [HEADER] + [row(start_date="2021", event=f"event {n} " + "x" * 200) for n in range(8000)]
    rows.append(row(start_date="2021", event="costs £5"))
    path = write_csv(tmp_path, rows, encoding="cp1252")
    assert path.stat().st_size > 2 * 1024 * 1024  # the bad-for-UTF-8 byte is past the first chunks
    items = read(path)
    events = events_of(items)
    assert len(events) == 8001
    assert events[-1].summary == "costs £5"


def test_mixed_utf8_and_1252_reads_as_1252_with_a_warning(tmp_path: Path) -> None:
    data = csv_text([HEADER, row(start_date="2021", event="café")]).encode("utf-8")
    data += csv_text([row(start_date="2021", event="£5")]).encode("cp1252")
    path = tmp_path / "mixed.csv"
    path.write_bytes(data)
    items = read(path)
    assert [e.summary for e in events_of(items)] == ["cafÃ©", "£5"]
    assert any("partly UTF-8" in w.message and "line 3" in w.message for w in warnings_of(items))


def test_undecodable_bytes_name_the_file_and_place(tmp_path: Path) -> None:
    data = csv_text([HEADER, row(start_date="2021", event="fine")]).encode("utf-8")
    data += b"Probation,,,2021,,,,src,C1,,,,,bad \x81 byte,,,,,\r\n"
    path = tmp_path / "broken.csv"
    path.write_bytes(data)
    with pytest.raises(ImportFileError) as info:
        read(path)
    message = str(info.value)
    assert "broken.csv" in message and "0x81" in message and "line 3" in message
    bad_offset = data.index(b"\x81")
    assert f"offset {bad_offset}" in message


def test_utf8_bom_is_stripped(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + csv_text([HEADER, row(start_date="2021", event="é")]).encode())
    event, _ = one_event(path)
    assert event.agency == "Probation"  # the first header 'agency' was matched despite the BOM
    assert event.summary == "é"


def test_utf16_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "utf16.csv"
    path.write_bytes(csv_text([HEADER, row(start_date="2021", event="ü")], "\t").encode("utf-16"))
    event, _ = one_event(path)
    assert event.summary == "ü"


@pytest.mark.parametrize("delimiter", [";", "\t", ","])
def test_delimiter_is_sniffed(tmp_path: Path, delimiter: str) -> None:
    summary = "Seen at home, with mum; dad absent\tlater"
    path = write_csv(tmp_path, [HEADER, row(start_date="2021", event=summary)], delimiter=delimiter)
    event, _ = one_event(path)
    assert event.summary == summary


def test_excel_sep_line(tmp_path: Path) -> None:
    path = tmp_path / "sep.csv"
    path.write_text("sep=;\r\n" + csv_text([HEADER, row(start_date="2021")], ";"))
    event, _ = one_event(path)
    assert event.provenance.row == 3  # the sep= line is row 1 of the file


# --- whole-file problems --------------------------------------------------------------------------------


def test_missing_required_columns_are_listed_with_those_found(tmp_path: Path) -> None:
    path = write_csv(tmp_path, [["agency", "date", "notes"], ["Probation", "2021", "x"]])
    with pytest.raises(ImportFileError) as info:
        read(path)
    message = str(info.value)
    assert "chronology.csv" in message
    for missing in ("source", "event", "child_id"):
        assert missing in message
    assert "'notes'" in message and "'date'" in message


def test_agency_column_needed_only_when_not_given_at_import(tmp_path: Path) -> None:
    header = [c for c in HEADER if c != "agency"]
    path = write_csv(tmp_path, [header, row(start_date="2021")[1:]])
    with pytest.raises(ImportFileError, match="agency"):
        read(path)
    event, _ = one_event(path, agency="Women's Aid")
    assert event.agency == "Women's Aid"
    assert event.provenance.source_system == "template:Women's Aid"


def test_blank_agency_cell_uses_import_agency_or_is_rejected(tmp_path: Path) -> None:
    path = write_csv(tmp_path, [HEADER, row(start_date="2021", agency="")])
    assert events_of(read(path, agency="Housing"))[0].agency == "Housing"
    rejected = rejected_of(read(path))
    assert [(r.row, r.field) for r in rejected] == [(2, "agency")]


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(ImportFileError, match=r"empty\.csv is empty"):
        read(path)
    path.write_bytes(b"\r\n,,,\r\n  \r\n")
    with pytest.raises(ImportFileError, match=r"empty\.csv is empty"):
        read(path)


def test_header_only_file_imports_nothing_and_says_so(tmp_path: Path) -> None:
    path = write_csv(tmp_path, [HEADER])
    items = read(path)
    assert len(items) == 1
    assert isinstance(items[0], ImportWarning)
    assert "has a header but no data rows" in items[0].message


def test_blank_rows_are_skipped_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "blanks.csv"
    text = (
        csv_text([HEADER, row(start_date="2021")]) + "\r\n" + ",,, ,\r\n" + csv_text([row(start_date="2022")])
    )
    path.write_text(text)
    items = read(path)
    assert [e.provenance.row for e in events_of(items)] == [2, 5]
    assert any(w.message == "skipped 2 blank row(s): row(s) 3, 4" for w in warnings_of(items))


def test_title_rows_above_the_header_are_reported(tmp_path: Path) -> None:
    path = write_csv(tmp_path, [["Chronology for A. Smith, Probation"], [], HEADER, row(start_date="2021")])
    items = read(path)
    assert events_of(items)[0].provenance.row == 4
    assert any("row(s) 1 above the header (row 3)" in w.message for w in warnings_of(items))


def test_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "fake.xlsx"
    path.write_bytes(b"agency,start_date\r\n")
    with pytest.raises(ImportFileError, match=r"fake\.xlsx is not a valid \.xlsx"):
        read(path)
    assert not TemplateImporter.can_read(path)


# --- rows -------------------------------------------------------------------------------------------------


def test_unreadable_start_date_gives_undated_event_with_warning(tmp_path: Path) -> None:
    path = write_csv(tmp_path, [HEADER, row(start_date="the week after Easter")])
    event, warnings = one_event(path)
    assert event.date is None
    assert event.date_text == "the week after Easter"
    assert len(warnings) == 1
    assert (warnings[0].file, warnings[0].row, warnings[0].field) == ("chronology.csv", 2, "start_date")
    assert "the week after Easter" in warnings[0].message


def test_blank_start_date_gives_undated_event_with_warning(tmp_path: Path) -> None:
    event, warnings = one_event(write_csv(tmp_path, [HEADER, row(start_date="")]))
    assert event.date is None and event.date_text is None
    assert [(w.row, w.field) for w in warnings] == [(2, "start_date")]
    assert "blank" in warnings[0].message


def test_us_style_date_is_not_guessed(tmp_path: Path) -> None:
    event, warnings = one_event(write_csv(tmp_path, [HEADER, row(start_date="05/13/2021")]))
    assert event.date is None
    assert event.date_text == "05/13/2021"
    assert "never guessed" in warnings[0].message
    assert warnings[0].field == "start_date"


@pytest.mark.parametrize(
    ("text", "expected", "precision"),
    [
        ("2021", PartialDate(2021), Precision.YEAR),
        ("03/2021", PartialDate(2021, 3), Precision.MONTH),
        ("2021-03", PartialDate(2021, 3), Precision.MONTH),
        ("?2021-03", PartialDate(2021, 3, uncertain=True), Precision.MONTH),
        ("?04/03/2021", PartialDate(2021, 3, 4, uncertain=True), Precision.DAY),
        ("? 2019", PartialDate(2019, uncertain=True), Precision.YEAR),
        ("22-May-2016", PartialDate(2016, 5, 22), Precision.DAY),
    ],
)
def test_partial_and_uncertain_dates_keep_precision(
    tmp_path: Path, text: str, expected: PartialDate, precision: Precision
) -> None:
    event, warnings = one_event(write_csv(tmp_path, [HEADER, row(start_date=text)]))
    assert event.date == expected
    assert event.date.precision == precision
    assert warnings == []
    if expected.uncertain:
        assert event.date_text == text


def test_unreadable_end_date_and_times_are_kept_as_attributes(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path, [HEADER, row(start_date="2021", end_date="soon", start_time="25:00", end_time="noon")]
    )
    event, warnings = one_event(path)
    assert event.end is None and event.time is None and event.end_time is None
    assert event.attributes == {"end_date": "soon", "start_time": "25:00", "end_time": "noon"}
    assert sorted(w.field or "" for w in warnings) == ["end_date", "end_time", "start_time"]


def test_end_before_start_is_warned(tmp_path: Path) -> None:
    _, warnings = one_event(
        write_csv(tmp_path, [HEADER, row(start_date="2021-05-01", end_date="2021-04-01")])
    )
    assert [w.field for w in warnings] == ["end_date"]


def test_invalid_nhs_number_and_upn_are_kept_with_warnings(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path, [HEADER, row(start_date="2021", nhs_number="943 476 5918", upn="a999291421177")]
    )
    event, warnings = one_event(path)
    ids = {i.kind: i.value for i in event.subject.identifiers}
    assert ids[IdentifierKind.NHS_NUMBER] == "9434765918"
    assert ids[IdentifierKind.UPN] == "A999291421177"
    by_field = {w.field: w for w in warnings}
    assert set(by_field) == {"nhs_number", "upn"}
    assert by_field["nhs_number"].row == 2 and by_field["nhs_number"].file == "chronology.csv"
    assert "check digit should be 9" in by_field["nhs_number"].message
    assert "check letter should be H" in by_field["upn"].message


def test_row_without_any_child_is_rejected(tmp_path: Path) -> None:
    path = write_csv(tmp_path, [HEADER, row(start_date="2021", child_id="", child_dob="01/01/2016")])
    items = read(path)
    assert events_of(items) == []
    [rejected] = rejected_of(items)
    assert (rejected.row, rejected.field) == (2, "child_id")
    assert "no child identified" in rejected.reason
    assert rejected.raw is not None and rejected.raw["child_dob"] == "01/01/2016"


def test_child_by_name_and_dob(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path, [HEADER, row(start_date="2021", child_id="", child_name="Amy Smith", child_dob="2016")]
    )
    event, warnings = one_event(path)
    assert (event.subject.name, event.subject.dob, event.subject.identifiers) == (
        "Amy Smith",
        PartialDate(2016),
        [],
    )
    assert warnings == []


@pytest.mark.parametrize("blank", ["event", "source"])
def test_blank_required_value_rejects_the_row(tmp_path: Path, blank: str) -> None:
    path = write_csv(tmp_path, [HEADER, row(start_date="2021", **{blank: "  "}), row(start_date="2022")])
    items = read(path)
    assert len(events_of(items)) == 1
    [rejected] = rejected_of(items)
    assert (rejected.file, rejected.row, rejected.field) == ("chronology.csv", 2, blank)


def test_extra_columns_are_kept_verbatim_as_attributes(tmp_path: Path) -> None:
    header = [*HEADER, "Worker's Team", "Risk  Level", "notes"]
    path = write_csv(tmp_path, [header, [*row(start_date="2021"), "  Team A ", "High", ""]])
    event, _ = one_event(path)
    assert event.attributes == {"Worker's Team": "  Team A ", "Risk  Level": "High"}


def test_repeated_header_keeps_second_column_as_attribute(tmp_path: Path) -> None:
    header = [*HEADER, "Event"]
    path = write_csv(tmp_path, [header, [*row(start_date="2021", event="first"), "second"]])
    items = read(path)
    event = events_of(items)[0]
    assert event.summary == "first"
    assert event.attributes == {"Event": "second"}
    assert any("repeats the header" in w.message for w in warnings_of(items))


def test_persons_parsing() -> None:
    people = parse_persons(
        " Mark Jones (Father) ;; Jane Smith(Health  Visitor);Smith, John; (mother) ; "
        "Mo (Mo) Ali (Uncle) ; Bad (role"
    )
    assert [(p.name, p.role) for p in people] == [
        ("Mark Jones", "father"),
        ("Jane Smith", "health visitor"),
        ("Smith, John", None),
        (None, "mother"),
        ("Mo (Mo) Ali", "uncle"),
        ("Bad (role", None),
    ]
    assert parse_persons("") == [] and parse_persons(" ; ") == []


def test_flags() -> None:
    assert [parse_flag(v) for v in ["Y", "yes", "TRUE", "1", "n", "No", "false", "0", " "]] == [
        True,
        True,
        True,
        True,
        False,
        False,
        False,
        False,
        None,
    ]
    with pytest.raises(ValueError, match="not Y or N"):
        parse_flag("maybe")


def test_hostile_text_is_kept_verbatim(tmp_path: Path) -> None:
    hostile = [
        "<script>alert(1)</script>",
        "=cmd|' /C calc'!A0",
        "+1+1",
        "@SUM(A1)",
        "abc\u202edcba\u202c",
        "x" * 200_000,
        "'; DROP TABLE events; --",
    ]
    path = write_csv(tmp_path, [HEADER] + [row(start_date="2021", event=text) for text in hostile])
    assert [e.summary for e in events_of(read(path))] == hostile


def test_nul_bytes_are_removed_with_a_warning(tmp_path: Path) -> None:
    path = write_csv(tmp_path, [HEADER, row(start_date="2021", event="bad\x00text")])
    event, warnings = one_event(path)
    assert event.summary == "badtext"
    assert [(w.row, w.field) for w in warnings] == [(2, "event")]
    assert "NUL" in warnings[0].message


def test_row_with_more_cells_than_headers_is_rejected(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        [
            HEADER,
            [*row(start_date="2021", event="Seen"), "mum", "dad"],
            [*row(start_date="2021", event="trailing empties are fine"), "", ""],
        ],
    )
    items = read(path)
    [rejected] = rejected_of(items)
    assert rejected.row == 2
    assert "2 value(s) beyond" in rejected.reason and "'mum'" in rejected.reason
    assert rejected.raw is not None and rejected.raw["(extra value 1)"] == "mum"
    assert [e.summary for e in events_of(items)] == ["trailing empties are fine"]


def test_huge_cell_from_unmatched_quote_is_a_rejected_row(tmp_path: Path) -> None:
    body = csv_text([HEADER, row(start_date="2021", event="ok")])
    broken = ",".join(row(start_date="2021", event='"never closed'))
    filler = csv_text([row(start_date="2021", event="y" * 1000)] * (MAX_CELL_CHARS // 1000 + 10))
    path = tmp_path / "quote.csv"
    path.write_text(body + broken + "\r\n" + filler)
    items = read(path)
    assert [e.summary for e in events_of(items)] == ["ok"]
    [rejected] = rejected_of(items)
    assert rejected.row == 3 and rejected.field == "event"
    assert "unmatched double quote" in rejected.reason


def test_unknown_event_type_becomes_other_with_warning(tmp_path: Path) -> None:
    header = [*HEADER, "event_type"]
    path = write_csv(
        tmp_path,
        [header, [*row(start_date="2021"), "Tea party"], [*row(start_date="2021"), "Home visit"]],
    )
    items = read(path)
    assert [e.event_type for e in events_of(items)] == ["other", "home_visit"]
    assert events_of(items)[0].attributes == {"event_type": "Tea party"}


# --- workbooks ------------------------------------------------------------------------------------------


def make_workbook(path: Path) -> Path:
    workbook = openpyxl.Workbook()
    notes = workbook.active
    notes.title = "Guidance"
    notes["A1"] = "How to fill in the chronology template"
    sheet = workbook.create_sheet("Chronology")
    sheet.append(["Probation chronology for Amy"])
    sheet.append([])
    sheet.append(
        ["Agency", "Start Date", "Start Time", "Source", "NHS Number", "Event", "Child DOB", "Child Name"]
    )
    sheet.append(
        ["Probation", dt.datetime(2021, 3, 4), dt.time(10, 30), "OASys", 9434765919, "Date cell", None, None]
    )
    sheet.append(["Probation", "05/06/2021", None, "OASys", VALID_NHS, "Text date, day first", None, None])
    sheet.append(
        ["Probation", dt.datetime(2021, 7, 8, 16, 45), None, "OASys", VALID_NHS, "Datetime cell", None, None]
    )
    sheet.append([])
    sheet.append(
        ["Probation", "?2020", None, "OASys", None, "Uncertain year", dt.datetime(2016, 1, 2), "Amy"]
    )
    sheet.append(["Probation", 2019, None, "OASys", VALID_NHS, "Year typed as a number", None, None])
    workbook.save(path)
    return path


def test_xlsx_with_date_cells_and_text_dates(tmp_path: Path) -> None:
    path = make_workbook(tmp_path / "chronology.xlsx")
    assert TemplateImporter.can_read(path)
    items = read(path)
    events = events_of(items)
    assert [(e.summary, e.date, e.time, e.provenance.row) for e in events] == [
        ("Date cell", PartialDate(2021, 3, 4), dt.time(10, 30), 4),
        ("Text date, day first", PartialDate(2021, 6, 5), None, 5),
        ("Datetime cell", PartialDate(2021, 7, 8), dt.time(16, 45), 6),
        ("Uncertain year", PartialDate(2020, uncertain=True), None, 8),
        ("Year typed as a number", PartialDate(2019), None, 9),
    ]
    assert {e.provenance.sheet for e in events} == {"Chronology"}
    assert events[0].subject.identifiers[0].value == VALID_NHS
    assert events[3].subject.dob == PartialDate(2016, 1, 2)
    messages = [w.message for w in warnings_of(items)]
    assert any("row(s) 1 above the header (row 3)" in m for m in messages)
    assert any("row(s) 7" in m and "blank" in m for m in messages)
    assert not rejected_of(items)


def test_xlsx_estimate_rows(tmp_path: Path) -> None:
    path = make_workbook(tmp_path / "chronology.xlsx")
    assert TemplateImporter().estimate_rows(path) == 8  # the largest sheet's recorded max_row - 1 (rough)


def test_empty_workbook(tmp_path: Path) -> None:
    path = tmp_path / "empty.xlsx"
    openpyxl.Workbook().save(path)
    with pytest.raises(ImportFileError, match="is empty"):
        read(path)


# --- can_read ----------------------------------------------------------------------------------------------


def test_can_read_template_and_export_but_not_other_csv(tmp_path: Path) -> None:
    assert TemplateImporter.can_read(write_csv(tmp_path, [HEADER], name="template.csv"))
    assert TemplateImporter.can_read(write_csv(tmp_path, [EXPORT_HEADER], name="export.csv"))
    police = (
        "occurrence_ref,occurred_at,occurrence_type,domestic_abuse,dash_risk,dash_score,children_present,"
    )
    police += "location,summary,nominal_id,nominal_role,surname,forenames,dob,sex,nhs_number,upn,encompass_school_urn"
    (tmp_path / "police.csv").write_text(police + "\r\n")
    assert not TemplateImporter.can_read(tmp_path / "police.csv")
    school = "incident_id,school_urn,school_name,upn,surname,forenames,dob,date,time,category,description,"
    school += "child_voice,action_taken,police_reference,recorded_by"
    (tmp_path / "school.csv").write_text(school + "\r\n")
    assert not TemplateImporter.can_read(tmp_path / "school.csv")
    (tmp_path / "notes.txt").write_text(",".join(HEADER))
    assert not TemplateImporter.can_read(tmp_path / "notes.txt")
    (tmp_path / "binary.csv").write_bytes(bytes(range(256)) * 10)
    assert not TemplateImporter.can_read(tmp_path / "binary.csv")
    assert not TemplateImporter.can_read(tmp_path / "missing.csv")
    assert not TemplateImporter.can_read(tmp_path)


def test_header_test_needs_source_and_a_child_column() -> None:
    assert is_template_header(["Agency", "Date", "Source", "UPN", "Summary"])
    assert not is_template_header(["Agency", "Date", "Source", "Summary"])
    assert not is_template_header(["date", "upn", "description"])


def test_estimate_rows_csv(tmp_path: Path) -> None:
    path = write_csv(tmp_path, [HEADER] + [row(start_date="2021")] * 50)
    assert estimate_rows(path) == 50


# --- the chronology CSV export -------------------------------------------------------------------------------


def export_row(**values: str) -> list[str]:
    return [values.get(column, "") for column in EXPORT_HEADER]


def test_export_reimports_to_the_original_values(tmp_path: Path) -> None:
    rows = [
        EXPORT_HEADER,
        export_row(
            date="2021-03-04",
            date_precision="day",
            time="22:15",
            age_at_event="5y 2m",
            agency="Police",
            source="Niche RMS",
            event_type="police_occurrence",
            category="Domestic incident;DA",
            significant="Y",
            summary="'=SUM(A1) said to be the text on the wall",
            impact_on_child="'-ve: child present",
            action_outcome="'+ referral made",
            analysis="'@risk rising",
            persons="Mark Jones (father); Jane Smith (health visitor)",
            child_voice="'=I was scared",
            incident_cluster="IC-1",
            episode="EP-1",
            source_file="police.csv",
            source_record="OCC-1",
            child_id="C100",
            nhs_number=VALID_NHS,
            upn=VALID_UPN,
            child_name="Amy Smith",
            child_dob="2016-01-02",
            date_uncertain="N",
            seq="1",
        ),
        export_row(
            date="?2021-03",
            date_precision="month",
            agency="Housing",
            source="Housing file",
            category="Home visit",
            significant="no",
            summary="'\tindented text",
            source_record="H-2",
            child_id="C100",
            date_uncertain="Y",
        ),
        export_row(
            date="2019",
            date_precision="year",
            agency="Early Help",
            source="EH notes",
            summary="'plain quoted text stays",
            source_file="template.xlsx",
            child_id="C100",
        ),
        export_row(
            date="", date_precision="unknown", agency="GP", source="GP", summary="Undated", child_id="C100"
        ),
    ]
    path = tmp_path / "chronology_export.csv"
    path.write_bytes(b"\xef\xbb\xbf" + csv_text(rows).encode("utf-8"))
    assert TemplateImporter.can_read(path)
    items = read(path)
    assert not rejected_of(items)
    first, second, third, fourth = events_of(items)

    assert first.date == PartialDate(2021, 3, 4)
    assert first.time == dt.time(22, 15)
    assert (first.agency, first.source, first.event_type) == ("Police", "Niche RMS", "police_occurrence")
    assert first.categories == ["Domestic incident", "DA"]
    assert first.significant is True
    assert first.summary == "=SUM(A1) said to be the text on the wall"
    assert first.impact_on_child == "-ve: child present"
    assert first.action_outcome == "+ referral made"
    assert first.analysis == "@risk rising"
    assert first.child_voice == "=I was scared"
    assert [(p.name, p.role) for p in first.persons] == [
        ("Mark Jones", "father"),
        ("Jane Smith", "health visitor"),
    ]
    assert first.provenance.source_record_id == "OCC-1"
    assert first.seq == 1
    assert first.subject.name == "Amy Smith" and first.subject.dob == PartialDate(2016, 1, 2)
    assert {i.kind for i in first.subject.identifiers} == {
        IdentifierKind.LA_CHILD_ID,
        IdentifierKind.NHS_NUMBER,
        IdentifierKind.UPN,
    }
    assert first.attributes == {
        "date_precision": "day",
        "age_at_event": "5y 2m",
        "incident_cluster": "IC-1",
        "episode": "EP-1",
        "source_file": "police.csv",
    }

    assert second.date == PartialDate(2021, 3, uncertain=True)
    assert second.date.marked() == "?2021-03"
    assert second.summary == "\tindented text"
    assert second.significant is False
    assert second.event_type == "home_visit"

    assert third.date == PartialDate(2019) and third.date.precision == Precision.YEAR
    assert third.summary == "'plain quoted text stays"
    assert third.attributes["source_file"] == "template.xlsx"

    assert fourth.date is None
    precision_warnings = [w for w in warnings_of(items) if w.field == "date_precision"]
    assert precision_warnings == []  # every date agrees with its date_precision


def test_export_date_precision_disagreement_is_warned(tmp_path: Path) -> None:
    rows = [
        EXPORT_HEADER,
        export_row(date="2021-03", date_precision="day", agency="A", source="S", summary="x", child_id="C"),
    ]
    _, warnings = one_event(write_csv(tmp_path, rows))
    assert [(w.field, w.row) for w in warnings] == [("date_precision", 2)]
    assert "month" in warnings[0].message


# --- robustness: random damage never crashes and never loses a row ---------------------------------------------


def _valid_file_bytes() -> bytes:
    rows = [
        HEADER,
        row(
            record_id="1",
            start_date="04/03/2021",
            event="Seen at home",
            nhs_number=VALID_NHS,
            persons="A (mother)",
        ),
        row(record_id="2", start_date="?2021-03", event="Mum said “fine” – £5", category="Referral"),
        row(record_id="3", start_date="2020", event="Letter sent; no reply", upn=VALID_UPN),
        row(record_id="4", start_date="22-May-2016", start_time="10:30", event='Quoted, "text"\nover lines'),
    ]
    return csv_text(rows).encode("utf-8")


def _count_data_rows(path: Path) -> int:
    """Non-blank rows after the header, counted with the csv module on the reader's own decisions."""
    with open_table(path, max_bytes=1 << 20, is_header=is_template_header) as table:
        encoding, delimiter, header_row = table.encoding, table.delimiter, table.header_row
    data = path.read_bytes()
    if encoding == "utf-8" and data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if encoding == "cp1252" and data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    text = data.decode(encoding or "utf-8")
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter or ","))
    return sum(1 for cells in records[header_row:] if any(cell.strip() for cell in cells))


mutation = st.tuples(
    st.sampled_from(["insert", "delete", "replace"]),
    st.integers(min_value=0, max_value=10_000),
    st.binary(min_size=1, max_size=3),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(mutation, min_size=1, max_size=6))
def test_random_damage_gives_file_error_or_accounted_rows(mutations: list[tuple[str, int, bytes]]) -> None:
    with damaged_file(damaged(_valid_file_bytes(), mutations), "damaged.csv") as path:
        try:
            items = read(path, agency="Fallback agency")
        except ImportFileError:
            return
        assert all(isinstance(item, CanonicalEvent | RejectedRow | ImportWarning) for item in items)
        assert len(events_of(items)) + len(rejected_of(items)) == _count_data_rows(path)


def test_parse_persons_drops_the_exports_note_on_unresolved_role_words() -> None:
    people = parse_persons(
        "Dad (father) — ambiguous: Mark Jones (father) or Paul Green (father); Mum (mother) — not identified"
    )
    assert [(p.name, p.role) for p in people] == [("Dad", "father"), ("Mum", "mother")]


# --- references, referring agency and labels ---------------------------------------------------------------


def test_police_ref_category_and_reference_columns_are_quoted(tmp_path: Path) -> None:
    header = [*HEADER, "occurrence_ref", "Crime Ref"]
    values = {"category": "Operation Encompass; police_ref:OCC18/001016", "occurrence_ref": "47/123456/19"}
    values |= {"Crime Ref": "CC2023/98765"}
    merged = {
        **{"agency": "Education", "source": "DSL log", "child_id": "C100", "event": "Notified"},
        **values,
    }
    event, _ = one_event(write_csv(tmp_path, [header, [merged.get(c, "") for c in header]]))
    assert [(r.kind, r.value, r.role, r.source) for r in event.references] == [
        ("police_occurrence", "OCC18/001016", ReferenceRole.QUOTED, "category"),
        ("police_occurrence", "47/123456/19", ReferenceRole.QUOTED, "occurrence_ref"),
        ("crime", "CC2023/98765", ReferenceRole.QUOTED, "Crime Ref"),
    ]
    assert event.attributes == {"occurrence_ref": "47/123456/19", "Crime Ref": "CC2023/98765"}  # kept too
    assert "police_ref:OCC18/001016" in event.categories


@pytest.mark.parametrize(
    ("category", "summary", "expected"),
    [
        ("Contact", "Contact from Police: domestic incident notified", "Police"),
        ("Contact", "Contact from school: mother says police were called", "Education"),
        ("Referral; Source: Police; Domestic abuse", "Referral from Police: DA incident", "Police"),
        ("Referral; Source: GP", "Referral received", "Health"),
        ("Referral; Source: Probation", "Referral received", "Probation"),
        ("Referral", "Mother asked for help", None),
        ("Home visit", "Visit from Police: joint visit", None),  # not a contact or referral
    ],
)
def test_referring_agency_from_the_category_or_heading(
    tmp_path: Path, category: str, summary: str, expected: str | None
) -> None:
    event, _ = one_event(write_csv(tmp_path, [HEADER, row(category=category, event=summary)]))
    assert event.referring_agency == expected


def test_referring_agency_from_a_referral_source_column(tmp_path: Path) -> None:
    header = [*HEADER, "Source of Referral"]
    values = {"agency": "Children's social care", "source": "MASH", "child_id": "C100"}
    values |= {"event": "Contact from school: bruise", "category": "Contact", "Source of Referral": "A&E"}
    event, _ = one_event(write_csv(tmp_path, [header, [values.get(c, "") for c in header]]))
    assert event.referring_agency == "Health"  # the column wins over the heading
    assert event.attributes["Source of Referral"] == "A&E"


TEMPLATE_CATEGORIES = {
    "MARAC referral": "marac_referral",
    "Referral to children's social care": "referral",
    "Strategy discussion": "strategy_discussion",
    "Was not brought": "appointment_not_brought",
    "Operation Encompass": "operation_encompass",
    "Domestic incident": "police_occurrence",
    "Initial child protection conference": "initial_cp_conference",
}


@given(st.tuples(*(written_like(label) for label in TEMPLATE_CATEGORIES)))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_categories_map_however_written(variants: tuple[str, ...]) -> None:
    rows = [row(record_id=f"R{n}", category=f"{v}; Some qualifier") for n, v in enumerate(variants)]
    with tempfile.TemporaryDirectory() as folder:
        items = read(write_csv(Path(folder), [HEADER, *rows]))
    assert not [w for w in warnings_of(items) if w.field == "category"], variants
    for event, (label, event_type) in zip(events_of(items), TEMPLATE_CATEGORIES.items(), strict=True):
        assert (event.event_type, event.labels) == (event_type, [label_key(label)])


def test_referral_to_marac_is_a_marac_referral(tmp_path: Path) -> None:
    event, _ = one_event(write_csv(tmp_path, [HEADER, row(category="Referral to MARAC; DASH: high (16)")]))
    assert (event.event_type, event.labels) == ("marac_referral", ["marac referral"])


def test_unlisted_categories_give_a_generic_event_and_a_warning(tmp_path: Path) -> None:
    path = write_csv(tmp_path, [HEADER, row(), row(category="Supervision appointment; Curfew")])
    items = read(path)
    event = events_of(items)[1]
    assert (event.event_type, event.labels, event.categories) == (
        "agency_record",
        [],
        ["Supervision appointment", "Curfew"],
    )
    [warning] = [w for w in warnings_of(items) if w.field == "category"]
    assert (warning.file, warning.row) == ("chronology.csv", 3)
    assert "'Supervision appointment; Curfew'" in warning.message
