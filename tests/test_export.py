"""The chronology CSV: the spec's columns in order, BOM, oldest first, formula-safe cells."""

from __future__ import annotations

import csv
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chronology.events import PartialDate, PersonRef
from chronology.ingest import FileInfo, import_items
from chronology.record import find_child, load_child
from exporters.chronology_csv import SPEC_COLUMNS, export_chronology
from exporters.csv_safety import PLAIN_NUMBER, escape_cell
from importers.tabular import unescape_formula
from tests.factories import child, event

SPEC_ORDER = ["date", "date_precision", "end_date", "time", "age_at_event", "agency", "source", "event_type", "category", "significant", "summary", "impact_on_child", "action_outcome", "analysis", "persons", "child_voice", "incident_cluster", "episode", "source_file", "source_record"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("+44 7700 900000", "'+44 7700 900000"),
        ("-see notes", "'-see notes"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tindented", "'\tindented"),
        ("\rline", "'\rline"),
        ("-3", "-3"),
        ("+2.5", "+2.5"),
        ("plain text = fine", "plain text = fine"),
        ("", ""),
        (None, ""),
    ],
)
def test_escape_cell(value, expected):
    assert escape_cell(value) == expected


def test_export_has_the_spec_columns_in_order_with_bom_oldest_first(engine, tmp_path):
    subject = child(la_id="LA1", name="Kai Jones", dob=dt.date(2017, 5, 2))
    hostile = event(subject, record_id="2", when=PartialDate(2021, 6, 1), summary="=HYPERLINK(\"http://x\")")
    hostile.persons = [PersonRef(name="Mark Jones", role="father")]
    items = [
        hostile,
        event(subject, record_id="1", when=PartialDate(2019, 3, None, uncertain=True), summary="Moved area"),
        event(subject, record_id="3", when=None, summary="Date lost"),
    ]
    import_items(engine, items, FileInfo("police.csv", "template"), actor="t")
    with engine.connect() as conn:
        record = load_child(conn, find_child(conn, "LA1"))
    out = tmp_path / "out.csv"
    assert export_chronology(out, record) == 3
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    header = raw.decode("utf-8-sig").splitlines()[0].split(",")
    assert header[: len(SPEC_ORDER)] == SPEC_ORDER == SPEC_COLUMNS
    assert [r["source_record"] for r in rows] == ["1", "2", "3"]  # oldest first, undated last
    assert (rows[0]["date"], rows[0]["date_precision"], rows[0]["age_at_event"]) == ("?2019-03", "month", "~1y 9m")
    assert rows[1]["summary"] == "'=HYPERLINK(\"http://x\")"
    assert rows[1]["persons"] == "Mark Jones (father)"
    assert rows[1]["age_at_event"] == "4y 0m"
    assert (rows[2]["date"], rows[2]["date_precision"]) == ("", "unknown")
    assert rows[0]["incident_cluster"] == rows[0]["episode"] == ""
    assert rows[0]["child_id"] == "LA1" and rows[0]["child_name"] == "Kai Jones"


@given(st.text(max_size=40))
def test_escaping_then_the_importers_unescaping_gives_back_any_text(text):
    escaped = escape_cell(text)
    assert not escaped.startswith(("=", "+", "@", "\t", "\r")) or PLAIN_NUMBER.match(escaped)
    assert unescape_formula(escaped) == text
