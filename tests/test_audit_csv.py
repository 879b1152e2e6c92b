"""The audit panel CSV: the spec's columns, one row per flag, BOM, formula-safe, evidence ids listed."""

from __future__ import annotations

import csv
import datetime as dt

from chronology.analysis.facts import Flag
from chronology.analysis.patterns import find_flags
from exporters.audit_csv import COLUMNS, export_audit, panel_child_id
from tests.fact_builders import ChildBuilder


def test_one_row_per_flag_with_the_spec_columns(tmp_path):
    child = ChildBuilder(la_child_id="LA0000009")
    ids = [child.police_da(day) for day in ("2021-02-03", "2021-05-10", "2021-11-30")]
    facts = child.build()
    flags = find_flags(facts)
    path = tmp_path / "audit.csv"
    written = export_audit(path, [(panel_child_id(facts), flag) for flag in flags])
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for Excel
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0] == COLUMNS == ["child_id", "pattern", "evidence_from", "evidence_to", "events", "detail"]
    assert written == len(flags) == len(rows) - 1
    (escalation,) = [r for r in rows[1:] if r[1] == "da_escalation"]
    assert escalation[:5] == [
        "LA0000009",
        "da_escalation",
        "2021-02-03",
        "2021-11-30",
        "; ".join(map(str, ids)),
    ]
    assert escalation[5].startswith("3 DA incidents in 12 months")


def test_child_without_la_id_gets_the_project_id_and_cells_are_escaped(tmp_path):
    facts = ChildBuilder(la_child_id=None, person_id=42).build()
    assert panel_child_id(facts) == "person-42"
    flag = Flag(42, "da_escalation", dt.date(2021, 1, 1), dt.date(2021, 2, 1), (1,), '=HYPERLINK("http://x")')
    path = tmp_path / "audit.csv"
    export_audit(path, [("-person", flag)])
    row = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))[1]
    assert row[0] == "'-person" and row[5] == '\'=HYPERLINK("http://x")'


def test_an_empty_cohort_still_has_its_header(tmp_path):
    path = tmp_path / "audit.csv"
    assert export_audit(path, []) == 0
    assert path.read_text(encoding="utf-8-sig").strip() == ",".join(COLUMNS)
