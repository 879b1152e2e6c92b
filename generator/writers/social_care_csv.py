"""Children's social care exports in the project's formats: ``relationships.csv`` and ``case-notes.csv``.

``relationships.csv`` (family relationships CSV) has one row per person in the life of each child
known to social care (a child with any social care record): mother, father, step-father, mother's
partner, siblings, half-siblings and grandparents, from the world's ``Relation`` list. The person
ID is the world's person ID, except a sibling who is one of the authority's children: the format
says a sibling known to social care is identified by their own LA child ID.

``case-notes.csv`` (social care case notes CSV) has the social care records that are contacts,
visits and meetings (the process events the CIN census carries, such as referrals, assessments,
section 47 enquiries, plan starts and ends and closures, are in ``cin_census_xml.py``, not here):

======================================  =====================================================
world event (first label)               event_type
======================================  =====================================================
Contact                                 contact
Statutory visit                         statutory visit (child_seen / child_seen_alone from the
                                        labels "Child seen" and "Child seen alone")
Home visit                              home visit
Strategy discussion                     strategy discussion
Core group                              core group
Initial child protection conference     initial child protection conference
Review child protection conference      review child protection conference
anything else                           case note (the world's label is kept in the summary)
======================================  =====================================================

Every case-note row also names the child, as a case-management export does (the optional child
identity columns of the case-notes format, an extension of the spec's list): ``child_surname``,
``child_forenames``, ``child_dob`` on every row; ``child_nhs_number`` and ``child_upn`` only where
the world's social care record holds them (``event.ids``: ``generator/story.py`` gives social care
the NHS number on about 70% of its records and the UPN on about 60%, with the deliberate mistypes
the ground truth lists). Social care records hold the NHS number because health partners share
it (child protection information sharing) but not on every record; the CIN census return has no
NHS number field at all, so it still has none.

Attendees are ``person_id:role`` for family (the person ID the relationships file gives them) and
``Name (role)`` for practitioners; the child's own words are ``child_views``; the worker is the
social worker named on the record. Dates are ``DD/MM/YYYY`` as the case management system
exports them, keeping a month-only date (``MM/YYYY``) and a ``?`` for an uncertain one.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import IO

from generator.model import ChildRecord, Family, Mention, Relation, WorldEvent
from generator.writers.cin_census_xml import PROCESS_EVENTS, SOCIAL_CARE
from generator.writers.template_csv import format_date

RELATIONSHIPS = "relationships.csv"
CASE_NOTES = "case-notes.csv"
RELATIONSHIP_COLUMNS = (
    "child_id",
    "person_id",
    "surname",
    "forenames",
    "dob",
    "sex",
    "nhs_number",
    "relationship",
    "parental_responsibility",
    "lives_with_child",
    "from_date",
    "to_date",
)
CASE_NOTE_COLUMNS = (
    "child_id",
    "record_id",
    "date",
    "time",
    "event_type",
    "summary",
    "child_seen",
    "child_seen_alone",
    "child_views",
    "attendees",
    "worker",
    "significant",
    "child_surname",
    "child_forenames",
    "child_dob",
    "child_nhs_number",
    "child_upn",
)
EVENT_TYPES = {
    "Contact": "contact",
    "Statutory visit": "statutory visit",
    "Home visit": "home visit",
    "Strategy discussion": "strategy discussion",
    "Core group": "core group",
    "Initial child protection conference": "initial child protection conference",
    "Review child protection conference": "review child protection conference",
}
OTHER_TYPE = "case note"
SEEN = "Child seen"
SEEN_ALONE = "Child seen alone"
SOCIAL_WORKER = "social worker"


def known_to_social_care(record: ChildRecord) -> bool:
    return any(event.agency == SOCIAL_CARE for event in record.events)


def person_ids(family: Family) -> dict[str, str]:
    """World person ID -> the ID social care files use: a child of the authority by LA child ID."""
    return {record.child.person_id: record.la_child_id for record in family.children}


def _yes_no(flag: bool) -> str:
    return "Y" if flag else "N"


def relationship_row(record: ChildRecord, relation: Relation, ids: dict[str, str]) -> list[str]:
    person = relation.person
    return [
        record.la_child_id,
        ids.get(person.person_id, person.person_id),
        person.surname,
        person.forenames,
        person.dob.isoformat(),
        person.sex,
        person.nhs_number or "",
        relation.role,
        _yes_no(relation.parental_responsibility),
        _yes_no(relation.lives_with_child),
        relation.since.isoformat() if relation.since else "",
        "",
    ]


def is_case_note(event: WorldEvent) -> bool:
    """A social care contact, visit or meeting (not a process event the census carries)."""
    return event.agency == SOCIAL_CARE and bool(event.labels) and event.labels[0] not in PROCESS_EVENTS


def attendee(mention: Mention, ids: dict[str, str]) -> str:
    """``P123:mother`` for family, ``Jane Smith (health visitor)`` for a practitioner."""
    roles = ", ".join(mention.roles)
    if mention.person_id:
        return f"{ids.get(mention.person_id, mention.person_id)}:{roles}"
    return f"{mention.name} ({roles})" if roles else mention.name


def case_note_row(record: ChildRecord, event: WorldEvent, ids: dict[str, str]) -> list[str]:
    kind = event.labels[0]
    event_type = EVENT_TYPES.get(kind, OTHER_TYPE)
    summary = event.text if event_type != OTHER_TYPE else f"{'; '.join(event.labels)}: {event.text}"
    if event.impact:
        summary += f" — {event.impact}"
    if event.action:
        summary += f" — outcome: {event.action}"
    seen = SEEN in event.labels or SEEN_ALONE in event.labels
    worker = next((m.name for m in event.persons if SOCIAL_WORKER in m.roles and not m.person_id), "")
    return [
        event.ids.get("child_id", ""),
        event.record_id,
        format_date(event.day, iso=False, precision=event.precision, uncertain=event.uncertain),
        event.time.strftime("%H:%M") if event.time else "",
        event_type,
        summary,
        "Y" if seen else "",
        _yes_no(SEEN_ALONE in event.labels) if seen else "",
        event.voice or "",
        "; ".join(attendee(m, ids) for m in event.persons),
        worker,
        "",
        record.child.surname,
        record.child.forenames,
        record.child.dob.strftime("%d/%m/%Y"),
        event.ids.get("nhs_number", ""),
        event.ids.get("upn", ""),
    ]


class _CsvFile:
    """One CSV file with its header, written row by row."""

    def __init__(self, path: Path, columns: tuple[str, ...]) -> None:
        self.handle: IO[str] = path.open("w", encoding="utf-8", newline="")
        self.writer = csv.writer(self.handle)
        self.writer.writerow(columns)
        self.rows = 0

    def write(self, values: list[str]) -> None:
        self.writer.writerow(values)
        self.rows += 1

    def close(self) -> tuple[str, int]:
        self.handle.close()
        return Path(self.handle.name).name, self.rows


class RelationshipsWriter:
    """Writes ``relationships.csv``: the people in the life of every child known to social care."""

    def __init__(self) -> None:
        self._file: _CsvFile | None = None

    def open(self, out_dir: Path) -> None:
        self._file = _CsvFile(out_dir / RELATIONSHIPS, RELATIONSHIP_COLUMNS)

    def write_family(self, family: Family) -> None:
        assert self._file is not None, "open() first"
        ids = person_ids(family)
        for record in family.children:
            if known_to_social_care(record):
                for relation in record.relations:
                    self._file.write(relationship_row(record, relation, ids))

    def close(self) -> dict[str, int]:
        assert self._file is not None, "open() first"
        name, rows = self._file.close()
        return {name: rows}


class CaseNotesWriter:
    """Writes ``case-notes.csv``: social care contacts, visits and meetings, with who attended."""

    def __init__(self) -> None:
        self._file: _CsvFile | None = None

    def open(self, out_dir: Path) -> None:
        self._file = _CsvFile(out_dir / CASE_NOTES, CASE_NOTE_COLUMNS)

    def write_family(self, family: Family) -> None:
        assert self._file is not None, "open() first"
        ids = person_ids(family)
        for record in family.children:
            for event in record.events:
                if is_case_note(event):
                    self._file.write(case_note_row(record, event, ids))

    def close(self) -> dict[str, int]:
        assert self._file is not None, "open() first"
        name, rows = self._file.close()
        return {name: rows}
