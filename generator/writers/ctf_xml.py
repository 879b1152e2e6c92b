"""DfE Common Transfer Files (XML), one per school: ``ctf-<URN>.xml`` (``CTfile/Header`` +
``CTFpupilData/Pupil``), holding every pupil the school's MIS had in the data window.

What the world gives and how it becomes CTF:

- ``Attendance`` events are half-term register summaries ("Autumn 1 half-term attendance 93.6%").
  A CTF holds sessions per academic year, so each school's half-terms of one academic year are
  summed into one ``Attendance/YearData`` (September–August): sessions possible per half-term are
  a fixed school calendar (``SESSIONS``, 380 a year), sessions attended = possible × the world's
  percentage, rounded. The world does not say which absences were authorised: a third of the
  absent sessions (rounded down) are written as unauthorised, the rest authorised. A year that
  the data window cuts holds only the half-terms inside it. The world labels half-terms below 90%
  "Persistent absence"; the importer judges the year (below 90% of the year's sessions).
- ``Admission`` events become ``SchoolHistory/School`` entries (``EntryDate``). The world records
  no leaving, so no ``LeavingDate`` is written. A school's file has the pupil's history up to
  that school (a secondary's file repeats the primary entry: the importer keys both the same).
- Identity: UPN, names, DOB, sex. The UPN is the one the school wrote on most of the pupil's
  rows there (a single mistyped row does not change the MIS's pupil record; ties go to the
  pupil's real UPN). The CTF record IDs are the importer's (UPN/Attendance/<year>/<school>),
  not the world's half-term record IDs, which no CTF element carries.
- No LookedAfter, SEN or contacts blocks: the world holds none of them as school data.

Pupils are written as each family arrives into a part file per school; ``close`` puts the header
(dated the school's last record in the file, or ``made``) in front and removes the part files.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from generator.model import ChildRecord, Family, WorldEvent
from generator.writers.school_log_csv import EDUCATION, School, school_for, school_name_of

CTF_VERSION = "21.0"
SUPPLIER = "SYNTHETIC"
# Sessions possible in each half-term (two a day; 190 school days a year).
SESSIONS = {"Autumn 1": 70, "Autumn 2": 72, "Spring 1": 58, "Spring 2": 62, "Summer 1": 56, "Summer 2": 62}
_HALF_TERM = re.compile(
    r"(?P<term>(?:Autumn|Spring|Summer) [12]) half-term attendance (?P<pct>\d+(?:\.\d+)?)%"
)


def academic_year(day: dt.date) -> int:
    """The year the academic year (September to August) starts."""
    return day.year if day.month >= 9 else day.year - 1


def file_name(school: School) -> str:
    return f"ctf-{school.urn}.xml"


@dataclass(slots=True)
class YearSessions:
    """One academic year's sessions at one school, summed from half-terms."""

    possible: int = 0
    attended: int = 0
    half_terms: int = 0

    def add(self, event: WorldEvent) -> None:
        match = _HALF_TERM.search(event.text)
        if match is None:
            raise ValueError(
                f"attendance record {event.record_id} has no half-term percentage: {event.text!r}"
            )
        possible = SESSIONS[match.group("term")]
        tenths = round(float(match.group("pct")) * 10)  # the world writes one decimal place
        self.possible += possible
        self.attended += (possible * tenths + 500) // 1000
        self.half_terms += 1

    @property
    def unauthorised(self) -> int:
        return (self.possible - self.attended) // 3

    @property
    def authorised(self) -> int:
        return self.possible - self.attended - self.unauthorised


def _add(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = text
    return element


def _school_numbers(parent: ET.Element, school: School) -> None:
    _add(parent, "LEA", school.lea)
    _add(parent, "Estab", school.estab)
    _add(parent, "SchoolName", school.name)


def _upn(record: ChildRecord, events: list[WorldEvent]) -> str:
    written = Counter(e.ids["upn"] for e in events if e.ids.get("upn"))
    if not written:
        return record.upn or ""
    return max(written, key=lambda upn: (written[upn], upn == record.upn, upn))


class CtfWriter:
    """Writes ``ctf-<URN>.xml`` for every school with pupils' attendance or admissions in the world."""

    def __init__(self, made: dt.date | None = None) -> None:
        self.made = made
        self._dir: Path | None = None
        self._parts: dict[str, IO[str]] = {}
        self._schools: dict[str, School] = {}
        self._last: dict[str, dt.date] = {}
        self._pupils: dict[str, int] = {}
        self.years = 0  # YearData elements written
        self.half_terms = 0  # world attendance events summed into them
        self.entries = 0  # SchoolHistory entries written (an admission repeats in later schools' files)
        self.admissions = 0  # world admission events

    def open(self, out_dir: Path) -> None:
        self._dir = out_dir

    def _part(self, school: School) -> IO[str]:
        name = file_name(school)
        handle = self._parts.get(name)
        if handle is None:
            assert self._dir is not None, "open() first"
            handle = (self._dir / f".{name}.part").open("w", encoding="utf-8", newline="\n")
            self._parts[name] = handle
            self._schools[name] = school
            self._pupils[name] = 0
        return handle

    def write_family(self, family: Family) -> None:
        for record in family.children:
            self._write_child(record)

    def _write_child(self, record: ChildRecord) -> None:
        by_school: dict[str, list[WorldEvent]] = {}
        admissions: list[WorldEvent] = []
        for event in record.events:
            if event.agency != EDUCATION:
                continue
            by_school.setdefault(school_name_of(event), []).append(event)
            if event.labels[:1] == ("Admission",):
                admissions.append(event)
        self.admissions += len(admissions)
        for name, events in by_school.items():
            kept = [e for e in events if e.labels[:1] in (("Admission",), ("Attendance",))]
            if not kept:
                continue
            school = school_for(name)
            last = max(e.day for e in kept)
            history = [a for a in admissions if a.day <= last]
            pupil = self._pupil(record, school, _upn(record, events), kept, history)
            self._part(school).write(pupil)
            key = file_name(school)
            self._pupils[key] += 1
            self._last[key] = max(self._last.get(key, last), last)

    def _pupil(
        self,
        record: ChildRecord,
        school: School,
        upn: str,
        events: list[WorldEvent],
        history: list[WorldEvent],
    ) -> str:
        child = record.child
        pupil = ET.Element("Pupil")
        _add(pupil, "UPN", upn)
        _add(pupil, "Surname", child.surname)
        _add(pupil, "Forename", child.forenames)
        _add(pupil, "DOB", child.dob.isoformat())
        _add(pupil, "Sex", child.sex)
        years: dict[int, YearSessions] = {}
        for event in events:
            if event.labels[:1] == ("Attendance",):
                years.setdefault(academic_year(event.day), YearSessions()).add(event)
        if years:
            attendance = ET.SubElement(pupil, "Attendance")
            for year, sessions in sorted(years.items()):
                data = ET.SubElement(attendance, "YearData")
                _add(data, "Year", str(year))
                _school_numbers(data, school)
                _add(data, "SessionsPossible", str(sessions.possible))
                _add(data, "SessionsAuthorised", str(sessions.authorised))
                _add(data, "SessionsAttended", str(sessions.attended))
                _add(data, "SessionsUnauthorised", str(sessions.unauthorised))
                self.years += 1
                self.half_terms += sessions.half_terms
        if history:
            schools = ET.SubElement(pupil, "SchoolHistory")
            for admission in history:
                entry = ET.SubElement(schools, "School")
                _school_numbers(entry, school_for(school_name_of(admission)))
                _add(entry, "EntryDate", admission.day.isoformat())
                self.entries += 1
        ET.indent(pupil, space="  ", level=2)
        return "    " + ET.tostring(pupil, encoding="unicode") + "\n"

    def _header(self, school: School, made: dt.date) -> str:
        header = ET.Element("Header")
        _add(header, "DocumentName", "Common Transfer File")
        _add(header, "CTFversion", CTF_VERSION)
        _add(header, "DateTime", f"{made.isoformat()}T00:00:00")
        _add(header, "DocumentQualifier", "full")
        _add(header, "SupplierID", SUPPLIER)
        source = ET.SubElement(header, "SourceSchool")
        _add(source, "LEA", school.lea)
        _add(source, "Estab", school.estab)
        _add(source, "URN", school.urn)
        _add(source, "SchoolName", school.name)
        _add(source, "AcademicYear", str(academic_year(made)))
        ET.indent(header, space="  ", level=1)
        return "  " + ET.tostring(header, encoding="unicode") + "\n"

    def close(self) -> dict[str, int]:
        assert self._dir is not None or not self._parts
        written: dict[str, int] = {}
        for name in sorted(self._parts):
            part = self._parts[name]
            part.close()
            school = self._schools[name]
            made = self.made or self._last[name]
            path = Path(part.name)
            with (path.parent / name).open("w", encoding="utf-8", newline="\n") as out:
                out.write('<?xml version="1.0" encoding="UTF-8"?>\n<CTfile>\n')
                out.write(self._header(school, made))
                out.write("  <CTFpupilData>\n")
                with path.open(encoding="utf-8") as pupils:
                    shutil.copyfileobj(pupils, out)
                out.write("  </CTFpupilData>\n</CTfile>\n")
            path.unlink()
            written[name] = self._pupils[name]
        self._parts.clear()
        return written
