"""The one-child chronology CSV, exactly as ../shared/specs/patterns-and-exports.md lays it out.

UTF-8 with BOM (so Excel opens it correctly), oldest first, every text cell escaped against formula
injection, and re-importable through the template importer: the spec's columns come first, in
order, then the columns the template importer needs to know whose chronology it is.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TextIO

from chronology.annotations import Note, analysis_text
from chronology.events import IdentifierKind
from chronology.record import ChildRecord, Entry
from exporters.csv_safety import escape_cell

SPEC_COLUMNS = [
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
]
# After the spec's columns: who the chronology is about, so a re-import finds the same child.
EXTRA_COLUMNS = [
    "child_id",
    "nhs_number",
    "upn",
    "child_name",
    "child_dob",
    "date_uncertain",
    "seq",
    "end_time",
]
COLUMNS = SPEC_COLUMNS + EXTRA_COLUMNS


def entry_row(entry: Entry, record: ChildRecord, notes: Sequence[Note] = ()) -> dict[str, str]:
    """One CSV row (unescaped values) for an event.

    ``notes``: practitioners' annotations, written after the agency's own analysis in the ``analysis``
    cell, one line each, as "[annotation by <user> on <date>] ..." (the agency's words stay first).
    """
    if entry.date is not None:
        date, precision = entry.date.marked(), entry.date.precision.value
    else:
        date, precision = entry.date_text or "", "unknown"
    return {
        "date": date,
        "date_precision": precision,
        "end_date": entry.end.marked() if entry.end else "",
        "time": entry.time.strftime("%H:%M") if entry.time else "",
        "age_at_event": entry.age_at_event or "",
        "agency": entry.agency,
        "source": entry.source,
        "event_type": entry.event_type,
        "category": "; ".join(entry.categories),
        "significant": "Y" if entry.significant else "N",
        "summary": entry.summary,
        "impact_on_child": entry.impact_on_child or "",
        "action_outcome": entry.action_outcome or "",
        "analysis": analysis_text(entry.analysis, notes),
        "persons": "; ".join(person.display for person in entry.persons),
        "child_voice": entry.child_voice or "",
        "incident_cluster": entry.incident_cluster or "",
        "episode": entry.episode or "",
        "source_file": entry.source_file,
        "source_record": entry.source_record_id or "",
        "child_id": record.first(IdentifierKind.LA_CHILD_ID) or "",
        "nhs_number": record.first(IdentifierKind.NHS_NUMBER) or "",
        "upn": record.first(IdentifierKind.UPN) or "",
        "child_name": record.name or "",
        "child_dob": record.dob.marked() if record.dob else "",
        "date_uncertain": "Y" if entry.date is not None and entry.date.uncertain else "N",
        "seq": "" if entry.seq is None else str(entry.seq),
        "end_time": entry.end_time.strftime("%H:%M") if entry.end_time else "",
    }


def write_chronology(
    handle: TextIO,
    record: ChildRecord,
    entries: Iterable[Entry] | None = None,
    notes: Mapping[int, Sequence[Note]] | None = None,
) -> int:
    """Write the chronology to an open text handle; returns the number of event rows."""
    writer = csv.writer(handle, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    count = 0
    for entry in record.entries if entries is None else entries:
        row = entry_row(entry, record, (notes or {}).get(entry.id, ()))
        writer.writerow([escape_cell(row[column]) for column in COLUMNS])
        count += 1
    return count


def export_chronology(path: Path, record: ChildRecord, entries: Iterable[Entry] | None = None) -> int:
    """Write the chronology CSV file (UTF-8 with BOM); returns the number of event rows."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        return write_chronology(handle, record, entries)
