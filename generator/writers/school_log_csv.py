"""School safeguarding logs (project format CSV), one file per school: ``school-log-<URN>.csv``.

A school's safeguarding record system (the kind that exports this format) holds the school's
safeguarding concerns, not its registers: so a world Education event is in the log when the world
says the safeguarding log recorded it (its source is "<school> safeguarding log") or its kind is
a safeguarding record (Operation Encompass, Safeguarding concern, Disclosure). Attendance and
admissions are the MIS's (see ``ctf_xml``); progress reports, parents' evenings, behaviour notes
and achievements are routine records no native format here carries (the template writer has them).

Row mapping: ``incident_id`` = the world ``record_id`` (the ground truth cites it); ``category`` =
the labels, without the generic "Safeguarding concern" (the log's categories are the concern's
kind: "Physical injury", "Neglect"; an Encompass row is "Operation Encompass; Domestic abuse");
``police_reference`` = the world ``reference``; ``child_voice`` = ``voice``; ``recorded_by`` = the
member of staff named on the record (a mention with no person ID). The UPN is the one the world
says the school wrote on that row (``event.ids``), mistypes included.

Schools have no URNs in the world, so this module also gives every school a stable URN and DfE
establishment number (``school_for``), shared with the police and CTF writers.
"""

from __future__ import annotations

import csv
import datetime as dt
import zlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import IO

from generator.model import ChildRecord, Family, WorldEvent
from generator.names import PRIMARY_SCHOOLS, SECONDARY_SCHOOLS
from generator.writers.template_csv import format_date

LA_CODE = "999"  # the fictional authority's DfE LA number (not a real authority's)
COLUMNS = (
    "incident_id",
    "school_urn",
    "school_name",
    "upn",
    "surname",
    "forenames",
    "dob",
    "date",
    "time",
    "category",
    "description",
    "child_voice",
    "action_taken",
    "police_reference",
    "recorded_by",
)
SAFEGUARDING_KINDS = frozenset({"Operation Encompass", "Safeguarding concern", "Disclosure"})
GENERIC_KIND = "Safeguarding concern"  # the log's row *is* a concern: its category is the kind of concern
SOURCE_SUFFIXES = (" safeguarding log", " attendance register", " admissions register")
EDUCATION = "Education"


@dataclass(frozen=True, slots=True)
class School:
    """A school as DfE data names it: URN, LA number + establishment number, name."""

    name: str
    urn: str
    estab: str
    lea: str = LA_CODE


@cache
def _known_schools() -> dict[str, School]:
    """Fixed numbers for the world's schools (primaries 2xxx, secondaries 4xxx, as DfE numbers them)."""
    schools: dict[str, School] = {}
    for n, name in enumerate(PRIMARY_SCHOOLS, start=1):
        schools[name] = School(name, f"{110000 + n:06d}", f"{2000 + n:04d}")
    for n, name in enumerate(SECONDARY_SCHOOLS, start=1):
        schools[name] = School(name, f"{140000 + n:06d}", f"{4000 + n:04d}")
    return schools


def school_for(name: str) -> School:
    """The school's numbers; a school not in the name lists gets numbers from its name (stable)."""
    known = _known_schools().get(name)
    if known is not None:
        return known
    code = zlib.crc32(name.encode("utf-8"))
    return School(name, f"{150000 + code % 50000:06d}", f"{5000 + code % 1000:04d}")


def school_name_of(event: WorldEvent) -> str:
    """Which school recorded an Education event, from its source ("<school> safeguarding log")."""
    for name in sorted(_known_schools(), key=len, reverse=True):
        if event.source.startswith(name):
            return name
    for suffix in SOURCE_SUFFIXES:
        if event.source.endswith(suffix):
            return event.source[: -len(suffix)]
    return event.source


def school_of(event: WorldEvent) -> School:
    return school_for(school_name_of(event))


def is_safeguarding_record(event: WorldEvent) -> bool:
    """An Education record the school's safeguarding log holds (see the module docstring)."""
    return event.agency == EDUCATION and (
        event.source.endswith(" safeguarding log")
        or (bool(event.labels) and event.labels[0] in SAFEGUARDING_KINDS)
    )


def category(event: WorldEvent) -> str:
    labels = list(event.labels)
    if labels and labels[0] == GENERIC_KIND:
        labels = labels[1:] or ["Other"]
    return "; ".join(labels)


def _uk(day: dt.date) -> str:
    return format_date(day, iso=False)


def row(record: ChildRecord, event: WorldEvent, school: School) -> list[str]:
    """One log row for one safeguarding record."""
    child = record.child
    staff = next((m.name for m in event.persons if m.person_id is None), "")
    return [
        event.record_id,
        school.urn,
        school.name,
        event.ids.get("upn", ""),
        child.surname,
        child.forenames,
        _uk(child.dob),
        format_date(event.day, iso=False, precision=event.precision, uncertain=event.uncertain),
        event.time.strftime("%H:%M") if event.time else "",
        category(event),
        event.text,
        event.voice or "",
        event.action,
        event.reference or "",
        staff,
    ]


def file_name(school: School) -> str:
    return f"school-log-{school.urn}.csv"


class SchoolLogWriter:
    """Writes one ``school-log-<URN>.csv`` per school that logged a concern (opened when first needed)."""

    def __init__(self) -> None:
        self._dir: Path | None = None
        self._files: dict[str, IO[str]] = {}
        self._writers: dict[str, csv._writer] = {}
        self._counts: dict[str, int] = {}

    def open(self, out_dir: Path) -> None:
        self._dir = out_dir

    def _writer_for(self, school: School) -> csv._writer:
        name = file_name(school)
        writer = self._writers.get(name)
        if writer is None:
            assert self._dir is not None, "open() first"
            handle = (self._dir / name).open("w", encoding="utf-8", newline="")
            writer = csv.writer(handle)
            writer.writerow(COLUMNS)
            self._files[name] = handle
            self._writers[name] = writer
            self._counts[name] = 0
        return writer

    def write_family(self, family: Family) -> None:
        for record in family.children:
            for event in record.events:
                if is_safeguarding_record(event):
                    school = school_of(event)
                    self._writer_for(school).writerow(row(record, event, school))
                    self._counts[file_name(school)] += 1

    def close(self) -> dict[str, int]:
        for handle in self._files.values():
            handle.close()
        written = dict(sorted(self._counts.items()))
        self._files.clear()
        self._writers.clear()
        self._counts = {}
        return written
