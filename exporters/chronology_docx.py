"""The chronology as a Word document for a child protection conference or a review panel.

Exactly the events the page's filters show, oldest first, in the columns a conference reads (date,
age, agency, what happened, people, significance, analysis with the practitioners' annotations), with
what the filters were, who produced it and when, and the periods each agency's data covers. With
``pseudonymiser`` every name and identifier is replaced by glossary labels and the glossary of labels
(never of names) is printed before the chronology.

Built with python-docx, so agency text only ever enters the document as text runs (the library
escapes it); nothing in a summary can become markup, a field or a macro.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.shared import Cm, Pt

from chronology.annotations import Note, analysis_text
from chronology.record import ChildRecord, Entry
from exporters.pseudonymise import LIMITATION, Pseudonymiser

MARKING = "OFFICIAL-SENSITIVE: contains information about a child. Do not copy or share beyond its purpose."
COLUMNS = ["Date", "Age", "Agency", "What happened", "People", "Significant", "Analysis and annotations"]
Hide = Callable[[str | None], str]  # a text field as the document prints it
WIDTHS_CM = [2.4, 1.6, 2.6, 9.0, 4.0, 1.8, 5.6]


@dataclass(frozen=True, slots=True)
class DocumentContext:
    """What the document says about itself: the filters in words, who made it, when."""

    filters: str
    produced_by: str
    produced_at: dt.datetime


def write_chronology_docx(
    handle: BinaryIO,
    record: ChildRecord,
    entries: Sequence[Entry],
    notes: Mapping[int, Sequence[Note]],
    context: DocumentContext,
    *,
    significant: Mapping[int, bool] | None = None,
    incidents: Mapping[int, str] | None = None,
    pseudonymiser: Pseudonymiser | None = None,
) -> int:
    """Write the document to ``handle``; returns the number of events in it."""
    hide: Hide = pseudonymiser.text if pseudonymiser else (lambda value: value or "")
    document = Document()
    _landscape(document)
    section = document.sections[0]
    section.header.paragraphs[0].text = MARKING
    section.footer.paragraphs[0].text = MARKING

    who = pseudonymiser.child_label() if pseudonymiser else (record.name or "(name not recorded)")
    document.add_heading(f"Multi-agency chronology: {who}", level=1)
    facts = document.add_paragraph()
    if not pseudonymiser and record.dob:
        facts.add_run(f"Born {record.dob.iso()}. ")
    facts.add_run(f"{len(entries)} events ({context.filters}). ")
    facts.add_run(f"Produced by {context.produced_by} on {context.produced_at:%d %B %Y at %H:%M}.")
    if pseudonymiser:
        document.add_paragraph("Pseudonymised. " + LIMITATION)
        _glossary(document, pseudonymiser)
    _coverage(document, record)
    _events(document, entries, notes, significant or {}, incidents or {}, hide, with_sources=pseudonymiser is None)
    document.save(handle)
    return len(entries)


def _landscape(document: Document) -> None:  # type: ignore[valid-type]
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.5))
    document.styles["Normal"].font.name = "Arial"
    document.styles["Normal"].font.size = Pt(9)


def _glossary(document: Document, pseudonymiser: Pseudonymiser) -> None:  # type: ignore[valid-type]
    document.add_heading("Glossary", level=2)
    table = document.add_table(rows=1, cols=3)
    table.style = "Table Grid"
    for cell, words in zip(table.rows[0].cells, ("Label", "Role", "Agencies naming them"), strict=True):
        cell.text = words
    for entry in pseudonymiser.glossary:
        cells = table.add_row().cells
        cells[0].text, cells[1].text, cells[2].text = entry.label, entry.role, ", ".join(entry.agencies)


def _coverage(document: Document, record: ChildRecord) -> None:  # type: ignore[valid-type]
    if not record.coverage:
        return
    document.add_heading("Data held", level=2)
    for period in record.coverage:
        document.add_paragraph(
            f"{period.agency}: {period.start:%d/%m/%Y} to {period.end:%d/%m/%Y}", style="List Bullet"
        )


def _events(
    document: Document,  # type: ignore[valid-type]
    entries: Sequence[Entry],
    notes: Mapping[int, Sequence[Note]],
    significant: Mapping[int, bool],
    incidents: Mapping[int, str],
    hide: Hide,
    *,
    with_sources: bool,
) -> None:
    document.add_heading("Chronology, oldest first", level=2)
    table = document.add_table(rows=1, cols=len(COLUMNS))
    table.style = "Table Grid"
    for cell, words in zip(table.rows[0].cells, COLUMNS, strict=True):
        cell.text = words
        cell.paragraphs[0].runs[0].bold = True
    for entry in entries:
        cells = table.add_row().cells
        when = entry.date.marked() if entry.date else (entry.date_text or "not known")
        cells[0].text = when + (f" {entry.time:%H:%M}" if entry.time else "")
        cells[1].text = entry.age_at_event or ""
        cells[2].text = entry.agency
        _what_happened(cells[3], entry, incidents.get(entry.id), hide, with_sources)
        cells[4].text = "; ".join(hide(person.display) for person in entry.persons)
        cells[5].text = "Yes" if significant.get(entry.id, entry.significant) else "No"
        cells[6].text = hide(analysis_text(entry.analysis, notes.get(entry.id, ())))
    for row in table.rows:
        for cell, width in zip(row.cells, WIDTHS_CM, strict=True):
            cell.width = Cm(width)


def _what_happened(cell: Any, entry: Entry, incident: str | None, hide: Hide, with_sources: bool) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.add_run(entry.event_type.replace("_", " ")).bold = True
    if incident:
        paragraph.add_run(f" · {incident}")
    cell.add_paragraph(hide(entry.summary))
    if entry.impact_on_child:
        cell.add_paragraph("Impact: " + hide(entry.impact_on_child))
    if entry.action_outcome:
        cell.add_paragraph("Outcome: " + hide(entry.action_outcome))
    if entry.child_voice:
        cell.add_paragraph("Child's voice: " + hide(entry.child_voice))
    if with_sources:
        row = f", row {entry.source_row}" if entry.source_row else ""
        cell.add_paragraph(f"Source: {entry.source_file}{row}")
