"""The police occurrence CSV (project format): ``police-occurrences.csv``, one row per nominal.

Police records systems export occurrence–nominal links, so one world occurrence becomes one
``occurrence_ref`` with a row for each child and each adult linked to it:

- Each world Police event is one child's link to a police record. Siblings' events with the same
  ``reference`` are ONE occurrence (the world gives each child their own event): merged within
  the family, one child nominal row per child. The occurrence's own details (time, type, summary,
  DASH) come from the first child's event, since a police system holds one of each per occurrence.
- ``occurrence_ref`` = the world ``reference`` when the event is the occurrence itself (its
  ``record_id`` is ``<reference>/<n>``). A record that only quotes an occurrence (a MARAC referral
  made days after the incident) is a police record of its own: its ``occurrence_ref`` is its own
  ``record_id``, and its summary names the occurrence, so it never swallows the incident's row.
- Child nominal role: "victim" when the occurrence type is an offence against the child and no
  adult is the victim; "child present" on an occurrence (the world's occurrences are incidents
  at the child's home with the child there: "Rhys present in the house", "children safe");
  "child resident" on a record that follows one (a MARAC referral about the household).
- Adults: every family Mention on the event(s), with their part in it (``Mention.roles`` is the
  relationship first, then the part: ("mother", "victim") -> "victim"; no part -> "other"), and
  their dob, sex and NHS number from the world Person. Police record roles, not relationships:
  the relationship is only in the summary text, as the world wrote it.
- The child's NHS number or UPN only where ``event.ids`` has it (mistypes carried); never the LA
  child ID. ``nominal_id`` is a stable force ID from the world person ID (``NM`` + its digits).
- ``occurrence_type`` / ``domestic_abuse`` / ``dash_risk`` / ``dash_score`` come from the labels
  ("Police occurrence; Domestic crime; Domestic abuse; DASH: high (16)"), ``encompass_school_urn``
  from the child's Operation Encompass record quoting the same reference, if the world has one.
- ``outcome`` (an extra column, kept by the importer as an attribute) is the world ``action``.
  The world ``impact`` is an assessment police exports do not carry: it is not written.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from generator.model import ChildRecord, Family, Mention, Person, WorldEvent
from generator.writers.school_log_csv import school_of

NAME = "police-occurrences.csv"
COLUMNS = (
    "occurrence_ref",
    "occurred_at",
    "occurrence_type",
    "domestic_abuse",
    "dash_risk",
    "dash_score",
    "children_present",
    "location",
    "summary",
    "outcome",
    "nominal_id",
    "nominal_role",
    "surname",
    "forenames",
    "dob",
    "sex",
    "nhs_number",
    "upn",
    "encompass_school_urn",
)
POLICE = "Police"
OCCURRENCE_KIND = "Police occurrence"  # the world's first label for an occurrence: the type follows
ROLES = ("victim", "suspect", "offender", "witness", "reporting person", "other")
CHILD_VICTIM_TYPES = frozenset(
    {
        "Assault",
        "Sexual offence",
        "Child neglect",
        "Child sexual exploitation",
        "Child criminal exploitation",
        "Missing person",
    }
)
DOMESTIC_LABELS = frozenset({"domestic abuse", "domestic incident", "domestic crime", "marac referral"})
_DASH = re.compile(r"DASH:\s*(\w+)\s*\((\d+)\)")


def nominal_id(person_id: str | None, name: str) -> str:
    """The force's ID for a person: stable across occurrences (from the world person ID)."""
    if person_id:
        return "NM" + "".join(ch for ch in person_id if ch.isdigit())
    return f"NX{zlib.crc32(name.encode('utf-8')) % 10_000_000:07d}"


def is_occurrence(event: WorldEvent) -> bool:
    """The event is the occurrence itself, not a later record quoting its reference."""
    return bool(event.reference) and event.record_id.partition("/")[0] == event.reference


def occurrence_ref(event: WorldEvent) -> str:
    return event.reference if event.reference and is_occurrence(event) else event.record_id


def occurrence_type(event: WorldEvent) -> str:
    labels = event.labels
    if labels and labels[0] == OCCURRENCE_KIND:
        return labels[1] if len(labels) > 1 and not labels[1].startswith("DASH") else ""
    return labels[0] if labels else ""


def dash(event: WorldEvent) -> tuple[str, str]:
    """(risk level, score) from a "DASH: high (16)" label; blanks when no DASH was done."""
    for label in event.labels:
        if match := _DASH.fullmatch(label.strip()):
            return match.group(1).lower(), match.group(2)
    return "", ""


def is_domestic(event: WorldEvent) -> bool:
    """Flagged domestic abuse; a MARAC referral always is (MARAC hears high-risk domestic abuse cases)."""
    return any(label.lower() in DOMESTIC_LABELS for label in event.labels)


def part_in_event(mention: Mention) -> str:
    """The mention's part in the occurrence (victim, suspect, ...), 'other' when the world gives none."""
    for role in (*mention.roles[1:], mention.roles[0] if mention.roles else ""):
        if role.lower() in ROLES:
            return role.lower()
    return "other"


def child_role(event: WorldEvent) -> str:
    if occurrence_type(event) in CHILD_VICTIM_TYPES and not any(
        part_in_event(m) == "victim" for m in event.persons
    ):
        return "victim"
    if is_occurrence(event):  # the world's occurrences are all at the child's home, the child there
        return "child present"
    return "child resident"  # a later record about the household (a MARAC referral)


def occurred_at(event: WorldEvent) -> str:
    if event.precision == "month":
        text = f"{event.day:%Y-%m}"
    else:
        text = event.day.isoformat() + (f" {event.time:%H:%M}" if event.time else "")
    return ("?" if event.uncertain else "") + text


@dataclass(slots=True)
class _Occurrence:
    """One occurrence of one family: its first event gives the details; each child is a link."""

    ref: str
    first: WorldEvent
    links: list[tuple[ChildRecord, WorldEvent]] = field(default_factory=list)

    def sort_key(self) -> tuple[dt.date, dt.time, str]:
        return self.first.day, self.first.time or dt.time(0), self.ref


class PoliceCsvWriter:
    """Writes ``police-occurrences.csv``: each family's occurrences, oldest first, nominal by nominal."""

    def __init__(self) -> None:
        self._handle: IO[str] | None = None
        self._writer: csv._writer | None = None
        self.rows = 0
        self.occurrences = 0
        self.merged_children = 0  # child links beyond the first on an occurrence (siblings)
        self.sibling_details_differ = 0  # merged siblings whose world events disagree on time/text

    def open(self, out_dir: Path) -> None:
        self._handle = (out_dir / NAME).open("w", encoding="utf-8", newline="")
        self._writer = csv.writer(self._handle)
        self._writer.writerow(COLUMNS)

    def write_family(self, family: Family) -> None:
        assert self._writer is not None, "open() first"
        people = _people(family)
        groups: dict[str, _Occurrence] = {}
        for record in family.children:
            for event in record.events:
                if event.agency != POLICE:
                    continue
                ref = occurrence_ref(event)
                group = groups.setdefault(ref, _Occurrence(ref, event))
                group.links.append((record, event))
        for group in sorted(groups.values(), key=_Occurrence.sort_key):
            for values in self._rows(group, people):
                self._writer.writerow(values)
                self.rows += 1
            self.occurrences += 1

    def _rows(self, group: _Occurrence, people: dict[str, Person]) -> list[list[str]]:
        first = group.first
        risk, score = dash(first)
        own = is_occurrence(first)
        details = [
            group.ref,
            occurred_at(first),
            occurrence_type(first),
            "Y" if is_domestic(first) else "N",
            risk,
            score,
            ("Y" if any(child_role(e) != "child resident" for _, e in group.links) else "N") if own else "",
            "Home address" if own else "",
            first.text,
            first.action,
        ]
        rows: list[list[str]] = []
        seen: set[str] = set()
        for record, event in group.links:
            if event is not first:
                self.merged_children += 1
                if (event.day, event.time, event.text) != (first.day, first.time, first.text):
                    self.sibling_details_differ += 1
            child = record.child
            key = nominal_id(child.person_id, child.name)
            if key in seen:  # the same child linked twice: one nominal
                continue
            seen.add(key)
            rows.append(
                [
                    *details,
                    key,
                    child_role(event),
                    child.surname,
                    child.forenames,
                    child.dob.isoformat(),
                    child.sex,
                    event.ids.get("nhs_number", ""),
                    event.ids.get("upn", ""),
                    _encompass_urn(record, group.ref),
                ]
            )
        for _, event in group.links:
            for mention in event.persons:
                person = people.get(mention.person_id or "")
                key = nominal_id(mention.person_id, mention.name)
                if key in seen:
                    continue
                seen.add(key)
                rows.append([*details, key, part_in_event(mention), *_names(mention, person)])
        return rows

    def close(self) -> dict[str, int]:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
            self._writer = None
        return {NAME: self.rows}


def _people(family: Family) -> dict[str, Person]:
    """Everyone the family's records name, by world person ID."""
    people = {p.person_id: p for p in family.people}
    for record in family.children:
        people[record.child.person_id] = record.child
        for relation in record.relations:
            people.setdefault(relation.person.person_id, relation.person)
    return people


def _names(mention: Mention, person: Person | None) -> list[str]:
    """surname, forenames, dob, sex, nhs_number, upn, encompass URN of an adult nominal."""
    if person is not None:
        return [
            person.surname,
            person.forenames,
            person.dob.isoformat(),
            person.sex,
            person.nhs_number or "",
            "",
            "",
        ]
    forenames, _, surname = mention.name.rpartition(" ")
    return [surname, forenames, "", "", "", "", ""]


def _encompass_urn(record: ChildRecord, ref: str) -> str:
    """The URN of the child's school, when it logged an Operation Encompass notification for ``ref``."""
    for event in record.events:
        if (
            event.agency == "Education"
            and event.reference == ref
            and event.labels[:1] == ("Operation Encompass",)
        ):
            return school_of(event).urn
    return ""
